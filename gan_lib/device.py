"""Device selection and mixed precision.

`device="auto"` picks CUDA, then Apple's MPS, then the CPU. Nothing is probed at
import time: the choice is made when a trainer or model asks for it.
"""
from __future__ import annotations

import contextlib

import torch


def select_device(device: str | torch.device = "auto") -> torch.device:
    """Return the torch device for `device`; `"auto"` prefers CUDA, then MPS, then CPU."""
    if isinstance(device, torch.device):
        return device
    if device != "auto":
        try:
            chosen = torch.device(device)
        except RuntimeError as error:
            raise ValueError(f"unknown device {device!r}; use 'auto', 'cpu', 'cuda' or 'mps'") from error
        if chosen.type == "cuda" and not torch.cuda.is_available():
            raise ValueError("device 'cuda' was asked for but CUDA is not available; use device='auto' or 'cpu'")
        return chosen
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def autocast_dtype(device: torch.device, mixed_precision: bool | str = "auto") -> torch.dtype | None:
    """The reduced precision to train in, or None for float32.

    Mixed precision is used on CUDA only, in bfloat16: it has float32's range, so
    GAN losses need no gradient scaler, and double backward (gradient penalties) works.
    """
    if mixed_precision is False or device.type != "cuda":
        return None
    if mixed_precision not in (True, "auto"):
        raise ValueError(f"mixed_precision must be True, False or 'auto', not {mixed_precision!r}")
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else None


def autocast(device: torch.device, dtype: torch.dtype | None):
    """`torch.autocast` for `dtype`, or a no-op context when `dtype` is None."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)
