"""Shape checks for the public entry points of the networks."""
from __future__ import annotations

import torch


def check_input(name: str, x: torch.Tensor, expected: tuple[int, ...]) -> None:
    """Raise a ValueError unless `x` has shape (B, *expected)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} expects a torch.Tensor, got {type(x).__name__}")
    if x.ndim != len(expected) + 1 or tuple(x.shape[1:]) != tuple(expected):
        want = ", ".join(["B", *map(str, expected)])
        raise ValueError(f"{name} expects input of shape ({want}), got {tuple(x.shape)}")


def check_labels(name: str, labels: torch.Tensor | None, batch: int, num_classes: int) -> None:
    """Conditional networks need one integer label per example; unconditional ones take none."""
    if num_classes == 0:
        if labels is not None:
            raise ValueError(f"{name} is unconditional (num_classes=0) but was given labels")
        return
    if labels is None:
        raise ValueError(f"{name} is class-conditional ({num_classes} classes): pass labels of shape ({batch},)")
    if labels.shape != (batch,) or labels.is_floating_point():
        raise ValueError(f"{name} expects integer labels of shape ({batch},), got {tuple(labels.shape)} {labels.dtype}")
