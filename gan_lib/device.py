"""Device selection, mixed precision, and what differs between devices.

`device="auto"` picks CUDA, then Apple's MPS, then the CPU. Nothing is probed at
import time: the choice is made when a trainer or model asks for it.

Three things make the same code behave differently on another device, and each has one
place here:
- bfloat16: native on Ampere and newer GPUs and on CPUs with AVX512-BF16 or AMX, emulated
  (and slower than float32) elsewhere; `autocast_dtype` decides.
- float64: Apple's MPS has none. gan_lib computes in float64 only on CPU tensors, inside
  `float64_on_cpu()` blocks (tests/test_mac_stand_in.py raises on float64 anywhere else).
- TF32: on Ampere and newer GPUs PyTorch may round float32 convolutions to TF32;
  `configure_cuda_math` makes that a stated choice, and `full_float32` turns it off for a block.
"""
from __future__ import annotations

import contextlib
import os
import platform
import threading

import torch

from .errors import ConfigError

CPUINFO = "/proc/cpuinfo"  # Linux's list of CPU flags; absent on macOS and Windows


def select_device(device: str | torch.device = "auto") -> torch.device:
    """Return the torch device for `device`; `"auto"` prefers CUDA, then MPS, then CPU."""
    if isinstance(device, torch.device):
        return device
    if device != "auto":
        try:
            chosen = torch.device(device)
        except RuntimeError as error:
            raise ConfigError(f"unknown device {device!r}; use 'auto', 'cpu', 'cuda' or 'mps'") from error
        if chosen.type == "cuda" and not torch.cuda.is_available():
            raise ConfigError("device 'cuda' was asked for but CUDA is not available; use device='auto' or 'cpu'")
        if chosen.type == "mps" and not mps_is_available():
            raise ConfigError("device 'mps' was asked for but Apple's MPS is not available here (it needs an "
                              "Apple-silicon Mac); use device='auto' or 'cpu'")
        return chosen
    if torch.cuda.is_available():
        return torch.device("cuda")
    if mps_is_available():
        return torch.device("mps")
    return torch.device("cpu")


def mps_is_available() -> bool:
    """Whether Apple's Metal backend can run here (an Apple-silicon Mac with an MPS build of torch)."""
    return getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()


def cpu_flags(cpuinfo: str | os.PathLike = CPUINFO) -> set[str]:
    """The CPU's feature flags as Linux lists them (x86 'flags', Arm 'Features'); empty where there is
    no such file (macOS, Windows)."""
    try:
        with open(cpuinfo, encoding="utf-8") as info:
            for line in info:
                if line.startswith(("flags", "Features")):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def cpu_has_native_bfloat16(cpuinfo: str | os.PathLike = CPUINFO) -> bool:
    """Whether this CPU multiplies bfloat16 in hardware: AVX512-BF16 (Intel Cooper Lake and newer, AMD
    Zen 4 and newer), AMX-BF16 (Intel Sapphire Rapids and newer), or Arm's BF16 extension.

    Read from the CPU flags, not from `torch.ops.mkldnn._is_mkldnn_bf16_supported()`, which is true on
    any AVX-512 CPU (Skylake, Cascade Lake, Ice Lake): there oneDNN emulates bfloat16 with float32
    arithmetic plus conversions, slower than float32 itself."""
    flags = cpu_flags(cpuinfo)
    return bool(flags & {"avx512_bf16", "amx_bf16", "bf16"})


def cuda_has_native_bfloat16(device: torch.device) -> bool:
    """Whether this GPU computes bfloat16 in hardware: compute capability 8.0 or newer (Ampere on).

    `torch.cuda.is_bf16_supported()` also says yes on older GPUs (T4, V100: the free Colab ones),
    where bfloat16 is emulated and slower than float32."""
    major, _ = torch.cuda.get_device_capability(device)
    return major >= 8


def has_native_bfloat16(device: torch.device) -> bool:
    """Whether `device` computes bfloat16 in hardware: a CUDA GPU of compute capability 8.0 or newer, or a
    CPU with AVX512-BF16, AMX or Arm BF16; never MPS or another device type."""
    if device.type == "cuda":
        return cuda_has_native_bfloat16(device)
    return device.type == "cpu" and cpu_has_native_bfloat16()


def autocast_dtype(device: torch.device, mixed_precision: bool | str = "auto") -> torch.dtype | None:
    """The reduced precision to train in, or None for float32.

    Mixed precision is bfloat16: it has float32's range, so GAN losses need no gradient
    scaler, and double backward (gradient penalties) works.

    - `"auto"`: bfloat16 on a CUDA GPU with native bfloat16 (`cuda_has_native_bfloat16()`: compute
      capability 8.0 or newer), float32 everywhere else (older GPUs such as Colab's T4, the CPU, whose
      stored results in the book are float32 ones, and MPS).
    - `True`: bfloat16, on every device that computes it natively: such a GPU, or a CPU with native
      bfloat16 (`cpu_has_native_bfloat16()`: 1.9x faster DCGAN steps than float32 on two Sapphire
      Rapids cores with AMX, gan_lib/results/speed.md). Elsewhere a ConfigError (a ValueError) that names the
      device and why, never a silent float32 run.
    - `False`: float32.
    """
    if mixed_precision not in (True, False, "auto"):
        raise ConfigError(f"mixed_precision must be True, False or 'auto', not {mixed_precision!r}")
    if mixed_precision is False:
        return None
    if mixed_precision == "auto":
        return torch.bfloat16 if device.type == "cuda" and has_native_bfloat16(device) else None
    if has_native_bfloat16(device):
        return torch.bfloat16
    why = {
        "cuda": "this GPU has no native bfloat16 (compute capability below 8.0, e.g. a T4 or V100): it would be "
                "emulated and slower than float32",
        "cpu": "this CPU has no native bfloat16 (AVX512-BF16, AMX or Arm BF16): oneDNN would emulate it, slower "
               "than float32",
    }.get(device.type, f"gan_lib trains in float32 on {device.type}: bfloat16 autocast there is not supported")
    raise ConfigError(f"mixed_precision=True on device {device.type!r}: {why}. "
                      "Use mixed_precision='auto' (float32 here).")


def autocast(device: torch.device, dtype: torch.dtype | None):
    """`torch.autocast` for `dtype`, or a no-op context when `dtype` is None."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


# --- float64 only on the CPU ---------------------------------------------------------------------------
_float64_blocks = threading.local()


@contextlib.contextmanager
def float64_on_cpu():
    """Marks a block that computes in float64 on CPU tensors (a metric's sums, a histogram's
    probabilities). Apple's MPS has no float64, so gan_lib moves such work to the CPU first and
    does it inside this block; tests/test_mac_stand_in.py runs the chapters' training and metrics
    under a dispatch mode that raises on any float64 operation outside one."""
    _float64_blocks.depth = getattr(_float64_blocks, "depth", 0) + 1
    try:
        yield
    finally:
        _float64_blocks.depth -= 1


def in_float64_block() -> bool:
    """True inside `float64_on_cpu()` on this thread."""
    return getattr(_float64_blocks, "depth", 0) > 0


def cpu_float64(x: torch.Tensor) -> torch.Tensor:
    """`x` detached, on the CPU, in float64: the first step of every float64 computation in gan_lib
    (call it inside `float64_on_cpu()`)."""
    return x.detach().to("cpu", torch.float64)


# --- TF32 and cuDNN's algorithm choice on CUDA -------------------------------------------------------------
def configure_cuda_math(tf32: bool = False, cudnn_benchmark: bool = False, deterministic: bool = False) -> None:
    """Set PyTorch's process-wide CUDA switches that change results or speed (no effect on other devices):

    - `tf32`: let float32 matrix products and convolutions round their inputs to TF32 (10-bit mantissa)
      on Ampere and newer GPUs: faster, less exact. PyTorch's own defaults differ between the two
      (convolutions True, matrix products False); gan_lib makes both follow this one choice.
    - `cudnn_benchmark`: let cuDNN time several convolution algorithms on the first batch of each
      shape and keep the fastest: faster steps, but results may differ from run to run.
    - `deterministic`: `torch.use_deterministic_algorithms(True)`, so a run (and a resumed run) repeats
      bit for bit on one GPU; slower, and an operation without a deterministic kernel raises. It needs
      `CUBLAS_WORKSPACE_CONFIG=:4096:8` in the environment before CUDA starts (set here if absent).

    The switches belong to the process: the last trainer built sets them."""
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cudnn.benchmark = cudnn_benchmark and not deterministic
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(deterministic)


@contextlib.contextmanager
def full_float32(device: torch.device):
    """A block whose float32 arithmetic is float32 on CUDA too (TF32 off), e.g. a gradient penalty's
    double backward; elsewhere a no-op. The previous switches come back afterwards."""
    if device.type != "cuda":
        yield
        return
    matmul, convolution = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = matmul, convolution


def cpu_kernel_capabilities() -> list[str]:
    """The values of `ATEN_CPU_CAPABILITY` this CPU can run: 'default' (no vector kernels) always,
    then 'avx2' and 'avx512' where the CPU has them (Linux /proc/cpuinfo; elsewhere 'default' only).

    Each value makes PyTorch use other kernels, which give other float results of training on the
    same machine, as another CPU would: `tools/claim_spread.py` and the tests use that to check
    that the book's claims and metrics do not depend on the kernels."""
    flags = cpu_flags()
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
    try:
        with open(CPUINFO, encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe_machine() -> str:
    """One line for result files: CPU model, architecture, core count, and the GPU when one is used."""
    text = f"{cpu_model_name()} ({platform.machine()}), {os.cpu_count()} CPUs"
    if torch.cuda.is_available():
        text += f", {torch.cuda.get_device_name()}"
    return text
