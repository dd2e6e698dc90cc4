"""Conditional image-to-image GANs for image restoration, pix2pix style (Isola et al., 2017; chapter 6).

A generator G restores a corrupted image c; a patch discriminator D sees (c, image) pairs.

    Update D:  minimise  E[softplus(-D(c, x))] + E[softplus(D(c, G(c)))]        (eq. 3.2 on patches)
    Update G:  minimise  L_adv(D(c, G(c)))  +  lambda * E|G(c) - x|_1            (eq. 5.7)

With `adversarial=False` only the L1 term is left: the same network trained as a plain
regression, which is the baseline the GAN is compared with. L1 alone is minimised by the
per-pixel median of all images consistent with c, which is blurry where c is ambiguous;
the adversarial term penalises outputs that do not look like real patches.

Quality is measured by PSNR (eq. 5.8), which rewards exactly the per-pixel average:
expect the L1 network to score at least as well on it, and look at the images too.

Corruptions are registered by name in `CORRUPTIONS`: "noise" (denoising), "mask" (inpainting) and
"downsample" (super-resolution, eq. 5.9: the image is average-pooled by `factor` and enlarged back by
bicubic interpolation, so G sees an input of the output's size, as in SRCNN (Dong et al., 2014); SRGAN
enlarges inside the network instead).
Every corruption takes the same keyword arguments and ignores those it does not use.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F

from ..data import ImageBatches, check_images
from ..device import autocast, autocast_dtype, select_device
from ..errors import ConfigError
from ..history import LossCurves
from ..losses import GANLoss, get_loss
from ..models.init import dcgan_init
from ..models.pix2pix import PatchDiscriminator, UNetGenerator
from ..modes import evaluating, frozen
from ..registry import Registry
from ..validation import require_non_negative, require_positive, require_positive_ints

Tensor = torch.Tensor

CORRUPTIONS: Registry[Callable] = Registry("corruption")


@CORRUPTIONS.register("noise")
def add_gaussian_noise(images: Tensor, rng: torch.Generator, noise_std: float = 0.5, hole_size: int = 0,
                       factor: int = 2) -> Tensor:
    """Denoising task: x + N(0, noise_std^2) per pixel, clipped to [-1, 1]."""
    noise = torch.randn(images.shape, generator=rng, device=rng.device).to(images.device)
    return (images + noise_std * noise).clamp(-1, 1)


@CORRUPTIONS.register("mask")
def mask_random_square(images: Tensor, rng: torch.Generator, noise_std: float = 0.0, hole_size: int = 12,
                       factor: int = 2) -> Tensor:
    """Inpainting task: one hole_size x hole_size square per image, at a random position, set to 0 (grey)."""
    n, _, height, width = images.shape
    if not 0 < hole_size <= min(height, width):
        raise ValueError(f"hole_size must be between 1 and {min(height, width)}, got {hole_size}")
    tops = torch.randint(height - hole_size + 1, (n,), generator=rng, device=rng.device).to(images.device)
    lefts = torch.randint(width - hole_size + 1, (n,), generator=rng, device=rng.device).to(images.device)
    rows = torch.arange(height, device=images.device)[None, :, None]  # (1, H, 1)
    cols = torch.arange(width, device=images.device)[None, None, :]  # (1, 1, W)
    inside = ((rows >= tops[:, None, None]) & (rows < tops[:, None, None] + hole_size)
              & (cols >= lefts[:, None, None]) & (cols < lefts[:, None, None] + hole_size))  # (N, H, W)
    return images.masked_fill(inside[:, None], 0.0)


def shrink(images: Tensor, factor: int = 2) -> Tensor:
    """The low-resolution image: the mean of every factor x factor block, (N, C, H, W) -> (N, C, H/f, W/f)."""
    check_images(images)
    if not isinstance(factor, int) or isinstance(factor, bool) or factor < 1:
        raise ValueError(f"factor must be a positive integer, got {factor!r}")
    if images.shape[-2] % factor or images.shape[-1] % factor:
        raise ValueError(f"image size {tuple(images.shape[-2:])} is not divisible by factor {factor}")
    return F.avg_pool2d(images, factor)


def enlarge_bicubic(images: Tensor, factor: int = 2) -> Tensor:
    """Bicubic interpolation to factor times the size, (N, C, h, w) -> (N, C, f h, f w), clipped to [-1, 1]
    (the cubic kernel overshoots next to sharp edges). Constant images stay exactly constant."""
    check_images(images)
    return F.interpolate(images, scale_factor=factor, mode="bicubic", align_corners=False).clamp(-1, 1)


@CORRUPTIONS.register("downsample")
def downsample(images: Tensor, rng: torch.Generator, noise_std: float = 0.0, hole_size: int = 0,
               factor: int = 2) -> Tensor:
    """Super-resolution task (eq. 5.9): average-pool by `factor`, then bicubic back to the original size.
    Deterministic (`rng` unused): the detail lost is the same at every step."""
    return enlarge_bicubic(shrink(images, factor), factor)


def psnr(estimate: Tensor, target: Tensor, data_range: float = 2.0) -> Tensor:
    """Eq. (6.8): peak signal-to-noise ratio per image, 10 log10(data_range^2 / MSE) in dB, shape (N,).

    `data_range` is max - min of the pixel scale: 2 for images in [-1, 1], 1 for [0, 1], 255 for bytes.
    Identical images have infinite PSNR.
    """
    if estimate.shape != target.shape:
        raise ValueError(f"estimate and target shapes differ: {tuple(estimate.shape)} vs {tuple(target.shape)}")
    if estimate.ndim < 2:
        raise ValueError(f"expected a batch of images (N, ...), got shape {tuple(estimate.shape)}")
    if not data_range > 0:
        raise ValueError(f"data_range must be positive, got {data_range}")
    mse = (estimate.float() - target.float()).pow(2).flatten(1).mean(1)  # (N,)
    return 10 * torch.log10(data_range ** 2 / mse)


def pix2pix_generator_loss(fake_patch_logits: Tensor, restored: Tensor, target: Tensor, loss: GANLoss | None,
                           l1_weight: float) -> dict[str, Tensor]:
    """Eq. (6.7): loss.generator_loss on every patch logit + l1_weight * mean |restored - target|.
    `loss=None` drops the adversarial term (the plain L1 network). Returns {"total", "adversarial", "l1"}."""
    l1 = (restored - target).abs().mean()
    adversarial = loss.generator_loss(fake_patch_logits.flatten()) if loss is not None else l1.new_zeros(())
    return {"total": adversarial + l1_weight * l1, "adversarial": adversarial, "l1": l1}


@dataclass
class ImageToImageConfig:
    """One restoration run; defaults fit 28x28 Fashion-MNIST on a CPU in seconds."""

    corruption: str = "mask"  # "mask" (inpainting), "noise" (denoising) or "downsample" (super-resolution)
    hole_size: int = 12  # side of the missing square, in pixels ("mask")
    noise_std: float = 0.5  # standard deviation of the added noise, images in [-1, 1] ("noise")
    factor: int = 2  # the image is shrunk factor times in each direction ("downsample"; 28 -> 14 for 2)
    adversarial: bool = True  # False: train G on L1 alone (the baseline)
    loss: str = "non-saturating"  # GAN loss by name (gan_lib.LOSSES), applied per patch
    l1_weight: float = 100.0  # lambda in eq. (6.7); pix2pix's value
    steps: int = 300  # updates of G (and of D)
    batch_size: int = 64  # images per step
    lr: float = 2e-4  # Adam learning rate of both networks
    betas: tuple[float, float] = (0.5, 0.999)  # Adam betas, as in pix2pix
    width: int = 32  # base channels of G and D
    depth: int = 2  # resolution halvings in the U-Net (28 -> 14 -> 7)
    residual: bool = True  # G outputs input + correction (starts as the identity)
    seed: int = 0  # seeds networks, corruptions and batch order
    device: str = "auto"  # auto (CUDA, MPS, CPU), cpu, cuda or mps
    mixed_precision: bool | str = "auto"  # bfloat16 autocast on CUDA

    def __post_init__(self):
        CORRUPTIONS.get(self.corruption)
        get_loss(self.loss)
        require_positive_ints(self, ("steps", "batch_size", "width", "depth", "hole_size", "factor"))
        require_positive(self, ("lr",))
        require_non_negative(self, ("l1_weight", "noise_std"))
        if not self.adversarial and self.l1_weight == 0:
            raise ConfigError("with adversarial=False the L1 term is the only loss: l1_weight must be > 0")

    def corrupt(self, images: Tensor, rng: torch.Generator) -> Tensor:
        """This config's corruption applied to `images` (N, C, H, W), random draws from `rng`."""
        return CORRUPTIONS.get(self.corruption)(images, rng, noise_std=self.noise_std, hole_size=self.hole_size,
                                                factor=self.factor)


@dataclass
class ImageToImageRun:
    """A trained restorer, its discriminator (None without the adversarial term) and loss curves."""

    config: ImageToImageConfig
    generator: UNetGenerator
    discriminator: PatchDiscriminator | None
    history: dict[str, list[float]] = field(default_factory=dict)

    @torch.no_grad()
    def restore(self, corrupted: Tensor, batch_size: int = 1000) -> Tensor:
        """G applied to `corrupted` (N, C, H, W), in evaluation mode, clamped to [-1, 1]; on the CPU."""
        device = next(self.generator.parameters()).device
        with evaluating(self.generator):
            return torch.cat([self.generator(corrupted[i:i + batch_size].to(device)).float().clamp(-1, 1).cpu()
                              for i in range(0, len(corrupted), batch_size)])


def train_image_to_image(config: ImageToImageConfig, clean_images: Tensor) -> ImageToImageRun:
    """Train a U-Net to undo `config`'s corruption of `clean_images` (N, C, H, W) in [-1, 1]:
    pix2pix when `config.adversarial`, plain L1 regression otherwise. Fresh corruptions every step."""
    check_images(clean_images, "clean_images")
    device = select_device(config.device)
    amp = autocast_dtype(device, config.mixed_precision)
    channels, size, _ = clean_images.shape[1:]
    torch.manual_seed(config.seed)
    generator = UNetGenerator(channels, channels, size, config.width, config.depth, config.residual).to(device)
    generator.apply(dcgan_init)
    opt_g = torch.optim.Adam(generator.parameters(), lr=config.lr, betas=config.betas)
    discriminator, opt_d, loss = None, None, None
    if config.adversarial:
        discriminator = PatchDiscriminator(channels, channels, size, config.width).to(device)
        discriminator.apply(dcgan_init)
        opt_d = torch.optim.Adam(discriminator.parameters(), lr=config.lr, betas=config.betas)
        loss = get_loss(config.loss)
    batches = ImageBatches(clean_images, None, config.batch_size, device, config.seed)
    rng = torch.Generator(device=device).manual_seed(config.seed + 1)  # corruptions
    curves = LossCurves("l1", "adversarial", "d_loss")
    held_fixed = [discriminator] if discriminator is not None else []  # during G's update
    generator.train()
    for _ in range(config.steps):
        clean, _ = batches.next_batch()
        corrupted = config.corrupt(clean, rng)

        if discriminator is not None:
            # Update D: real pairs (c, x) -> 1, generated pairs (c, G(c)) -> 0, one decision per patch.
            with torch.no_grad(), autocast(device, amp):
                restored = generator(corrupted)
            with autocast(device, amp):
                d_loss = loss.discriminator_loss(discriminator(corrupted, clean).float().flatten(),
                                                 discriminator(corrupted, restored).float().flatten())
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            curves.record(d_loss=d_loss)

        # Update G: fool D on every patch and stay close to x in L1 (eq. 5.7); D is held fixed.
        with frozen(*held_fixed):
            with autocast(device, amp):
                restored = generator(corrupted).float()
                fake_logits = discriminator(corrupted, restored).float() if discriminator is not None else None
                g_losses = pix2pix_generator_loss(fake_logits, restored, clean, loss, config.l1_weight)
            opt_g.zero_grad(set_to_none=True)
            g_losses["total"].backward()
        opt_g.step()
        curves.record(l1=g_losses["l1"], adversarial=g_losses["adversarial"])
    generator.eval()
    return ImageToImageRun(config, generator, discriminator, curves.as_lists())


def corrupt_fixed(config: ImageToImageConfig, images: Tensor, seed: int = 1234) -> Tensor:
    """A reproducible corruption of `images` (for a test set): the same holes or noise for every model."""
    return config.corrupt(images, torch.Generator(device=images.device).manual_seed(seed))


def mean_psnr(images: Tensor, clean: Tensor, data_range: float = 2.0) -> float:
    """Average of the per-image PSNR (dB); infinite values (perfect images) are not expected here."""
    values = psnr(images, clean, data_range)
    return float(values.mean()) if torch.isfinite(values).all() else math.inf


__all__ = [
    "CORRUPTIONS", "ImageToImageConfig", "ImageToImageRun", "add_gaussian_noise", "corrupt_fixed", "downsample",
    "enlarge_bicubic", "mask_random_square", "mean_psnr", "pix2pix_generator_loss", "psnr", "shrink",
    "train_image_to_image"
]
