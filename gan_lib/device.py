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


def cpu_has_native_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (AVX512-BF16 or AMX, as on Intel Xeon since
    Cooper Lake / Sapphire Rapids). Without it, oneDNN emulates bfloat16 and it is slower than float32."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a torch build without oneDNN
        return False


def cuda_has_native_bfloat16(device: torch.device) -> bool:
    """Whether this GPU computes bfloat16 in hardware: compute capability 8.0 or newer (Ampere on).

    `torch.cuda.is_bf16_supported()` also says yes on older GPUs (T4, V100: the free Colab ones),
    where bfloat16 is emulated and slower than float32."""
    major, _ = torch.cuda.get_device_capability(device)
    return major >= 8


def autocast_dtype(device: torch.device, mixed_precision: bool | str = "auto") -> torch.dtype | None:
    """The reduced precision to train in, or None for float32.

    Mixed precision is bfloat16: it has float32's range, so GAN losses need no gradient
    scaler, and double backward (gradient penalties) works.

    - CUDA: `"auto"` and `True` use bfloat16 where the GPU has native bfloat16
      (`cuda_has_native_bfloat16()`: compute capability 8.0 or newer), else float32.
    - CPU: `"auto"` stays in float32 (the book's stored results are float32 ones);
      `True` uses bfloat16 on CPUs with native bfloat16 units (`cpu_has_native_bfloat16()`:
      1.9x faster DCGAN steps than float32 on two Sapphire Rapids cores with AMX,
      benchmarks/results/speed.md) and is refused on other CPUs, where it would be slower.
    - Other devices (MPS): float32.
    """
    if mixed_precision not in (True, False, "auto"):
        raise ValueError(f"mixed_precision must be True, False or 'auto', not {mixed_precision!r}")
    if mixed_precision is False:
        return None
    if device.type == "cuda":
        return torch.bfloat16 if cuda_has_native_bfloat16(device) else None
    if device.type == "cpu" and mixed_precision is True:
        if not cpu_has_native_bfloat16():
            raise ValueError("mixed_precision=True on the CPU needs native bfloat16 (AVX512-BF16 or AMX), which this CPU "
                             "lacks: emulated bfloat16 is slower than float32. Use mixed_precision='auto' (float32 here).")
        return torch.bfloat16
    return None


def autocast(device: torch.device, dtype: torch.dtype | None):
    """`torch.autocast` for `dtype`, or a no-op context when `dtype` is None."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def cpu_kernel_capabilities() -> list[str]:
    """The values of `ATEN_CPU_CAPABILITY` this CPU can run: 'default' (no vector kernels) always,
    then 'avx2' and 'avx512' where the CPU has them (Linux /proc/cpuinfo; elsewhere 'default' only).

    Each value makes PyTorch use other kernels, which give other float results of training on the
    same machine, as another CPU would: `tools/claim_spread.py` and the tests use that to check
    that the book's claims and metrics do not depend on the kernels."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            flags = next((line.split(":", 1)[1].split() for line in info if line.startswith("flags")), [])
    except OSError:
        flags = []
    found = ["default"]
    if "avx2" in flags:
        found.append("avx2")
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq"} <= set(flags):
        found.append("avx512")
    return found


def cpu_model_name() -> str:
    """The CPU's model name ('AMD EPYC 9654', 'Intel(R) Xeon(R) Platinum 8480+'), from /proc/cpuinfo on
    Linux, else what `platform` knows: benchmark and claim files record it, since float results and speed
    depend on it."""
    import platform

    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe_machine() -> str:
    """One line for result files: CPU model, architecture, core count, and the GPU when one is used."""
    import os
    import platform

    text = f"{cpu_model_name()} ({platform.machine()}), {os.cpu_count()} CPUs"
    if torch.cuda.is_available():
        text += f", {torch.cuda.get_device_name()}"
    return text
