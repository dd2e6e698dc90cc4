"""gan_lib.modes: eval mode and frozen weights for a block, given back however the block ends."""
import pytest
import torch
from torch import nn

from gan_lib.modes import evaluating, frozen


def network():
    return nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.Dropout(0.5), nn.Linear(4, 1))


def test_evaluating_switches_to_eval_and_gives_every_submodule_its_own_mode_back():
    trained, looked_at = network(), network()
    looked_at[2].eval()  # a mixed state: dropout off, the rest training
    with evaluating(trained, looked_at):
        assert not any(module.training for model in (trained, looked_at) for module in model.modules())
    assert all(module.training for module in trained.modules())
    assert [module.training for module in looked_at.modules()] == [True, True, True, False, True]


def test_frozen_computes_no_gradient_for_the_frozen_network_and_gives_the_flags_back():
    generator, discriminator = nn.Linear(2, 2), network()
    discriminator[3].bias.requires_grad_(False)  # already fixed before the block: it stays so
    with frozen(discriminator):
        discriminator(generator(torch.randn(8, 2))).sum().backward()
    assert all(p.grad is None for p in discriminator.parameters())
    assert all(p.grad is not None for p in generator.parameters())
    assert [p.requires_grad for p in discriminator.parameters()] == [True] * 5 + [False]


def training_everywhere(model):
    return all(module.training for module in model.modules())


def trainable_everywhere(model):
    return all(parameter.requires_grad for parameter in model.parameters())


@pytest.mark.parametrize("switch,as_before", [(evaluating, training_everywhere), (frozen, trainable_everywhere)])
def test_the_state_comes_back_when_the_block_raises(switch, as_before):
    model = network()
    with pytest.raises(RuntimeError, match="inside the block"):
        with switch(model):
            raise RuntimeError("inside the block")
    assert as_before(model)
