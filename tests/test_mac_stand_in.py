"""A stand-in for an Apple-silicon Mac: every training configuration the chapters use, trained, sampled and
measured with what MPS lacks switched off.

Two things fail on MPS that work on a CPU (torch 2.14):
- foreach kernels: MPS is not among torch's foreach devices, so `foreach=True` raises there, and torch's
  optimisers and gradient-norm helpers must pick the per-tensor path by themselves. Here torch is told that
  no device has foreach kernels, the CPU included.
- float64: an MPS tensor cannot be float64. gan_lib computes in float64 only on CPU tensors inside
  `gan_lib.device.float64_on_cpu()`; here any float64 operation outside such a block raises.

The configurations are tests/chapter_configs.json: every TrainConfig the chapters built when `make notebooks`
last ran them (tools/chapter_configs.py checks after each run that none is missing). What this cannot see:
an operation MPS has not implemented (none of the chapters' were missing in torch 2.14's list) and MPS's own
float32 rounding; a real Mac run is the check for those.
"""
import importlib
import json
import math
from pathlib import Path

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from gan_lib import Trainer, TrainConfig
from gan_lib.data import DISTRIBUTIONS_1D, SIGNALS, TOY_DISTRIBUTIONS, load_images
from gan_lib.device import in_float64_block

CONFIGS = json.loads((Path(__file__).with_name("chapter_configs.json")).read_text())
STEPS = 3


class Float64Forbidden(TorchDispatchMode):
    """Raises on any operation with a float64 tensor (input or output) outside `float64_on_cpu()`."""

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        if not in_float64_block():
            tensors = [x for x in tree_flatten((args, kwargs, result))[0] if isinstance(x, torch.Tensor)]
            if any(x.dtype == torch.float64 for x in tensors) or kwargs.get("dtype") == torch.float64:
                raise AssertionError(f"{func} computes in float64 outside gan_lib.device.float64_on_cpu(): "
                                     "it would fail on an MPS tensor")
        return result


@pytest.fixture
def like_a_mac(monkeypatch):
    """No foreach kernels on any device (as on MPS), and float64 only inside float64_on_cpu() blocks."""
    monkeypatch.setattr("torch.nn.utils.clip_grad._device_has_foreach_support", lambda device: False)
    for module in ("torch.utils._foreach_utils", "torch.optim.optimizer"):  # the optimisers import it by name
        monkeypatch.setattr(importlib.import_module(module), "_get_foreach_kernels_supported_devices", lambda: [])
    return Float64Forbidden()


def test_the_stand_in_catches_both_gaps(like_a_mac):
    # The stand-in itself must fail where a Mac does: foreach=True and float64 outside a block.
    parameter = torch.nn.Parameter(torch.ones(3))
    parameter.grad = torch.ones(3)
    with pytest.raises(RuntimeError, match="foreach"):
        torch.nn.utils.clip_grad_norm_([parameter], 1.0, foreach=True)
    with like_a_mac, pytest.raises(AssertionError, match="float64"):
        torch.ones(2).double()
    from gan_lib.device import float64_on_cpu
    with like_a_mac, float64_on_cpu():
        assert torch.ones(2).double().sum().item() == 2.0


def test_the_configurations_cover_every_kind_of_data():
    datasets = {config["dataset"] for config in CONFIGS}
    assert {"ring", "grid", "digits", "fashion-mnist", "bimodal-1d", "sines"} <= datasets, datasets


def measure(trainer: Trainer) -> float:
    """What the chapters compute from a trained model, on a small sample: a number that must be finite."""
    from gan_lib.metrics.images import evaluate_image_generator
    from gan_lib.metrics.spectra import spectral_distance
    from gan_lib.metrics.toy import evaluate_toy_generator
    from gan_lib.theory import generator_bin_probabilities, jensen_shannon_divergence

    dataset = trainer.config.dataset
    if dataset in DISTRIBUTIONS_1D:
        edges = torch.linspace(-6, 6, 121)
        model = generator_bin_probabilities(trainer.sampling_generator, edges, num_samples=5000)
        return jensen_shannon_divergence(DISTRIBUTIONS_1D.get(dataset)().bin_probabilities(edges), model)
    if dataset in SIGNALS:
        real = SIGNALS[dataset].sample(64, torch.Generator().manual_seed(0))
        return spectral_distance(real, trainer.sample(64))
    if dataset in TOY_DISTRIBUTIONS:
        if TOY_DISTRIBUTIONS.get(dataset)().modes is None:  # the spiral: no modes to count
            return float(trainer.sample(256).norm(dim=1).mean())
        return float(evaluate_toy_generator(trainer, num_samples=500).high_quality_fraction)
    return evaluate_image_generator(trainer, num_samples=200)["fd"]  # every image metric the chapters show


@pytest.mark.parametrize("settings", CONFIGS, ids=[
    "-".join(str(config.get(key)) for key in ("dataset", "loss", "penalty", "width", "batch_size")) + f"-{index}"
    for index, config in enumerate(CONFIGS)])
def test_a_chapter_configuration_trains_samples_and_measures_on_a_mac_stand_in(like_a_mac, settings):
    config = TrainConfig(**{**settings, "steps": STEPS, "log_every": 1, "progress": False, "device": "cpu"})
    if config.dataset == "fashion-mnist":
        load_images("fashion-mnist", "test")  # reading the files is not under test (no float64 there either)
    with like_a_mac:
        trainer = Trainer.from_config(config)
        trainer.fit()
        value = measure(trainer)
    assert trainer.step == STEPS
    assert all(math.isfinite(v) for v in trainer.history["d_grad_norm"] + trainer.history["g_grad_norm"])
    assert math.isfinite(value)


@pytest.fixture(scope="module")
def clothes():
    """A few Fashion-MNIST training images in [-1, 1] with their labels, as chapter 6 uses them."""
    images = load_images("fashion-mnist", "train")
    return images.to_unit_range()[:256], images.labels[:256]


def test_chapter_5s_own_loops_train_on_a_mac_stand_in(like_a_mac, clothes):
    from gan_lib.applications.cyclegan import CycleGANConfig, train_cyclegan
    from gan_lib.applications.image_to_image import ImageToImageConfig, corrupt_fixed, mean_psnr, train_image_to_image
    from gan_lib.applications.semi_supervised import SemiSupervisedConfig, accuracy, few_labels, train_semi_supervised
    from gan_lib.applications.vae import VAEConfig, VAETrainer

    images, labels = clothes
    with like_a_mac:
        chosen = few_labels(labels, per_class=2)
        semi = train_semi_supervised(SemiSupervisedConfig(steps=STEPS, batch_size=16, device="cpu"),
                                     images[chosen], labels[chosen], images)
        assert 0 <= accuracy(semi.classifier, images[:64], labels[:64]) <= 1
        for corruption in ("mask", "noise", "downsample"):
            run = train_image_to_image(ImageToImageConfig(corruption=corruption, steps=STEPS, batch_size=16,
                                                          width=8, device="cpu"), images)
            corrupted = corrupt_fixed(run.config, images[:16])
            assert math.isfinite(mean_psnr(run.restore(corrupted), images[:16]))
        cycle = train_cyclegan(CycleGANConfig(steps=STEPS, batch_size=16, width=8, device="cpu"),
                               images[labels == 7], images[labels == 9])
        assert all(math.isfinite(value) for values in cycle.history.values() for value in values)
        vae = VAETrainer.from_config(VAEConfig(dataset="ring", steps=STEPS, batch_size=64, device="cpu"))
        vae.fit()
        assert torch.isfinite(vae.sample(16)).all()
