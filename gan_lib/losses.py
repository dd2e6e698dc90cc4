"""GAN losses as pure functions of the discriminator's logits (chapters 3 and 5).

Every loss is a pair: what D minimises and what G minimises, both written on the raw
output `logit` of D, never on probabilities, so nothing saturates numerically:
    D(x) = sigmoid(logit),  -log D(x) = softplus(-logit),  -log(1 - D(x)) = softplus(logit).
Each function returns the mean over the batch. Losses are registered by name in `LOSSES`.
The BCE losses are chapter 3's eqs. (3.2)-(3.4); least squares, hinge and Wasserstein are
chapter 5's eqs. (5.1)-(5.5), labels eq-ls-d, eq-ls-g, eq-hinge-d, eq-hinge-g, eq-wgan-critic.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

from .registry import Registry

Tensor = torch.Tensor


@dataclass(frozen=True)
class GANLoss:
    """The two players' objectives of one GAN formulation."""

    name: str
    discriminator_loss: Callable[[Tensor, Tensor], Tensor]  # (real_logits (B,), fake_logits (B,)) -> scalar
    generator_loss: Callable[[Tensor], Tensor]  # fake_logits (B,) -> scalar
    description: str
    # True when D's output is a logit, sigmoid(output) = D's probability that x is real (the BCE losses);
    # False when it is a score with no probability reading (least squares, hinge, Wasserstein).
    output_is_logit: bool = True


LOSSES: Registry[GANLoss] = Registry("loss")


def _register(name: str, description: str, output_is_logit: bool = True):
    def wrap(pair):
        d_loss, g_loss = pair()
        return LOSSES.register(name)(GANLoss(name, d_loss, g_loss, description, output_is_logit))
    return wrap


def bce_discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """Eq. (3.2): D maximises V(D, G) = E[log D(x)] + E[log(1 - D(G(z)))], i.e.
    minimises E[softplus(-real_logit)] + E[softplus(fake_logit)], the binary
    cross-entropy of labelling real data 1 and generated data 0."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def minimax_generator_loss(fake_logits: Tensor) -> Tensor:
    """Eq. (3.3), the saturating loss: G minimises E[log(1 - D(G(z)))]
    = E[-softplus(fake_logit)]. Its gradient vanishes when D confidently rejects the
    fakes (D(G(z)) -> 0)."""
    return -F.softplus(fake_logits).mean()


def non_saturating_generator_loss(fake_logits: Tensor) -> Tensor:
    """Eq. (3.4), the non-saturating loss: G minimises E[-log D(G(z))] = E[softplus(-fake_logit)].
    Same fixed point as eq. (3.3), strong gradients early in training."""
    return F.softplus(-fake_logits).mean()


@_register("minimax", "original saturating minimax game (Goodfellow et al., 2014)")
def _minimax():
    return bce_discriminator_loss, minimax_generator_loss


@_register("non-saturating", "minimax D, -log D(G(z)) for G (Goodfellow et al., 2014, sec. 3)")
def _non_saturating():
    return bce_discriminator_loss, non_saturating_generator_loss


@_register("least-squares", "LSGAN with targets a=0, b=1, c=1 (Mao et al., 2017)", output_is_logit=False)
def _least_squares():
    def d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        # Chapter 5, eq. (5.1) (eq-ls-d) with a = 0, b = 1, D's raw output as the score:
        # min_D 1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2].
        return 0.5 * ((real_logits - 1) ** 2).mean() + 0.5 * (fake_logits ** 2).mean()

    def g_loss(fake_logits: Tensor) -> Tensor:
        # Chapter 5, eq. (5.2) (eq-ls-g) with c = 1: min_G 1/2 E[(D(G(z)) - 1)^2]
        return 0.5 * ((fake_logits - 1) ** 2).mean()
    return d_loss, g_loss


@_register("hinge", "hinge loss for D, -D(G(z)) for G (Lim & Ye, 2017; Miyato et al., 2018)",
           output_is_logit=False)
def _hinge():
    def d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        # Chapter 5, eq. (5.3) (eq-hinge-d): min_D E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]
        return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()

    def g_loss(fake_logits: Tensor) -> Tensor:
        # Chapter 5, eq. (5.4) (eq-hinge-g): min_G -E[D(G(z))]
        return -fake_logits.mean()
    return d_loss, g_loss


@_register("wasserstein", "critic estimates the Wasserstein-1 distance (Arjovsky et al., 2017); "
                          "needs a Lipschitz constraint: weight clipping, WGAN-GP or spectral norm", output_is_logit=False)
def _wasserstein():
    def d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        # Chapter 5, eq. (5.5) (eq-wgan-critic): the critic maximises E[f(x)] - E[f(G(z))], so it
        # minimises the negative; the Lipschitz constraint comes from weight clipping (eq. (5.6),
        # eq-weight-clipping, TrainConfig.weight_clip), WGAN-GP (eq. (5.7)) or spectral norm (eq. (5.9)).
        return fake_logits.mean() - real_logits.mean()

    def g_loss(fake_logits: Tensor) -> Tensor:
        # eq. (5.5): min_G -E[f(G(z))]
        return -fake_logits.mean()
    return d_loss, g_loss


def get_loss(name: str) -> GANLoss:
    """The registered loss called `name`; an unknown name lists the valid ones."""
    return LOSSES.get(name)
