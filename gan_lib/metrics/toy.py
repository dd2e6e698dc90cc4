"""Mode coverage on 2D mixtures, the protocol of VEEGAN (Srivastava et al., 2017) and
PacGAN (Lin et al., 2018).

Draw 2,500 samples. A sample is *high quality* when it lies within 3 standard deviations
of its nearest mode; a mode is *captured* when at least one high-quality sample is nearest
to it. The reverse KL divergence KL(q || uniform) compares the histogram q of high-quality
samples over the modes with the uniform distribution over the K modes (0 when every mode
gets the same share; log K when all samples fall on one mode).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch

from ..data.toy import TOY_DISTRIBUTIONS, ToyDistribution
from ..device import cpu_float64, float64_on_cpu


@dataclass(frozen=True)
class ModeCoverage:
    modes_captured: int  # modes with at least one high-quality sample nearest to them
    num_modes: int  # K
    high_quality_fraction: float  # share of samples within 3 std of their nearest mode, in [0, 1]
    reverse_kl: float  # KL(q || uniform) of the high-quality samples' mode histogram, in nats
    counts: tuple[int, ...]  # high-quality samples per mode

    def as_dict(self) -> dict:
        return asdict(self)


@float64_on_cpu()  # the shares below are float64, computed on the CPU (MPS has no float64)
def mode_coverage(samples: torch.Tensor, distribution: ToyDistribution, threshold: float = 3.0) -> ModeCoverage:
    """Mode statistics of `samples` (N, 2) against the modes of `distribution`."""
    if distribution.modes is None:
        raise ValueError(f"{distribution.name!r} has no discrete modes; mode coverage needs ring, grid or gaussian")
    if samples.ndim != 2 or samples.shape[1] != 2:
        raise ValueError(f"samples must have shape (N, 2), got {tuple(samples.shape)}")
    modes = distribution.modes.to(samples.device, samples.dtype)
    distances = torch.cdist(samples, modes)  # (N, K)
    nearest_distance, nearest = distances.min(dim=1)  # (N,), (N,)
    high_quality = nearest_distance <= threshold * distribution.std
    counts = torch.bincount(nearest[high_quality], minlength=len(modes))  # (K,)
    total = int(counts.sum())
    if total:
        q = cpu_float64(counts) / total
        nonzero = q > 0
        reverse_kl = float((q[nonzero] * torch.log(q[nonzero] * len(modes))).sum())
    else:
        reverse_kl = math.inf  # no high-quality sample: q is undefined, the worst score
    return ModeCoverage(
        modes_captured=int((counts > 0).sum()),
        num_modes=len(modes),
        high_quality_fraction=float(cpu_float64(high_quality).mean()),
        reverse_kl=reverse_kl,
        counts=tuple(int(c) for c in counts),
    )


@torch.no_grad()
def evaluate_toy_generator(trainer, num_samples: int = 2500, seed: int = 0, threshold: float = 3.0) -> ModeCoverage:
    """`mode_coverage` of `num_samples` (2,500 in the VEEGAN/PacGAN protocol) samples drawn with
    noise seed `seed` from a `gan_lib.Trainer` trained on a toy mixture (ring, grid or gaussian)."""
    dataset = trainer.config.dataset
    if dataset not in TOY_DISTRIBUTIONS:
        raise ValueError(f"evaluate_toy_generator needs a trainer on a toy mixture, not {dataset!r}; "
                         "use evaluate_image_generator for image datasets")
    return mode_coverage(trainer.sample(num_samples, seed=seed), TOY_DISTRIBUTIONS.get(dataset)(), threshold)
