"""Generator and discriminator networks; `build_models` (in `factory`) picks the right pair for a dataset."""
from __future__ import annotations

from .conv1d import Conv1dDiscriminator, Conv1dGenerator
from .dcgan import DCGANDiscriminator, DCGANGenerator, discriminator_batch_norm
from .factory import IMAGE_SHAPES, ModelConfig, build_models, default_model_config, signal_shape
from .init import dcgan_init
from .mlp import MLPDiscriminator, MLPGenerator

__all__ = ["Conv1dDiscriminator", "Conv1dGenerator", "DCGANDiscriminator", "DCGANGenerator", "IMAGE_SHAPES", "MLPDiscriminator", "MLPGenerator",
           "ModelConfig", "build_models", "dcgan_init", "default_model_config", "discriminator_batch_norm",
           "signal_shape"]
