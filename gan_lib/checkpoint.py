"""Checkpoints: the whole training state, written atomically, loaded safely.

A checkpoint holds the models, optimisers, EMA, every random number generator, the data
order, the step and the history, so `resume` continues a run exactly where it stopped:
on the CPU, training k steps, saving, resuming and training to n gives bit-identical
weights to training n steps straight through.

Files are written to a temporary file in the same directory and renamed over the
target (`os.replace` is atomic on POSIX and Windows), so an interrupted save never
leaves a half-written checkpoint. Loading uses `torch.load(weights_only=True)`:
a checkpoint cannot run code.

Checkpoints travel between devices: tensors are loaded onto the CPU and moved to the
trainer's device, and every random stream a run depends on (noise, labels, penalty
weights, data order and toy data) lives on a CPU generator, whose state any device can
restore. A model trained on a GPU resumes on a laptop and the other way round; on CUDA a
resumed run repeats bit for bit only with `TrainConfig(deterministic=True)`.
`load_generator` builds just the generator, for sampling: no data, no optimisers.
"""
from __future__ import annotations

import io
import os
import pickle
import random
import struct
from pathlib import Path

import numpy as np
import torch

from torch import nn

from .atomic import atomic_write
from .device import select_device
from .errors import GanLibError
from .models import IMAGE_SHAPES, build_models
from .train import Trainer, TrainConfig, weight_layout

FORMAT = "gan_lib.checkpoint"
VERSION = 2  # 2: the trainer's and the data's random streams are CPU generators (1: on the training device)
READABLE_VERSIONS = (1, 2)  # version 1 files written on the CPU resume too; on a GPU, only load_generator reads them


class CheckpointError(GanLibError, RuntimeError):
    """The checkpoint is missing, unreadable, corrupt, or belongs to another model; the message says which."""


# What torch.load(weights_only=True) raises for bytes that are no checkpoint, found by loading cut checkpoints,
# random bytes and cut files of torch's pre-1.6 format (tests/test_checkpoint.py loads them all): RuntimeError
# (PytorchStreamReader) or ValueError (a negative seek) for a cut zip, EOFError for an empty file,
# UnpicklingError, IndexError, KeyError or UnicodeDecodeError (a ValueError) for foreign bytes, struct.error for a
# cut file of the old format. Anything else (a TypeError, say) is a bug and keeps its traceback.
UNREADABLE_CONTENT_ERRORS = (pickle.UnpicklingError, RuntimeError, ValueError, EOFError, IndexError, KeyError,
                             struct.error)


# --- the global random generators ------------------------------------------------------------------
# The trainer's own generator (noise, labels, penalty weights) is part of `Trainer.state_dict`; these are
# the process-wide ones a user's code or a library may draw from. numpy's and Python's states are stored
# as plain lists and tensors, which torch.load(weights_only=True) accepts.

def global_rng_state() -> dict:
    """torch's CPU and current-GPU, numpy's and Python's global random states."""
    kind, keys, position, has_gauss, cached_gaussian = np.random.get_state()
    version, internal, gauss = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        # The current GPU's only, and only once CUDA is in use: reading every GPU's state would start a CUDA
        # context (memory) on each of them, and the training draws from CPU generators anyway.
        "cuda": [torch.cuda.get_rng_state()] if torch.cuda.is_available() and torch.cuda.is_initialized() else [],
        "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(position),
                  "has_gauss": int(has_gauss), "cached": float(cached_gaussian)},
        "python": {"version": version, "internal": list(internal), "gauss": gauss},
    }


def set_global_rng_state(state: dict) -> None:
    """Restore what `global_rng_state` returned. The saved CUDA state goes to the current GPU, where there is
    one; a laptop ignores it, and a file from an older gan_lib with one state per GPU gives its first. (The
    training itself draws from CPU generators, so this changes only what other code draws from CUDA.)"""
    torch.set_rng_state(state["torch"])
    if torch.cuda.is_available() and state["cuda"]:
        torch.cuda.set_rng_state(state["cuda"][0], device=torch.cuda.current_device())
    numpy_state = state["numpy"]
    np.random.set_state((numpy_state["kind"], numpy_state["keys"].numpy().astype(np.uint32), numpy_state["pos"],
                         numpy_state["has_gauss"], numpy_state["cached"]))
    python_state = state["python"]
    random.setstate((python_state["version"], tuple(python_state["internal"]), python_state["gauss"]))


def save_checkpoint(trainer: Trainer, path: str | os.PathLike) -> Path:
    """Write `trainer`'s full state to `path` atomically; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"format": FORMAT, "version": VERSION, **trainer.state_dict()}
    state["rng"] = {**state["rng"], **global_rng_state()}
    atomic_write(path, lambda file: torch.save(state, file))
    return path


class PeriodicCheckpoint:
    """A `Trainer.fit` callback that saves to `path` every `every` steps; `final(trainer)` then saves the
    end state unless the last periodic save already holds it (steps a multiple of `every`).

    `enabled=False` makes both do nothing: under DDP only rank 0 writes."""

    def __init__(self, path: str | os.PathLike, every: int, enabled: bool = True):
        if every <= 0:
            raise ValueError(f"checkpoint interval must be a positive number of steps, got {every}")
        self.path, self.every, self.enabled = Path(path), every, enabled
        self.saved_step: int | None = None  # the step of the last checkpoint this object wrote

    def __call__(self, trainer: Trainer) -> None:
        if trainer.step % self.every == 0:
            self._save(trainer)

    def final(self, trainer: Trainer) -> None:
        if trainer.step != self.saved_step:
            self._save(trainer)

    def _save(self, trainer: Trainer) -> None:
        if self.enabled:
            save_checkpoint(trainer, self.path)
            self.saved_step = trainer.step


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Read a checkpoint file into a state dict, with clear errors for missing, unreadable or corrupt files.

    The bytes are read before torch parses them, so that an OSError means the file cannot be read (its
    permissions, a disk error), never that its content is bad: torch's own reader raises OSError (EINVAL)
    for some truncated files. Holding a checkpoint's bytes twice for a moment is cheap: about 10 MB
    for the book's Fashion-MNIST DCGAN with its optimisers and EMA."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}; train first (python -m gan_lib train --out DIR) or fix the path")
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as error:
        raise CheckpointError(f"{path} cannot be read: {error.strerror or error}; fix: make it readable to this user "
                              f"(ls -l {path} shows its owner and mode), or copy it to a disk you can read") from None
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except UNREADABLE_CONTENT_ERRORS:
        # One line that names the file and the fix. torch's own message is left out: it advises loading
        # with weights_only=False (which would let the file run code) and filing an issue with PyTorch.
        raise CheckpointError(f"{path} is not a readable gan_lib checkpoint (corrupt or truncated, or not written "
                              "by gan_lib); fix: use a checkpoint.pt written by 'python -m gan_lib train --out DIR', "
                              "or train again to replace it") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path} is a PyTorch file but not a gan_lib checkpoint (no '{FORMAT}' marker)")
    if state.get("version") not in READABLE_VERSIONS:
        raise CheckpointError(f"{path} has checkpoint version {state.get('version')}; this gan_lib reads versions "
                              f"{', '.join(map(str, READABLE_VERSIONS))}: it was written by a newer gan_lib, so "
                              "upgrade gan_lib (pip install -U gan_lib) to read it")
    return state


CPU_GENERATOR_STATE_SIZE = torch.Generator().get_state().numel()  # 5,056 bytes (Mersenne Twister); CUDA's: 16


def _check_cpu_generator_states(state: dict, source: str) -> None:
    """A version-1 file written on a GPU holds CUDA generator states, which no CPU generator can take."""
    streams = {"the trainer's noise": state["rng"]["trainer"], "the data's": state["data"].get("rng")}
    for name, value in streams.items():
        if value is not None and value.numel() != CPU_GENERATOR_STATE_SIZE:
            raise CheckpointError(
                f"{source} cannot be resumed: {name} random state was saved from a GPU generator by an older gan_lib "
                "(checkpoint version 1), and no other generator can continue it. Sampling still works: "
                "gan_lib.load_generator(path) or python -m gan_lib sample; or resume it on the GPU it was written on.")


def restore(trainer: Trainer, state: dict, source: str = "checkpoint") -> None:
    """Load `state` into `trainer`, turning architecture mismatches into a readable error."""
    _check_cpu_generator_states(state, source)
    try:
        trainer.load_state_dict(state)
        set_global_rng_state(state["rng"])
    except (RuntimeError, ValueError, KeyError) as error:
        saved = state.get("config", {})
        raise CheckpointError(
            f"{source} does not fit this trainer: it was written for dataset={saved.get('dataset')!r}, "
            f"latent_dim={saved.get('latent_dim')}, width={saved.get('width')}, conditional={saved.get('conditional')}, "
            f"but the trainer has dataset={trainer.config.dataset!r}, latent_dim={trainer.config.latent_dim}, "
            f"width={trainer.config.width}, conditional={trainer.config.conditional}. Build the trainer from the "
            f"checkpoint's own config (gan_lib.resume) or train a new model. Details: {str(error).splitlines()[0]}"
        ) from None


def resume(path: str | os.PathLike, trainer_class: type[Trainer] = Trainer, **overrides) -> Trainer:
    """Rebuild the trainer a checkpoint was written by and restore its state.

    `overrides` may change settings that do not alter the model, such as `steps` (to
    train longer), `progress` or `device`. `trainer_class` builds another kind of trainer
    from the same state (gan_lib.distributed.DistributedTrainer, on any number of processes).
    """
    state = load_checkpoint(path)
    config = TrainConfig.from_checkpoint(state["config"], **overrides)
    trainer = trainer_class.from_config(config)
    restore(trainer, state, source=str(path))
    return trainer


def load_generator(path: str | os.PathLike, device: str | torch.device = "auto", use_ema: bool = True) -> nn.Module:
    """The generator a checkpoint holds, in eval mode on `device`, ready to sample: `G(z)` or `G(z, labels)`
    with z ~ N(0, I) of size `G.latent_dim` (`gan_lib.train.sample_generator(G, n, seed=...)` draws them).

    Builds the generator alone from the checkpoint's config: no training data, no discriminator, no
    optimiser state, so it works on any machine and device, whatever the run was trained on. `use_ema`
    takes the exponential moving average of G's weights when the run kept one (what the book samples
    from), else G's own weights."""
    state = load_checkpoint(path)
    config = TrainConfig.from_checkpoint(state["config"])
    torch.manual_seed(config.seed)  # building draws initial weights: do it reproducibly (they are overwritten)
    generator, _ = build_models(config.dataset, config.model_config())
    weights = state["ema"] if use_ema and state["ema"] is not None else state["generator"]
    try:
        generator.load_state_dict(weights)
    except RuntimeError as error:
        raise CheckpointError(f"{path}: its generator weights do not fit the generator its config describes "
                              f"({str(error).splitlines()[0]})") from None
    layout = weight_layout(IMAGE_SHAPES.get(config.dataset, ()))  # the trainer's layout: the same samples
    return generator.to(select_device(device), memory_format=layout).eval().requires_grad_(False)
