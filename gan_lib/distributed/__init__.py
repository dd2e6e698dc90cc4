"""Training on several processes (GPUs or machines) with PyTorch's DistributedDataParallel.

`torchrun --nproc_per_node=N -m gan_lib train ...` starts N copies of the command line;
each one sees RANK, WORLD_SIZE and LOCAL_RANK in its environment, joins a process group
(NCCL on CUDA, gloo on the CPU) and trains a `DistributedTrainer`:

- `config.batch_size` is the *global* batch: rank r of W trains on rows [r*b, (r+1)*b) of it,
  b = batch_size / W (`ShardedBatches`), so the number of processes does not change the
  optimisation, and a checkpoint can resume on another number of processes;
- G and D are wrapped in DDP, which averages their gradients over the ranks during the backward
  pass: grad = 1/W sum_r grad L_r, the gradient of the global batch's mean loss. This holds for the
  penalties too: the double backward of WGAN-GP and R1 runs through the DDP-wrapped D (DDP's
  gradient hooks sit on the parameters, and `torch.autograd.grad` w.r.t. the inputs fires none);
- each rank draws its noise from its own seed, a hash of (run seed, rank, step) (`rank_noise_seed`);
- batch norm becomes SyncBatchNorm on CUDA (statistics over the global batch). PyTorch's
  SyncBatchNorm does not run on the CPU, so there each rank normalises with its own shard's
  statistics and DDP copies rank 0's running averages to the others before each forward pass;
- only rank 0 writes checkpoints, samples and history, prints, and shows the progress bar
  (`gan_lib.cli.run_train` runs one process or one rank alike).

One module per job: `process_group` (joining and leaving, who is rank 0), `sharding` (each
rank's share of a batch), `trainer` (the DDP trainer). The book's page on scaling out
(book/distributed.md) explains the choices; tests/distributed_launcher.py starts W local CPU
processes the way torchrun does, for the tests.
"""
from .process_group import (DEFAULT_TIMEOUT_S, DistributedError, init_distributed, is_main_process,
                            launched_by_torchrun, shutdown_distributed, synchronize, world_size)
from .sharding import ShardedBatches
from .trainer import DistributedTrainer, rank_noise_seed

__all__ = ["DEFAULT_TIMEOUT_S", "DistributedError", "DistributedTrainer", "ShardedBatches", "init_distributed",
           "is_main_process", "launched_by_torchrun", "rank_noise_seed", "shutdown_distributed", "synchronize",
           "world_size"]
