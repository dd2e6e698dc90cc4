"""Which networks a dataset gets: `ModelConfig` (the architecture choices) and `build_models`, which
picks the pair for a dataset (MLPs for the 1D and 2D toys, DCGANs for images, 1D DCGANs for signals)
and fills in the dataset's defaults."""
from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from ..errors import ConfigError
from .conv1d import Conv1dDiscriminator, Conv1dGenerator
from .dcgan import DCGANDiscriminator, DCGANGenerator
from .init import dcgan_init
from .mlp import MLPDiscriminator, MLPGenerator

IMAGE_SHAPES = {"digits": (1, 8, 8), "fashion-mnist": (1, 28, 28)}


@dataclass
class ModelConfig:
    """Architecture choices; `None` means 'the dataset's default' (given in brackets)."""

    latent_dim: int | None = None  # size of z [4 for 1D toys, 2 for 2D toys, 32 for digits, 64 for Fashion-MNIST]
    width: int | None = None  # hidden units (MLP) or base channels (DCGAN) [128 / 32 / 64]
    depth: int = 3  # hidden layers of each MLP; DCGANs have a fixed depth
    spectral_norm: bool = False  # spectral normalisation on every layer of D (Miyato et al., 2018)
    d_batch_norm: bool = True  # batch norm in the DCGAN D (dropped under spectral norm or WGAN-GP)
    num_classes: int = 0  # > 0: class-conditional G and D


def toy_dimension(dataset: str) -> int:
    """1 for the 1D mixtures of chapter 3 (gan_lib.data.toy1d), 2 for the other toy datasets."""
    from ..data.toy1d import DISTRIBUTIONS_1D

    return 1 if dataset in DISTRIBUTIONS_1D else 2


def signal_shape(dataset: str) -> tuple[int, int] | None:
    """(channels, length) for the 1D signal datasets of chapter 6 (gan_lib.data.signals), else None."""
    from ..data.signals import SIGNALS

    return SIGNALS[dataset].shape if dataset in SIGNALS else None


def default_model_config(dataset: str, **overrides) -> ModelConfig:
    config = ModelConfig(**overrides)
    if signal_shape(dataset) is not None:  # 1D DCGANs: z of 32, 32 base channels
        config.latent_dim = config.latent_dim or 32
        config.width = config.width or 32
        return config
    toy = dataset not in IMAGE_SHAPES
    if config.latent_dim is None:
        # 1D toys get 4 latent dimensions: a 1D latent through a ReLU MLP folds into density spikes.
        if toy:
            config.latent_dim = 4 if toy_dimension(dataset) == 1 else 2
        else:
            config.latent_dim = {"digits": 32, "fashion-mnist": 64}[dataset]
    if config.width is None:
        config.width = 128 if toy else {"digits": 32, "fashion-mnist": 64}[dataset]
    return config


def build_models(dataset: str, config: ModelConfig | None = None) -> tuple[nn.Module, nn.Module]:
    """The (generator, discriminator) pair for `dataset`: an MLP pair for toy data, DCGANs for images,
    1D DCGANs for signals."""
    config = default_model_config(dataset, **(vars(config) if config else {}))
    if dataset in IMAGE_SHAPES:
        channels, size, _ = IMAGE_SHAPES[dataset]
        generator = DCGANGenerator(config.latent_dim, channels, size, config.width, config.num_classes)
        discriminator = DCGANDiscriminator(channels, size, config.width, config.d_batch_norm,
                                           config.spectral_norm, config.num_classes)
        generator.apply(dcgan_init)
        discriminator.apply(dcgan_init)
    elif signal_shape(dataset) is not None:
        if config.num_classes:
            raise ConfigError(f"the signal dataset {dataset!r} has no classes; set num_classes=0")
        channels, length = signal_shape(dataset)
        generator = Conv1dGenerator(config.latent_dim, channels, length, config.width)
        discriminator = Conv1dDiscriminator(channels, length, config.width, config.d_batch_norm, config.spectral_norm)
        generator.apply(dcgan_init)
        discriminator.apply(dcgan_init)
    else:
        if config.num_classes:
            raise ConfigError(f"the toy dataset {dataset!r} has no classes; set num_classes=0")
        # PyTorch's default (Kaiming-uniform) initialisation: N(0, 0.02) starts a deep MLP
        # with a near-constant output, which slows the toy experiments down.
        dim = toy_dimension(dataset)
        generator = MLPGenerator(config.latent_dim, dim, config.width, config.depth)
        discriminator = MLPDiscriminator(dim, config.width, config.depth, config.spectral_norm)
    return generator, discriminator
