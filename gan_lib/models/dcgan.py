"""DCGAN networks (Radford et al., 2016) for 28x28 (Fashion-MNIST) and 8x8 (digits) images.

Both sizes share one design: the generator maps z to a (2c, s, s) feature map with
s = image_size / 4, then doubles the resolution twice with stride-2 transposed
convolutions; the discriminator mirrors it. Batch norm in G; in D unless it is
spectrally normalised or trained with a per-example gradient penalty (batch norm
mixes examples, which the WGAN-GP penalty assumes it does not).

With `num_classes > 0` both are class-conditional: G adds a learned class embedding
to z, and D is a projection discriminator (Miyato & Koyama, 2018). Under spectral norm D's
class embedding is normalised too, as there and in BigGAN: the projection term is part of D's
output, and an unconstrained embedding would let it grow without the bound the rest of D has.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as apply_spectral_norm

from .checks import check_input, check_labels


def discriminator_batch_norm(requested: bool, spectral_norm: bool, penalty: bool = False) -> bool:
    """Whether a D gets batch norm: where it is asked for and nothing rules it out. Spectral norm
    replaces it, and a per-example gradient penalty (WGAN-GP, R1) assumes that each example's output
    depends on that example alone, which batch norm's shared batch statistics break."""
    return requested and not (spectral_norm or penalty)


def _base_size(image_size: int) -> int:
    if image_size % 4 or image_size < 8:
        raise ValueError(f"DCGAN image_size must be a multiple of 4 and at least 8 (8 or 28), got {image_size}")
    return image_size // 4


class DCGANGenerator(nn.Module):
    """z (B, latent_dim) -> images (B, channels, image_size, image_size) in [-1, 1]."""

    def __init__(self, latent_dim: int = 64, channels: int = 1, image_size: int = 28, width: int = 64,
                 num_classes: int = 0):
        super().__init__()
        s = _base_size(image_size)
        self.latent_dim, self.num_classes = latent_dim, num_classes
        self.output_shape = (channels, image_size, image_size)
        self.class_embedding = nn.Embedding(num_classes, latent_dim) if num_classes else None
        self.net = nn.Sequential(
            nn.ConvTranspose2d(latent_dim, 2 * width, s, 1, 0, bias=False),  # (B, 2w, s, s)
            nn.BatchNorm2d(2 * width), nn.ReLU(True),
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False),  # (B, w, 2s, 2s)
            nn.BatchNorm2d(width), nn.ReLU(True),
            nn.ConvTranspose2d(width, channels, 4, 2, 1),  # (B, channels, 4s, 4s)
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        check_input("DCGANGenerator", z, (self.latent_dim,))
        check_labels("DCGANGenerator", labels, len(z), self.num_classes)
        if self.class_embedding is not None:
            z = z + self.class_embedding(labels)  # (B, latent_dim)
        return self.net(z[:, :, None, None])


class DCGANDiscriminator(nn.Module):
    """images (B, channels, image_size, image_size) -> logit (B,)."""

    def __init__(self, channels: int = 1, image_size: int = 28, width: int = 64, batch_norm: bool = True,
                 spectral_norm: bool = False, num_classes: int = 0):
        """`batch_norm` is ignored under `spectral_norm`: a spectrally normalised D has no batch norm."""
        super().__init__()
        s = _base_size(image_size)
        self.input_shape = (channels, image_size, image_size)
        self.num_classes = num_classes
        wrap = apply_spectral_norm if spectral_norm else (lambda layer: layer)
        use_norm = discriminator_batch_norm(batch_norm, spectral_norm)
        norm = nn.BatchNorm2d(2 * width) if use_norm else nn.Identity()
        self.features = nn.Sequential(
            wrap(nn.Conv2d(channels, width, 4, 2, 1)),  # (B, w, 2s, 2s)
            nn.LeakyReLU(0.2, True),
            wrap(nn.Conv2d(width, 2 * width, 4, 2, 1, bias=not use_norm)),  # (B, 2w, s, s); BN has its own shift
            norm, nn.LeakyReLU(0.2, True),
            nn.Flatten(),  # (B, 2w*s*s)
        )
        feature_dim = 2 * width * s * s
        self.head = wrap(nn.Linear(feature_dim, 1))
        self.class_embedding = wrap(nn.Embedding(num_classes, feature_dim)) if num_classes else None

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        check_input("DCGANDiscriminator", x, self.input_shape)
        check_labels("DCGANDiscriminator", labels, len(x), self.num_classes)
        h = self.features(x)  # (B, feature_dim)
        logit = self.head(h).squeeze(1)  # (B,)
        if self.class_embedding is not None:
            logit = logit + (self.class_embedding(labels) * h).sum(dim=1)  # projection term <e_y, h>
        return logit
