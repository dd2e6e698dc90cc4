import pytest
import torch

import gan_lib
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


def _spectrally_normalised(module):
    return [m for m in module.modules() if hasattr(m, "parametrizations") and hasattr(m.parametrizations, "weight")]


@pytest.mark.parametrize("dataset", ["digits", "fashion-mnist", "sines"])
def test_spectral_norm_estimates_the_initialised_weights_before_any_training(dataset):
    """dcgan_init redraws the weights after spectral_norm estimated sigma on the old ones: the power
    iteration must start again from the new weights, so D in eval mode (no iterations) divides by their sigma."""
    torch.manual_seed(0)
    _, discriminator = build_models(dataset, ModelConfig(spectral_norm=True, d_batch_norm=False))
    discriminator.eval()
    layers = _spectrally_normalised(discriminator)
    assert len(layers) >= 3
    for layer in layers:
        original = layer.parametrizations.weight.original.detach().flatten(1)
        sigma = torch.linalg.matrix_norm(original, 2)
        normalised = layer.weight.detach().flatten(1)  # W / sigma_estimate, with no power iteration in eval
        estimate = (original.norm() / normalised.norm())
        assert estimate == pytest.approx(float(sigma), rel=1e-4)


def test_dcgan_discriminator_with_batch_norm_and_spectral_norm_is_consistent():
    """Spectral norm replaces batch norm in D; the conv that would have fed batch norm then keeps its bias."""
    both = DCGANDiscriminator(1, 8, 4, batch_norm=True, spectral_norm=True)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in both.modules())
    assert all(conv.bias is not None for conv in both.modules() if isinstance(conv, torch.nn.Conv2d))
    with_bn = DCGANDiscriminator(1, 8, 4, batch_norm=True)
    convs = [m for m in with_bn.modules() if isinstance(m, torch.nn.Conv2d)]
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in with_bn.modules()) and convs[1].bias is None


def test_the_projection_discriminators_class_embedding_is_spectrally_normalised():
    """Miyato & Koyama (2018) and BigGAN normalise D's class embedding with the rest of D: its largest
    singular value is 1, at the start and after training steps (a forward pass in training mode each)."""
    trainer = gan_lib.Trainer.from_config(gan_lib.TrainConfig(dataset="digits", conditional=True, spectral_norm=True,
                                                              batch_size=16, width=8, steps=3, progress=False,
                                                              device="cpu"))
    embedding = trainer.discriminator.class_embedding
    assert embedding in _spectrally_normalised(trainer.discriminator)
    for _ in range(2):
        trainer.discriminator(trainer.batches.next_batch().x, torch.arange(16) % 10)  # train mode: one iteration
        assert torch.linalg.matrix_norm(embedding.weight.detach(), 2).item() == pytest.approx(1.0, abs=1e-3)
        trainer.fit()
    _, plain = build_models("digits", ModelConfig(num_classes=10))
    assert plain.class_embedding not in _spectrally_normalised(plain)  # without spectral norm: a plain embedding
