import math

import pytest
import torch

from gan_lib import LOSSES, UnknownNameError, get_loss

REAL = torch.tensor([0.0, 2.0])
FAKE = torch.tensor([0.0, -1.0])
LN2 = math.log(2)
SP = lambda x: math.log1p(math.exp(x))  # softplus, computed by hand

# (loss, expected D loss, expected G loss) on REAL and FAKE, worked out on paper.
CASES = [
    ("minimax", (LN2 + SP(-2)) / 2 + (LN2 + SP(-1)) / 2, -(LN2 + SP(-1)) / 2),
    ("non-saturating", (LN2 + SP(-2)) / 2 + (LN2 + SP(-1)) / 2, (LN2 + SP(1)) / 2),
    ("least-squares", 0.5 * (1 + 1) / 2 + 0.5 * (0 + 1) / 2, 0.5 * (1 + 4) / 2),
    ("hinge", (1 + 0) / 2 + (1 + 0) / 2, 0.5),
    ("wasserstein", -0.5 - 1.0, 0.5),
]


@pytest.mark.parametrize("name,d_expected,g_expected", CASES)
def test_losses_match_hand_computed_values(name, d_expected, g_expected):
    loss = get_loss(name)
    assert loss.discriminator_loss(REAL, FAKE).item() == pytest.approx(d_expected, abs=1e-6)
    assert loss.generator_loss(FAKE).item() == pytest.approx(g_expected, abs=1e-6)


def test_every_registered_loss_is_tested():
    assert set(LOSSES.names()) == {case[0] for case in CASES}


def test_bce_losses_are_stable_for_extreme_logits():
    real, fake = torch.tensor([100.0]), torch.tensor([-100.0])
    loss = get_loss("non-saturating")
    assert loss.discriminator_loss(real, fake).item() == pytest.approx(0.0, abs=1e-30)
    assert loss.generator_loss(fake).item() == pytest.approx(100.0)  # -log sigmoid(-100), no inf


def test_minimax_generator_gradient_saturates_where_non_saturating_does_not():
    # d/dl of log(1 - sigmoid(l)) is -sigmoid(l): near 0 when D rejects fakes (l << 0).
    logits = torch.tensor([-8.0], requires_grad=True)
    (grad_mm,) = torch.autograd.grad(get_loss("minimax").generator_loss(logits), logits)
    (grad_ns,) = torch.autograd.grad(get_loss("non-saturating").generator_loss(logits), logits)
    assert abs(grad_mm.item()) == pytest.approx(torch.sigmoid(torch.tensor(-8.0)).item(), rel=1e-5)
    assert abs(grad_ns.item()) == pytest.approx(1 - torch.sigmoid(torch.tensor(-8.0)).item(), rel=1e-5)
    assert abs(grad_ns.item()) > 1000 * abs(grad_mm.item())


def test_unknown_loss_lists_valid_names():
    with pytest.raises(UnknownNameError, match="hinge.*least-squares"):
        get_loss("bce")
