"""Walking a generator's latent space (chapter 4): along two directions, or between two samples.

A trained generator maps nearby z to similar images, so moving z smoothly should morph the
image smoothly. Two walks:
- a plane through a base point z0 spanned by two random orthonormal directions u, v:
  z(a, b) = z0 + a u + b v;
- the path between two latent points z_A, z_B by spherical interpolation (slerp),
  z(t) = sin((1 - t) w) / sin(w) z_A + sin(t w) / sin(w) z_B, with cos(w) = <z_A, z_B> / (|z_A| |z_B|).
  In many dimensions a Gaussian z lies near the sphere of radius sqrt(d); the straight line
  between two samples cuts inside it, where G saw no training input; slerp stays near the shell
  (White, 2016, "Sampling generative networks").
"""
from __future__ import annotations

import torch

from ..device import autocast
from ..modes import evaluating
from ..train import Trainer


def slerp(start: torch.Tensor, end: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation between two latent vectors (d,); falls back to a straight line
    when they are (anti)parallel, where the great circle is undefined."""
    if start.shape != end.shape or start.ndim != 1:
        raise ValueError(f"slerp needs two vectors of the same shape (d,), got {tuple(start.shape)} and {tuple(end.shape)}")
    cosine = torch.dot(start, end) / (start.norm() * end.norm()).clamp_min(1e-12)
    omega = torch.arccos(cosine.clamp(-1.0, 1.0))
    if torch.sin(omega).abs() < 1e-6:
        return (1 - t) * start + t * end
    return (torch.sin((1 - t) * omega) * start + torch.sin(t * omega) * end) / torch.sin(omega)


class LatentExplorer:
    """A base point, two orthonormal directions and two endpoints in a `latent_dim`-dimensional z space."""

    def __init__(self, latent_dim: int, seed: int = 0):
        if not isinstance(latent_dim, int) or latent_dim < 2:
            raise ValueError(f"the explorer needs a latent space of at least 2 dimensions, got {latent_dim!r}")
        rng = torch.Generator().manual_seed(seed)
        self.latent_dim = latent_dim
        self.base = torch.randn(latent_dim, generator=rng)  # z0
        q, _ = torch.linalg.qr(torch.randn(latent_dim, 2, generator=rng))  # (d, 2), orthonormal columns
        self.directions = q.T.contiguous()  # (2, d): u and v
        self.start, self.end = torch.randn(2, latent_dim, generator=rng)  # z_A, z_B

    def point(self, a: float, b: float) -> torch.Tensor:
        """z0 + a u + b v, shape (d,)."""
        return self.base + a * self.directions[0] + b * self.directions[1]

    def plane(self, a: float, b: float, side: int = 5, spacing: float = 0.75) -> torch.Tensor:
        """A side x side grid of points centred on z(a, b), rows along v, columns along u: (side^2, d)."""
        offsets = (torch.arange(side) - (side - 1) / 2) * spacing
        return torch.stack([self.point(a + du, b + dv) for dv in offsets.tolist() for du in offsets.tolist()])

    def interpolate(self, t: float) -> torch.Tensor:
        return slerp(self.start, self.end, t)

    def path(self, count: int = 9) -> torch.Tensor:
        """`count` evenly spaced points from z_A to z_B along the slerp path: (count, d)."""
        return torch.stack([self.interpolate(t) for t in torch.linspace(0, 1, count).tolist()])


@torch.no_grad()
def generate(trainer: Trainer, z: torch.Tensor, label: int | None = None) -> torch.Tensor:
    """G(z) on the CPU for latent points z (N, d), in eval mode (batch norm uses its running
    statistics); a class-conditional G draws every image of class `label`."""
    generator = trainer.sampling_generator
    labels = None
    if trainer.num_classes:
        if label is None or not 0 <= int(label) < trainer.num_classes:
            raise ValueError(f"this generator is class-conditional: pass a label in [0, {trainer.num_classes - 1}]")
        labels = torch.full((len(z),), int(label), dtype=torch.long, device=trainer.device)
    with evaluating(generator), autocast(trainer.device, trainer.amp_dtype):
        images = generator(z.to(trainer.device), labels) if labels is not None else generator(z.to(trainer.device))
    return images.float().cpu()
