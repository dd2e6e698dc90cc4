"""The knobs of the playgrounds, checked before a trainer is built (chapters 2, 4, 5 and 8).

`ToySettings` and `ImageSettings` are plain dataclasses: the widgets read their values
from the controls, `validate()` refuses a combination that gan_lib cannot train (with a
message naming the problem and the fix), and `build_*_trainer` turns them into a real
`gan_lib.Trainer`. Tests and the static sweep use the same functions without any widget.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import torch

from ..data import TOY_DISTRIBUTIONS, make_batches
from ..device import select_device
from ..errors import GanLibError
from ..losses import LOSSES
from ..models import MLPDiscriminator, MLPGenerator
from ..optim import OPTIMIZERS
from ..penalties import PENALTIES
from ..train import Trainer, TrainConfig

IMAGE_DATASETS = ("digits", "fashion-mnist")
DIGITS_TRAIN_SIZE = 1437  # gan_lib.data.load_digits("train") holds the first 1,437 of 1,797 digits
PLAYGROUND_LOG_EVERY = 5  # a History row (and a NaN check) every 5 steps: enough points for live curves
RUN_LENGTH = 10**9  # TrainConfig.steps for open-ended playground runs (they stop on pause, not on a count)


class InvalidSettingsError(GanLibError, ValueError):
    """A playground setting, or a combination of them, that gan_lib cannot train; the message says why."""


def _check_int(name: str, value, low: int, high: int, why: str = "") -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidSettingsError(f"{name} must be an integer in [{low}, {high}], got {value!r}{why}")


def _check_rate(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise InvalidSettingsError(f"{name} (a learning rate) must be a positive number, got {value!r}; try 1e-4 to 1e-2")


def _check_names(loss: str, penalty: str, optimizer: str | None = None) -> None:
    for registry, value in ((LOSSES, loss), (PENALTIES, penalty), (OPTIMIZERS, optimizer)):
        if value is not None and value not in registry:
            raise InvalidSettingsError(f"unknown {registry.kind} {value!r}; choose one of: {', '.join(registry.names())}")


def _check_lipschitz(loss: str, penalty: str, spectral_norm: bool, weight_clip: float | None) -> None:
    """The Wasserstein critic estimates W1 only if it is 1-Lipschitz (chapter 8); without a
    constraint its scores grow without bound and training is meaningless. R1 does not count:
    it flattens D only at the real data, and the critic can still grow steep elsewhere."""
    if loss == "wasserstein" and penalty != "wgan-gp" and not spectral_norm and weight_clip is None:
        raise InvalidSettingsError(
            "the wasserstein loss needs a Lipschitz constraint on the critic: choose the penalty 'wgan-gp', "
            "tick spectral norm, or clip D's weights (R1 only flattens D at the real data; with no constraint "
            "the critic's scores grow without bound)")


@dataclass
class ToySettings:
    """The 2D playground's knobs (GAN Lab's, plus gan_lib's losses and regularisers)."""

    target: str = "ring"  # ring, grid, spiral or gaussian (gan_lib.TOY_DISTRIBUTIONS)
    loss: str = "non-saturating"  # a name in gan_lib.LOSSES
    penalty: str = "none"  # none, wgan-gp or r1
    spectral_norm: bool = False  # spectral normalisation on every layer of D
    weight_clip: float | None = None  # clip D's weights to [-c, c] after each step (weight-clipped WGAN: 0.01)
    optimizer: str = "adam"  # adam, sgd or rmsprop
    lr_g: float = 1e-3  # generator learning rate: toy MLPs tolerate 5x the DCGAN default
    lr_d: float = 1e-3  # discriminator learning rate
    d_steps: int = 1  # D updates per G update (k in Algorithm 1)
    g_width: int = 64  # hidden units per layer of G: 64 learns the ring and keeps the playground fast
    g_depth: int = 3  # hidden layers of G
    d_width: int = 64  # hidden units per layer of D
    d_depth: int = 3  # hidden layers of D
    latent_dim: int = 2  # size of z: 2, as in GAN Lab, so G maps a plane onto the target
    batch_size: int = 128  # real and generated points per step
    seed: int = 0  # seeds the networks, the noise and the data
    device: str = "auto"  # where to train; the tiny MLPs are as fast on a CPU

    def validate(self) -> "ToySettings":
        if self.target not in TOY_DISTRIBUTIONS:
            raise InvalidSettingsError(f"unknown target {self.target!r}; choose one of: {', '.join(TOY_DISTRIBUTIONS.names())}")
        _check_names(self.loss, self.penalty, self.optimizer)
        _check_rate("lr_g", self.lr_g)
        _check_rate("lr_d", self.lr_d)
        _check_int("d_steps", self.d_steps, 1, 20)
        for name in ("g_width", "d_width"):
            _check_int(name, getattr(self, name), 1, 1024)
        for name in ("g_depth", "d_depth"):
            _check_int(name, getattr(self, name), 1, 8)
        _check_int("latent_dim", self.latent_dim, 1, 64)
        _check_int("batch_size", self.batch_size, 8, 4096,
                   ": fewer than 8 points make every loss estimate noise, more than 4096 make each step too slow to watch")
        _check_int("seed", self.seed, 0, 2**31 - 1)
        if self.weight_clip is not None and not (isinstance(self.weight_clip, (int, float)) and self.weight_clip > 0):
            raise InvalidSettingsError(f"weight_clip must be a positive number or None, got {self.weight_clip!r}")
        _check_lipschitz(self.loss, self.penalty, self.spectral_norm, self.weight_clip)
        return self

    def replace(self, **changes) -> "ToySettings":
        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:
            raise InvalidSettingsError(f"unknown setting(s) {unknown}; valid: {', '.join(f.name for f in fields(self))}")
        return ToySettings(**{**asdict(self), **changes})

    def train_config(self) -> TrainConfig:
        """The TrainConfig that records this run (G's width and depth stand for the pair's)."""
        return TrainConfig(dataset=self.target, loss=self.loss, penalty=self.penalty, steps=RUN_LENGTH,
                           batch_size=self.batch_size, n_critic=self.d_steps, lr_g=float(self.lr_g),
                           lr_d=float(self.lr_d), optimizer=self.optimizer, weight_clip=self.weight_clip,
                           latent_dim=self.latent_dim, width=self.g_width, depth=self.g_depth,
                           spectral_norm=self.spectral_norm, seed=self.seed, device=self.device,
                           log_every=PLAYGROUND_LOG_EVERY, progress=False)


def build_toy_trainer(settings: ToySettings) -> Trainer:
    """A Trainer for the 2D playground. G and D get their own width and depth, so they are built
    here rather than by `Trainer.from_config` (which gives both networks the same size)."""
    settings.validate()
    config = settings.train_config()
    torch.manual_seed(settings.seed)
    generator = MLPGenerator(settings.latent_dim, 2, settings.g_width, settings.g_depth)
    discriminator = MLPDiscriminator(2, settings.d_width, settings.d_depth, settings.spectral_norm)
    batches = make_batches(settings.target, settings.batch_size, select_device(settings.device), settings.seed)
    return Trainer(config, generator, discriminator, batches)


@dataclass
class ImageSettings:
    """The image playground's knobs: a DCGAN on 8x8 digits or Fashion-MNIST, trained for a bounded run."""

    dataset: str = "digits"  # digits (8x8, seconds) or fashion-mnist (28x28, minutes on a CPU)
    loss: str = "non-saturating"  # a name in gan_lib.LOSSES
    penalty: str = "none"  # none, wgan-gp or r1 (the wasserstein loss needs wgan-gp)
    lr_g: float = 1e-3  # generator learning rate; the small digits DCGAN learns fast at 1e-3
    lr_d: float = 1e-3  # discriminator learning rate
    steps: int = 300  # generator updates in the run: a few hundred draw rough digits on 8x8
    batch_size: int = 64  # images per batch
    conditional: bool = False  # class-conditional G and D (then the explorer offers a class picker)
    width: int | None = None  # base channels of the DCGANs; None: the dataset's default (32 / 64)
    seed: int = 0  # seeds the networks, the noise and the data order
    device: str = "auto"  # CUDA when present; a CPU otherwise
    data_root: str | None = None  # where Fashion-MNIST lies, if not in a standard place

    MAX_STEPS = 5000  # a bound on one run, so a click cannot start hours of training

    def validate(self) -> "ImageSettings":
        if self.dataset not in IMAGE_DATASETS:
            raise InvalidSettingsError(f"unknown image dataset {self.dataset!r}; choose one of: {', '.join(IMAGE_DATASETS)}")
        _check_names(self.loss, self.penalty)
        _check_rate("lr_g", self.lr_g)
        _check_rate("lr_d", self.lr_d)
        _check_int("steps", self.steps, 1, self.MAX_STEPS, ": a widget run is bounded; use gan_lib.train_gan for longer runs")
        largest = DIGITS_TRAIN_SIZE if self.dataset == "digits" else 1024
        _check_int("batch_size", self.batch_size, 8, largest,
                   f" for {self.dataset}" + (" (it has 1,437 training images)" if self.dataset == "digits" else ""))
        if self.width is not None:
            _check_int("width", self.width, 4, 256)
        _check_int("seed", self.seed, 0, 2**31 - 1)
        _check_lipschitz(self.loss, self.penalty, False, None)
        return self

    def replace(self, **changes) -> "ImageSettings":
        return ImageSettings(**{**asdict(self), **changes})

    def train_config(self) -> TrainConfig:
        return TrainConfig(dataset=self.dataset, loss=self.loss, penalty=self.penalty, steps=self.steps,
                           batch_size=self.batch_size, lr_g=float(self.lr_g), lr_d=float(self.lr_d),
                           conditional=self.conditional, width=self.width, seed=self.seed, device=self.device,
                           log_every=PLAYGROUND_LOG_EVERY, progress=False, data_root=self.data_root)


def build_image_trainer(settings: ImageSettings) -> Trainer:
    """A DCGAN Trainer for the image playground (Fashion-MNIST must be on disk: nothing is downloaded)."""
    settings.validate()
    return Trainer.from_config(settings.train_config())
