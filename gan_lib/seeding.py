"""Independent random streams from one seed.

A run seeded `seed` draws from several streams: the initial weights, the order of the data, the noise
(z, fake labels, penalty interpolation weights), and in some of the book's loops a second data stream.
Deriving them by offset (seed, seed + 1, ...) makes runs overlap: the data stream of run s + 1 would be
the noise stream of run s, and a stream seeded with `seed` itself replays the weights' draws. Here each
stream's seed is a hash of the run's seed and the stream's number (numpy's `SeedSequence` with a spawn
key, what `SeedSequence(seed).spawn(k)` gives its k children), so no two streams of any two runs coincide.

    >>> stream_seed(0, WEIGHTS) != stream_seed(0, DATA) != stream_seed(1, WEIGHTS)
    True
"""
from __future__ import annotations

import numpy as np

# The streams of one run, by number (the spawn key): a new stream takes a new number, an old one keeps its
# own, so adding a stream leaves every other stream's numbers as they were.
WEIGHTS = 0  # the networks' initial weights (torch's global generator)
DATA = 1  # the order of the training data, or fresh points of a toy distribution
NOISE = 2  # z, fake labels, penalty interpolation weights
SECOND_DATA = 3  # a second data stream: CycleGAN's domain B, the unlabelled images of semi-supervised training


def stream_seed(seed: int, *key: int) -> int:
    """The seed (0 <= seed < 2**63, what `torch.manual_seed` takes) of stream `key` of a run seeded `seed`:
    `stream_seed(seed, DATA)`, or a longer key such as (rank, step) for one process's noise at one step."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"a seed is an integer, got {seed!r}")
    sequence = np.random.SeedSequence(entropy=int(seed) % 2**64, spawn_key=tuple(int(k) for k in key))
    return int(sequence.generate_state(1, np.uint64)[0]) >> 1
