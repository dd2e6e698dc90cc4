import math

import pytest
import torch

from gan_lib.applications.vae import VAE, VAEConfig, VAETrainer, gaussian_kl, negative_elbo


def test_gaussian_kl_known_values():
    zeros = torch.zeros(1, 3)
    assert gaussian_kl(zeros, zeros).item() == pytest.approx(0.0)  # q is the prior
    assert gaussian_kl(torch.tensor([[1.0, 2.0]]), torch.zeros(1, 2)).item() == pytest.approx(2.5)  # (1 + 4) / 2
    log_var = torch.full((1, 1), math.log(4.0))  # sigma^2 = 4
    assert gaussian_kl(torch.zeros(1, 1), log_var).item() == pytest.approx(0.5 * (4 - 1 - math.log(4)))


def test_negative_elbo_adds_scaled_squared_error_and_kl():
    x, reconstruction = torch.ones(2, 2), torch.zeros(2, 2)
    mu, log_var = torch.tensor([[1.0], [1.0]]), torch.zeros(2, 1)
    loss, reconstruction_term, kl = negative_elbo(x, reconstruction, mu, log_var, observation_std=0.5)
    assert reconstruction_term.item() == pytest.approx(2 / (2 * 0.25))  # ||x - x_hat||^2 / (2 s^2) = 4
    assert kl.item() == pytest.approx(0.5)
    assert loss.item() == pytest.approx(4.5)


def test_shapes_and_bad_input():
    model = VAE((1, 8, 8), latent_dim=4, hidden=16, depth=1, bounded_output=True)
    reconstruction, mu, log_var = model(torch.randn(5, 1, 8, 8), torch.randn(5, 4))
    assert reconstruction.shape == (5, 1, 8, 8) and mu.shape == log_var.shape == (5, 4)
    assert reconstruction.abs().max() <= 1
    with pytest.raises(ValueError, match=r"inputs of shape \(B, 1, 8, 8\)"):
        model.encode(torch.randn(5, 64))
    with pytest.raises(ValueError, match="unknown dataset"):
        VAEConfig(dataset="mnist")
    with pytest.raises(ValueError, match="observation_std must be a positive number"):
        VAEConfig(observation_std=0)
    assert VAEConfig(dataset="digits").latent_dim == 32  # the digits GAN's latent size


def test_vae_learns_a_standard_gaussian_up_to_the_likelihood_bound():
    # For x ~ N(0, I_2), -log p(x) averages log(2 pi) + 1 nats. The ELBO is a lower bound on log p(x), so the
    # loss (minus the ELBO without its constant (D/2) log(2 pi s^2)) can approach but never beat
    # log(2 pi) + 1 - log(2 pi s^2) = 5.605 on average; a sign error in the KL would let it.
    config = VAEConfig(dataset="gaussian", steps=400, hidden=64, depth=2, batch_size=256, log_every=1, device="cpu")
    trainer = VAETrainer.from_config(config)
    trainer.fit()
    bound = math.log(2 * math.pi) + 1 - math.log(2 * math.pi * config.observation_std ** 2)
    final = sum(row["loss"] for row in trainer.losses[-50:]) / 50
    assert trainer.losses[0]["loss"] > 20
    assert bound - 0.1 < final < bound + 0.6
    samples = trainer.sample(4000)
    assert samples.shape == (4000, 2)
    assert samples.mean(0).abs().max() < 0.15 and ((samples.std(0) - 1).abs() < 0.2).all()
    assert torch.equal(samples, trainer.sample(4000))  # seeded sampling
