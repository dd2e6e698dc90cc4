"""gan_lib: the small PyTorch library behind GAN Book.

Importing it builds nothing, downloads nothing and touches no device; see the book's
chapters for what each module teaches. The chapters' applications live in `gan_lib.applications`,
the book's own machinery (claims, sweeps, exercises) in `gan_lib.book`; their old top-level module
paths still import, with a DeprecationWarning (`gan_lib._moved`).
"""
from . import _moved
from .checkpoint import CheckpointError, load_checkpoint, load_generator, restore, resume, save_checkpoint
from .data import DATASETS, TOY_DISTRIBUTIONS, DatasetNotFoundError, make_batches
from .device import select_device
from .errors import ConfigError, GanLibError
from .history import History
from .losses import LOSSES, GANLoss, get_loss
from .models import ModelConfig, build_models
from .optim import EMA, OPTIMIZERS
from .penalties import PENALTIES, get_penalty, gradient_penalty, r1_penalty
from .recipes import RECIPES, recipe, recipe_for
from .registry import Registry, UnknownNameError
from .train import Trainer, TrainConfig, TrainingDivergedError, sample_generator, train_gan

__version__ = "0.2.0"

_moved.install()

__all__ = [
    "CheckpointError", "ConfigError", "DATASETS", "DatasetNotFoundError", "EMA", "GANLoss", "GanLibError", "History",
    "LOSSES",
    "ModelConfig", "OPTIMIZERS", "PENALTIES", "RECIPES", "Registry", "TOY_DISTRIBUTIONS", "Trainer", "TrainConfig",
    "TrainingDivergedError", "UnknownNameError", "build_models", "get_loss", "get_penalty",
    "gradient_penalty", "load_checkpoint", "load_generator", "make_batches", "r1_penalty", "recipe", "recipe_for", "restore", "resume",
    "sample_generator", "save_checkpoint", "select_device", "train_gan", "__version__",
]
