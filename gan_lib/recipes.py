"""Training recipes: `TrainConfig` settings that were measured to work, registered by name.

    config = gan_lib.recipe("fashion-mnist", steps=1200, seed=0)   # a TrainConfig; keywords override
    trainer = gan_lib.Trainer.from_config(config)

A recipe is a function that returns the settings (a dict of `TrainConfig` fields); its
docstring says where the numbers come from. Chapter 4 trains the "fashion-mnist" recipe and
`benchmarks/speed.py` races it against PyTorch's official DCGAN recipe, so the book and the
benchmark always mean the same thing by "gan_lib's recipe".
"""
from __future__ import annotations

from dataclasses import fields
from typing import Callable

from .registry import Registry
from .train import CONFIG_FIELDS, TrainConfig

RECIPES: Registry[Callable[[], dict]] = Registry("recipe")


@RECIPES.register("fashion-mnist")
def fashion_mnist() -> dict:
    """The book's Fashion-MNIST DCGAN for a CPU: the DCGAN design at half width (32 and 64
    channels), batch 32, Adam(beta1 0.5) at 5e-4 for both players, an EMA of G (decay 0.99).

    Chosen for Frechet distance per second of CPU: `python -m benchmarks.recipes` trains each
    candidate for the same wall-clock budget (results in benchmarks/results/recipes.md). Each
    of three changes from the DCGAN paper's settings helped on its own: half the width (a step
    about 2x cheaper), 5e-4 instead of 2e-4, and batch 64 instead of 128; from 64 to 32 was a tie.
    1e-3 was as fast as 5e-4 in the search; the recipe keeps the lower rate, which the paper found
    stable. The EMA's lag, about 100 steps, is a few seconds here."""
    return dict(dataset="fashion-mnist", width=32, batch_size=32, lr_g=5e-4, lr_d=5e-4, betas=(0.5, 0.999),
                ema_decay=0.99)


@RECIPES.register("fashion-mnist-dcgan-paper")
def fashion_mnist_dcgan_paper() -> dict:
    """The DCGAN paper's hyperparameters (Radford et al., 2016) on the library's default
    Fashion-MNIST networks (width 64): batch 128, Adam at 2e-4 with beta1 0.5, no EMA."""
    return dict(dataset="fashion-mnist", batch_size=128, lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999))


def recipe(name: str, **overrides) -> TrainConfig:
    """The `TrainConfig` of recipe `name`, with `overrides` (any `TrainConfig` field) on top."""
    unknown = sorted(set(overrides) - CONFIG_FIELDS)
    if unknown:
        raise ValueError(f"recipe({name!r}): {', '.join(unknown)} not a TrainConfig field; "
                         f"valid fields: {', '.join(f.name for f in fields(TrainConfig))}")
    return TrainConfig(**{**RECIPES.get(name)(), **overrides})
