"""Regularisers of the discriminator: WGAN-GP and R1, chapter 5, eqs. (5.7) and (5.8)
(labels eq-wgan-gp and eq-r1).

Each penalty takes the discriminator, a real batch, a generated batch and a random
generator, and returns a scalar that the trainer adds to D's loss (times a weight).
They differentiate D's output with respect to its input with `create_graph=True`,
so the penalty itself can be back-propagated into D's parameters.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from .registry import Registry

Penalty = Callable[..., torch.Tensor]
PENALTIES: Registry[Penalty] = Registry("penalty")
DEFAULT_PENALTY_WEIGHTS = {"none": 0.0, "wgan-gp": 10.0, "r1": 10.0}


def _input_gradient(discriminator: nn.Module, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    """d D(x) / d x for every example, shape (B, ...). Each example's logit depends on its
    own input only (no batch norm in D), so the gradient of the sum is the per-example gradient."""
    x = x.detach().requires_grad_(True)
    logits = discriminator(x) if labels is None else discriminator(x, labels)
    (gradient,) = torch.autograd.grad(logits.sum(), x, create_graph=True)
    return gradient


@PENALTIES.register("none")
def no_penalty(discriminator, real, fake, rng=None, labels=None) -> torch.Tensor:
    return real.new_zeros(())


@PENALTIES.register("wgan-gp")
def gradient_penalty(discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor,
                     rng: torch.Generator | None = None, labels: torch.Tensor | None = None) -> torch.Tensor:
    """WGAN-GP (Gulrajani et al., 2017), chapter 5, eq. (5.7) (label eq-wgan-gp) without its weight
    lambda: E[(||grad_x D(x_hat)||_2 - 1)^2] with x_hat = alpha * real + (1 - alpha) * fake and
    alpha ~ U[0, 1] drawn once per example; D(x_hat) is the raw output (logit) f of the critic.
    The norm is taken over all non-batch dimensions of each example."""
    if real.shape != fake.shape:
        raise ValueError(f"real and fake batches differ in shape: {tuple(real.shape)} vs {tuple(fake.shape)}")
    alpha_shape = (real.shape[0],) + (1,) * (real.ndim - 1)  # (B, 1, ..., 1): one alpha per example
    # Drawn where `rng` lives (the trainer's is on the CPU: the same alphas on every device), then moved.
    alpha = torch.rand(alpha_shape, generator=rng, device=rng.device if rng is not None else real.device,
                       dtype=real.dtype).to(real.device)
    interpolates = alpha * real.detach() + (1 - alpha) * fake.detach()
    gradient = _input_gradient(discriminator, interpolates, labels)
    norms = gradient.flatten(1).norm(2, dim=1)  # (B,)
    return ((norms - 1) ** 2).mean()


@PENALTIES.register("r1")
def r1_penalty(discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor | None = None,
               rng: torch.Generator | None = None, labels: torch.Tensor | None = None) -> torch.Tensor:
    """R1 (Mescheder et al., 2018), chapter 5, eq. (5.8) (label eq-r1): 1/2 E_x[||grad_x D(x)||^2]
    on real data only, D(x) the logit. The paper's factor gamma/2: the trainer multiplies by the
    weight gamma (10 by default), this function supplies the 1/2."""
    gradient = _input_gradient(discriminator, real, labels)
    return 0.5 * gradient.flatten(1).pow(2).sum(dim=1).mean()


def get_penalty(name: str) -> Penalty:
    return PENALTIES.get(name)
