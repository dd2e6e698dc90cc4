"""How close a training step comes to the machine: its floating-point operations per second
against the machine's own peak for the same kind of work.

    fraction of peak = (FLOPs of one step / seconds per step) / (FLOPs/s of a large matrix multiply)

- `step_flops(step)` counts the FLOPs of one call of `step` with PyTorch's
  `torch.utils.flop_counter.FlopCounterMode`: matrix multiplies and convolutions, forward and
  backward (a multiply-add counts as 2). Element-wise work (activations, batch norm, Adam) is
  not counted: it is small in FLOPs and bound by memory, which is why a step's fraction of peak
  stays well below 1 even when nothing is wasted.
- `matmul_peak(device, dtype)` is the best rate of an n x n by n x n multiply (2 n^3 FLOPs) on the
  same threads, the number a convolution lowered to matrix multiplies can at best approach.
"""
from __future__ import annotations

import time
from typing import Callable

import torch
from torch.utils.flop_counter import FlopCounterMode


def step_flops(step: Callable[[], object]) -> int:
    """Floating-point operations of one call of `step` (forward and backward matmuls and convolutions)."""
    counter = FlopCounterMode(display=False)
    with counter:
        step()
    return int(counter.get_total_flops())


def sync(device: torch.device) -> None:
    """Wait for the device's queued work (CUDA runs asynchronously; the CPU needs nothing)."""
    if device.type == "cuda":
        torch.cuda.synchronize()


def matmul_peak(device: torch.device, dtype: torch.dtype = torch.float32, size: int = 2048, repeats: int = 10) -> float:
    """FLOPs per second of the fastest of `repeats` (size x size) @ (size x size) multiplies."""
    if size < 1 or repeats < 1:
        raise ValueError(f"size and repeats must be positive, got size={size}, repeats={repeats}")
    a = torch.randn(size, size, device=device).to(dtype)
    b = torch.randn(size, size, device=device).to(dtype)
    a @ b  # warm-up: kernel choice, allocation
    best = float("inf")
    for _ in range(repeats):
        sync(device)
        start = time.perf_counter()
        a @ b
        sync(device)
        best = min(best, time.perf_counter() - start)
    return 2 * size ** 3 / best


def fraction_of_peak(flops_per_step: int, seconds_per_step: float, peak_flops_per_s: float) -> float:
    """The step's achieved FLOPs/s as a fraction of the peak."""
    if seconds_per_step <= 0 or peak_flops_per_s <= 0:
        raise ValueError(f"times and rates must be positive, got {seconds_per_step} s and {peak_flops_per_s} FLOP/s")
    return flops_per_step / seconds_per_step / peak_flops_per_s
