import math

import pytest
import torch
from torch import nn

from gan_lib.data import Mixture1D
from gan_lib.models import MLPDiscriminator
from gan_lib.theory import (criterion_from_jsd, fit_discriminator, generator_bin_probabilities,
                            jensen_shannon_divergence, jsd_from_value, optimal_discriminator, optimal_value,
                            value_function)


def test_optimal_discriminator_hand_values():
    p_data = torch.tensor([3.0, 1.0, 2.0, 0.0, 0.0])
    p_g = torch.tensor([1.0, 1.0, 0.0, 5.0, 0.0])
    expected = torch.tensor([0.75, 0.5, 1.0, 0.0, 0.5])  # the last: both densities 0, returned as 1/2
    assert torch.allclose(optimal_discriminator(p_data, p_g), expected)
    with pytest.raises(ValueError, match="same shape"):
        optimal_discriminator(torch.ones(3), torch.ones(4))


def test_jensen_shannon_hand_values():
    assert jensen_shannon_divergence(torch.tensor([0.2, 0.8]), torch.tensor([0.2, 0.8])) == pytest.approx(0.0, abs=1e-12)
    assert jensen_shannon_divergence(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])) == pytest.approx(math.log(2))
    # p = (1, 0), q = (1/2, 1/2), m = (3/4, 1/4): 1/2 log(4/3) + 1/2 [1/2 log(2/3) + 1/2 log 2], on paper.
    by_hand = 0.5 * math.log(4 / 3) + 0.5 * (0.5 * math.log(2 / 3) + 0.5 * math.log(2))
    assert jensen_shannon_divergence(torch.tensor([1.0, 0.0]), torch.tensor([0.5, 0.5])) == pytest.approx(by_hand)
    with pytest.raises(ValueError, match="sum to 1"):
        jensen_shannon_divergence(torch.tensor([0.5, 0.2]), torch.tensor([0.5, 0.5]))


def test_value_at_the_optimal_discriminator_is_minus_log4_plus_twice_the_jsd():
    # Eq. (3.7), checked on random distributions: V(D*, G) computed from D* equals -log 4 + 2 JSD.
    g = torch.Generator().manual_seed(0)
    for _ in range(5):
        p, q = torch.rand(50, generator=g, dtype=torch.float64), torch.rand(50, generator=g, dtype=torch.float64) ** 4
        p, q = p / p.sum(), q / q.sum()
        assert optimal_value(p, q) == pytest.approx(criterion_from_jsd(jensen_shannon_divergence(p, q)), abs=1e-9)
    uniform = torch.full((10,), 0.1)
    assert optimal_value(uniform, uniform) == pytest.approx(-math.log(4))  # the global minimum, p_g = p_data
    assert jsd_from_value(criterion_from_jsd(0.3)) == pytest.approx(0.3)


def test_value_function_of_an_undecided_discriminator_is_minus_log4():
    undecided = nn.Linear(1, 1)
    nn.init.zeros_(undecided.weight), nn.init.zeros_(undecided.bias)  # logit 0, D = 1/2 everywhere
    squeeze = nn.Sequential(undecided, nn.Flatten(0))
    assert value_function(squeeze, torch.randn(10, 1), torch.randn(7, 1)) == pytest.approx(-math.log(4))


class AffineGenerator(nn.Module):
    """G(z) = 2 z + 1: p_g = N(1, 4) exactly."""

    latent_dim, output_shape = 1, (1,)

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(2.0))

    def forward(self, z):
        return self.scale * z + 1.0


def test_generator_bin_probabilities_of_an_affine_generator_match_its_gaussian():
    edges = torch.linspace(-5, 7, 25)
    estimated = generator_bin_probabilities(AffineGenerator(), edges, num_samples=200_000, seed=1)
    exact = Mixture1D("N(1, 4)", (1.0,), (2.0,), (1.0,)).bin_probabilities(edges)
    assert estimated.sum().item() == pytest.approx(1.0)
    assert (estimated - exact.double()).abs().max().item() < 0.004  # ~ 4 Monte Carlo standard errors
    assert jensen_shannon_divergence(exact, estimated) < 1e-4
    flat = nn.Linear(4, 2)
    flat.output_shape = (2,)
    with pytest.raises(ValueError, match="1D samples"):
        generator_bin_probabilities(flat, edges)


def test_fit_discriminator_recovers_the_optimal_discriminator():
    # Eq. (3.5) for p_data = N(1, 0.25), p_g = N(-1, 1): D alone, trained on samples, approaches D*.
    torch.manual_seed(0)
    p_data = Mixture1D("data", (1.0,), (0.5,), (1.0,))
    p_g = Mixture1D("model", (-1.0,), (1.0,), (1.0,))
    discriminator = MLPDiscriminator(1, 32, 2)
    losses = fit_discriminator(discriminator, p_data.sample, p_g.sample, steps=600, batch_size=512, lr=3e-3)
    assert len(losses) == 600 and losses[-1] < losses[0]
    x = torch.linspace(-2.0, 2.0, 81).unsqueeze(1)
    optimal = optimal_discriminator(p_data.prob(x), p_g.prob(x))
    with torch.no_grad():
        learned = torch.sigmoid(discriminator(x))
    assert (learned - optimal).abs().max().item() < 0.06
    with pytest.raises(ValueError, match="positive integers"):
        fit_discriminator(discriminator, p_data.sample, p_g.sample, steps=0)


from gan_lib import theory  # noqa: E402  (the module, for the tests below)


def test_kl_chi_squared_and_w1_on_distributions_with_known_answers():
    p = torch.tensor([0.5, 0.5, 0.0])
    q = torch.tensor([0.25, 0.25, 0.5])
    assert theory.kl_divergence(p, q) == pytest.approx(math.log(2))  # 0.5 log 2 + 0.5 log 2
    assert theory.kl_divergence(q, p) == math.inf  # q has mass where p has none
    assert theory.pearson_chi_squared(p, q) == pytest.approx(2 * 0.25 ** 2 / 0.25 + 0.25 / 0.5)
    edges = torch.arange(4.0)  # bins [0,1), [1,2), [2,3)
    point_0, point_2 = torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 0.0, 1.0])
    assert theory.wasserstein_1d(point_0, point_2, edges) == pytest.approx(2.0)  # move all mass 2 bins
    assert theory.wasserstein_1d(p, p, edges) == 0.0
    with pytest.raises(ValueError, match="one more entry"):
        theory.wasserstein_1d(p, q, torch.arange(3.0))


def test_dirac_gan_eigenvalues_and_trajectories():
    """Mescheder et al. (2018): the unregularised Dirac-GAN's Jacobian at the equilibrium has the purely
    imaginary eigenvalues +-i/2 (f'(0) = 1/2); with R1 (gamma) they are (-gamma +- sqrt(gamma^2 - 1))/2."""
    eigenvalues = torch.linalg.eigvals(theory.dirac_gan_jacobian())
    assert torch.allclose(eigenvalues.real, torch.zeros(2, dtype=torch.float64))
    assert sorted(eigenvalues.imag.tolist()) == pytest.approx([-0.5, 0.5])
    assert torch.linalg.eigvals(theory.dirac_gan_jacobian(1.0)).real.tolist() == pytest.approx([-0.5, -0.5])
    start = math.sqrt(2)
    simultaneous = theory.dirac_gan_trajectory(1.0, 1.0, 0.1, 500).norm(dim=1)
    alternating = theory.dirac_gan_trajectory(1.0, 1.0, 0.1, 500, alternating=True).norm(dim=1)
    penalised = theory.dirac_gan_trajectory(1.0, 1.0, 0.1, 500, gamma=1.0).norm(dim=1)
    assert bool((simultaneous.diff() > 0).all())  # every simultaneous step moves away from (0, 0)
    assert alternating.max() < 1.01 * start and alternating.min() > 0.95 * start  # it circles
    assert penalised[-1] < 1e-6  # R1 makes it converge


def test_wasserstein_critic_estimates_the_distance_between_two_point_clouds():
    """Two Gaussians 2 apart with equal spread: W1 = 2. A WGAN-GP critic trained for 300 steps comes within
    15% (a penalty keeps it only near 1-Lipschitz, so it can also overshoot a little)."""
    from gan_lib.models import MLPDiscriminator

    torch.manual_seed(0)
    critic = MLPDiscriminator(input_dim=1, hidden=32, depth=2)
    real = lambda n, rng: torch.randn(n, 1, generator=rng) * 0.3 + 1.0  # noqa: E731
    fake = lambda n, rng: torch.randn(n, 1, generator=rng) * 0.3 - 1.0  # noqa: E731
    theory.fit_wasserstein_critic(critic, real, fake, steps=300, batch_size=256, lr=2e-3)
    rng = torch.Generator().manual_seed(5)
    estimate = theory.wasserstein_estimate(critic, real(4000, rng), fake(4000, rng))
    assert 1.7 < estimate < 2.3
