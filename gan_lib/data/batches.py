"""Endless, seeded streams of training batches, delivered on the training device.

`ToyBatches` draws fresh points from a 2D distribution; `ImageBatches` shuffles an
in-memory image tensor once per epoch and cuts it into contiguous slices (no
per-sample transforms, no DataLoader workers). Both have `state_dict()` and
`load_state_dict()` so that a resumed run sees exactly the batches it would have seen.
"""
from __future__ import annotations

from typing import NamedTuple

import torch

from ..errors import ConfigError
from .toy import ToyDistribution
from .toy1d import Mixture1D


class Batch(NamedTuple):
    """One training batch: `x` of shape (B, ...) and integer labels (B,) or None."""

    x: torch.Tensor
    y: torch.Tensor | None


def cpu_generator(seed: int) -> torch.Generator:
    """A seeded generator on the CPU. Every batch stream draws on one and moves the result to its device:
    the same data on every device, and a saved state (5,056 bytes) that any device can restore, where a
    CUDA generator's state is 16 bytes of another format."""
    rng = torch.Generator()
    rng.manual_seed(seed)
    return rng


def check_images(images, name: str = "images", in_unit_range: bool = False) -> torch.Tensor:
    """`images` if it is a float tensor (N, C, H, W), else a ValueError that names `name`; with
    `in_unit_range`, the values must also lie in [-1, 1] (a pass over the data: the metrics ask for it,
    where images in [0, 1] would quietly give wrong numbers). Every function that takes a batch of
    images checks it here, so all of them refuse the same things in the same words."""
    if not isinstance(images, torch.Tensor) or images.ndim != 4 or not images.is_floating_point():
        got = f"{tuple(images.shape)} {images.dtype}" if isinstance(images, torch.Tensor) else type(images).__name__
        raise ValueError(f"{name} must be floats in [-1, 1] of shape (N, C, H, W), got {got}; "
                         "convert uint8 data with ImageSet.to_unit_range()")
    if in_unit_range and images.numel() and (images.min() < -1.001 or images.max() > 1.001):
        raise ValueError(f"{name} must lie in [-1, 1], found values in [{float(images.min()):.3g}, "
                         f"{float(images.max()):.3g}]; clamp them or rescale with x * 2 - 1 if they are in [0, 1]")
    return images


def _check_batch_size(batch_size: int) -> int:
    if not isinstance(batch_size, int) or batch_size <= 0:
        raise ConfigError(f"batch_size must be a positive integer, got {batch_size!r}")
    return batch_size


class ToyBatches:
    """Batches of fresh samples from a `ToyDistribution` (batch_size, 2) or a `Mixture1D` (batch_size, 1)."""

    num_classes = 0

    def __init__(self, distribution: ToyDistribution | Mixture1D, batch_size: int, device: torch.device, seed: int = 0):
        self.distribution = distribution
        self.batch_size = _check_batch_size(batch_size)
        self.device = torch.device(device)
        self.sample_shape = (distribution.dim,)
        self.rng = cpu_generator(seed)

    def next_batch(self) -> Batch:
        return Batch(self.distribution.sample(self.batch_size, self.rng).to(self.device), None)

    def state_dict(self) -> dict:
        return {"rng": self.rng.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.rng.set_state(state["rng"])


class ImageBatches:
    """Shuffled batches from an in-memory image tensor (N, C, H, W) in [-1, 1] on `device`.

    Each epoch is one random permutation applied to the whole tensor, then sliced into
    batches; the last incomplete batch of an epoch is dropped so every batch has the same shape.
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor | None, batch_size: int,
                 device: torch.device, seed: int = 0, num_classes: int = 0):
        check_images(images)
        self.batch_size = _check_batch_size(batch_size)
        if batch_size > len(images):
            raise ConfigError(f"batch_size {batch_size} is larger than the dataset ({len(images)} images); "
                              f"choose at most {len(images)}")
        self.device = torch.device(device)
        self.images = images.to(self.device).contiguous(memory_format=torch.channels_last)
        self.labels = None if labels is None else labels.to(self.device)
        self.num_classes = num_classes
        self.sample_shape = tuple(images.shape[1:])
        self.rng = cpu_generator(seed)  # permutations on the CPU: identical on every device
        self.epoch = 0
        self.position = 0
        self._order = self._new_order()
        self._shuffled_images, self._shuffled_labels = self._shuffle()

    def __len__(self) -> int:
        """Batches per epoch."""
        return len(self.images) // self.batch_size

    def _new_order(self) -> torch.Tensor:
        return torch.randperm(len(self.images), generator=self.rng)

    def _shuffle(self):
        order = self._order.to(self.device)
        labels = None if self.labels is None else self.labels[order]
        return self.images[order], labels

    def next_batch(self) -> Batch:
        if self.position + self.batch_size > len(self.images):
            self.epoch += 1
            self.position = 0
            self._order = self._new_order()
            self._shuffled_images, self._shuffled_labels = self._shuffle()
        window = slice(self.position, self.position + self.batch_size)
        self.position += self.batch_size
        labels = None if self._shuffled_labels is None else self._shuffled_labels[window]
        return Batch(self._shuffled_images[window], labels)

    def state_dict(self) -> dict:
        return {"rng": self.rng.get_state(), "epoch": self.epoch, "position": self.position, "order": self._order.clone()}

    def load_state_dict(self, state: dict) -> None:
        if len(state["order"]) != len(self.images):
            raise ValueError(f"saved data order covers {len(state['order'])} images but this dataset has {len(self.images)}")
        self.rng.set_state(state["rng"])
        self.epoch, self.position = int(state["epoch"]), int(state["position"])
        self._order = state["order"].clone()
        self._shuffled_images, self._shuffled_labels = self._shuffle()
