import math

import pytest
import torch

import gan_lib
from gan_lib.book.probes import discriminator_readout


def _trainer(**overrides):
    config = gan_lib.TrainConfig(dataset="ring", steps=50, batch_size=64, width=16, depth=2, progress=False,
                                 device="cpu", **overrides)
    return gan_lib.Trainer.from_config(config)


def _real(n=200):
    return gan_lib.TOY_DISTRIBUTIONS.get("ring")().sample(n, torch.Generator().manual_seed(3))


@pytest.mark.parametrize("loss,g_loss", [("non-saturating", math.log(2)), ("minimax", -math.log(2))])
def test_an_undecided_discriminator_reads_the_equilibrium_values(loss, g_loss):
    # A D whose last layer is zero outputs logit 0 everywhere: probability 1/2 on every point, so
    # D's BCE loss is log 4 and G's loss is -log(1/2) = log 2 (non-saturating) or log(1/2) (minimax).
    trainer = _trainer(loss=loss)
    last = trainer.discriminator.net[-1]
    with torch.no_grad():
        last.weight.zero_()
        last.bias.zero_()
    readout = discriminator_readout(trainer, _real())
    assert readout.d_real == pytest.approx(0.5) and readout.d_fake == pytest.approx(0.5)
    assert readout.logit_real == pytest.approx(0.0) and readout.logit_fake == pytest.approx(0.0)
    assert readout.d_loss == pytest.approx(math.log(4), abs=1e-6)
    assert readout.g_loss == pytest.approx(g_loss, abs=1e-6)


@pytest.mark.parametrize("loss,d_loss,g_loss", [("least-squares", 0.5, 0.5), ("hinge", 2.0, 0.0),
                                                ("wasserstein", 0.0, 0.0)])
def test_a_score_that_is_no_logit_reads_as_no_probability(loss, d_loss, g_loss):
    # The same undecided D (output 0 everywhere) under the losses whose output is a score: sigmoid(0) = 1/2
    # would be a probability of nothing, so d_real and d_fake are NaN, as in the trainer's history.
    # Least squares: 1/2 (0 - 1)^2 + 1/2 0^2 for D, 1/2 (0 - 1)^2 for G; hinge: 1 + 1 and -0; Wasserstein: 0, 0.
    trainer = _trainer(loss=loss, penalty="wgan-gp" if loss == "wasserstein" else "none")
    last = trainer.discriminator.net[-1]
    with torch.no_grad():
        last.weight.zero_()
        last.bias.zero_()
    readout = discriminator_readout(trainer, _real())
    assert math.isnan(readout.d_real) and math.isnan(readout.d_fake)
    assert readout.logit_real == pytest.approx(0.0) and readout.logit_fake == pytest.approx(0.0)
    assert readout.d_loss == pytest.approx(d_loss, abs=1e-6) and readout.g_loss == pytest.approx(g_loss, abs=1e-6)


def test_readout_matches_a_hand_computation_and_changes_nothing():
    trainer = _trainer()
    real = _real(50)
    rng_state, data_state = trainer.rng.get_state(), trainer.batches.state_dict()
    readout = discriminator_readout(trainer, real, num_fake=30, noise_seed=7)
    fake = trainer.sample(30, seed=7)
    with torch.no_grad():
        real_logits, fake_logits = trainer.discriminator(real), trainer.discriminator(fake)
    assert readout.d_real == pytest.approx(float(torch.sigmoid(real_logits).mean()), abs=1e-6)
    assert readout.d_fake == pytest.approx(float(torch.sigmoid(fake_logits).mean()), abs=1e-6)
    softplus = torch.nn.functional.softplus
    expected_d_loss = float(softplus(-real_logits).mean() + softplus(fake_logits).mean())
    assert readout.d_loss == pytest.approx(expected_d_loss, abs=1e-6)
    assert torch.equal(trainer.rng.get_state(), rng_state)  # the training noise stream is untouched
    assert trainer.batches.state_dict().keys() == data_state.keys()
    assert trainer.discriminator.training
    assert discriminator_readout(trainer, real, 30, 7) == readout  # same points, same answer


def test_discriminator_steps_separate_real_from_fake_on_fixed_points():
    trainer = _trainer(lr_d=5e-3)
    real = _real()
    before = discriminator_readout(trainer, real)
    for _ in range(30):  # D alone, G fixed: D must learn to tell the ring from G's blob
        trainer.discriminator_step()
    after = discriminator_readout(trainer, real)
    assert after.d_real - after.d_fake > before.d_real - before.d_fake + 0.1
    assert after.d_loss < before.d_loss


def test_bad_real_points_are_named():
    with pytest.raises(ValueError, match=r"shape \(N, \*\(2,\)\)"):
        discriminator_readout(_trainer(), torch.zeros(10, 3))
