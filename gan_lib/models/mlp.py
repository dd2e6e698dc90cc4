"""Multilayer perceptrons for the 2D toy distributions (chapters 1-3, 8)."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as apply_spectral_norm

from .checks import check_input, check_labels


def _stack(sizes: list[int], activation: type[nn.Module], wrap=lambda layer: layer) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(wrap(nn.Linear(fan_in, fan_out)))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


class MLPGenerator(nn.Module):
    """z (B, latent_dim) -> x (B, output_dim) through `depth` hidden ReLU layers of width `hidden`."""

    num_classes = 0

    def __init__(self, latent_dim: int = 2, output_dim: int = 2, hidden: int = 128, depth: int = 3):
        super().__init__()
        if min(latent_dim, output_dim, hidden, depth) <= 0:
            raise ValueError("latent_dim, output_dim, hidden and depth must be positive")
        self.latent_dim, self.output_shape = latent_dim, (output_dim,)
        self.net = _stack([latent_dim] + [hidden] * depth + [output_dim], nn.ReLU)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        check_input("MLPGenerator", z, (self.latent_dim,))
        check_labels("MLPGenerator", labels, len(z), 0)
        return self.net(z)  # (B, output_dim)


class MLPDiscriminator(nn.Module):
    """x (B, input_dim) -> logit (B,): the unnormalised log-odds that x is real."""

    num_classes = 0

    def __init__(self, input_dim: int = 2, hidden: int = 128, depth: int = 3, spectral_norm: bool = False):
        super().__init__()
        if min(input_dim, hidden, depth) <= 0:
            raise ValueError("input_dim, hidden and depth must be positive")
        self.input_shape = (input_dim,)
        wrap = apply_spectral_norm if spectral_norm else (lambda layer: layer)
        self.net = _stack([input_dim] + [hidden] * depth + [1], lambda: nn.LeakyReLU(0.2), wrap)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        check_input("MLPDiscriminator", x, self.input_shape)
        check_labels("MLPDiscriminator", labels, len(x), 0)
        return self.net(x).squeeze(1)  # (B,)
