"""Optimisers by name and the generator's weight average (gan_lib.optim)."""
import copy

import pytest
import torch
from torch import nn

from gan_lib import EMA, OPTIMIZERS
from gan_lib.optim import make_optimizer


def model_with_weights(value: float) -> nn.Module:
    """Linear(3, 2) with every parameter equal to `value`, and batch-norm buffers."""
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.fill_(value)
    return model


@pytest.mark.parametrize("decay", [0.9, 0.999])
def test_one_update_from_zeros_gives_one_minus_decay_times_theta(decay):
    ema = EMA(model_with_weights(0.0), decay)
    theta = model_with_weights(2.0)
    ema.update(theta)
    # theta_ema <- d * 0 + (1 - d) * theta: an inverted decay would give d * theta instead.
    for averaged in ema.model.parameters():
        torch.testing.assert_close(averaged, torch.full_like(averaged, (1 - decay) * 2.0))


def test_repeated_updates_follow_the_geometric_series():
    decay = 0.5
    ema = EMA(model_with_weights(0.0), decay)
    theta = model_with_weights(1.0)
    for _ in range(3):
        ema.update(theta)
    # after n updates towards a fixed theta from 0: (1 - d^n) theta = 1 - 1/8
    for averaged in ema.model.parameters():
        torch.testing.assert_close(averaged, torch.full_like(averaged, 0.875))


def test_buffers_are_copied_not_averaged_and_the_copy_is_frozen():
    source = model_with_weights(0.0)
    ema = EMA(source, 0.9)
    current = model_with_weights(1.0)
    current[1].running_mean.fill_(5.0)
    ema.update(current)
    assert torch.equal(ema.model[1].running_mean, torch.full((2,), 5.0))
    assert not ema.model.training and not any(p.requires_grad for p in ema.model.parameters())
    assert torch.equal(source[0].weight, torch.zeros(2, 3))  # the averaged copy is separate from the model


def test_state_dict_carries_the_average_and_its_decay_to_another_ema():
    theta = model_with_weights(1.0)
    original = EMA(model_with_weights(0.0), 0.5)
    original.update(theta)  # every weight 0.5
    state = copy.deepcopy(original.state_dict())
    assert set(state) == {"model", "decay"} and state["decay"] == 0.5
    assert state["model"].keys() == original.model.state_dict().keys()  # the averaged model's own state_dict
    restored = EMA(model_with_weights(3.0), 0.9)
    restored.load_state_dict(state)
    assert restored.decay == 0.5
    for ema in (original, restored):
        ema.update(theta)  # 0.5 * 0.5 + 0.5 * 1
    for a, b in zip(original.model.state_dict().values(), restored.model.state_dict().values()):
        assert torch.equal(a, b)
    torch.testing.assert_close(restored.model[0].weight, torch.full((2, 3), 0.75))
    with pytest.raises(ValueError, match=r"decay must be in \(0, 1\)"):
        restored.load_state_dict({**state, "decay": 1.0})
    assert restored.decay == 0.5  # a refused state changes nothing


@pytest.mark.parametrize("decay", [0.0, 1.0, -0.1, 1.5])
def test_decay_outside_zero_one_is_refused(decay):
    with pytest.raises(ValueError, match=r"decay must be in \(0, 1\)"):
        EMA(model_with_weights(0.0), decay)


def test_optimizers_by_name():
    params = [nn.Parameter(torch.zeros(2))]
    adam = make_optimizer("adam", params, lr=1e-3)
    assert isinstance(adam, torch.optim.Adam) and adam.defaults["betas"] == (0.5, 0.999)
    assert isinstance(make_optimizer("sgd", params, lr=0.1), torch.optim.SGD)
    assert isinstance(make_optimizer("rmsprop", params, lr=0.1), torch.optim.RMSprop)
    assert set(OPTIMIZERS.names()) == {"adam", "sgd", "rmsprop"}
    with pytest.raises(ValueError, match="learning rate must be positive"):
        make_optimizer("adam", params, lr=0.0)
