"""What `gan_lib.Trainer` needs from the networks and the data it is given, written down as Protocols.

A reader who brings their own generator, discriminator or data need not subclass anything from
gan_lib: an object with these attributes and methods trains (tests/test_protocols.py trains a
hand-written batch stream). `Trainer.from_config` builds gan_lib's own, which satisfy them.
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch

from .data.batches import Batch  # what `next_batch` returns: (x, labels or None)


@runtime_checkable
class GeneratorNetwork(Protocol):
    """G: maps noise z of shape (B, latent_dim) (and, if `num_classes` > 0, integer labels (B,)) to
    samples of shape (B, *output_shape). `num_classes` may be absent: then G is unconditional."""

    latent_dim: int
    output_shape: tuple[int, ...]

    def __call__(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor: ...


@runtime_checkable
class DiscriminatorNetwork(Protocol):
    """D: maps samples (B, *sample_shape) (and labels, for a conditional GAN) to one raw score per sample,
    shape (B,) or (B, 1): a logit for the BCE losses, a score for hinge, least squares and Wasserstein."""

    def __call__(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor: ...


@runtime_checkable
class BatchStream(Protocol):
    """An endless, seeded stream of real batches on the training device. `sample_shape` is one sample's
    shape (what G must output); `state_dict`/`load_state_dict` hold the stream's position and random
    state, so that a resumed run sees the batches it would have seen."""

    sample_shape: tuple[int, ...]

    def next_batch(self) -> Batch: ...

    def state_dict(self) -> dict: ...

    def load_state_dict(self, state: dict) -> None: ...
