"""Unpaired image-to-image translation with CycleGAN (Zhu et al., 2017; chapter 6).

Two domains A and B with no pairs between them (sneakers and ankle boots, say). Two generators,
G: A -> B and F: B -> A, and two discriminators: D_B tells real B images from G's translations,
D_A real A images from F's. With the non-saturating loss of chapter 3, on logits:

    Update D_B:   minimise  E[softplus(-D_B(b))] + E[softplus(D_B(G(a)))]          (eq. 5.10; D_A likewise)
    Update G, F:  minimise  E[softplus(-D_B(G(a)))] + E[softplus(-D_A(F(b)))]
                            + lambda * (E|F(G(a)) - a|_1 + E|G(F(b)) - b|_1)    (eq. 5.11)

The adversarial terms alone only ask that G(a) look like *some* B image; the cycle-consistency
term asks that F can undo it, so G(a) must keep what identifies a (its outline, its position).
Any loss of `gan_lib.LOSSES` can replace it; CycleGAN itself used least squares (`loss="least-squares"`).

The generators are the U-Nets of pix2pix (`gan_lib.models.pix2pix`), ending in tanh. With
`residual=True` they start as the identity instead; that start already satisfies the cycle term,
and in a run of a few hundred steps they tend to stay there.
The discriminators are small patch discriminators of one image (no condition). The history
buffer of past translations that CycleGAN shows D is left out: runs here are a few hundred steps.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from ..data import ImageBatches, check_images
from ..device import autocast, autocast_dtype, select_device
from ..history import LossCurves
from ..losses import GANLoss, get_loss
from ..models.checks import check_input
from ..models.init import dcgan_init
from ..models.pix2pix import UNetGenerator
from ..modes import evaluating, frozen
from ..validation import require_non_negative, require_positive, require_positive_ints

Tensor = torch.Tensor


class DomainDiscriminator(nn.Module):
    """images (B, C, H, W) -> patch scores (B, H/4, W/4): is each patch from this domain's real images?"""

    def __init__(self, channels: int = 1, image_size: int = 28, width: int = 16):
        super().__init__()
        if image_size % 4:
            raise ValueError(f"image_size must be a multiple of 4, got {image_size}")
        self.image_shape = (channels, image_size, image_size)
        self.net = nn.Sequential(
            nn.Conv2d(channels, width, 4, 2, 1),  # (B, w, H/2, W/2)
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, 2, 1),  # (B, 2w, H/4, W/4)
            nn.LeakyReLU(0.2),
            nn.Conv2d(2 * width, 1, 3, 1, 1),  # (B, 1, H/4, W/4): one score per 18x18 patch
        )

    def forward(self, images: Tensor) -> Tensor:
        check_input("DomainDiscriminator", images, self.image_shape)
        return self.net(images).squeeze(1)


def cycle_consistency_loss(original: Tensor, reconstructed: Tensor) -> Tensor:
    """The cycle term of eq. (6.11) for one direction: mean |reconstructed - original| over all pixels."""
    if original.shape != reconstructed.shape:
        raise ValueError(f"original and reconstructed shapes differ: {tuple(original.shape)} vs "
                         f"{tuple(reconstructed.shape)}")
    return (reconstructed - original).abs().mean()


def cyclegan_generator_loss(fake_b_scores: Tensor, fake_a_scores: Tensor, a: Tensor, a_reconstructed: Tensor,
                            b: Tensor, b_reconstructed: Tensor, loss: GANLoss, cycle_weight: float
                            ) -> dict[str, Tensor]:
    """Eq. (6.11): both generators' adversarial losses (on D_B(G(a)) and D_A(F(b)), every patch) plus
    cycle_weight * (|F(G(a)) - a|_1 + |G(F(b)) - b|_1). Returns {"total", "adversarial", "cycle"}."""
    adversarial = loss.generator_loss(fake_b_scores.flatten()) + loss.generator_loss(fake_a_scores.flatten())
    cycle = cycle_consistency_loss(a, a_reconstructed) + cycle_consistency_loss(b, b_reconstructed)
    return {"total": adversarial + cycle_weight * cycle, "adversarial": adversarial, "cycle": cycle}


@dataclass
class CycleGANConfig:
    """One CycleGAN run; defaults fit two Fashion-MNIST classes on a CPU in about half a minute."""

    loss: str = "non-saturating"  # adversarial loss by name (gan_lib.LOSSES); CycleGAN used "least-squares"
    cycle_weight: float = 5.0  # lambda in eq. (6.11); CycleGAN's 10 keeps short runs too close to the input
    steps: int = 300  # updates of both generators (and of both discriminators)
    batch_size: int = 32  # images of each domain per step
    lr: float = 1e-3  # Adam learning rate of all four networks; CycleGAN's 2e-4 is slow for 300 steps
    betas: tuple[float, float] = (0.5, 0.999)  # Adam betas, as in CycleGAN
    width: int = 16  # base channels of the generators and discriminators
    depth: int = 2  # resolution halvings in the U-Nets (28 -> 14 -> 7)
    residual: bool = False  # True: generators output input + change (start as the identity, and stay near it)
    seed: int = 0  # seeds networks and batch order
    device: str = "auto"  # auto (CUDA, MPS, CPU), cpu, cuda or mps
    mixed_precision: bool | str = "auto"  # bfloat16 autocast on CUDA

    def __post_init__(self):
        get_loss(self.loss)
        require_positive_ints(self, ("steps", "batch_size", "width", "depth"))
        require_positive(self, ("lr",))
        require_non_negative(self, ("cycle_weight",))


@dataclass
class CycleGANRun:
    """Trained translators G (A -> B) and F (B -> A), their discriminators and loss curves."""

    config: CycleGANConfig
    a_to_b: UNetGenerator  # G
    b_to_a: UNetGenerator  # F
    discriminator_a: DomainDiscriminator
    discriminator_b: DomainDiscriminator
    history: dict[str, list[float]] = field(default_factory=dict)

    @torch.no_grad()
    def translate(self, images: Tensor, direction: str = "a_to_b", batch_size: int = 1000) -> Tensor:
        """G (direction "a_to_b") or F ("b_to_a") applied to `images` (N, C, H, W) in evaluation mode,
        clamped to [-1, 1]; on the CPU."""
        if direction not in ("a_to_b", "b_to_a"):
            raise ValueError(f"direction must be 'a_to_b' or 'b_to_a', got {direction!r}")
        generator = self.a_to_b if direction == "a_to_b" else self.b_to_a
        device = next(generator.parameters()).device
        with evaluating(generator):
            return torch.cat([generator(images[i:i + batch_size].to(device)).float().clamp(-1, 1).cpu()
                              for i in range(0, len(images), batch_size)])

    def reconstruct(self, images: Tensor, direction: str = "a_to_b") -> tuple[Tensor, Tensor]:
        """(translation, reconstruction): G(a) and F(G(a)) for "a_to_b", F(b) and G(F(b)) for "b_to_a"."""
        translated = self.translate(images, direction)
        back = "b_to_a" if direction == "a_to_b" else "a_to_b"
        return translated, self.translate(translated, back)

    def cycle_error(self, images: Tensor, direction: str = "a_to_b") -> float:
        """Mean |F(G(a)) - a| ("a_to_b") or |G(F(b)) - b| ("b_to_a") over all pixels of `images`."""
        _, reconstructed = self.reconstruct(images, direction)
        return float(cycle_consistency_loss(images.float().cpu(), reconstructed))


def _check_domain(name: str, images: Tensor, batch_size: int) -> None:
    check_images(images, name)
    if len(images) < batch_size:
        raise ValueError(f"{name} has {len(images)} images, fewer than batch_size {batch_size}")


def train_cyclegan(config: CycleGANConfig, domain_a: Tensor, domain_b: Tensor) -> CycleGANRun:
    """Train G: A -> B and F: B -> A on unpaired images of two domains, (N_a, C, H, W) and (N_b, C, H, W)
    in [-1, 1], by eqs. (6.10) and (6.11). The two sets need not have the same size or any pairing."""
    _check_domain("domain_a", domain_a, config.batch_size)
    _check_domain("domain_b", domain_b, config.batch_size)
    if domain_a.shape[1:] != domain_b.shape[1:]:
        raise ValueError(f"the two domains' images differ in shape: {tuple(domain_a.shape[1:])} vs "
                         f"{tuple(domain_b.shape[1:])}")
    device = select_device(config.device)
    amp = autocast_dtype(device, config.mixed_precision)
    channels, size, _ = domain_a.shape[1:]
    torch.manual_seed(config.seed)
    a_to_b, b_to_a = (UNetGenerator(channels, channels, size, config.width, config.depth, config.residual).to(device)
                      for _ in range(2))
    discriminator_a, discriminator_b = (DomainDiscriminator(channels, size, config.width).to(device) for _ in range(2))
    for network in (a_to_b, b_to_a, discriminator_a, discriminator_b):
        network.apply(dcgan_init)
    generators = [*a_to_b.parameters(), *b_to_a.parameters()]
    discriminators = [*discriminator_a.parameters(), *discriminator_b.parameters()]
    opt_g = torch.optim.Adam(generators, lr=config.lr, betas=config.betas)
    opt_d = torch.optim.Adam(discriminators, lr=config.lr, betas=config.betas)
    loss = get_loss(config.loss)
    batches_a = ImageBatches(domain_a, None, config.batch_size, device, config.seed)
    batches_b = ImageBatches(domain_b, None, config.batch_size, device, config.seed + 1)
    curves = LossCurves("cycle", "adversarial", "d_loss")
    for _ in range(config.steps):
        a, _ = batches_a.next_batch()
        b, _ = batches_b.next_batch()
        a_to_b.train(), b_to_a.train()

        # Update D_A and D_B (eq. 5.10): real images of each domain -> real, translations into it -> fake.
        with torch.no_grad(), autocast(device, amp):
            fake_b, fake_a = a_to_b(a), b_to_a(b)
        with autocast(device, amp):
            d_loss = (loss.discriminator_loss(discriminator_b(b).float().flatten(),
                                              discriminator_b(fake_b).float().flatten())
                      + loss.discriminator_loss(discriminator_a(a).float().flatten(),
                                                discriminator_a(fake_a).float().flatten()))
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        curves.record(d_loss=d_loss)

        # Update G and F (eq. 5.11): fool D_B and D_A, and let each generator undo the other.
        with frozen(discriminator_a, discriminator_b):
            with autocast(device, amp):
                fake_b, fake_a = a_to_b(a).float(), b_to_a(b).float()
                a_back, b_back = b_to_a(fake_b).float(), a_to_b(fake_a).float()
                g_losses = cyclegan_generator_loss(discriminator_b(fake_b).float(), discriminator_a(fake_a).float(),
                                                   a, a_back, b, b_back, loss, config.cycle_weight)
            opt_g.zero_grad(set_to_none=True)
            g_losses["total"].backward()
        opt_g.step()
        curves.record(cycle=g_losses["cycle"], adversarial=g_losses["adversarial"])
    a_to_b.eval(), b_to_a.eval()
    return CycleGANRun(config, a_to_b, b_to_a, discriminator_a, discriminator_b, curves.as_lists())


__all__ = [
    "CycleGANConfig", "CycleGANRun", "DomainDiscriminator", "cycle_consistency_loss", "cyclegan_generator_loss",
    "train_cyclegan"
]
