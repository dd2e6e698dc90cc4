"""Datasets: 1D and 2D toy distributions, 8x8 digits, Fashion-MNIST and 1D signals, as seeded batch streams.

`make_batches(name, batch_size, device, seed)` (in `datasets`) is the one entry point the trainer and
the CLI use; `DATASETS.names()` lists what it accepts.
"""
from __future__ import annotations

from .batches import Batch, ImageBatches, ToyBatches, check_images
from .datasets import DATASETS, IMAGE_CLASSES, class_names, is_toy, load_images, make_batches, toy_distribution
from .images import (FASHION_MNIST_CLASSES, DatasetFileError, DatasetNotFoundError, ImageSet, load_digits,
                     load_fashion_mnist)
from .signals import SIGNALS, SignalBatches, SinusoidSignals
from .toy import TOY_DISTRIBUTIONS, ToyDistribution, gaussian, grid, ring, spiral
from .toy1d import DISTRIBUTIONS_1D, Mixture1D, bimodal

__all__ = [
    "Batch", "DATASETS", "DISTRIBUTIONS_1D", "DatasetFileError", "DatasetNotFoundError", "FASHION_MNIST_CLASSES",
    "ImageBatches",
    "ImageSet", "Mixture1D", "SIGNALS", "SignalBatches", "SinusoidSignals", "TOY_DISTRIBUTIONS", "ToyBatches", "ToyDistribution", "bimodal", "gaussian", "grid",
    "IMAGE_CLASSES", "check_images", "class_names", "is_toy", "load_digits", "load_fashion_mnist", "load_images", "make_batches", "ring", "spiral", "toy_distribution",
]
