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
- only rank 0 writes checkpoints, samples and history, prints, and shows the progress bar.

The book's page on scaling out (book/distributed.md) explains the choices.
"""
from __future__ import annotations

import dataclasses
import datetime
import multiprocessing
import os
import pickle
import queue as queue_module
import socket
import time
import traceback
import warnings
from typing import Any, Callable, Sequence

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.distributed.elastic.multiprocessing.errors import record
from torch.nn.parallel import DistributedDataParallel

from .data import Batch
from .device import select_device
from .train import Trainer, TrainingDivergedError

DEFAULT_TIMEOUT_S = 300.0  # how long a collective waits for the other ranks before the run stops with an error
_COLLECTIVE_FAILURE_MARKERS = ("gloo", "nccl", "connection closed", "connection reset", "timed out", "broken pipe")


class DistributedError(RuntimeError):
    """A distributed run cannot go on: another rank failed, hangs, or the set-up is wrong; the message says which."""


# --- process group ------------------------------------------------------------------------------

def launched_by_torchrun() -> bool:
    """True in a process started by torchrun (it sets RANK, WORLD_SIZE and LOCAL_RANK)."""
    return all(name in os.environ for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"))


def init_distributed(device: str | torch.device = "auto", timeout_s: float = DEFAULT_TIMEOUT_S) -> torch.device:
    """Join the process group described by torchrun's environment variables and return this rank's device.

    NCCL on CUDA (each process takes GPU LOCAL_RANK, which becomes the current CUDA device, so "cuda"
    means that GPU), gloo on the CPU. A collective that waits longer than `timeout_s` fails (gloo raises,
    NCCL's watchdog aborts the process), so a crashed or stuck rank stops the run instead of hanging it.
    """
    if not launched_by_torchrun():
        raise DistributedError("RANK, WORLD_SIZE and LOCAL_RANK are not set: start the run with "
                               "torchrun --nproc_per_node=N -m gan_lib train ... (or gan_lib.distributed.spawn_local)")
    local_rank, world_size = int(os.environ["LOCAL_RANK"]), int(os.environ["WORLD_SIZE"])
    device = select_device(device)
    if device.type == "cuda":
        if device.index is not None and world_size > 1:
            raise DistributedError(f"--device {device} pins every process to one GPU; use --device cuda (or auto): "
                                   "each process takes the GPU numbered by its LOCAL_RANK")
        if local_rank >= torch.cuda.device_count():
            raise DistributedError(f"LOCAL_RANK {local_rank} but this machine has {torch.cuda.device_count()} GPUs: "
                                   "start at most one process per GPU (--nproc_per_node)")
        torch.cuda.set_device(local_rank)
        device, backend = torch.device("cuda", local_rank), "nccl"
    elif device.type == "cpu":
        backend = "gloo"
    else:
        raise DistributedError(f"distributed training runs on CUDA (NCCL) or the CPU (gloo), not on {device.type}; "
                               "use --device cpu or cuda")
    if not (dist.is_available() and dist.is_initialized()):
        dist.init_process_group(backend, timeout=datetime.timedelta(seconds=timeout_s))
    return device


def shutdown_distributed() -> None:
    """Leave the process group (no-op outside one)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def is_main_process() -> bool:
    """Rank 0, or the only process of a run that is not distributed: the one that writes files and prints."""
    return not (dist.is_available() and dist.is_initialized()) or dist.get_rank() == 0


def rank_noise_seed(seed: int, rank: int, step: int) -> int:
    """The seed of rank `rank`'s noise (z, fake labels, penalty interpolation weights) at generator step `step`
    of a run seeded `seed`: a hash of all three (numpy's SeedSequence), so the ranks' streams are independent
    (no two ranks generate the same fakes) and any (rank, step) is recreated without replaying the run."""
    sequence = np.random.SeedSequence(entropy=seed % 2**64, spawn_key=(rank, step))
    return int(sequence.generate_state(1, np.uint64)[0])


# --- data: one shard of each global batch ----------------------------------------------------------

class ShardedBatches:
    """Rank `rank`'s share of a global batch stream `batches` (batch size B): rows [rank*b, (rank+1)*b), b = B / W.

    Every rank runs the same global stream with the same seed and keeps its slice, as torch's
    DistributedSampler does for datasets: the shards are disjoint, together they are exactly the
    batch one process would draw, and the stream's state (epoch, position) is the same on every
    rank, so rank 0's checkpoint resumes the data order on any number of processes.
    """

    def __init__(self, batches, rank: int, world_size: int):
        if not 0 <= rank < world_size:
            raise ValueError(f"rank must be in [0, {world_size}), got {rank}")
        if batches.batch_size % world_size:
            raise ValueError(f"batch_size {batches.batch_size} cannot be split evenly over {world_size} processes: "
                             f"batch_size is the global batch; choose a multiple of {world_size}")
        self.batches, self.rank, self.world_size = batches, rank, world_size
        self.batch_size = batches.batch_size // world_size  # this rank's rows per batch
        self.sample_shape = batches.sample_shape
        self.num_classes = getattr(batches, "num_classes", 0)

    def next_batch(self) -> Batch:
        x, y = self.batches.next_batch()
        rows = slice(self.rank * self.batch_size, (self.rank + 1) * self.batch_size)
        return Batch(x[rows], None if y is None else y[rows])

    def state_dict(self) -> dict:
        return self.batches.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.batches.load_state_dict(state)


# --- the trainer --------------------------------------------------------------------------------------

def _has_batch_norm(module: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in module.modules())


def _collective_failed(error: BaseException) -> bool:
    text = str(error).lower()
    return isinstance(error, getattr(dist, "DistError", ())) or any(m in text for m in _COLLECTIVE_FAILURE_MARKERS)


class DistributedTrainer(Trainer):
    """A `Trainer` for one rank of a DDP run; build it after `init_distributed()`, like a Trainer.

    `batches` is the global stream (batch size = the global batch, same seed on every rank);
    the trainer keeps this rank's shard. `generator` and `discriminator` stay the plain networks
    (saved, sampled and averaged as in a single process); the update steps call their DDP wrappers,
    `train_generator` and `train_discriminator`.
    """

    def __init__(self, config, generator: nn.Module, discriminator: nn.Module, batches):
        if not (dist.is_available() and dist.is_initialized()):
            raise DistributedError("no process group: call gan_lib.distributed.init_distributed() first "
                                   "(in a process started by torchrun)")
        self.rank, self.world_size = dist.get_rank(), dist.get_world_size()
        if self.rank != 0 and config.progress:
            config = dataclasses.replace(config, progress=False)  # one progress bar, on rank 0
        device = select_device(config.device)
        if device.type == "cuda":  # batch statistics over the global batch (SyncBatchNorm needs a GPU)
            generator = nn.SyncBatchNorm.convert_sync_batchnorm(generator)
            discriminator = nn.SyncBatchNorm.convert_sync_batchnorm(discriminator)
        elif self.rank == 0 and self.world_size > 1 and (_has_batch_norm(generator) or _has_batch_norm(discriminator)):
            warnings.warn("batch norm on the CPU normalises each process's shard with its own statistics "
                          "(SyncBatchNorm needs a GPU); running averages are rank 0's", stacklevel=2)
        super().__init__(config, generator, discriminator, ShardedBatches(batches, self.rank, self.world_size))
        device_ids = [torch.cuda.current_device() if self.device.index is None else self.device.index] \
            if self.device.type == "cuda" else None
        self.train_generator = DistributedDataParallel(self.generator, device_ids=device_ids)
        self.train_discriminator = DistributedDataParallel(self.discriminator, device_ids=device_ids)
        self.local_batch_size = self.batches.batch_size

    def train_step(self) -> None:
        # This rank's noise for this step, from (seed, rank, step): no state to save, any world size resumes.
        self.rng.manual_seed(rank_noise_seed(self.config.seed, self.rank, self.step))
        try:
            super().train_step()
        except (TrainingDivergedError, DistributedError):
            raise
        except RuntimeError as error:
            if not _collective_failed(error):
                raise
            raise DistributedError(
                f"rank {self.rank} of {self.world_size} stopped at step {self.step + 1}: exchanging gradients or "
                "statistics with the other ranks failed, so another rank crashed (see its error above) or hangs "
                f"longer than the timeout. Details: {str(error).splitlines()[0]}") from error

    def discriminator_step(self) -> dict[str, torch.Tensor]:
        return self._mean_over_ranks(super().discriminator_step())

    def generator_step(self) -> dict[str, torch.Tensor]:
        return self._mean_over_ranks(super().generator_step())

    def _mean_over_ranks(self, stats: dict[str, torch.Tensor | None]) -> dict[str, torch.Tensor | None]:
        """On logging steps, the mean of each statistic over the ranks: the global batch's value, since the
        shards have equal size. (Gradient norms are already equal: DDP averaged the gradients.)"""
        if not self._logging_step():
            return stats
        names = [name for name, value in stats.items() if value is not None]
        values = torch.stack([stats[name].detach().float().reshape(()) for name in names])  # (S,)
        dist.all_reduce(values)  # a sum: gloo has no average
        return {**stats, **dict(zip(names, values / self.world_size))}

    def state_dict(self) -> dict:
        return {**super().state_dict(), "world_size": self.world_size}


# --- the command line under torchrun --------------------------------------------------------------

@record  # torchrun's failure summary then shows this rank's traceback
def run_train_distributed(args) -> int:
    """`python -m gan_lib train` in one of torchrun's processes: train with DDP, rank 0 writes the outputs."""
    from .checkpoint import PeriodicCheckpoint, resume
    from .cli import _save_sample_figure, config_from_args

    init_distributed(args.device, getattr(args, "dist_timeout", DEFAULT_TIMEOUT_S))
    try:
        main, world_size = is_main_process(), dist.get_world_size()
        checkpoint = args.out / "checkpoint.pt"
        if args.resume:  # every rank reads the checkpoint: multi-node runs need --out on a shared filesystem
            trainer = resume(checkpoint, trainer_class=DistributedTrainer, steps=args.steps,
                             progress=not args.no_progress)
            if main:
                print(f"resumed {checkpoint} at step {trainer.step} on {world_size} processes")
        else:
            trainer = DistributedTrainer.from_config(config_from_args(args))

        save_periodically = PeriodicCheckpoint(checkpoint, args.checkpoint_every, enabled=main)
        trainer.fit(callbacks=[save_periodically])
        save_periodically.final(trainer)  # once: not again when the last periodic save was at the final step
        if main:
            trainer.history.save_json(args.out / "history.json")
            _save_sample_figure(trainer, args.out / "samples.png")
            print(f"trained {trainer.step} steps on {world_size} processes (global batch {trainer.config.batch_size}); "
                  f"wrote {checkpoint}, {args.out / 'samples.png'}, {args.out / 'history.json'}")
        dist.barrier()  # the run ends when rank 0 has written its files
    finally:
        shutdown_distributed()
    return 0


# --- a local launcher: torchrun's job for W CPU processes on this machine -------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _local_worker(function, args, rank, world_size, port, threads, collective_timeout_s, reports) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world_size),
                      LOCAL_RANK=str(rank), LOCAL_WORLD_SIZE=str(world_size))
    torch.set_num_threads(threads)
    try:
        init_distributed("cpu", collective_timeout_s)
        reports.put((rank, True, pickle.dumps(function(*args))))
    except BaseException:  # report every failure, SystemExit included, to the launcher
        reports.put((rank, False, traceback.format_exc()))
    finally:
        shutdown_distributed()


def spawn_local(function: Callable, world_size: int = 2, args: Sequence[Any] = (), timeout_s: float = 120.0,
                collective_timeout_s: float = 30.0, threads_per_process: int | None = None) -> list:
    """Run `function(*args)` in `world_size` new CPU processes joined in a gloo process group, as
    `torchrun --standalone --nproc_per_node=W` would, and return their results in rank order.

    `function` must be importable by name (defined in a module) and return something picklable.
    If a rank fails, the others have `collective_timeout_s` (their collectives' timeout) plus two
    seconds to stop by themselves; then every process still running is stopped and a
    `DistributedError` reports each rank's outcome. The whole run is stopped after `timeout_s`.
    """
    if not isinstance(world_size, int) or world_size < 1:
        raise ValueError(f"world_size must be a positive integer, got {world_size!r}")
    context = multiprocessing.get_context("spawn")  # fresh interpreters: no inherited threads or CUDA state
    reports = context.Queue()
    threads = threads_per_process or max(1, (os.cpu_count() or 1) // world_size)
    port = _free_port()
    processes = [context.Process(target=_local_worker, daemon=True, args=(
        function, tuple(args), rank, world_size, port, threads, collective_timeout_s, reports))
        for rank in range(world_size)]
    for process in processes:
        process.start()
    outcomes: dict[int, tuple[bool, Any]] = {}
    deadline, started = time.monotonic() + timeout_s, time.monotonic()
    try:
        while len(outcomes) < world_size and time.monotonic() < deadline:
            try:
                rank, ok, payload = reports.get(timeout=0.2)
                outcomes[rank] = (ok, payload)
                if not ok:  # give the others time to notice through their own timeouts, no longer
                    deadline = min(deadline, time.monotonic() + collective_timeout_s + 2.0)
            except queue_module.Empty:
                for rank, process in enumerate(processes):  # workers report before exiting with code 0
                    if rank not in outcomes and process.exitcode not in (None, 0):
                        outcomes[rank] = (False, f"exited with code {process.exitcode} without reporting (killed?)\n")
                        deadline = min(deadline, time.monotonic() + collective_timeout_s + 2.0)
    finally:
        for rank, process in enumerate(processes):
            if rank in outcomes:
                process.join(10)  # it has reported and is shutting down: let it finish
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join(10)
    if len(outcomes) == world_size and all(ok for ok, _ in outcomes.values()):
        return [pickle.loads(outcomes[rank][1]) for rank in range(world_size)]
    elapsed = time.monotonic() - started
    lines = []
    for rank in range(world_size):
        ok, payload = outcomes.get(rank, (None, None))
        state = "finished" if ok else (f"still running after {elapsed:.0f} s: stopped" if ok is None
                                       else "failed: " + payload.strip().splitlines()[-1])
        lines.append(f"  rank {rank}: {state}")
    first_traceback = next((p for ok, p in outcomes.values() if ok is False), "")
    raise DistributedError(f"distributed run of {world_size} processes failed:\n" + "\n".join(lines)
                           + ("\nfirst error:\n" + first_traceback if first_traceback else ""))
