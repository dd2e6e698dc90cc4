import math

import pytest
import torch

from gan_lib.applications.cyclegan import (CycleGANConfig, DomainDiscriminator, cycle_consistency_loss, cyclegan_generator_loss,
                              train_cyclegan)
from gan_lib.losses import get_loss

from .conftest import rng


def test_cycle_consistency_loss_of_a_hand_computed_pair():
    original = torch.zeros(1, 1, 2, 2)
    reconstructed = torch.tensor([[[[0.5, -0.5], [1.0, 0.0]]]])
    assert cycle_consistency_loss(original, reconstructed).item() == pytest.approx(0.5)  # (0.5 + 0.5 + 1 + 0) / 4
    assert cycle_consistency_loss(reconstructed, reconstructed).item() == 0.0
    with pytest.raises(ValueError, match="shapes differ"):
        cycle_consistency_loss(original, reconstructed[..., :1])


def test_generator_loss_adds_both_adversarial_terms_and_the_weighted_cycle():
    scores = torch.zeros(2, 2, 2)  # D undecided on every patch: softplus(0) = log 2 per generator
    a, b = torch.zeros(2, 1, 4, 4), torch.ones(2, 1, 4, 4)
    a_back, b_back = torch.full_like(a, 0.25), torch.full_like(b, 0.5)  # cycle errors 0.25 and 0.5
    losses = cyclegan_generator_loss(scores, scores, a, a_back, b, b_back, get_loss("non-saturating"), 10.0)
    assert losses["adversarial"].item() == pytest.approx(2 * math.log(2))
    assert losses["cycle"].item() == pytest.approx(0.75)
    assert losses["total"].item() == pytest.approx(2 * math.log(2) + 7.5)
    least_squares = cyclegan_generator_loss(scores, scores, a, a_back, b, b_back, get_loss("least-squares"), 0.0)
    assert least_squares["total"].item() == pytest.approx(1.0)  # 1/2 (0 - 1)^2, twice


def test_domain_discriminator_scores_patches_and_checks_its_input():
    torch.manual_seed(0)
    discriminator = DomainDiscriminator(1, 28, width=8)
    assert discriminator(torch.randn(3, 1, 28, 28)).shape == (3, 7, 7)
    with pytest.raises(ValueError, match=r"\(B, 1, 28, 28\)"):
        discriminator(torch.randn(3, 1, 32, 32))
    with pytest.raises(ValueError, match="multiple of 4"):
        DomainDiscriminator(1, 30)


def bars(n: int, vertical: bool, seed: int) -> torch.Tensor:
    """Toy domains: 8x8 images in [-1, 1], black with one white bar, a column (vertical) or a row."""
    images = -torch.ones(n, 1, 8, 8)
    where = torch.randint(1, 7, (n,), generator=rng(seed))
    for image, k in zip(images, where):
        if vertical:
            image[0, :, k] = 1.0
        else:
            image[0, k, :] = 1.0
    return images


def tiny(**overrides) -> CycleGANConfig:
    values = dict(steps=120, batch_size=16, width=8, depth=1, lr=2e-3, device="cpu")
    return CycleGANConfig(**{**values, **overrides})


def test_training_lowers_the_cycle_error_and_keeps_shapes():
    vertical, horizontal = bars(200, True, 0), bars(200, False, 1)
    held_out = bars(50, True, 2)
    start = train_cyclegan(tiny(steps=1), vertical, horizontal)
    run = train_cyclegan(tiny(), vertical, horizontal)
    translated, reconstructed = run.reconstruct(held_out, "a_to_b")
    assert translated.shape == reconstructed.shape == (50, 1, 8, 8)
    assert translated.abs().max() <= 1
    before, after = start.cycle_error(held_out), run.cycle_error(held_out)
    assert after < 0.5 * before  # 120 steps at least halve |F(G(a)) - a|
    first, last = sum(run.history["cycle"][:5]) / 5, sum(run.history["cycle"][-5:]) / 5
    assert last < first
    assert len(run.history["d_loss"]) == 120


def test_training_is_seeded():
    vertical, horizontal = bars(64, True, 0), bars(64, False, 1)
    a = train_cyclegan(tiny(steps=10), vertical, horizontal)
    b = train_cyclegan(tiny(steps=10), vertical, horizontal)
    assert a.history == b.history


def test_bad_input_is_refused_with_a_clear_message():
    images = torch.zeros(40, 1, 8, 8)
    with pytest.raises(ValueError, match="cycle_weight must be a number >= 0"):
        CycleGANConfig(cycle_weight=-1.0)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        CycleGANConfig(steps=0)
    with pytest.raises(ValueError, match="unknown loss 'bce'"):
        CycleGANConfig(loss="bce")
    with pytest.raises(ValueError, match="domain_a must be floats"):
        train_cyclegan(tiny(), torch.zeros(40, 8, 8), images)
    with pytest.raises(ValueError, match="domain_b has 10 images, fewer than batch_size 16"):
        train_cyclegan(tiny(), images, images[:10])
    with pytest.raises(ValueError, match="differ in shape"):
        train_cyclegan(tiny(), images, torch.zeros(40, 1, 12, 12))
    run = train_cyclegan(tiny(steps=1), images, images)
    with pytest.raises(ValueError, match="direction must be 'a_to_b' or 'b_to_a'"):
        run.translate(images, "forward")
