"""Each rank's share of the global batch stream."""
from __future__ import annotations

from ..data import Batch
from ..errors import ConfigError


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
            raise ConfigError(f"batch_size {batches.batch_size} cannot be split evenly over {world_size} processes: "
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

