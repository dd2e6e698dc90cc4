"""A small convolutional classifier, used as the semi-supervised GAN's discriminator (chapter 6).

Two stride-2 convolutions and a hidden linear layer: `features(x)` is that hidden layer (what
feature matching compares), `forward(x)` returns K class logits. The same network trained on
labels alone is the chapter's baseline, so any difference in accuracy comes from the GAN.
"""
from __future__ import annotations

import torch
from torch import nn

from .checks import check_input


class ConvClassifier(nn.Module):
    """images (B, channels, image_size, image_size) -> logits (B, num_classes).

    Dropout before each weight layer after the first: with a few labels the network
    memorises them within a few epochs, and dropout slows that down (Salimans et al.
    used it in their discriminator for the same reason).
    """

    def __init__(self, channels: int = 1, image_size: int = 28, num_classes: int = 10, width: int = 32,
                 hidden: int = 128, dropout: float = 0.3):
        super().__init__()
        if image_size % 4:
            raise ValueError(f"image_size must be a multiple of 4 (two stride-2 convolutions), got {image_size}")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        if min(channels, num_classes, width, hidden) <= 0:
            raise ValueError("channels, num_classes, width and hidden must be positive")
        s = image_size // 4
        self.input_shape = (channels, image_size, image_size)
        self.num_classes = num_classes
        self.body = nn.Sequential(
            nn.Conv2d(channels, width, 4, 2, 1),  # (B, w, 2s, 2s)
            nn.LeakyReLU(0.2),
            nn.Dropout(dropout),
            nn.Conv2d(width, 2 * width, 4, 2, 1),  # (B, 2w, s, s)
            nn.LeakyReLU(0.2),
            nn.Flatten(),  # (B, 2w*s*s)
            nn.Dropout(dropout),
            nn.Linear(2 * width * s * s, hidden),  # (B, hidden)
            nn.LeakyReLU(0.2),
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden, num_classes))  # (B, K)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The hidden layer (B, hidden): the statistics feature matching asks G to reproduce."""
        check_input("ConvClassifier", x, self.input_shape)
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    def features_and_logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Both at once (one forward pass): (B, hidden) and (B, num_classes)."""
        h = self.features(x)
        return h, self.head(h)
