"""The registry of datasets by name, and `make_batches`, the one entry point the trainer and the CLI use:
each name maps to a function that builds the dataset's seeded batch stream."""
from __future__ import annotations

import os

import torch

from ..errors import ConfigError
from ..registry import Registry
from .batches import ImageBatches, ToyBatches
from .images import FASHION_MNIST_CLASSES, ImageSet, load_digits, load_fashion_mnist
from .signals import SIGNALS, SignalBatches
from .toy import TOY_DISTRIBUTIONS, ToyDistribution
from .toy1d import DISTRIBUTIONS_1D, Mixture1D

DATASETS: Registry = Registry("dataset")
# The classes of each image dataset, known without reading it: a conditional model is built before the
# data is loaded, and `gan_lib.load_generator` builds one on machines that may not have the data at all.
IMAGE_CLASSES: dict[str, tuple[str, ...]] = {"digits": tuple(str(digit) for digit in range(10)),
                                             "fashion-mnist": FASHION_MNIST_CLASSES}


def class_names(name: str) -> tuple[str, ...]:
    """The class names of the image dataset `name`, in label order; a ValueError for data without labels."""
    DATASETS.get(name)  # raises for an unknown name
    if name not in IMAGE_CLASSES:
        raise ValueError(f"the dataset {name!r} has no labels; conditional training needs one of: "
                         f"{', '.join(IMAGE_CLASSES)}")
    return IMAGE_CLASSES[name]


def load_images(name: str, split: str = "train", root: str | os.PathLike | None = None, download: bool = False) -> ImageSet:
    """The `ImageSet` for an image dataset name ('digits' or 'fashion-mnist')."""
    if name == "digits":
        return load_digits(split)
    if name == "fashion-mnist":
        return load_fashion_mnist(split, root=root, download=download)
    raise ValueError(f"{name!r} is not an image dataset; choose 'digits' or 'fashion-mnist'")


def _image_batches(name: str):
    def make(batch_size: int, device: torch.device, seed: int = 0, root=None, download: bool = False,
             conditional: bool = False) -> ImageBatches:
        images = load_images(name, "train", root=root, download=download)
        return ImageBatches(images.to_unit_range(), images.labels, batch_size, device, seed,
                            num_classes=len(images.classes) if conditional else 0)
    return make


def _toy_batches(name: str):
    def make(batch_size: int, device: torch.device, seed: int = 0, root=None, download: bool = False,
             conditional: bool = False) -> ToyBatches:
        if conditional:
            raise ConfigError(f"the toy dataset {name!r} has no labels; conditional training needs 'digits' or 'fashion-mnist'")
        return ToyBatches(toy_distribution(name), batch_size, device, seed)
    return make


for _name in TOY_DISTRIBUTIONS.names() + DISTRIBUTIONS_1D.names():
    DATASETS.register(_name)(_toy_batches(_name))
for _name in ("digits", "fashion-mnist"):
    DATASETS.register(_name)(_image_batches(_name))


def _signal_batches(name: str):
    def make(batch_size: int, device: torch.device, seed: int = 0, root=None, download: bool = False,
             conditional: bool = False) -> SignalBatches:
        if conditional:
            raise ConfigError(f"the signal dataset {name!r} has no labels; conditional training needs 'digits' or 'fashion-mnist'")
        return SignalBatches(SIGNALS[name], batch_size, device, seed)
    return make


for _name in SIGNALS:  # 1D signals of chapter 6 (gan_lib.data.signals)
    DATASETS.register(_name)(_signal_batches(_name))


def is_toy(name: str) -> bool:
    """True for the synthetic 1D and 2D distributions, False for image datasets."""
    DATASETS.get(name)  # raises for an unknown name
    return name in TOY_DISTRIBUTIONS or name in DISTRIBUTIONS_1D


def toy_distribution(name: str) -> ToyDistribution | Mixture1D:
    """The distribution object behind a toy dataset name: a 2D `ToyDistribution` or a `Mixture1D`."""
    if name in DISTRIBUTIONS_1D:
        return DISTRIBUTIONS_1D.get(name)()
    return TOY_DISTRIBUTIONS.get(name)()


def make_batches(name: str, batch_size: int, device: str | torch.device = "cpu", seed: int = 0,
                 root=None, download: bool = False, conditional: bool = False):
    """A seeded batch stream for dataset `name` on `device`."""
    return DATASETS.get(name)(batch_size, torch.device(device), seed, root=root, download=download,
                              conditional=conditional)
