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
- `conv_peak(device, dtype)` is the best rate of a large 3x3 convolution in channels_last. On a CPU
  the two come from different libraries (the BLAS for matmul, oneDNN for convolutions), and on
  some CPUs oneDNN's convolution is the faster of the two (AMD EPYC, 2 threads: about 210 against
  180 GFLOP/s), so a step made of convolutions can beat the matmul figure.
- `machine_peak(device, dtype)` is the larger of the two: the figure a step is measured against,
  so that its fraction of peak stays a fraction.
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


def fastest_seconds(call: Callable[[], object], device: torch.device, repeats: int) -> float:
    """Seconds of the fastest of `repeats` timed calls of `call`, after one untimed warm-up call
    (kernel choice, allocation), synchronised with the device around each."""
    call()
    best = float("inf")
    for _ in range(repeats):
        sync(device)
        start = time.perf_counter()
        call()
        sync(device)
        best = min(best, time.perf_counter() - start)
    return best


def matmul_peak(device: torch.device, dtype: torch.dtype = torch.float32, size: int = 2048, repeats: int = 10) -> float:
    """FLOPs per second of the fastest of `repeats` (size x size) @ (size x size) multiplies."""
    if size < 1 or repeats < 1:
        raise ValueError(f"size and repeats must be positive, got size={size}, repeats={repeats}")
    a = torch.randn(size, size, device=device).to(dtype)
    b = torch.randn(size, size, device=device).to(dtype)
    return 2 * size ** 3 / fastest_seconds(lambda: a @ b, device, repeats)


def conv_peak(device: torch.device, dtype: torch.dtype = torch.float32, channels: int = 256, size: int = 32,
              batch: int = 16, repeats: int = 5) -> float:
    """FLOPs per second of the fastest of `repeats` forward passes of a 3x3 convolution
    (`channels` -> `channels`, padding 1) over `batch` images of size x size, in channels_last:
    2 * batch * size^2 * channels^2 * 9 FLOPs each."""
    if min(channels, size, batch, repeats) < 1:
        raise ValueError(f"channels, size, batch and repeats must be positive, got {channels}, {size}, {batch}, {repeats}")
    conv = torch.nn.Conv2d(channels, channels, 3, padding=1, bias=False).to(device=device, dtype=dtype)
    conv = conv.to(memory_format=torch.channels_last)
    x = torch.randn(batch, channels, size, size, device=device, dtype=dtype).contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        best = fastest_seconds(lambda: conv(x), device, repeats)
    return 2 * batch * size * size * channels * channels * 9 / best


def machine_peak(device: torch.device, dtype: torch.dtype = torch.float32) -> dict[str, float]:
    """The machine's peak FLOPs/s in `dtype` on the current threads: {"matmul": ..., "conv": ...,
    "peak": the larger}."""
    rates = {"matmul": matmul_peak(device, dtype), "conv": conv_peak(device, dtype)}
    return {**rates, "peak": max(rates.values())}


def fraction_of_peak(flops_per_step: int, seconds_per_step: float, peak_flops_per_s: float) -> float:
    """The step's achieved FLOPs/s as a fraction of the peak."""
    if seconds_per_step <= 0 or peak_flops_per_s <= 0:
        raise ValueError(f"times and rates must be positive, got {seconds_per_step} s and {peak_flops_per_s} FLOP/s")
    return flops_per_step / seconds_per_step / peak_flops_per_s
