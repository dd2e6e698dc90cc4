"""One-dimensional Gaussian mixtures whose density is known in closed form (chapter 3).

In one dimension the quantities of GAN theory become numbers: p_data(x) is evaluated
exactly, so the optimal discriminator (eq. 3.5) and the Jensen-Shannon divergence
(eq. 3.6) can be computed and compared with what training produces (gan_lib.theory).
Samples have shape (n, 1), so the same MLPs and `Trainer` that fit the 2D toys fit these.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import torch

from ..device import cpu_float64, float64_on_cpu
from ..errors import ConfigError
from ..registry import Registry

DISTRIBUTIONS_1D: Registry["Mixture1D"] = Registry("1D distribution")


@dataclass(frozen=True)
class Mixture1D:
    """p(x) = sum_k w_k N(x; mean_k, std_k^2), a mixture of 1D Gaussians with known density."""

    name: str
    means: tuple[float, ...]
    stds: tuple[float, ...]
    weights: tuple[float, ...]
    dim: ClassVar[int] = 1  # samples are (n, 1)

    def __post_init__(self):
        k = len(self.means)
        if k == 0 or len(self.stds) != k or len(self.weights) != k:
            raise ConfigError(f"means, stds and weights need the same non-zero length, got "
                              f"{len(self.means)}, {len(self.stds)}, {len(self.weights)}")
        if min(self.stds) <= 0 or min(self.weights) < 0:
            raise ConfigError(f"stds must be positive and weights non-negative, got stds={self.stds}, "
                              f"weights={self.weights}")
        if abs(sum(self.weights) - 1.0) > 1e-6:
            raise ConfigError(f"weights must sum to 1, got {self.weights} (sum {sum(self.weights)})")

    def _parameters(self, like: torch.Tensor):
        as_tensor = lambda values: torch.tensor(values, dtype=like.dtype, device=like.device)
        return as_tensor(self.means), as_tensor(self.stds), as_tensor(self.weights)

    def sample(self, n: int, generator: torch.Generator | None = None, device: str | torch.device = "cpu") -> torch.Tensor:
        """Draw `n` points, shape (n, 1), using only `generator` (a seeded generator repeats)."""
        if n <= 0:
            raise ValueError(f"number of samples must be positive, got {n}")
        device = torch.device(device) if generator is None else generator.device
        means, stds, weights = self._parameters(torch.empty(0, device=device))
        component = torch.multinomial(weights, n, replacement=True, generator=generator)  # (n,)
        noise = torch.randn(n, generator=generator, device=device)  # (n,)
        return (means[component] + stds[component] * noise).unsqueeze(1)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) for x of shape (...) or (..., 1); returns shape (...)."""
        x = x.squeeze(-1) if x.ndim and x.shape[-1] == 1 else x
        means, stds, weights = self._parameters(x)
        z = (x.unsqueeze(-1) - means) / stds  # (..., K)
        log_components = -0.5 * z ** 2 - torch.log(stds) - 0.5 * math.log(2 * math.pi) + torch.log(weights)
        return torch.logsumexp(log_components, dim=-1)

    def prob(self, x: torch.Tensor) -> torch.Tensor:
        """p(x), shape as for `log_prob`."""
        return self.log_prob(x).exp()

    def cdf(self, x: torch.Tensor) -> torch.Tensor:
        """P(X <= x), elementwise for x of any shape."""
        means, stds, weights = self._parameters(x)
        z = (x.unsqueeze(-1) - means) / (stds * math.sqrt(2))
        return (weights * 0.5 * (1 + torch.erf(z))).sum(-1)

    def bin_probabilities(self, edges: torch.Tensor) -> torch.Tensor:
        """The probability of each of the len(edges) - 1 bins; the two outer bins also hold the
        tails beyond the first and last edge, so the result sums to 1."""
        edges = _check_edges(edges)
        with float64_on_cpu():  # differences of the CDF in float64, on the CPU (MPS has no float64)
            cdf = self.cdf(cpu_float64(edges))
            cdf[0], cdf[-1] = 0.0, 1.0  # outer bins reach -inf and +inf
            return (cdf[1:] - cdf[:-1]).to(edges.device, edges.dtype)


def _check_edges(edges: torch.Tensor) -> torch.Tensor:
    if edges.ndim != 1 or len(edges) < 2 or not bool((edges[1:] > edges[:-1]).all()):
        raise ValueError("bin edges must be a 1D, strictly increasing tensor with at least 2 entries, "
                         "e.g. torch.linspace(-6, 6, 1201)")
    return edges


def bimodal(separation: float = 4.0, std: float = 0.5) -> Mixture1D:
    """Two equal Gaussians at -separation/2 and +separation/2 (default: N(-2, 0.5^2) and N(2, 0.5^2))."""
    half = separation / 2
    return Mixture1D("bimodal-1d", (-half, half), (std, std), (0.5, 0.5))


DISTRIBUTIONS_1D.register("bimodal-1d")(bimodal)
