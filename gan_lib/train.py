"""The GAN trainer: alternating discriminator and generator updates (chapter 3, Algorithm 1).

The trainer knows nothing about architectures: it takes any generator G(z, labels) and
discriminator D(x, labels) -> logits, a loss and penalty by name, and a batch stream
(gan_lib.protocols says what each must provide). `Trainer.from_config(TrainConfig(...))`
builds all of them from names.
"""
from __future__ import annotations

import difflib
import json
import math
import os
from dataclasses import asdict, dataclass, fields
from typing import Callable, Iterable

import torch
from torch import nn
from tqdm.auto import tqdm

from .data import class_names, is_toy, make_batches
from .device import autocast, autocast_dtype, configure_cuda_math, full_float32, select_device
from .errors import ConfigError, GanLibError
from .history import DIVERGENCE_FIELDS, History
from .losses import get_loss
from .models import IMAGE_SHAPES, ModelConfig, build_models, discriminator_batch_norm
from .modes import evaluating, frozen
from .protocols import BatchStream, DiscriminatorNetwork, GeneratorNetwork
from .optim import EMA, OPTIMIZERS, make_optimizer
from .penalties import DEFAULT_PENALTY_WEIGHTS, get_penalty
from .validation import require_positive, require_positive_ints


@dataclass
class TrainConfig:
    """Everything that defines a run. Defaults suit the 2D toy data; override by keyword."""

    dataset: str = "ring"  # ring, grid, spiral, gaussian, digits or fashion-mnist
    loss: str = "non-saturating"  # a name in gan_lib.LOSSES
    penalty: str = "none"  # none, wgan-gp or r1
    penalty_weight: float | None = None  # lambda / gamma; None: 10 for both penalties
    steps: int = 2000  # generator updates
    batch_size: int = 256  # examples per batch, real and generated
    n_critic: int = 1  # discriminator updates per generator update (k in Algorithm 1)
    joint_d_batch: bool = False  # one D pass over both batches (a new model with batch norm in D, a near one with spectral norm)
    lr_g: float = 2e-4  # generator learning rate
    lr_d: float = 2e-4  # discriminator learning rate (TTUR: may differ from lr_g)
    optimizer: str = "adam"  # adam, sgd or rmsprop
    betas: tuple[float, float] = (0.5, 0.999)  # Adam betas; beta1 = 0.5 as in DCGAN
    grad_clip: float | None = None  # clip each network's gradient norm to this value
    weight_clip: float | None = None  # clip D's weights to [-c, c] (weight-clipped WGAN; c = 0.01)
    ema_decay: float | None = None  # keep an exponential moving average of G with this decay
    latent_dim: int | None = None  # size of z; None: the dataset's default
    width: int | None = None  # hidden units / base channels; None: the dataset's default
    depth: int = 3  # hidden layers of the toy MLPs
    spectral_norm: bool = False  # spectral normalisation on D
    d_batch_norm: bool = True  # batch norm in an image D (always off under spectral norm or a penalty)
    conditional: bool = False  # class-conditional G and D (image datasets)
    seed: int = 0  # seeds models, noise and data order
    device: str = "auto"  # auto (CUDA, MPS, CPU), cpu, cuda or mps
    mixed_precision: bool | str = "auto"  # bfloat16 autocast: "auto" on GPUs with native bf16; True: wherever native, else an error
    tf32: bool = False  # CUDA: let float32 products and convolutions round to TF32 (faster, less exact)
    cudnn_benchmark: bool = False  # CUDA: let cuDNN pick the fastest convolution algorithms (results may vary run to run)
    deterministic: bool = False  # CUDA: deterministic algorithms only, so a run and its resumption repeat bit for bit
    log_every: int = 10  # record a History row (and sync with the device) every this many steps
    progress: bool = True  # show a tqdm progress bar
    data_root: str | None = None  # where to look for (or download) Fashion-MNIST
    download: bool = False  # allow torchvision to download Fashion-MNIST into data_root

    def __post_init__(self):
        require_positive_ints(self, ("steps", "batch_size", "n_critic", "log_every", "depth"))
        require_positive(self, ("lr_g", "lr_d"))
        require_positive(self, ("grad_clip", "weight_clip", "penalty_weight"), none_allowed=True)
        if self.penalty_weight is not None and self.penalty == "none":
            raise ConfigError(f"penalty_weight={self.penalty_weight!r} has no effect with penalty='none'; "
                              "choose a penalty (wgan-gp or r1) or leave penalty_weight out")
        if self.ema_decay is not None and not 0 < self.ema_decay < 1:
            raise ConfigError(f"ema_decay must be in (0, 1) or None, got {self.ema_decay!r}")
        get_loss(self.loss), get_penalty(self.penalty), OPTIMIZERS.get(self.optimizer)  # name checks
        is_toy(self.dataset)
        if self.conditional and self.dataset not in IMAGE_SHAPES:
            raise ConfigError(f"conditional=True needs class labels, and the dataset {self.dataset!r} has no labels; "
                              f"choose {' or '.join(map(repr, IMAGE_SHAPES))}, or conditional=False")
        self.betas = tuple(self.betas)

    @property
    def weight_of_penalty(self) -> float:
        return DEFAULT_PENALTY_WEIGHTS[self.penalty] if self.penalty_weight is None else self.penalty_weight

    def model_config(self) -> ModelConfig:
        num_classes = len(class_names(self.dataset)) if self.conditional else 0
        batch_norm = discriminator_batch_norm(self.d_batch_norm, self.spectral_norm, self.penalty != "none")
        return ModelConfig(self.latent_dim, self.width, self.depth, self.spectral_norm, batch_norm, num_classes)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        """The config `values` describe, checked. A name that is not a field raises ConfigError: these are
        settings a user wrote (overrides, a sweep's grid), and a misspelt one, silently dropped, would train
        with the default instead (`stpes=500` training 2,000 steps)."""
        check_field_names(values)
        return cls(**values)

    @classmethod
    def from_checkpoint(cls, saved: dict, **overrides) -> "TrainConfig":
        """The config a checkpoint file holds, with `overrides` on top. The file's names that are not fields
        are dropped, since an older or newer gan_lib may have written it; the overrides are checked as in
        `from_dict`."""
        known = {name: value for name, value in saved.items() if name in CONFIG_FIELDS}
        return cls.from_dict({**known, **overrides})


CONFIG_FIELDS = frozenset(f.name for f in fields(TrainConfig))  # every setting a TrainConfig has


def check_field_names(names, where: str = "") -> None:
    """Raise ConfigError if any of `names` is not a TrainConfig field, listing the valid fields with the
    close matches of the misspelt names first (`stpes`: steps). `where` starts the message: "recipe('x'): "."""
    unknown = [name for name in names if name not in CONFIG_FIELDS]
    if not unknown:
        return
    in_order = [f.name for f in fields(TrainConfig)]
    close = [match for name in unknown for match in difflib.get_close_matches(str(name), in_order)]
    valid = ", ".join(dict.fromkeys(close + in_order))
    verb = "is not a TrainConfig field" if len(unknown) == 1 else "are not TrainConfig fields"
    order = ", closest first" if close else ""
    raise ConfigError(f"{where}{', '.join(map(str, unknown))} {verb}; valid fields{order}: {valid}")


# Names a file to which every Trainer appends its config as one JSON line: `make notebooks` sets it, and
# tools/chapter_configs.py checks that tests/test_mac_stand_in.py covers every configuration the chapters train.
CONFIG_LOG_VARIABLE = "GAN_LIB_CONFIG_LOG"


def log_config(config: TrainConfig) -> None:
    """Append `config` to the file `$GAN_LIB_CONFIG_LOG` names, if it is set (nothing otherwise)."""
    path = os.environ.get(CONFIG_LOG_VARIABLE)
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps(config.to_dict()) + "\n")


class TrainingDivergedError(GanLibError, RuntimeError):
    """A loss or a gradient norm became NaN or infinite; the message names the step and what to try."""


def _call(model: nn.Module, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    return model(x) if labels is None else model(x, labels)


def _grad_norm(model: nn.Module, clip: float | None) -> torch.Tensor:
    """The L2 norm of all of `model`'s gradients together; with `clip`, scale them down to at most that norm.
    torch picks its grouped (foreach) kernels where the device has them (not on MPS) and loops elsewhere."""
    params = [p for p in model.parameters() if p.grad is not None]
    norm = torch.nn.utils.get_total_norm([p.grad for p in params])
    if clip is not None:
        torch.nn.utils.clip_grads_with_norm_(params, clip, norm)
    return norm



def weight_layout(sample_shape) -> torch.memory_format:
    """The memory format the trainer keeps a model's weights in, from the shape of one sample: channels_last
    for images (C, H, W), as they are stored, else unchanged. A generator rebuilt for sampling uses the same
    layout, or its convolutions may run other kernels and round differently (seen on AVX-512 CPUs)."""
    return torch.channels_last if len(tuple(sample_shape)) == 3 else torch.preserve_format

class Trainer:
    """Trains `generator` against `discriminator` on `batches` as `config` says.

    `trainer.fit()` runs until `config.steps` generator updates are done (so a resumed
    trainer continues where it stopped); `trainer.train(n)` runs `n` more.
    """

    def __init__(self, config: TrainConfig, generator: GeneratorNetwork, discriminator: DiscriminatorNetwork,
                 batches: BatchStream):
        self.config = config
        log_config(config)
        self.device = select_device(config.device)
        self.amp_dtype = autocast_dtype(self.device, config.mixed_precision)
        if self.device.type == "cuda":
            configure_cuda_math(config.tf32, config.cudnn_benchmark, config.deterministic)
        self.batches = batches
        # Image models keep their 4D weights in channels_last (NHWC) order, the layout the batches
        # arrive in: oneDNN on the CPU and cuDNN on the GPU run these convolutions faster in it
        # (benchmarks/speed.py measures it); 2D/1D data and linear layers are left as they are.
        memory_format = weight_layout(getattr(batches, "sample_shape", ()))
        self.generator = generator.to(self.device, memory_format=memory_format)
        self.discriminator = discriminator.to(self.device, memory_format=memory_format)
        self.loss = get_loss(config.loss)
        self.penalty = get_penalty(config.penalty)
        self.opt_g = make_optimizer(config.optimizer, self.generator.parameters(), config.lr_g, config.betas)
        self.opt_d = make_optimizer(config.optimizer, self.discriminator.parameters(), config.lr_d, config.betas)
        self.ema = EMA(self.generator, config.ema_decay) if config.ema_decay else None
        # Noise z, fake labels and penalty alphas are drawn on the CPU and moved to the device: the same numbers
        # on every device, and a saved state that any device can restore (a CUDA generator's state is
        # another format). Drawing costs microseconds next to a step.
        self.rng = torch.Generator()
        self.rng.manual_seed(config.seed + 1)
        self.step = 0
        self.history = History()
        self._stop_requested = False
        # What the update steps call, and how many examples each draws: the networks and the whole batch here;
        # gan_lib.distributed swaps in DDP wrappers and this process's share of the batch.
        self.train_generator, self.train_discriminator = self.generator, self.discriminator
        self.local_batch_size = config.batch_size

    @classmethod
    def from_config(cls, config: TrainConfig, **overrides) -> "Trainer":
        """Build models (seeded by `config.seed`) and the data stream from names in `config`."""
        if overrides:
            config = TrainConfig.from_dict({**config.to_dict(), **overrides})
        torch.manual_seed(config.seed)
        generator, discriminator = build_models(config.dataset, config.model_config())
        device = select_device(config.device)
        batches = make_batches(config.dataset, config.batch_size, device, config.seed,
                               root=config.data_root, download=config.download, conditional=config.conditional)
        if batches.sample_shape != tuple(generator.output_shape):
            raise ValueError(f"generator makes {generator.output_shape} samples but {config.dataset} has {batches.sample_shape}")
        return cls(config, generator, discriminator, batches)

    @property
    def latent_dim(self) -> int:
        return self.generator.latent_dim

    @property
    def num_classes(self) -> int:
        return getattr(self.generator, "num_classes", 0)

    @property
    def sampling_generator(self) -> nn.Module:
        """The generator that samples are drawn from: the EMA copy when the run keeps one, else G itself."""
        return self.ema.model if self.ema is not None else self.generator

    def noise(self, n: int, rng: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """z ~ N(0, I) of shape (n, latent_dim), and uniform class labels (n,) for conditional models."""
        rng = rng or self.rng
        z = torch.randn(n, self.latent_dim, generator=rng, device=rng.device).to(self.device)
        labels = torch.randint(self.num_classes, (n,), generator=rng, device=rng.device).to(self.device) \
            if self.num_classes else None
        return z, labels

    def discriminator_step(self) -> dict[str, torch.Tensor]:
        """Update D: minimise its loss on a real and a generated batch (eq. 3.2 for the
        BCE losses), plus the weighted penalty. G is held fixed (its output is computed
        without a graph).

        In a conditional GAN the generated batch carries the real batch's labels: D
        compares real and generated images of the same classes, and each WGAN-GP
        interpolate lies between a real and a generated image of one class, so scoring
        it with that class is meaningful. (G's own step draws uniform labels.) The
        penalty is computed in float32, outside mixed precision: its double backward and
        the norm of a gradient near 1 are what bfloat16 rounds worst.

        With `joint_d_batch`, D scores both batches as one batch of 2B, in fewer, larger
        operations. For a D with neither batch norm nor spectral norm that is the same
        loss and gradients (to rounding) at every step. With batch norm in D it is a
        different model: the statistics mix real and generated images. With spectral
        norm it is a slightly different run: each forward pass in training mode advances
        the power iteration that estimates every layer's largest singular value, so the
        two separate passes advance it twice per D step and the joint pass once; the
        first step agrees, later ones differ by as much as the estimates do."""
        config = self.config
        D = self.train_discriminator
        real, real_labels = self.batches.next_batch()
        # labels reach D only in a conditional GAN
        real_labels = real_labels if self.num_classes else None
        z, _ = self.noise(len(real))
        fake_labels = real_labels  # each fake gets a real example's class (see above)
        with torch.no_grad(), autocast(self.device, self.amp_dtype):
            fake = _call(self.train_generator, z, fake_labels)
        with autocast(self.device, self.amp_dtype):
            if config.joint_d_batch:  # one pass over 2B images: larger matrices
                both_images = torch.cat([real, fake.to(real.dtype)])
                both_labels = None
                if real_labels is not None:
                    both_labels = torch.cat([real_labels, fake_labels])
                both = _call(D, both_images, both_labels).float()
                real_logits, fake_logits = both.split([len(real), len(fake)])
            else:
                real_logits = _call(D, real, real_labels).float()
                fake_logits = _call(D, fake, fake_labels).float()
            d_loss = self.loss.discriminator_loss(real_logits, fake_logits)
        if config.penalty != "none":
            with full_float32(self.device):  # no TF32 either: see configure_cuda_math
                fake = fake.to(real.dtype)
                penalty = self.penalty(D, real, fake, self.rng, real_labels)
        else:
            penalty = d_loss.new_zeros(())
        total = d_loss + config.weight_of_penalty * penalty
        self.opt_d.zero_grad(set_to_none=True)
        total.backward()
        grad_norm = None
        if self._logging_step() or config.grad_clip:
            grad_norm = _grad_norm(self.discriminator, config.grad_clip)
        self.opt_d.step()
        if config.weight_clip is not None:
            with torch.no_grad():
                for parameter in self.discriminator.parameters():
                    parameter.clamp_(-config.weight_clip, config.weight_clip)
        real_logits, fake_logits = real_logits.detach(), fake_logits.detach()
        if self.loss.output_is_logit:  # its sigmoid is D's probability of "real"
            d_real = torch.sigmoid(real_logits).mean()
            d_fake = torch.sigmoid(fake_logits).mean()
        else:  # a score (least squares, hinge, Wasserstein): no probability to report
            d_real = d_fake = real_logits.new_tensor(math.nan)
        return {"d_loss": total.detach(), "penalty": penalty.detach(),
                "d_grad_norm": grad_norm, "d_real": d_real, "d_fake": d_fake,
                "d_real_score": real_logits.mean(), "d_fake_score": fake_logits.mean()}

    def generator_step(self) -> dict[str, torch.Tensor]:
        """Update G: minimise the generator loss (eq. 3.3 or 3.4, ...) through a fixed
        D."""
        z, labels = self.noise(self.local_batch_size)
        # no gradients for D's weights: saves a third of the backward pass
        with frozen(self.discriminator):
            with autocast(self.device, self.amp_dtype):
                fake = _call(self.train_generator, z, labels)
                fake_logits = _call(self.train_discriminator, fake, labels).float()
                g_loss = self.loss.generator_loss(fake_logits)
            self.opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
        grad_norm = None
        if self._logging_step() or self.config.grad_clip:
            grad_norm = _grad_norm(self.generator, self.config.grad_clip)
        self.opt_g.step()
        if self.ema is not None:
            self.ema.update(self.generator)
        return {"g_loss": g_loss.detach(), "g_grad_norm": grad_norm}

    def _logging_step(self) -> bool:
        step = self.step + 1  # the step being taken; the first and the last step of a run are always logged
        return step % self.config.log_every == 0 or step == 1 or step == self.config.steps

    def train_step(self) -> None:
        """One iteration of Algorithm 1: `n_critic` D updates, then one G update."""
        self.generator.train()
        self.discriminator.train()
        for _ in range(self.config.n_critic):
            d_stats = self.discriminator_step()
        g_stats = self.generator_step()
        if self._logging_step():
            row = {key: float(value) for key, value in {**d_stats, **g_stats}.items()}
            self.history.append(step=self.step + 1, **row)
            if not self.history.is_finite():
                values = ", ".join(f"{key}={row[key]:.4g}" for key in DIVERGENCE_FIELDS)
                raise TrainingDivergedError(
                    f"training diverged at step {self.step + 1}: {values}. Try "
                    "smaller learning rates, a gradient penalty or spectral norm, "
                    "or grad_clip.")
        self.step += 1

    def request_stop(self) -> None:
        """Ask a running `train`/`fit` to stop after the current step (used by callbacks and widgets)."""
        self._stop_requested = True

    def train(self, steps: int, callbacks: Iterable[Callable[["Trainer"], None]] = ()) -> History:
        """Run `steps` more generator updates, calling each callback as `callback(trainer)` after every step."""
        if not isinstance(steps, int) or steps <= 0:
            raise ValueError(f"steps must be a positive integer, got {steps!r}")
        callbacks = list(callbacks)
        self._stop_requested = False
        bar = tqdm(total=steps, desc=f"{self.config.dataset} {self.config.loss}", disable=not self.config.progress,
                   leave=False)
        try:
            for _ in range(steps):
                self.train_step()
                bar.update(1)
                if self.step % self.config.log_every == 0 and len(self.history):
                    last = self.history.last()
                    bar.set_postfix(d_loss=f"{last['d_loss']:.3f}", g_loss=f"{last['g_loss']:.3f}", refresh=False)
                for callback in callbacks:
                    callback(self)
                if self._stop_requested:
                    break
        finally:
            bar.close()
        return self.history

    def fit(self, callbacks: Iterable[Callable[["Trainer"], None]] = ()) -> History:
        """Train until `config.steps` generator updates are done in total."""
        remaining = self.config.steps - self.step
        return self.train(remaining, callbacks) if remaining > 0 else self.history

    @torch.no_grad()
    def sample(self, n: int, labels: torch.Tensor | None = None, seed: int = 0, use_ema: bool = True) -> torch.Tensor:
        """`n` generated samples on the CPU, from a fixed noise seed (training's random stream is untouched).
        Uses the EMA generator when there is one and `use_ema`; batch norm in eval mode. Always in float32,
        also when training runs in bfloat16: metrics then measure the generator, not bfloat16's rounding,
        and the same seed gives the same samples on every device to float32 rounding."""
        generator = self.sampling_generator if use_ema else self.generator
        return sample_generator(generator, n, labels=labels, seed=seed)

    # --- state for checkpoints (see gan_lib.checkpoint, which adds the global random generators) ---
    def state_dict(self) -> dict:
        return {
            "config": self.config.to_dict(),
            "step": self.step,
            "history": self.history.to_dict(),
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "ema": None if self.ema is None else self.ema.model.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "rng": {"trainer": self.rng.get_state()},  # gan_lib.checkpoint adds the global generators
            "data": self.batches.state_dict(),
        }

    def load_state_dict(self, state: dict) -> None:
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        if (state["ema"] is None) != (self.ema is None):
            raise ValueError("checkpoint and trainer disagree on ema_decay (one keeps an EMA of G, the other does not)")
        if self.ema is not None:
            self.ema.model.load_state_dict(state["ema"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.rng.set_state(state["rng"]["trainer"])
        self.batches.load_state_dict(state["data"])
        self.history = History(state["history"])
        self.step = int(state["step"])


@torch.no_grad()
def sample_generator(generator: nn.Module, n: int, labels=None, seed: int = 0) -> torch.Tensor:
    """`n` samples (on the CPU, float32) of `generator` in eval mode, from noise drawn on a CPU generator
    seeded with `seed`; `labels` (an int or a tensor of n) for a conditional generator, else uniform classes.
    What `Trainer.sample`, `python -m gan_lib sample` and `gan_lib.load_generator`'s readers use."""
    device = next(generator.parameters()).device
    rng = torch.Generator()
    rng.manual_seed(seed)
    num_classes = getattr(generator, "num_classes", 0)
    z = torch.randn(n, generator.latent_dim, generator=rng).to(device)
    if labels is not None:
        labels = torch.as_tensor(labels).long().expand(n).to(device)
    elif num_classes:
        labels = torch.randint(num_classes, (n,), generator=rng).to(device)
    with evaluating(generator):
        return _call(generator, z, labels).float().cpu()


def train_gan(config: TrainConfig | None = None, **overrides) -> Trainer:
    """Build a trainer from `config` plus keyword overrides and fit it: `train_gan(dataset="grid", steps=500)`."""
    config = TrainConfig.from_dict({**(config or TrainConfig()).to_dict(), **overrides})
    trainer = Trainer.from_config(config)
    trainer.fit()
    return trainer
