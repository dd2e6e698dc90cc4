"""What the 2D playground shows, computed from a trainer: plain CPU tensors, no drawing.

A `ToySnapshot` holds D's map over the plane, real and generated points, the direction in
which the generator's loss pushes each generated point, the loss curves and the
mode-coverage record. `figures.py` draws it; tests inspect it directly.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import torch

from ..data import TOY_DISTRIBUTIONS, ToyDistribution
from ..device import autocast
from ..metrics import mode_coverage
from ..modes import evaluating
from ..train import Trainer

# Square view of the plane per target: the ring has radius 1, the grid spans [-4, 4]^2 (std 0.05),
# the spiral reaches radius 2, the Gaussian has std 1.
PLANE_LIMITS = {"ring": (-1.6, 1.6), "grid": (-5.5, 5.5), "spiral": (-2.6, 2.6), "gaussian": (-4.0, 4.0)}
DISPLAY_SEED = 2024  # fixed noise for the points drawn, so frames show the same z moving
COVERAGE_SAMPLES = 2500  # the VEEGAN/PacGAN protocol's sample count


@dataclass
class CoverageLog:
    """Modes captured and the share of high-quality samples, one entry per measurement."""

    step: list[int] = field(default_factory=list)
    modes_captured: list[int] = field(default_factory=list)
    high_quality_percent: list[float] = field(default_factory=list)
    num_modes: int | None = None

    def record(self, trainer: Trainer, distribution: ToyDistribution) -> None:
        """Measure `trainer`'s generator now (skipped for the spiral, which has no modes)."""
        if distribution.modes is None or (self.step and self.step[-1] == trainer.step):
            return
        coverage = mode_coverage(trainer.sample(COVERAGE_SAMPLES, seed=DISPLAY_SEED + 1), distribution)
        self.step.append(trainer.step)
        self.modes_captured.append(coverage.modes_captured)
        self.high_quality_percent.append(100.0 * coverage.high_quality_fraction)
        self.num_modes = coverage.num_modes

    def copy(self) -> "CoverageLog":
        return CoverageLog(list(self.step), list(self.modes_captured), list(self.high_quality_percent), self.num_modes)

    def truncate(self, step: int) -> None:
        """Forget measurements after `step` (after a rollback to that step)."""
        keep = sum(1 for s in self.step if s <= step)
        for values in (self.step, self.modes_captured, self.high_quality_percent):
            del values[keep:]


@dataclass
class ToySnapshot:
    step: int
    target: str
    limits: tuple[float, float]
    real: torch.Tensor  # (N, 2) data points
    fake: torch.Tensor  # (N, 2) generated points, from fixed noise
    arrow_origins: torch.Tensor  # (M, 2) a subset of the generated points
    arrows: torch.Tensor  # (M, 2) -d(generator loss)/dx at those points: where G's update moves them
    heatmap: torch.Tensor  # (R, R) D's output on a grid over the plane, rows = x2, columns = x1
    heatmap_label: str  # what the heatmap's values mean
    losses: dict[str, list[float]]  # step, d_loss, g_loss
    coverage: CoverageLog


@functools.lru_cache(maxsize=16)
def real_points(target: str, n: int = 512, seed: int = DISPLAY_SEED) -> torch.Tensor:
    """A fixed sample of the target (cached: the same points in every frame; do not modify it)."""
    return TOY_DISTRIBUTIONS.get(target)().sample(n, torch.Generator().manual_seed(seed))


def discriminator_map(trainer: Trainer, limits: tuple[float, float], resolution: int) -> tuple[torch.Tensor, str]:
    """D over a resolution x resolution grid. Where D's output is a logit (the BCE losses: the loss's
    `output_is_logit`) sigmoid(D(x)) = P(real); the other losses' scores have no probability meaning,
    so they are rescaled to [0, 1] within the view."""
    line = torch.linspace(limits[0], limits[1], resolution, device=trainer.device)
    x2, x1 = torch.meshgrid(line, line, indexing="ij")
    points = torch.stack([x1.flatten(), x2.flatten()], dim=1)  # (R*R, 2)
    with torch.no_grad(), autocast(trainer.device, trainer.amp_dtype):
        scores = trainer.discriminator(points).float().reshape(resolution, resolution).cpu()
    if trainer.loss.output_is_logit:
        return torch.sigmoid(scores), "D(x) = P(real)"
    low, high = scores.min(), scores.max()
    return (scores - low) / (high - low).clamp_min(1e-12), "D's score (rescaled)"


def generator_push(trainer: Trainer, points: torch.Tensor) -> torch.Tensor:
    """-grad_x of the generator's loss at generated points x (eq. 3.4 for non-saturating): the
    direction in which one gradient step on G moves each point, before the network's own coupling.
    Scaled by the batch size so it does not depend on how many points are drawn."""
    x = points.to(trainer.device).detach().requires_grad_(True)
    with autocast(trainer.device, trainer.amp_dtype):
        loss = trainer.loss.generator_loss(trainer.discriminator(x).float()) * len(x)
    (gradient,) = torch.autograd.grad(loss, x)
    return -gradient.float().cpu()


def take_toy_snapshot(trainer: Trainer, coverage: CoverageLog, n_points: int = 512, n_arrows: int = 48,
                      resolution: int = 48) -> ToySnapshot:
    """Everything the 2D playground draws, for `trainer` as it is now.

    Read-only: G and D run in eval mode (restored afterwards), so a snapshot does not advance spectral
    norm's power iteration, and two identical runs stay identical however often they are redrawn."""
    target = trainer.config.dataset
    limits = PLANE_LIMITS[target]
    with evaluating(trainer.generator, trainer.discriminator):
        coverage.record(trainer, trainer.batches.distribution)
        fake = trainer.sample(n_points, seed=DISPLAY_SEED)
        heatmap, label = discriminator_map(trainer, limits, resolution)
        origins = fake[:n_arrows]
        arrows = generator_push(trainer, origins)
    history = trainer.history
    return ToySnapshot(
        step=trainer.step, target=target, limits=limits, real=real_points(target, n_points), fake=fake,
        arrow_origins=origins, arrows=arrows, heatmap=heatmap, heatmap_label=label,
        losses={name: list(history[name]) for name in ("step", "d_loss", "g_loss")}, coverage=coverage.copy())
