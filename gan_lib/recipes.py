"""Training recipes: `TrainConfig` settings that were measured to work, registered by name.

    config = gan_lib.recipe("fashion-mnist", steps=1200, seed=0)   # a TrainConfig; keywords override
    trainer = gan_lib.Trainer.from_config(config)
    config = gan_lib.recipe_for("auto")   # "fashion-mnist-gpu" on CUDA, "fashion-mnist" elsewhere

A recipe is a function that returns the settings (a dict of `TrainConfig` fields); its
docstring says where the numbers come from. Chapter 4 trains the "fashion-mnist" recipe and
`benchmarks/speed.py` races it against PyTorch's official DCGAN recipe, so the book and the
benchmark always mean the same thing by "gan_lib's recipe".
"""
from __future__ import annotations

from typing import Callable

from .registry import Registry
from .device import select_device
from .train import TrainConfig, check_field_names

RECIPES: Registry[Callable[[], dict]] = Registry("recipe")


@RECIPES.register("fashion-mnist")
def fashion_mnist() -> dict:
    """The book's Fashion-MNIST DCGAN for a CPU, what chapter 4 trains: the DCGAN design at half
    width (32 and 64 channels), batch 32, Adam at 1e-3 with betas (0, 0.99) for both players, an
    EMA of G (decay 0.99), 4,500 generator steps (2.4 epochs; 23-30 ms a step on two cores
    of an AMD EPYC).

    Two searches chose it (gan_lib/results/recipes.md and recipes-steps.md). The first,
    `python -m benchmarks.recipes`, trains candidates for the same seconds: half the width (a step
    about 2x cheaper), a rate above the paper's 2e-4, and batch 32 instead of 128. The second,
    `python -m benchmarks.recipes --by-steps`, asks what a chapter with a fixed number of steps
    needs: the lowest FD after a given number of steps. There 1e-3 and Adam betas (0, 0.99) (no
    momentum, a shorter memory of squared gradients: StyleGAN2's setting) each helped on their own
    and most together; hinge loss, least squares, R1, TTUR, a slower EMA, batch 64 and width 64
    were worse or cost more time per FD point, and a D without batch norm ended a little higher over
    four seeds. 4,500 steps is what chapter 4's time allows."""
    return dict(dataset="fashion-mnist", width=32, batch_size=32, lr_g=1e-3, lr_d=1e-3, betas=(0.0, 0.99),
                ema_decay=0.99, steps=4500)


@RECIPES.register("fashion-mnist-gpu")
def fashion_mnist_gpu() -> dict:
    """The same design for a GPU, where a step of these small networks costs about the same at any
    batch size up to a few hundred: the library's full width (64 and 128 channels), batch 128, the
    CPU recipe's Adam settings, an EMA with a 200-step horizon for the longer run, 10,000 steps.
    On the CPU, width 64 and batch 64 each lowered the FD reached in a given number of steps
    (recipes-steps.md); they cost time there, not on a GPU."""
    return dict(dataset="fashion-mnist", width=64, batch_size=128, lr_g=1e-3, lr_d=1e-3, betas=(0.0, 0.99),
                ema_decay=0.995, steps=10_000)


def recipe_for(device, name: str = "fashion-mnist", **overrides) -> TrainConfig:
    """Recipe `name` for `device`: its "-gpu" variant on CUDA when one is registered, else `name` itself."""
    device = select_device(device)
    gpu_name = f"{name}-gpu"
    chosen = gpu_name if device.type == "cuda" and gpu_name in RECIPES else name
    return recipe(chosen, device=str(device), **overrides)


@RECIPES.register("fashion-mnist-dcgan-paper")
def fashion_mnist_dcgan_paper() -> dict:
    """The DCGAN paper's hyperparameters (Radford et al., 2016) on the library's default
    Fashion-MNIST networks (width 64): batch 128, Adam at 2e-4 with beta1 0.5, no EMA."""
    return dict(dataset="fashion-mnist", batch_size=128, lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999))


def recipe(name: str, **overrides) -> TrainConfig:
    """The `TrainConfig` of recipe `name`, with `overrides` (any `TrainConfig` field) on top."""
    check_field_names(overrides, where=f"recipe({name!r}): ")
    return TrainConfig(**{**RECIPES.get(name)(), **overrides})
