"""Print the two kernel configurations `make test` executes the chapters under, as environment assignments.

nbval and the book build execute every chapter at the same time, each on one thread of a 2-core machine
(two jobs of one thread each do not slow each other down as two of two threads do). nbval runs under the
machine's best kernels, the book build under the next vector width down: AVX2 kernels on an AVX-512 CPU,
the unvectorised ones on an AVX2-only CPU. Their float results of training differ as another CPU's or a
GPU's would, so a chapter claim which held only under one set of float results fails the build
(gan_lib.book.claim raises). A CPU with no vector kernels PyTorch can switch between (an Arm machine, or
no /proc/cpuinfo) runs both under its default kernels. Every configuration is in the claim spread
(notebooks/results/claim_spread.md).

    python tools/second_kernels.py          # ATEN_CPU_CAPABILITY=avx2 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
    python tools/second_kernels.py --first  # OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 (nbval's)
"""
from __future__ import annotations

import sys

from gan_lib.device import cpu_kernel_capabilities

ONE_THREAD = "OMP_NUM_THREADS=1 MKL_NUM_THREADS=1"


def second_kernels(capabilities: list[str]) -> str:
    """The book build's configuration: one vector width below the best of `capabilities`
    (cpu_kernel_capabilities' list, narrowest first), on one thread."""
    best = len(capabilities) - 1
    capability = capabilities[max(best - 1, 0)]
    return f"ATEN_CPU_CAPABILITY={capability} {ONE_THREAD}"


def first_kernels() -> str:
    """nbval's configuration: the machine's default (best) kernels, on one thread."""
    return ONE_THREAD


if __name__ == "__main__":
    print(first_kernels() if sys.argv[1:] == ["--first"] else second_kernels(cpu_kernel_capabilities()))
