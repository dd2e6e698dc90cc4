"""The trainer of one rank of a DDP run: DDP-wrapped networks, its shard of the batch, its own noise."""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from ..device import select_device
from ..train import Trainer, TrainingDivergedError
from .process_group import DistributedError, in_process_group
from .sharding import ShardedBatches

# Words in the errors of a collective (gradient or statistics exchange) that failed because another rank did.
_COLLECTIVE_FAILURE_MARKERS = ("gloo", "nccl", "connection closed", "connection reset", "timed out", "broken pipe")


def rank_noise_seed(seed: int, rank: int, step: int) -> int:
    """The seed of rank `rank`'s noise (z, fake labels, penalty interpolation weights) at generator step `step`
    of a run seeded `seed`: a hash of all three (numpy's SeedSequence), so the ranks' streams are independent
    (no two ranks generate the same fakes) and any (rank, step) is recreated without replaying the run."""
    sequence = np.random.SeedSequence(entropy=seed % 2**64, spawn_key=(rank, step))
    return int(sequence.generate_state(1, np.uint64)[0])



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
        if not in_process_group():
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

