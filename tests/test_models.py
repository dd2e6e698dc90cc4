import pytest
import torch

from gan_lib.models import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, ModelConfig, build_models


@pytest.mark.parametrize("dataset,shape", [("ring", (2,)), ("digits", (1, 8, 8)), ("fashion-mnist", (1, 28, 28))])
def test_models_produce_the_dataset_shape(dataset, shape):
    torch.manual_seed(0)
    generator, discriminator = build_models(dataset)
    z = torch.randn(4, generator.latent_dim)
    x = generator(z)
    assert x.shape == (4, *shape)
    assert discriminator(x).shape == (4,)
    if len(shape) == 3:
        assert x.min() >= -1 and x.max() <= 1  # tanh output


def test_dcgan_init_statistics():
    torch.manual_seed(0)
    generator, _ = build_models("fashion-mnist")
    weight = generator.net[3].weight  # second transposed convolution
    assert abs(weight.std().item() - 0.02) < 0.002
    assert abs(generator.net[1].weight.mean().item() - 1.0) < 0.01


def test_spectral_norm_bounds_the_layer_gain():
    torch.manual_seed(0)
    discriminator = MLPDiscriminator(2, 64, 2, spectral_norm=True)
    for _ in range(20):  # power iterations run in training mode
        discriminator(torch.randn(8, 2))
    discriminator.eval()
    first = discriminator.net[0]
    assert torch.linalg.matrix_norm(first.weight, ord=2).item() == pytest.approx(1.0, abs=0.05)


def test_conditional_models_need_labels_and_use_them():
    torch.manual_seed(0)
    generator, discriminator = build_models("digits", ModelConfig(num_classes=10))
    z = torch.randn(6, generator.latent_dim)
    labels = torch.arange(6)
    assert generator(z, labels).shape == (6, 1, 8, 8)
    assert not torch.allclose(generator.eval()(z, labels), generator(z, (labels + 1) % 10))
    with pytest.raises(ValueError, match="class-conditional"):
        generator(z)
    with pytest.raises(ValueError, match="unconditional"):
        build_models("digits")[0](z[:, :32], labels)


def test_wrong_shapes_are_refused_with_the_expected_shape():
    generator = DCGANGenerator(latent_dim=16, image_size=28)
    with pytest.raises(ValueError, match=r"shape \(B, 16\), got \(4, 8\)"):
        generator(torch.randn(4, 8))
    discriminator = DCGANDiscriminator(image_size=28)
    with pytest.raises(ValueError, match=r"\(B, 1, 28, 28\), got \(2, 1, 32, 32\)"):
        discriminator(torch.randn(2, 1, 32, 32))
    with pytest.raises(ValueError, match="multiple of 4"):
        DCGANGenerator(image_size=30)
