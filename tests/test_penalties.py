import pytest
import torch
from torch import nn

from gan_lib import PENALTIES, UnknownNameError, get_penalty, gradient_penalty, r1_penalty

from .conftest import rng


class LinearCritic(nn.Module):
    """D(x) = <w, x> for each example: its input gradient is w everywhere."""

    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(torch.as_tensor(w, dtype=torch.float32))

    def forward(self, x):
        return (x.flatten(1) * self.w.flatten()).sum(dim=1)


class RecordingQuadraticCritic(nn.Module):
    """D(x) = 1/2 ||x||^2 per example (gradient x); remembers the inputs it saw."""

    def forward(self, x):
        self.seen = x.detach().clone()
        return 0.5 * x.flatten(1).pow(2).sum(dim=1)


def test_gradient_penalty_known_norm():
    critic = LinearCritic([3.0, 4.0])  # ||grad|| = 5 for every example -> (5 - 1)^2 = 16
    real, fake = torch.randn(8, 2, generator=rng(0)), torch.randn(8, 2, generator=rng(1))
    assert gradient_penalty(critic, real, fake, rng(2)).item() == pytest.approx(16.0, rel=1e-6)


def test_gradient_penalty_norm_is_per_example_over_all_pixel_dims():
    # w has norm 2 over (C, H, W): each example's penalty is (2 - 1)^2 = 1. A norm over the
    # batch would give (2 sqrt(B) - 1)^2; a norm over one pixel dim only would give less than 2.
    w = torch.full((1, 2, 2), 1.0)  # ||w|| = sqrt(4) = 2
    critic = LinearCritic(w)
    real, fake = torch.randn(16, 1, 2, 2, generator=rng(0)), torch.randn(16, 1, 2, 2, generator=rng(1))
    assert gradient_penalty(critic, real, fake, rng(2)).item() == pytest.approx(1.0, rel=1e-6)


def test_gradient_penalty_draws_one_alpha_per_example():
    critic = RecordingQuadraticCritic()
    real = torch.ones(64, 1, 3, 3)
    fake = torch.zeros(64, 1, 3, 3)
    penalty = gradient_penalty(critic, real, fake, rng(3))
    alphas = critic.seen  # x_hat = alpha * 1 + (1 - alpha) * 0 = alpha
    per_example = alphas.flatten(1)
    assert torch.allclose(per_example, per_example[:, :1].expand_as(per_example))  # constant within an example
    assert per_example[:, 0].std() > 0.1  # but different across examples (U[0,1] has std 0.29)
    expected = ((per_example[:, 0] * 3.0 - 1) ** 2).mean()  # ||grad|| = ||x_hat|| = alpha * sqrt(9)
    assert penalty.item() == pytest.approx(expected.item(), rel=1e-5)


def test_gradient_penalty_is_differentiable_wrt_critic_weights():
    critic = LinearCritic([3.0, 4.0])
    penalty = gradient_penalty(critic, torch.randn(4, 2), torch.randn(4, 2), rng(0))
    penalty.backward()
    # d/dw (||w|| - 1)^2 = 2 (||w|| - 1) w / ||w|| = 2 * 4 * (0.6, 0.8)
    assert torch.allclose(critic.w.grad, torch.tensor([4.8, 6.4]), atol=1e-5)


def test_r1_known_value():
    critic = LinearCritic([3.0, 4.0])  # 1/2 ||w||^2 = 12.5
    assert r1_penalty(critic, torch.randn(8, 2), None).item() == pytest.approx(12.5, rel=1e-6)


def test_penalty_registry():
    assert set(PENALTIES.names()) == {"none", "wgan-gp", "r1"}
    with pytest.raises(UnknownNameError, match="r1, wgan-gp"):
        get_penalty("gp")
