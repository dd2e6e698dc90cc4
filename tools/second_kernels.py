"""Print the second kernel configuration `make test` builds the book under, as environment assignments.

nbval executes the chapters under the machine's default kernels on two threads; the book build executes
them again under another configuration, so that a chapter claim which held only under one set of float
results fails the build (gan_lib.book.claim raises), as it would on another CPU or a GPU. The second
configuration is PyTorch's AVX2 kernels on one thread where the CPU has AVX2 (on an AVX-512 CPU other
vector kernels and another split of every sum; on an AVX2-only CPU the same kernels, another split),
else the unvectorised kernels on one thread. Both are in the claim spread (notebooks/results/claim_spread.md);
AVX2 is vectorised, so the build takes minutes less than under the unvectorised kernels.

    python tools/second_kernels.py          # e.g. ATEN_CPU_CAPABILITY=avx2 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
"""
from __future__ import annotations

from gan_lib.device import cpu_kernel_capabilities


def second_kernels(capabilities: list[str]) -> str:
    capability = "avx2" if "avx2" in capabilities else "default"
    return f"ATEN_CPU_CAPABILITY={capability} OMP_NUM_THREADS=1 MKL_NUM_THREADS=1"


if __name__ == "__main__":
    print(second_kernels(cpu_kernel_capabilities()))
