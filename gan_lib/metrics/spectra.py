"""Compare 1D signals through their power spectra (chapter 6).

A generator of signals can fool the eye sample by sample and still get the frequencies wrong:
too much power at high frequencies (noise, checkerboard artefacts of transposed convolutions)
or a missing band. The mean power spectrum of many signals exposes both.
"""
from __future__ import annotations

import torch

Tensor = torch.Tensor


def _as_signals(signals: Tensor) -> Tensor:
    """(N, L) or (N, 1, L) -> (N, L)."""
    if signals.ndim == 3 and signals.shape[1] == 1:
        signals = signals[:, 0]
    if signals.ndim != 2:
        raise ValueError(f"signals must have shape (N, L) or (N, 1, L), got {tuple(signals.shape)}")
    return signals.float()


def power_spectrum(signals: Tensor, window: str | None = "hann") -> Tensor:
    """|FFT|^2 of each signal, (N, L) or (N, 1, L) -> (N, L // 2 + 1); bin k is k cycles per signal.

    The mean is removed first. A Hann window (the default) keeps a frequency that does not fit a
    whole number of cycles into the signal from leaking power into every other bin;
    `window=None` uses none (exact for whole-number frequencies).
    """
    x = _as_signals(signals)
    x = x - x.mean(dim=1, keepdim=True)
    if window == "hann":
        x = x * torch.hann_window(x.shape[1], periodic=True, dtype=x.dtype, device=x.device)
    elif window is not None:
        raise ValueError(f"unknown window {window!r}; use 'hann' or None")
    return torch.fft.rfft(x, dim=1).abs().pow(2)


def mean_spectrum(signals: Tensor, window: str | None = "hann") -> Tensor:
    """The average power spectrum, normalised to sum to 1: the share of power in each frequency bin."""
    spectrum = power_spectrum(signals, window).mean(dim=0)
    total = spectrum.sum()
    if total <= 0:
        raise ValueError("the signals have no power (all constant): their spectrum cannot be normalised")
    return spectrum / total


def spectral_distance(signals_a: Tensor, signals_b: Tensor, window: str | None = "hann") -> float:
    """Eq. (6.12): total-variation distance between the normalised mean spectra, 1/2 sum_k |p_k - q_k|, in [0, 1]:
    0 when power is spread over frequencies identically, 1 when the two sets share no frequency."""
    p, q = mean_spectrum(signals_a, window), mean_spectrum(signals_b, window)
    if p.shape != q.shape:
        raise ValueError(f"signals of different lengths: spectra of {len(p)} and {len(q)} bins")
    return float(0.5 * (p - q).abs().sum())


def power_above(signals: Tensor, cycles: float, window: str | None = "hann") -> float:
    """Share of the total power in bins strictly above `cycles` cycles per signal."""
    p = mean_spectrum(signals, window)
    bins = torch.arange(len(p), device=p.device)
    return float(p[bins > cycles].sum())
