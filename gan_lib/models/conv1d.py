"""One-dimensional DCGAN networks for signals (chapter 6), in the spirit of WaveGAN (Donahue et al., 2019).

The DCGAN recipe with the 2D convolutions replaced by 1D ones: G maps z to a short
(4w, L/8) feature sequence and doubles its length three times with stride-2 transposed
convolutions; D mirrors it. Kernels are 8 taps long (WaveGAN uses 25 for audio at 16 kHz;
our signals are 64 samples). Transposed convolutions with stride 2 can leave a periodic
"checkerboard" pattern, which shows up as a spike in the power spectrum: the chapter looks for it.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as apply_spectral_norm

from .checks import check_input, check_labels
from .dcgan import discriminator_batch_norm

KERNEL = 8  # with stride 2 and padding 3 a layer exactly halves (or doubles) the length


def _check_length(length: int) -> int:
    if length % 8 or length < 8:
        raise ValueError(f"signal length must be a positive multiple of 8 (three stride-2 layers), got {length}")
    return length // 8


class Conv1dGenerator(nn.Module):
    """z (B, latent_dim) -> signals (B, channels, length) in [-1, 1]."""

    num_classes = 0

    def __init__(self, latent_dim: int = 32, channels: int = 1, length: int = 64, width: int = 32):
        super().__init__()
        s = _check_length(length)
        self.latent_dim = latent_dim
        self.output_shape = (channels, length)
        self.project = nn.Linear(latent_dim, 4 * width * s)  # (B, 4w*s)
        self.net = nn.Sequential(
            nn.Unflatten(1, (4 * width, s)),  # (B, 4w, s)
            nn.BatchNorm1d(4 * width), nn.ReLU(True),
            nn.ConvTranspose1d(4 * width, 2 * width, KERNEL, 2, 3, bias=False),  # (B, 2w, 2s)
            nn.BatchNorm1d(2 * width), nn.ReLU(True),
            nn.ConvTranspose1d(2 * width, width, KERNEL, 2, 3, bias=False),  # (B, w, 4s)
            nn.BatchNorm1d(width), nn.ReLU(True),
            nn.ConvTranspose1d(width, channels, KERNEL, 2, 3),  # (B, channels, 8s)
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        check_input("Conv1dGenerator", z, (self.latent_dim,))
        check_labels("Conv1dGenerator", labels, len(z), 0)
        return self.net(self.project(z))


class Conv1dDiscriminator(nn.Module):
    """signals (B, channels, length) -> logit (B,)."""

    num_classes = 0

    def __init__(self, channels: int = 1, length: int = 64, width: int = 32, batch_norm: bool = True,
                 spectral_norm: bool = False):
        super().__init__()
        s = _check_length(length)
        self.input_shape = (channels, length)
        wrap = apply_spectral_norm if spectral_norm else (lambda layer: layer)
        use_norm = discriminator_batch_norm(batch_norm, spectral_norm)

        def norm(c: int) -> nn.Module:
            return nn.BatchNorm1d(c) if use_norm else nn.Identity()

        self.net = nn.Sequential(
            wrap(nn.Conv1d(channels, width, KERNEL, 2, 3)),  # (B, w, 4s)
            nn.LeakyReLU(0.2, True),
            wrap(nn.Conv1d(width, 2 * width, KERNEL, 2, 3, bias=not use_norm)),  # (B, 2w, 2s)
            norm(2 * width), nn.LeakyReLU(0.2, True),
            wrap(nn.Conv1d(2 * width, 4 * width, KERNEL, 2, 3, bias=not use_norm)),  # (B, 4w, s)
            norm(4 * width), nn.LeakyReLU(0.2, True),
            nn.Flatten(),  # (B, 4w*s)
            wrap(nn.Linear(4 * width * s, 1)),  # (B, 1)
        )

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        check_input("Conv1dDiscriminator", x, self.input_shape)
        check_labels("Conv1dDiscriminator", labels, len(x), 0)
        return self.net(x).squeeze(1)
