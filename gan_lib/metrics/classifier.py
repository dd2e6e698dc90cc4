"""A small CNN per image dataset, trained by gan_lib, whose features the image metrics use.

FID and the Inception score measure generated images in the feature space of an
Inception-v3 network trained on ImageNet; its weights are downloaded at run time and it
knows nothing of 28x28 clothes. This book trains its own evaluation network instead: a
two-block CNN per dataset (Fashion-MNIST, 8x8 digits), trained deterministically from a
fixed seed on the training split, and cached on disk. Its 128-dimensional penultimate
activations (`features`) play the role of Inception's pool features, its logits the role
of Inception's class probabilities. Distances computed in this space are *not* comparable
to published FID numbers; they are comparable between runs of this library.

One metric on every machine: training gives other float results on another CPU or a GPU, so
a classifier retrained on each machine would move every FD by a little (10.69 on one machine,
10.72 on another for the same 50 real digits). gan_lib therefore ships the trained weights
(`gan_lib/metrics/weights/classifier-<dataset>-<recipe>.pt`, under a megabyte each, with their
SHA-256 beside them) and loads them by default. `retrain=True` (or `packaged=False`) trains the
network instead and caches it in `$GAN_LIB_CACHE` (default `~/.cache/gan_lib`), checked by its
own `.sha256` file; a cache file that is missing, corrupt or of another recipe is retrained and
rewritten atomically. `python tools/write_evaluation_weights.py` rewrites the shipped weights after a
change to the recipe or the architecture.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..atomic import atomic_write
from ..data import load_images
from ..device import cpu_float64, float64_on_cpu, select_device
from ..errors import GanLibError
from ..modes import evaluating

FORMAT = "gan_lib.evaluation_classifier"
ARCHITECTURE_VERSION = 3  # part of the cache key: bump it when EvaluationClassifier or its training changes
IMAGE_DATASETS = ("digits", "fashion-mnist")


@dataclass(frozen=True)
class ClassifierRecipe:
    """How an evaluation classifier is built and trained; any change gives a new cache file."""

    width: int  # channels of the first conv block (the second has twice as many)
    feature_dim: int  # size of the penultimate layer: the feature space of FD, KID, precision/recall
    epochs: int  # passes over the training split
    batch_size: int  # images per optimiser step
    learning_rate: float  # peak learning rate of the one-cycle schedule (Adam)
    seed: int  # seeds the initial weights and the order of the batches

    def key(self) -> str:
        """A short, stable fingerprint of the recipe (part of the cache file name)."""
        described = {**asdict(self), "architecture": ARCHITECTURE_VERSION}
        return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:10]


RECIPES = {
    # 3 epochs reach ~91% test accuracy on Fashion-MNIST; 60,000 images in memory, sliced in batches.
    "fashion-mnist": ClassifierRecipe(width=16, feature_dim=128, epochs=3, batch_size=128, learning_rate=3e-3, seed=0),
    # 1,437 training images: 20 epochs take about 3 s of CPU and reach 96% on the 360 test digits.
    "digits": ClassifierRecipe(width=16, feature_dim=128, epochs=20, batch_size=64, learning_rate=1e-2, seed=0),
}


class EvaluationClassifier(nn.Module):
    """images (B, C, H, W) in [-1, 1] -> logits (B, num_classes); `features` gives the penultimate layer.

    Two conv blocks (3x3 conv, batch norm, ReLU, 2x2 max-pool), then a fully connected
    layer of `feature_dim` ReLU units (the features) and a linear classifier. `features`
    divides the activations by one fixed number, their root mean square on the training
    images (`feature_scale`, set after training), so that features are O(1) like Inception's
    pool features: KID's kernel (x.y/D + 1)^3 is made for that scale.
    """

    def __init__(self, image_shape: tuple[int, int, int], num_classes: int = 10, width: int = 16,
                 feature_dim: int = 128):
        super().__init__()
        channels, height, image_width = image_shape
        if height % 4 or image_width % 4:
            raise ValueError(f"image height and width must be multiples of 4, got {image_shape}")
        self.image_shape = tuple(image_shape)
        self.feature_dim = feature_dim
        self.body = nn.Sequential(
            nn.Conv2d(channels, width, 3, padding=1, bias=False),  # (B, w, H, W)
            nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),  # (B, w, H/2, W/2)
            nn.Conv2d(width, 2 * width, 3, padding=1, bias=False),  # (B, 2w, H/2, W/2)
            nn.BatchNorm2d(2 * width), nn.ReLU(), nn.MaxPool2d(2),  # (B, 2w, H/4, W/4)
            nn.Flatten(),
            nn.Linear(2 * width * (height // 4) * (image_width // 4), feature_dim), nn.ReLU(),  # (B, feature_dim)
        )
        self.head = nn.Linear(feature_dim, num_classes)
        self.register_buffer("feature_scale", torch.ones(()))  # RMS of the training features
        # Set when trained or loaded: what the cache file says about this network.
        self.dataset: str | None = None
        self.test_accuracy: float | None = None
        self.train_seconds: float | None = None

    def _check(self, images: torch.Tensor) -> None:
        if images.ndim != 4 or tuple(images.shape[1:]) != self.image_shape:
            raise ValueError(f"expected images of shape (N, {', '.join(map(str, self.image_shape))}), "
                             f"got {tuple(images.shape)}")

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """Penultimate activations (B, feature_dim) of images in [-1, 1], divided by `feature_scale`."""
        self._check(images)
        return self.body(images) / self.feature_scale

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        self._check(images)
        return self.head(self.body(images))

    @torch.no_grad()
    def embed(self, images: torch.Tensor, batch_size: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
        """(features (N, feature_dim), logits (N, classes)) as float32 CPU tensors, computed in
        eval mode, `batch_size` images at a time on the classifier's device."""
        self._check(images)
        device = next(self.parameters()).device
        features, logits = [], []
        with evaluating(self):
            for start in range(0, len(images), batch_size):
                h = self.body(images[start:start + batch_size].to(device, torch.float32))
                features.append((h / self.feature_scale).float().cpu())
                logits.append(self.head(h).float().cpu())
        return torch.cat(features), torch.cat(logits)

    @torch.no_grad()
    def accuracy(self, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000) -> float:
        """Share of `images` whose predicted class equals `labels`."""
        _, logits = self.embed(images, batch_size)
        with float64_on_cpu():
            return float(cpu_float64(logits.argmax(dim=1) == labels.cpu()).mean())


PACKAGED_DIR = Path(__file__).with_name("weights")


def packaged_path(dataset: str) -> Path:
    """Where gan_lib ships the trained weights of `dataset`'s classifier (the checksum beside it + '.sha256')."""
    return PACKAGED_DIR / f"classifier-{dataset}-{_recipe(dataset).key()}.pt"


def default_cache_dir() -> Path:
    """`$GAN_LIB_CACHE` if set, else `~/.cache/gan_lib`."""
    return Path(os.environ.get("GAN_LIB_CACHE") or Path.home() / ".cache" / "gan_lib")


def cache_path(dataset: str, cache_dir: str | os.PathLike | None = None) -> Path:
    """Where the weights of `dataset`'s classifier are cached (the checksum sits beside it + '.sha256')."""
    recipe = _recipe(dataset)
    return Path(cache_dir or default_cache_dir()) / f"classifier-{dataset}-{recipe.key()}.pt"


def _recipe(dataset: str) -> ClassifierRecipe:
    if dataset not in RECIPES:
        raise ValueError(f"no evaluation classifier for {dataset!r}; choose one of: {', '.join(IMAGE_DATASETS)}")
    return RECIPES[dataset]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def train_classifier(dataset: str, device: str | torch.device = "cpu", progress: bool = False) -> EvaluationClassifier:
    """Train `dataset`'s evaluation classifier from scratch with its fixed recipe (deterministic on the CPU).

    Cross-entropy, Adam with a one-cycle learning rate, the training split held in memory
    and cut into contiguous batches of a seeded permutation each epoch.
    """
    recipe = _recipe(dataset)
    device = select_device(device)
    started = time.perf_counter()
    train, test = load_images(dataset, "train"), load_images(dataset, "test")
    images, labels = train.to_unit_range().to(device), train.labels.to(device)
    torch.manual_seed(recipe.seed)
    model = EvaluationClassifier(train.image_shape, len(train.classes), recipe.width, recipe.feature_dim).to(device)
    steps_per_epoch = len(images) // recipe.batch_size
    optimizer = torch.optim.Adam(model.parameters(), lr=recipe.learning_rate)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, recipe.learning_rate,
                                                   total_steps=recipe.epochs * steps_per_epoch)
    order_rng = torch.Generator().manual_seed(recipe.seed)  # on the CPU: the same order on every device
    model.train()
    for epoch in range(recipe.epochs):
        order = torch.randperm(len(images), generator=order_rng).to(device)
        shuffled_images, shuffled_labels = images[order], labels[order]
        for step in range(steps_per_epoch):
            window = slice(step * recipe.batch_size, (step + 1) * recipe.batch_size)
            loss = F.cross_entropy(model(shuffled_images[window]), shuffled_labels[window])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
        if progress:
            print(f"{dataset} classifier: epoch {epoch + 1}/{recipe.epochs}, last loss {loss.item():.3f}", flush=True)
    model.eval()
    with torch.no_grad():  # one number for all features: keeps FD/KID in a familiar range, changes no ranking
        with float64_on_cpu():  # the sum in float64, on the CPU (MPS has no float64)
            square_sum = sum(float(cpu_float64(model.body(chunk)).pow(2).sum()) for chunk in images.split(2000))
        model.feature_scale.fill_((square_sum / (len(images) * recipe.feature_dim)) ** 0.5)
    model.dataset = dataset
    model.test_accuracy = model.accuracy(test.to_unit_range(), test.labels)
    model.train_seconds = time.perf_counter() - started
    return model


def save_classifier(model: EvaluationClassifier, path: str | os.PathLike) -> Path:
    """Write the weights and their SHA-256 checksum (`path` + '.sha256'), each atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT, "dataset": model.dataset, "recipe": asdict(_recipe(model.dataset)),
        "image_shape": list(model.image_shape), "num_classes": model.head.out_features,
        "test_accuracy": model.test_accuracy, "train_seconds": model.train_seconds,
        "state_dict": {k: v.cpu() for k, v in model.state_dict().items()},
    }
    atomic_write(path, lambda file: torch.save(payload, file))
    checksum = _sha256(path)
    atomic_write(Path(str(path) + ".sha256"), lambda file: file.write(f"{checksum}  {path.name}\n".encode()))
    return path


class ClassifierCacheError(GanLibError, RuntimeError):
    """A cached classifier file is missing, corrupt, or not the expected network; the message says which."""


def load_classifier(path: str | os.PathLike, dataset: str) -> EvaluationClassifier:
    """Load cached weights after checking them against their `.sha256` file."""
    path = Path(path)
    checksum_path = Path(str(path) + ".sha256")
    if not path.is_file() or not checksum_path.is_file():
        raise ClassifierCacheError(f"no cached classifier at {path} (or no checksum file beside it)")
    recorded = checksum_path.read_text().split()[0] if checksum_path.read_text().split() else ""
    actual = _sha256(path)
    if actual != recorded:
        raise ClassifierCacheError(f"checksum mismatch for {path}: the file is corrupt or was modified "
                                   f"(recorded {recorded[:12] or 'nothing'}..., found {actual[:12]}...)")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several types for foreign or truncated files
        raise ClassifierCacheError(f"{path} is not a readable PyTorch file: {error}") from None
    recipe = _recipe(dataset)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or payload.get("dataset") != dataset \
            or payload.get("recipe") != asdict(recipe):
        raise ClassifierCacheError(f"{path} is not the {dataset!r} evaluation classifier of this gan_lib version")
    model = EvaluationClassifier(tuple(payload["image_shape"]), payload["num_classes"], recipe.width, recipe.feature_dim)
    try:
        model.load_state_dict(payload["state_dict"])
    except (RuntimeError, KeyError, TypeError) as error:
        raise ClassifierCacheError(f"{path} does not fit the {dataset!r} evaluation classifier: "
                                   f"{str(error).splitlines()[0]}") from None
    model.eval()
    model.dataset, model.test_accuracy, model.train_seconds = dataset, payload["test_accuracy"], payload["train_seconds"]
    return model


def evaluation_classifier(dataset: str, device: str | torch.device = "auto", cache_dir: str | os.PathLike | None = None,
                          retrain: bool = False, progress: bool = False, packaged: bool = True) -> EvaluationClassifier:
    """The trained evaluation classifier of `dataset` ('fashion-mnist' or 'digits'), in eval mode on `device`.

    By default the weights that ship with gan_lib (`packaged_path`), the same on every machine.
    With `packaged=False`, or when they are missing, the cached weights in `cache_dir` when their
    checksum matches; otherwise (and always with `retrain=True`) trained on the CPU (about a
    minute for Fashion-MNIST on two cores, seconds for digits), cached, and returned. A corrupt
    file is reported with a warning and skipped.
    """
    _recipe(dataset)
    candidates = ([packaged_path(dataset)] if packaged else []) + [cache_path(dataset, cache_dir)]
    model = None
    for path in ([] if retrain else candidates):
        try:
            model = load_classifier(path, dataset)
            break
        except ClassifierCacheError as error:
            if path.exists():  # a missing file is the normal first run; anything else deserves a word
                warnings.warn(f"{error}; skipping it", stacklevel=2)
    if model is None:
        model = train_classifier(dataset, device="cpu", progress=progress)
        save_classifier(model, cache_path(dataset, cache_dir))
    return model.to(select_device(device)).eval()


def write_packaged_weights(datasets: tuple[str, ...] = IMAGE_DATASETS) -> list[Path]:
    """Train every evaluation classifier and write it where gan_lib ships it (maintainers only)."""
    return [save_classifier(train_classifier(dataset, device="cpu", progress=True), packaged_path(dataset))
            for dataset in datasets]
