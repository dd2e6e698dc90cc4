import math

import pytest
import torch

from gan_lib.data import load_digits
from gan_lib.applications.image_to_image import (CORRUPTIONS, ImageToImageConfig, add_gaussian_noise, corrupt_fixed,
                                    downsample, enlarge_bicubic, mask_random_square, mean_psnr,
                                    pix2pix_generator_loss, psnr, shrink, train_image_to_image)
from gan_lib.losses import get_loss
from gan_lib.models.pix2pix import PatchDiscriminator, UNetGenerator

from .conftest import rng


def test_psnr_of_a_known_mean_squared_error():
    target = torch.zeros(3, 1, 4, 4)
    estimate = torch.full_like(target, 0.1)  # MSE = 0.01 for every image
    assert torch.allclose(psnr(estimate, target), torch.full((3,), 10 * math.log10(4 / 0.01)))  # 26.02 dB
    assert psnr(estimate, target, data_range=1.0)[0].item() == pytest.approx(20.0)
    assert mean_psnr(estimate, target) == pytest.approx(26.0206, abs=1e-3)
    assert math.isinf(psnr(target, target)[0].item())
    with pytest.raises(ValueError, match="shapes differ"):
        psnr(estimate, target[:2])


def test_mask_removes_exactly_one_square_per_image():
    images = torch.ones(50, 1, 28, 28)
    corrupted = mask_random_square(images, rng(0), hole_size=12)
    holes = corrupted == 0
    assert holes.flatten(1).sum(1).tolist() == [144] * 50
    rows = holes[:, 0].any(dim=2).float().argmax(dim=1)  # the top row of every hole
    assert len(set(rows.tolist())) > 5  # holes are at random places
    assert torch.equal(corrupted, mask_random_square(images, rng(0), hole_size=12))
    with pytest.raises(ValueError, match="hole_size"):
        mask_random_square(images, rng(0), hole_size=29)


def test_noise_has_the_requested_standard_deviation_and_stays_in_range():
    clean = torch.zeros(20, 1, 28, 28)
    noisy = add_gaussian_noise(clean, rng(0), noise_std=0.1)
    assert (noisy - clean).std().item() == pytest.approx(0.1, rel=0.03)
    assert add_gaussian_noise(clean + 0.9, rng(0), noise_std=2.0).abs().max() <= 1.0
    assert CORRUPTIONS.names() == ["downsample", "mask", "noise"]


def test_shrink_averages_blocks():
    images = torch.arange(16.0).reshape(1, 1, 4, 4)  # rows 0-3, 4-7, 8-11, 12-15
    assert shrink(images, 2).flatten().tolist() == [2.5, 4.5, 10.5, 12.5]  # e.g. (0 + 1 + 4 + 5) / 4
    assert shrink(images, 4).flatten().tolist() == [7.5]
    with pytest.raises(ValueError, match="not divisible by factor 3"):
        shrink(images, 3)
    with pytest.raises(ValueError, match="factor must be a positive integer"):
        shrink(images, 0)


def test_downsample_keeps_the_shape_and_constant_images():
    constant = torch.full((3, 1, 28, 28), 0.3)
    low = downsample(constant, rng(0))
    assert low.shape == (3, 1, 28, 28)
    assert torch.allclose(low, constant, atol=1e-6)  # nothing to lose: the blocks are all alike
    assert ImageToImageConfig(corruption="downsample", factor=4).corrupt(constant, rng(0)).shape == (3, 1, 28, 28)
    images = torch.rand(2, 1, 28, 28, generator=rng(0)) * 2 - 1
    assert torch.equal(downsample(images, rng(0)), downsample(images, rng(1)))  # deterministic
    assert downsample(images, rng(0)).abs().max() <= 1  # bicubic overshoot is clipped
    assert not torch.allclose(downsample(images, rng(0)), images, atol=0.1)  # random detail is lost
    with pytest.raises(ValueError, match="factor must be a positive integer"):
        ImageToImageConfig(corruption="downsample", factor=0)


def test_bicubic_of_a_downsampled_ramp_misses_by_three_64ths_of_a_step():
    # pixel i of a row holds 0.05 i - 0.7; a 2x2 block mean is the ramp at the block's centre, so the
    # 14x14 image is a ramp rising 0.1 per pixel. PyTorch's bicubic kernel (Keys, a = -0.75) sums to 1
    # but does not reproduce straight lines: at offsets -+1/4 of a low-res pixel its weights
    # (-0.0352, 0.2617, 0.8789, -0.1055 by hand) put the estimate -+3/64 of a step off the line.
    ramp = (0.05 * torch.arange(28.0) - 0.7).expand(1, 1, 28, 28)
    low = shrink(ramp, 2)  # (1, 1, 14, 14)
    assert torch.allclose(low[0, 0, 0, :3], torch.tensor([-0.675, -0.575, -0.475]))
    back = enlarge_bicubic(low, 2)
    assert back.shape == (1, 1, 28, 28)
    error = (back - ramp)[..., 4:-4]  # away from the border, where the edge pixels are repeated
    assert torch.allclose(error[..., 0::2], torch.full_like(error[..., 0::2], -0.1 * 3 / 64), atol=1e-6)
    assert torch.allclose(error[..., 1::2], torch.full_like(error[..., 1::2], 0.1 * 3 / 64), atol=1e-6)
    assert mean_psnr(downsample(ramp, rng(0)), ramp) > 40  # a smooth image loses almost nothing


def test_pix2pix_generator_loss_components():
    logits = torch.zeros(2, 7, 7)  # D undecided on every patch: -log sigmoid(0) = log 2
    restored, target = torch.full((2, 1, 4, 4), 0.5), torch.zeros(2, 1, 4, 4)
    losses = pix2pix_generator_loss(logits, restored, target, get_loss("non-saturating"), l1_weight=10.0)
    assert losses["adversarial"].item() == pytest.approx(math.log(2))
    assert losses["l1"].item() == pytest.approx(0.5)
    assert losses["total"].item() == pytest.approx(math.log(2) + 5.0)
    plain = pix2pix_generator_loss(None, restored, target, None, l1_weight=10.0)
    assert plain["adversarial"].item() == 0.0 and plain["total"].item() == pytest.approx(5.0)


def test_unet_keeps_the_image_shape():
    torch.manual_seed(0)
    for depth in (1, 2):
        generator = UNetGenerator(1, 1, 28, width=8, depth=depth)
        out = generator(torch.randn(3, 1, 28, 28))
        assert out.shape == (3, 1, 28, 28) and out.abs().max() <= 1
    assert UNetGenerator(2, 3, 8, width=4, depth=3)(torch.randn(1, 2, 8, 8)).shape == (1, 3, 8, 8)
    with pytest.raises(ValueError, match="divisible by 2\\*\\*depth = 8"):
        UNetGenerator(image_size=28, depth=3)
    with pytest.raises(ValueError, match=r"\(B, 1, 28, 28\)"):
        UNetGenerator()(torch.randn(2, 1, 32, 32))


def test_patch_discriminator_scores_18_pixel_patches():
    torch.manual_seed(0)
    discriminator = PatchDiscriminator(1, 1, 28, width=8)
    condition = torch.randn(1, 1, 28, 28)
    image = torch.randn(1, 1, 28, 28, requires_grad=True)
    logits = discriminator(condition, image)
    assert logits.shape == (1, 7, 7)
    logits[0, 3, 3].backward()  # one interior patch: which pixels can change its logit?
    seen = image.grad[0, 0] != 0
    rows, cols = seen.any(dim=1).nonzero().flatten(), seen.any(dim=0).nonzero().flatten()
    assert (rows.min().item(), rows.max().item()) == (5, 22)  # 18 rows: 4 * 3 - 7 .. 4 * 3 + 10
    assert (cols.min().item(), cols.max().item()) == (5, 22)
    with pytest.raises(ValueError, match="batches differ"):
        discriminator(condition.expand(2, -1, -1, -1), image)


def tiny(**overrides) -> ImageToImageConfig:
    values = dict(corruption="noise", noise_std=0.5, steps=80, batch_size=32, width=8, depth=1, lr=2e-3,
                  device="cpu")
    return ImageToImageConfig(**{**values, **overrides})


def test_l1_training_denoises_digits():
    digits = load_digits("train").to_unit_range()  # (1437, 1, 8, 8)
    test = load_digits("test").to_unit_range()
    config = tiny(adversarial=False)
    run = train_image_to_image(config, digits)
    assert run.discriminator is None
    first, last = sum(run.history["l1"][:5]) / 5, sum(run.history["l1"][-10:]) / 10
    assert last < first  # the L1 loss goes down during training
    noisy = corrupt_fixed(config, test)
    assert mean_psnr(run.restore(noisy), test) > mean_psnr(noisy, test) + 1  # at least 1 dB better than the input after 80 steps


def test_pix2pix_training_is_seeded_and_uses_both_losses():
    digits = load_digits("train").to_unit_range()
    a = train_image_to_image(tiny(steps=15, corruption="mask", hole_size=4), digits)
    b = train_image_to_image(tiny(steps=15, corruption="mask", hole_size=4), digits)
    assert a.history == b.history
    assert all(v > 0 for v in a.history["adversarial"]) and len(a.history["d_loss"]) == 15
    assert a.discriminator is not None


def test_config_errors_name_the_problem():
    with pytest.raises(ValueError, match="unknown corruption 'blur'; choose one of: downsample, mask, noise"):
        ImageToImageConfig(corruption="blur")
    with pytest.raises(ValueError, match="l1_weight must be > 0"):
        ImageToImageConfig(adversarial=False, l1_weight=0.0)
    with pytest.raises(ValueError, match="clean_images must be floats"):
        train_image_to_image(tiny(), torch.zeros(4, 8, 8))
