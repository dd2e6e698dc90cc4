"""One-dimensional signals: sums of sinusoids with random frequencies and phases (chapter 6).

They stand in for audio or sensor time series: every signal is smooth and periodic, but no two
are alike, and their power spectra say at a glance whether a generator got them right (all the
power between `min_cycles` and `max_cycles`, none above). Fresh signals are drawn for every
batch, like the 2D toy data, so the training set is unlimited.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..errors import ConfigError
from .batches import Batch, _check_batch_size, cpu_generator


@dataclass(frozen=True)
class SinusoidSignals:
    """x(t) = (1/K) sum_k sin(2 pi f_k t / L + phi_k), t = 0..L-1, f_k ~ U[min_cycles, max_cycles],
    phi_k ~ U[0, 2 pi). Values lie in [-1, 1], the range of a tanh generator."""

    length: int = 64  # samples per signal (L); a multiple of 8 for the 1D DCGAN
    components: int = 2  # sinusoids per signal (K)
    min_cycles: float = 1.0  # lowest frequency, in cycles per signal
    max_cycles: float = 8.0  # highest frequency, in cycles per signal (Nyquist is L / 2)

    def __post_init__(self):
        if self.length <= 0 or self.components <= 0:
            raise ConfigError(f"length and components must be positive, got {self.length} and {self.components}")
        if not 0 <= self.min_cycles <= self.max_cycles < self.length / 2:
            raise ConfigError(f"need 0 <= min_cycles <= max_cycles < length / 2 = {self.length / 2} "
                              f"(the Nyquist limit), got {self.min_cycles} and {self.max_cycles}")

    @property
    def shape(self) -> tuple[int, int]:
        return (1, self.length)

    def sample(self, n: int, rng: torch.Generator) -> torch.Tensor:
        """`n` signals of shape (n, 1, length) on `rng`'s device."""
        device = rng.device
        span = self.max_cycles - self.min_cycles
        cycles = self.min_cycles + span * torch.rand(n, self.components, 1, generator=rng, device=device)  # (n, K, 1)
        phases = 2 * math.pi * torch.rand(n, self.components, 1, generator=rng, device=device)  # (n, K, 1)
        t = torch.arange(self.length, device=device, dtype=torch.float32)  # (L,)
        waves = torch.sin(2 * math.pi * cycles * t / self.length + phases)  # (n, K, L)
        return waves.mean(dim=1, keepdim=True)  # (n, 1, L)


class SignalBatches:
    """Batches of fresh signals from a `SinusoidSignals`, shape (batch_size, 1, length)."""

    num_classes = 0

    def __init__(self, signals: SinusoidSignals, batch_size: int, device: torch.device, seed: int = 0):
        self.signals = signals
        self.batch_size = _check_batch_size(batch_size)
        self.device = torch.device(device)
        self.sample_shape = signals.shape
        self.rng = cpu_generator(seed)  # drawn on the CPU, moved to the device (see batches.cpu_generator)

    def next_batch(self) -> Batch:
        return Batch(self.signals.sample(self.batch_size, self.rng).to(self.device), None)

    def state_dict(self) -> dict:
        return {"rng": self.rng.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.rng.set_state(state["rng"])


SIGNALS = {"sines": SinusoidSignals()}  # the signal datasets registered in gan_lib.data.DATASETS
