import pytest
import torch
from torch import nn

from gan_lib.models import DCGANGenerator, MLPDiscriminator, MLPGenerator
from gan_lib.models.summary import count_parameters, format_layer_table, layer_table


def test_count_parameters_matches_hand_count():
    # Linear(2, 3): 2*3 weights + 3 biases = 9; Linear(3, 1): 3 + 1 = 4.
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert count_parameters(model) == 13
    model[0].requires_grad_(False)
    assert count_parameters(model, trainable_only=True) == 4
    assert count_parameters(model) == 13


def test_default_toy_mlps_have_the_book_counts():
    # Chapter 2: G = (2*128+128) + 2*(128*128+128) + (128*2+2); D ends in one logit: (128+1).
    assert count_parameters(MLPGenerator(2, 2, 128, 3)) == 384 + 2 * 16512 + 258 == 33666
    assert count_parameters(MLPDiscriminator(2, 128, 3)) == 384 + 2 * 16512 + 129 == 33537


def test_layer_table_lists_layers_in_call_order_with_shapes():
    model = MLPDiscriminator(2, 16, 2)
    rows = layer_table(model, torch.randn(5, 2))
    assert [row.kind for row in rows] == ["Linear", "LeakyReLU", "Linear", "LeakyReLU", "Linear"]
    assert [row.output_shape for row in rows] == [(5, 16), (5, 16), (5, 16), (5, 16), (5, 1)]
    assert [row.parameters for row in rows] == [48, 0, 272, 0, 17]
    assert sum(row.parameters for row in rows) == count_parameters(model)
    assert rows[0].name == "net.0"


def test_layer_table_follows_the_dcgan_generator_to_image_size():
    model = DCGANGenerator(latent_dim=8, channels=1, image_size=8, width=4)
    model.train()
    rows = layer_table(model, torch.randn(3, 8))
    shapes = [row.output_shape for row in rows if row.kind == "ConvTranspose2d"]
    assert shapes == [(3, 8, 2, 2), (3, 4, 4, 4), (3, 1, 8, 8)]
    assert model.training  # mode restored
    assert sum(row.parameters for row in rows) == count_parameters(model)


def test_spectral_norm_layers_count_once_and_hide_their_internals():
    model = MLPDiscriminator(2, 8, 1, spectral_norm=True)
    rows = layer_table(model, torch.randn(4, 2))
    assert [row.kind for row in rows] == ["Linear", "LeakyReLU", "Linear"]
    assert sum(row.parameters for row in rows) == count_parameters(model) == 2 * 8 + 8 + 8 + 1


def test_format_layer_table_has_header_rows_and_total():
    text = format_layer_table(layer_table(nn.Sequential(nn.Linear(2, 3), nn.Tanh()), torch.randn(1, 2)))
    lines = text.splitlines()
    assert lines[0].split() == ["layer", "type", "output", "shape", "parameters"]
    assert "(1, 3)" in lines[2] and lines[2].rstrip().endswith("9")
    assert lines[-1] == "total parameters (sum of the rows): 9"


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="example input"):
        layer_table(nn.Linear(2, 2))
    with pytest.raises(TypeError, match="nn.Module"):
        count_parameters("not a model")
