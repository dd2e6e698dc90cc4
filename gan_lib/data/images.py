"""Image datasets held in memory: scikit-learn's 8x8 digits and Fashion-MNIST 28x28.

Both are small enough to keep as one uint8 tensor; `to_unit_range` turns them into
float images in [-1, 1] (the range of a tanh generator). Nothing is downloaded unless
the caller passes `download=True` or the environment says `GAN_LIB_DOWNLOAD=1` (the
chapters' Colab cell sets it: a notebook there has no other copy of the data).
"""
from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import ConfigError, GanLibError

FASHION_MNIST_SYSTEM_ROOT = Path("/usr/share/datasets/fashion-mnist")
_CHECKOUT = Path(__file__).resolve().parents[2]  # the repository, when gan_lib runs from a clone
# Where `make` downloads to, if it must: the clone's data/ (None when gan_lib is installed from a wheel).
PROJECT_DATA_ROOT = _CHECKOUT / "data" if (_CHECKOUT / "pyproject.toml").is_file() else None
DOWNLOAD_VARIABLE = "GAN_LIB_DOWNLOAD"  # "1": a missing dataset may be downloaded (into $GAN_LIB_DATA or ./data)
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
_FASHION_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


class DatasetNotFoundError(GanLibError, FileNotFoundError):
    """The dataset's files are not on this machine; the message says how to get them."""


class DatasetFileError(GanLibError, ValueError):
    """A dataset file is there but cannot be used: unreadable, cut short, or not an IDX file."""


REPLACE_THE_FILE = "delete it and run make data (tools/install_data.sh), or put a complete copy there"


@dataclass(frozen=True)
class ImageSet:
    """Images as uint8 (N, C, H, W) with integer labels (N,) and the class names."""

    images: torch.Tensor
    labels: torch.Tensor
    classes: tuple[str, ...]
    max_value: int  # the pixel value that means white (255 for Fashion-MNIST, 16 for digits)

    def __post_init__(self):
        if self.images.ndim != 4:
            raise ValueError(f"images must have shape (N, C, H, W), got {tuple(self.images.shape)}")
        if len(self.images) != len(self.labels):
            raise ValueError(f"{len(self.images)} images but {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.images.shape[1:])

    def to_unit_range(self) -> torch.Tensor:
        """Float images in [-1, 1], shape (N, C, H, W)."""
        return self.images.float() * (2.0 / self.max_value) - 1.0


def _read_idx(path: Path) -> np.ndarray:
    """Read one IDX file (the MNIST format), gzipped or not."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError) as error:  # unreadable, or a cut or foreign .gz (gzip.BadGzipFile is an OSError)
        raise DatasetFileError(f"{path} cannot be read ({error}); fix its permissions, or {REPLACE_THE_FILE}") from None
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    if magic >> 8 != 0x08:  # 0x08 = unsigned byte
        raise DatasetFileError(f"{path} is not an IDX file of unsigned bytes (magic number {magic:#x}); "
                               f"fix: {REPLACE_THE_FILE}")
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    array = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if array.size != int(np.prod(shape)):
        raise DatasetFileError(f"{path} is truncated: expected {int(np.prod(shape))} values, found {array.size}; "
                               f"fix: {REPLACE_THE_FILE}")
    return array.reshape(shape)


def _find_idx(directories: list[Path], stem: str) -> Path | None:
    for directory in directories:
        for name in (stem + ".gz", stem):
            if (directory / name).is_file():
                return directory / name
    return None


def fashion_mnist_roots(root: str | os.PathLike | None = None) -> list[Path]:
    """Where Fashion-MNIST is looked for, in order: `root`, `$GAN_LIB_DATA`, the project's `data/`
    (each also in torchvision's `FashionMNIST/raw` layout), then Debian's system path."""
    roots = []
    if root is not None:
        root = Path(root)
        roots += [root, root / "FashionMNIST" / "raw"]
    if os.environ.get("GAN_LIB_DATA"):
        data_root = Path(os.environ["GAN_LIB_DATA"])
        roots += [data_root, data_root / "FashionMNIST" / "raw"]
    for data_root in (PROJECT_DATA_ROOT, Path("data")):  # the clone's data/, then ./data (a download's default)
        if data_root is not None:
            roots += [data_root, data_root / "FashionMNIST" / "raw"]
    return roots + [FASHION_MNIST_SYSTEM_ROOT]


def download_allowed() -> bool:
    """Whether the environment allows downloading a missing dataset (`GAN_LIB_DOWNLOAD=1`)."""
    value = os.environ.get(DOWNLOAD_VARIABLE, "")
    if value not in ("", "0", "1"):
        raise ConfigError(f"{DOWNLOAD_VARIABLE}={value!r}: use 1 to allow downloads, 0 or unset to forbid them")
    return value == "1"


def default_download_root() -> Path:
    """Where a download goes when no root is given: `$GAN_LIB_DATA`, else ./data."""
    return Path(os.environ.get("GAN_LIB_DATA") or "data")


def load_fashion_mnist(split: str = "train", root: str | os.PathLike | None = None, download: bool = False) -> ImageSet:
    """Fashion-MNIST (Xiao et al., 2017): 60,000 train / 10,000 test images of 28x28.

    Looks in `root`, then `$GAN_LIB_DATA`, then the clone's and the working folder's `data/`, then
    `/usr/share/datasets/fashion-mnist/` (Debian's `dataset-fashion-mnist`). With `download=True`
    (or `GAN_LIB_DOWNLOAD=1` in the environment), missing files are fetched by torchvision into
    `root`, or `$GAN_LIB_DATA`, or ./data.
    """
    if split not in _FASHION_FILES:
        raise ValueError(f"unknown split {split!r}; choose 'train' or 'test'")
    image_stem, label_stem = _FASHION_FILES[split]
    roots = fashion_mnist_roots(root)
    image_path, label_path = _find_idx(roots, image_stem), _find_idx(roots, label_stem)
    if (image_path is None or label_path is None) and (download or download_allowed()):
        import torchvision  # only imported when a download is needed

        target = Path(root) if root is not None else default_download_root()
        torchvision.datasets.FashionMNIST(root=str(target), train=(split == "train"), download=True)
        roots = fashion_mnist_roots(target)
        image_path, label_path = _find_idx(roots, image_stem), _find_idx(roots, label_stem)
    if image_path is None or label_path is None:
        searched = ", ".join(str(r) for r in roots)
        raise DatasetNotFoundError(
            f"Fashion-MNIST ({split}) not found in: {searched}. Fix: on Debian/Ubuntu run "
            "'sudo apt-get install dataset-fashion-mnist'; or pass root=DIR with the four IDX files; "
            "or allow a download with download=True (root=DIR to choose where; CLI: --download [--data-root DIR]; "
            "in a notebook: os.environ['GAN_LIB_DOWNLOAD'] = '1')."
        )
    images = torch.from_numpy(_read_idx(image_path).copy()).unsqueeze(1)  # (N, 1, 28, 28)
    labels = torch.from_numpy(_read_idx(label_path).astype(np.int64))  # (N,)
    return ImageSet(images, labels, FASHION_MNIST_CLASSES, max_value=255)


def load_digits(split: str = "train") -> ImageSet:
    """scikit-learn's 1,797 8x8 handwritten digits (pixel values 0-16), shipped with the library.

    The split is fixed: the first 1,437 images (80%) train, the remaining 360 test.
    """
    if split not in ("train", "test", "all"):
        raise ValueError(f"unknown split {split!r}; choose 'train', 'test' or 'all'")
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    images = torch.from_numpy(bunch.images.astype(np.uint8)).unsqueeze(1)  # (1797, 1, 8, 8)
    labels = torch.from_numpy(bunch.target.astype(np.int64))
    cut = 1437
    chosen = {"train": slice(0, cut), "test": slice(cut, None), "all": slice(None)}[split]
    return ImageSet(images[chosen], labels[chosen], tuple(str(d) for d in range(10)), max_value=16)
