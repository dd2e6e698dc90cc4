"""What the discriminator says about fixed points, asked between updates (chapter 2).

The trainer's history records D's outputs on each step's own batch, measured before that
step's update. To see what one update changed, ask the same question before and after it
on the same points: a fixed set of real points, and generated points from fixed noise.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import math

import torch

from ..device import autocast
from ..modes import evaluating


@dataclass(frozen=True)
class DiscriminatorReadout:
    """D's verdict on fixed real and generated points, and both players' losses there."""

    # d_real, d_fake: where D's output is a logit (the loss's `output_is_logit`: the BCE losses), the mean
    # sigmoid(D(x)) over the real points, D's average probability that real data is real, and the same over
    # the generated points; NaN for the losses whose score has no probability reading (least squares,
    # hinge, Wasserstein), as in the trainer's history.
    d_real: float
    d_fake: float
    logit_real: float  # mean raw output (logit or score) of D on the real points
    logit_fake: float  # mean raw output (logit or score) of D on the generated points
    d_loss: float  # D's loss on these points, as the trainer defines it (eq. 3.2 for the BCE losses)
    g_loss: float  # G's loss on these generated points (eq. 3.4 for the non-saturating loss)

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def discriminator_readout(trainer, real: torch.Tensor, num_fake: int | None = None,
                          noise_seed: int = 0) -> DiscriminatorReadout:
    """Ask `trainer`'s discriminator about the real points `real` (N, ...) and about `num_fake`
    (default N) generated points from the fixed noise seed `noise_seed`.

    Read-only: D runs in eval mode under no_grad (batch norm uses its running statistics and
    updates nothing), and neither the training noise stream nor the data stream is touched,
    so calling it between `trainer.discriminator_step()` and `trainer.generator_step()`
    changes nothing about the run."""
    if trainer.num_classes:
        raise ValueError("discriminator_readout needs an unconditional GAN: a conditional D also needs labels")
    expected = tuple(trainer.discriminator.input_shape) if hasattr(trainer.discriminator, "input_shape") else None
    if not isinstance(real, torch.Tensor) or real.ndim < 2 or (expected and tuple(real.shape[1:]) != expected):
        shape = tuple(real.shape) if isinstance(real, torch.Tensor) else type(real).__name__
        raise ValueError(f"real must be a batch of data points of shape (N, *{expected}), got {shape}")
    # Fixed noise: the same z every call; the trained G (not its EMA), which is what D is trained against.
    fake = trainer.sample(num_fake or len(real), seed=noise_seed, use_ema=False)
    discriminator = trainer.discriminator
    with evaluating(discriminator), torch.no_grad(), autocast(trainer.device, trainer.amp_dtype):
        real_logits = discriminator(real.to(trainer.device)).float()  # (N,)
        fake_logits = discriminator(fake.to(trainer.device)).float()  # (num_fake,)
        d_loss = trainer.loss.discriminator_loss(real_logits, fake_logits)
        g_loss = trainer.loss.generator_loss(fake_logits)
    if trainer.loss.output_is_logit:
        d_real, d_fake = float(torch.sigmoid(real_logits).mean()), float(torch.sigmoid(fake_logits).mean())
    else:  # a score, not a logit: no probability to report
        d_real = d_fake = math.nan
    return DiscriminatorReadout(
        d_real=d_real, d_fake=d_fake,
        logit_real=float(real_logits.mean()), logit_fake=float(fake_logits.mean()),
        d_loss=float(d_loss), g_loss=float(g_loss))


__all__ = ["DiscriminatorReadout", "discriminator_readout"]
