"""Image-to-image networks in the style of pix2pix (Isola et al., 2017), sized for 28x28 images (chapter 6).

`UNetGenerator` maps a corrupted image to a restored one. Its encoder halves the resolution
`depth` times; its decoder doubles it back, and each decoder stage also sees the encoder
features of the same resolution (the skip connections of the U-Net, Ronneberger et al., 2015),
so fine detail of the input need not squeeze through the bottleneck. With `residual=True`
(restoration: input and output have the same channels) it predicts a correction that is added
to its input, so an untrained network already returns the input rather than noise, and most
pixels, which the corruption left alone, need no work at all.

`PatchDiscriminator` looks at the (condition, image) pair and returns one logit per
overlapping patch rather than one per image: it judges local texture, and L1 takes care
of the global layout. No batch norm in either network: with the few hundred steps the book
trains for, batch statistics in evaluation mode would lag behind the weights.
"""
from __future__ import annotations

import torch
from torch import nn

from .checks import check_input


class UNetGenerator(nn.Module):
    """images (B, in_channels, H, W) -> images (B, out_channels, H, W); H, W divisible by 2**depth.

    The output is tanh(U(x)) in [-1, 1], or x + U(x) with `residual=True` (not clamped, so the
    gradient never stops at the range limits; clamp when displaying or scoring).
    """

    def __init__(self, in_channels: int = 1, out_channels: int = 1, image_size: int = 28, width: int = 32,
                 depth: int = 2, residual: bool = False):
        super().__init__()
        if depth < 1 or image_size % (2 ** depth):
            raise ValueError(f"image_size {image_size} must be divisible by 2**depth = {2 ** depth} (depth >= 1); "
                             "for 28x28 images use depth 1 or 2")
        if residual and in_channels != out_channels:
            raise ValueError(f"residual=True adds the input to the output: in_channels ({in_channels}) must equal "
                             f"out_channels ({out_channels})")
        self.residual = residual
        self.input_shape = (in_channels, image_size, image_size)
        self.output_shape = (out_channels, image_size, image_size)
        channels = [width * 2 ** i for i in range(depth)]  # encoder widths w, 2w, 4w, ...
        self.encoder = nn.ModuleList()
        previous = in_channels
        for i, c in enumerate(channels):
            # halve the resolution: (B, previous, s, s) -> (B, c, s/2, s/2)
            activation = nn.LeakyReLU(0.2) if i < depth - 1 else nn.ReLU()
            self.encoder.append(nn.Sequential(nn.Conv2d(previous, c, 4, 2, 1), activation))
            previous = c
        self.bottleneck = nn.Sequential(nn.Conv2d(previous, previous, 3, 1, 1), nn.ReLU())  # same resolution
        self.decoder = nn.ModuleList()
        for i in reversed(range(depth)):
            skip = channels[i]  # concatenated encoder features of this resolution
            target = channels[i - 1] if i > 0 else out_channels
            layers: list[nn.Module] = [nn.ConvTranspose2d(previous + skip, target, 4, 2, 1)]  # double the resolution
            if i > 0:
                layers.append(nn.ReLU())
            elif not residual:
                layers.append(nn.Tanh())
            self.decoder.append(nn.Sequential(*layers))
            previous = target

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input("UNetGenerator", x, self.input_shape)
        skips = []
        h = x
        for stage in self.encoder:
            h = stage(h)
            skips.append(h)
        h = self.bottleneck(h)
        for stage in self.decoder:
            h = stage(torch.cat([h, skips.pop()], dim=1))  # U-Net skip connection
        return x + h if self.residual else h


class PatchDiscriminator(nn.Module):
    """(condition (B, c_in, H, W), image (B, c_out, H, W)) -> patch logits (B, H/4, W/4).

    Each logit says whether one patch of the pair is real; with the default layers a patch is
    18x18 pixels and neighbouring patches are 4 pixels apart (7x7 patches on a 28x28 image).
    """

    def __init__(self, condition_channels: int = 1, image_channels: int = 1, image_size: int = 28, width: int = 32):
        super().__init__()
        if image_size % 4:
            raise ValueError(f"image_size must be a multiple of 4, got {image_size}")
        self.condition_shape = (condition_channels, image_size, image_size)
        self.image_shape = (image_channels, image_size, image_size)
        self.net = nn.Sequential(
            nn.Conv2d(condition_channels + image_channels, width, 4, 2, 1),  # (B, w, H/2, W/2)
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, 2, 1),  # (B, 2w, H/4, W/4)
            nn.LeakyReLU(0.2),
            nn.Conv2d(2 * width, 1, 3, 1, 1),  # (B, 1, H/4, W/4): one logit per patch
        )

    def forward(self, condition: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
        check_input("PatchDiscriminator (condition)", condition, self.condition_shape)
        check_input("PatchDiscriminator (image)", image, self.image_shape)
        if len(condition) != len(image):
            raise ValueError(f"condition and image batches differ in size: {len(condition)} vs {len(image)}")
        return self.net(torch.cat([condition, image], dim=1)).squeeze(1)
