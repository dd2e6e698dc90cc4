"""gan_lib's errors: one base class for every error raised on purpose, and settings that are refused, not
ignored (a misspelt override, a device this machine has not)."""
import pytest
import torch

import gan_lib
from gan_lib import ConfigError, GanLibError, TrainConfig, Trainer
from gan_lib.applications.cyclegan import CycleGANConfig
from gan_lib.data import Mixture1D, SinusoidSignals
from gan_lib.applications.image_to_image import ImageToImageConfig
from gan_lib.applications.semi_supervised import SemiSupervisedConfig
from gan_lib.applications.vae import VAEConfig


def test_every_error_of_gan_lib_is_a_gan_lib_error_and_keeps_its_built_in_type():
    from gan_lib.atomic import UnwritableFolderError
    from gan_lib.data import DatasetFileError
    from gan_lib.distributed import DistributedError
    from gan_lib.metrics.classifier import ClassifierCacheError
    from gan_lib.widgets import InvalidSettingsError

    built_in_types = {
        gan_lib.CheckpointError: RuntimeError, gan_lib.UnknownNameError: (KeyError, ValueError),
        gan_lib.DatasetNotFoundError: FileNotFoundError, gan_lib.TrainingDivergedError: RuntimeError,
        InvalidSettingsError: ValueError, ClassifierCacheError: RuntimeError, DistributedError: RuntimeError,
        ConfigError: ValueError, UnwritableFolderError: OSError, DatasetFileError: ValueError,
    }
    for error_class, built_in in built_in_types.items():
        assert issubclass(error_class, GanLibError) and issubclass(error_class, built_in), error_class
        assert str(error_class("the problem; the fix")) == "the problem; the fix"


@pytest.mark.parametrize("config_class,bad,message", [
    (TrainConfig, dict(lr_g=0.0), "lr_g must be a positive number"),
    (TrainConfig, dict(steps=0), "steps must be a positive integer"),
    (TrainConfig, dict(ema_decay=1.5), "ema_decay must be in"),
    (SemiSupervisedConfig, dict(lr=0.0), "lr must be a positive number"),
    (SemiSupervisedConfig, dict(width=0), "width must be a positive integer"),
    (ImageToImageConfig, dict(l1_weight=-1.0), "l1_weight must be a number >= 0"),
    (CycleGANConfig, dict(cycle_weight=-1.0), "cycle_weight must be a number >= 0"),
    (VAEConfig, dict(observation_std=0.0), "observation_std must be a positive number"),
    (Mixture1D, dict(name="one", means=(0.0,), stds=(1.0,), weights=(0.5,)), "weights must sum to 1"),
    (SinusoidSignals, dict(length=0), "length and components must be positive"),
])
def test_the_configuration_dataclasses_refuse_bad_values_with_a_config_error(config_class, bad, message):
    with pytest.raises(ConfigError, match=message):
        config_class(**bad)


def test_a_conditional_run_on_data_without_labels_is_a_config_error_naming_the_field():
    for dataset in ("ring", "sines"):
        with pytest.raises(ConfigError, match=f"conditional=True needs class labels, and the dataset '{dataset}' "
                                              "has no labels; choose 'digits' or 'fashion-mnist'"):
            TrainConfig(dataset=dataset, conditional=True)


def test_settings_this_machine_or_dataset_cannot_honour_are_config_errors(monkeypatch):
    from gan_lib.data import make_batches
    from gan_lib.device import autocast_dtype, select_device
    from gan_lib.distributed import ShardedBatches

    with pytest.raises(ConfigError, match="unknown device 'gpu'"):
        select_device("gpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ConfigError, match="CUDA is not available"):
        select_device("cuda")
    with pytest.raises(ConfigError, match="mixed_precision must be True, False or 'auto'"):
        autocast_dtype(torch.device("cpu"), "yes")
    with pytest.raises(ConfigError, match="batch_size 2000 is larger than the dataset .1437 images.; choose at most"):
        make_batches("digits", 2000)
    with pytest.raises(ConfigError, match="cannot be split evenly over 3 processes"):
        ShardedBatches(make_batches("ring", 16), rank=0, world_size=3)
    monkeypatch.setenv("GAN_LIB_DOWNLOAD", "yes")
    with pytest.raises(ConfigError, match="GAN_LIB_DOWNLOAD='yes'"):
        gan_lib.data.images.download_allowed()


TINY = dict(dataset="ring", batch_size=16, width=8, device="cpu", progress=False)


def test_a_misspelt_override_is_refused_with_the_valid_fields_closest_first():
    with pytest.raises(ConfigError) as error:
        TrainConfig.from_dict({**TINY, "stpes": 500})
    assert str(error.value).startswith("stpes is not a TrainConfig field; valid fields, closest first: steps, dataset, "
                                       "loss, penalty, penalty_weight, batch_size")
    with pytest.raises(ConfigError, match="stpes, lr are not TrainConfig fields; valid fields, closest first: steps, "
                                          "lr_g, lr_d, dataset"):
        TrainConfig.from_dict({"stpes": 500, "lr": 1e-3})
    with pytest.raises(ConfigError, match="^colour is not a TrainConfig field; valid fields: dataset, loss"):
        TrainConfig.from_dict({"colour": "red"})  # nothing close: the fields in their order


@pytest.mark.parametrize("entry", ["Trainer.from_config", "train_gan"])
def test_trainers_refuse_a_misspelt_override_before_training(entry, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("trained despite a misspelt override")

    monkeypatch.setattr(Trainer, "fit", no_training)
    with pytest.raises(ConfigError, match="stpes is not a TrainConfig field; valid fields, closest first: steps"):
        if entry == "train_gan":
            gan_lib.train_gan(TrainConfig(**TINY), stpes=500)
        else:
            Trainer.from_config(TrainConfig(**TINY), stpes=500)


def test_a_checkpoint_s_unknown_settings_are_dropped_and_its_overrides_are_checked():
    saved = {**TrainConfig(**TINY).to_dict(), "a_field_of_a_newer_gan_lib": 1}
    assert TrainConfig.from_checkpoint(saved, steps=5) == TrainConfig(**TINY, steps=5)
    with pytest.raises(ConfigError, match="stpes is not a TrainConfig field"):
        TrainConfig.from_checkpoint(saved, stpes=5)


def test_recipes_and_sweep_variants_say_the_same_about_a_misspelt_field():
    from gan_lib.book.sweep import variant

    with pytest.raises(ConfigError, match=r"^recipe\('fashion-mnist'\): stepz is not a TrainConfig field; "
                                          "valid fields, closest first: steps"):
        gan_lib.recipe("fashion-mnist", stepz=10)
    with pytest.raises(ConfigError, match="^variant 'typo': lr_dd is not a TrainConfig field; valid fields, closest "
                                          "first: lr_d, lr_g"):
        variant("typo", lr_dd=1e-3)
