"""Optimisers registered by name, and an exponential moving average of the generator."""
from __future__ import annotations

import copy

import torch
from torch import nn

from .registry import Registry

OPTIMIZERS: Registry = Registry("optimizer")


@OPTIMIZERS.register("adam")
def adam(params, lr: float, betas: tuple[float, float] = (0.5, 0.999)) -> torch.optim.Optimizer:
    """Adam with beta1 = 0.5, the DCGAN paper's choice: 0.9 made training oscillate there."""
    return torch.optim.Adam(params, lr=lr, betas=betas)


@OPTIMIZERS.register("sgd")
def sgd(params, lr: float, betas: tuple[float, float] = (0.5, 0.999)) -> torch.optim.Optimizer:
    """Plain stochastic gradient descent (betas are ignored), as in the original GAN paper's ablations."""
    return torch.optim.SGD(params, lr=lr)


@OPTIMIZERS.register("rmsprop")
def rmsprop(params, lr: float, betas: tuple[float, float] = (0.5, 0.999)) -> torch.optim.Optimizer:
    """RMSprop, the optimiser of the weight-clipped WGAN (Arjovsky et al., 2017)."""
    return torch.optim.RMSprop(params, lr=lr)


def make_optimizer(name: str, params, lr: float, betas: tuple[float, float] = (0.5, 0.999)) -> torch.optim.Optimizer:
    if not lr > 0:
        raise ValueError(f"learning rate must be positive, got {lr}")
    return OPTIMIZERS.get(name)(params, lr=lr, betas=tuple(betas))


class EMA:
    """Exponential moving average of a network's weights (Karras et al., 2018; Yazici et al., 2019).

    theta_ema <- decay * theta_ema + (1 - decay) * theta after every generator step. Buffers
    (batch-norm statistics) are copied. Sampling from the average is smoother than from the
    last iterate, which oscillates around the game's equilibrium.
    """

    def __init__(self, model: nn.Module, decay: float):
        self.decay = _check_decay(decay)
        self.model = copy.deepcopy(model).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        for averaged, current in zip(self.model.parameters(), model.parameters()):
            averaged.lerp_(current, 1.0 - self.decay)
        for averaged, current in zip(self.model.buffers(), model.buffers()):
            averaged.copy_(current)

    def state_dict(self) -> dict:
        """What carrying on with the average needs: {"model": the averaged network's state_dict (its
        tensors, not copies, as in torch), "decay": the decay}."""
        return {"model": self.model.state_dict(), "decay": self.decay}

    def load_state_dict(self, state: dict) -> None:
        """Take up the average where `state_dict` left it: the averaged weights and the decay."""
        decay = _check_decay(state["decay"])
        self.model.load_state_dict(state["model"])
        self.decay = decay


def _check_decay(decay: float) -> float:
    if not 0.0 < decay < 1.0:
        raise ValueError(f"EMA decay must be in (0, 1), got {decay}")
    return decay
