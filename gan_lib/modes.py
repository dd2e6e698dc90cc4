"""Temporary states of a network that must be undone however the block ends.

`evaluating(*modules)`: eval mode, for a read-only look at a network between training steps. Batch
norm then reads its running statistics instead of updating them, dropout is off, and spectral norm's
power iteration stands still (in training mode every forward pass advances it, so a look would
change the run).
`frozen(*modules)`: no gradients for their parameters, for one player's update through the other.

Both give back exactly what was there before, submodule by submodule and parameter by parameter,
also when the block raises: a notebook or a widget may go on training after an error.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from torch import nn


@contextmanager
def evaluating(*modules: nn.Module) -> Iterator[None]:
    """`modules` in eval mode inside the block; afterwards every submodule has its own mode back."""
    modes = [(module, module.training) for root in modules for module in root.modules()]
    try:
        for root in modules:
            root.eval()
        yield
    finally:
        for module, training in modes:
            module.training = training


@contextmanager
def frozen(*modules: nn.Module) -> Iterator[None]:
    """No gradients for the parameters of `modules` inside the block: G's update through a fixed D then
    computes no gradients for D's weights, a third of the backward pass. Afterwards every parameter has
    its own `requires_grad` back."""
    flags = [(parameter, parameter.requires_grad) for module in modules for parameter in module.parameters()]
    try:
        for module in modules:
            module.requires_grad_(False)
        yield
    finally:
        for parameter, requires_grad in flags:
            parameter.requires_grad_(requires_grad)
