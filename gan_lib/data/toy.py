"""2D toy distributions used to study GAN training (chapters 1-3 and 8).

The ring and grid follow the evaluation settings of VEEGAN (Srivastava et al., 2017)
and PacGAN (Lin et al., 2018): 8 Gaussians on the unit circle with standard
deviation 0.01, and 25 Gaussians at {-4, -2, 0, 2, 4}^2 with standard deviation 0.05.
Each distribution knows its modes and their standard deviation, which is what the
mode-coverage metrics need.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import torch

from ..registry import Registry

TOY_DISTRIBUTIONS: Registry["ToyDistribution"] = Registry("toy distribution")


@dataclass(frozen=True)
class ToyDistribution:
    """A 2D distribution: an equal-weight Gaussian mixture, or a noisy curve (spiral).

    `modes` has shape (K, 2); `std` is each mixture component's standard deviation.
    The spiral has no modes (`modes is None`): it is a continuous curve.
    """

    name: str
    modes: torch.Tensor | None
    std: float
    dim: ClassVar[int] = 2  # samples are (n, 2)

    def sample(self, n: int, generator: torch.Generator | None = None, device: str | torch.device = "cpu") -> torch.Tensor:
        """Draw `n` points, shape (n, 2). Uses `generator` only, so a seeded generator repeats."""
        if n <= 0:
            raise ValueError(f"number of samples must be positive, got {n}")
        device = torch.device(device) if generator is None else generator.device
        if self.modes is None:
            return _spiral(n, self.std, generator, device)
        modes = self.modes.to(device)
        index = torch.randint(len(modes), (n,), generator=generator, device=device)  # (n,)
        noise = torch.randn(n, 2, generator=generator, device=device)  # (n, 2)
        return modes[index] + self.std * noise


def _spiral(n: int, std: float, generator: torch.Generator | None, device: torch.device) -> torch.Tensor:
    # Archimedean spiral r = 2 theta / (3.5 pi) over 1.5 turns: theta runs from pi/2 to 3.5 pi, so r from 2/7
    # to 2 (the outer end at radius 2), with Gaussian noise.
    theta = 3 * math.pi * torch.rand(n, generator=generator, device=device) + 0.5 * math.pi
    radius = 2 * theta / (3.5 * math.pi)
    curve = torch.stack([radius * torch.cos(theta), radius * torch.sin(theta)], dim=1)  # (n, 2)
    return curve + std * torch.randn(n, 2, generator=generator, device=device)


def ring(num_modes: int = 8, radius: float = 1.0, std: float = 0.01) -> ToyDistribution:
    """`num_modes` Gaussians evenly spaced on a circle (default: 8 on the unit circle, std 0.01)."""
    angles = torch.arange(num_modes, dtype=torch.float32) * (2 * math.pi / num_modes)
    modes = radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    return ToyDistribution("ring", modes, std)


def grid(side: int = 5, spacing: float = 2.0, std: float = 0.05) -> ToyDistribution:
    """`side`^2 Gaussians on a square grid centred at 0 (default: 25 at {-4,-2,0,2,4}^2, std 0.05)."""
    coords = (torch.arange(side, dtype=torch.float32) - (side - 1) / 2) * spacing
    xs, ys = torch.meshgrid(coords, coords, indexing="ij")
    return ToyDistribution("grid", torch.stack([xs.flatten(), ys.flatten()], dim=1), std)


def spiral(std: float = 0.05) -> ToyDistribution:
    """A noisy 1.5-turn spiral: one connected curve, no separate modes."""
    return ToyDistribution("spiral", None, std)


def gaussian(std: float = 1.0) -> ToyDistribution:
    """A single standard Gaussian at the origin: the easiest target."""
    return ToyDistribution("gaussian", torch.zeros(1, 2), std)


for _name, _factory in {"ring": ring, "grid": grid, "spiral": spiral, "gaussian": gaussian}.items():
    TOY_DISTRIBUTIONS.register(_name)(_factory)
