"""Checkpoints that travel between devices (CUDA, MPS, CPU), tested here on the CPU with what a GPU run writes.

A GPU machine saves its CUDA generators' states (16 bytes each, one per GPU) beside the CPU ones, and loads
back onto another number of GPUs or none; the training itself must draw only from CPU generators, so that
the states that matter can be restored anywhere."""
import numpy as np
import pytest
import torch

from gan_lib import (CheckpointError, Trainer, TrainConfig, load_checkpoint, load_generator, resume, sample_generator,
                     save_checkpoint)
from gan_lib.checkpoint import CPU_GENERATOR_STATE_SIZE, global_rng_state, set_global_rng_state
from gan_lib.cli import main
from gan_lib.data import SIGNALS, ImageBatches, SignalBatches, ToyBatches, ring
from gan_lib.data.images import DatasetNotFoundError

CUDA_STATE = torch.zeros(16, dtype=torch.uint8)  # what torch.cuda.get_rng_state() returns: seed and offset


def config(**overrides):
    values = dict(dataset="digits", steps=10, batch_size=32, width=8, progress=False, device="cpu", log_every=2,
                  ema_decay=0.9, conditional=True, penalty="wgan-gp", n_critic=2)
    return TrainConfig(**{**values, **overrides})


def weights(trainer):
    return [t.clone() for t in (*trainer.generator.state_dict().values(), *trainer.discriminator.state_dict().values())]


@pytest.mark.parametrize("device", ["meta", "cpu"])
def test_batch_streams_draw_on_the_cpu_whatever_the_training_device(device):
    # "meta" stands in for a GPU: a stream that built its generator on the training device would fail there
    # (or save a state no CPU generator takes); the batches still arrive on the training device.
    streams = [ToyBatches(ring(), 8, torch.device(device), seed=0), SignalBatches(SIGNALS["sines"], 8, torch.device(device)),
               ImageBatches(torch.zeros(16, 1, 4, 4), None, 8, torch.device(device))]
    for stream in streams:
        assert stream.rng.device.type == "cpu"
        assert stream.state_dict()["rng"].numel() == CPU_GENERATOR_STATE_SIZE
        assert stream.next_batch().x.device.type == device


def test_a_checkpoint_written_beside_two_gpus_resumes_exactly_on_the_cpu(tmp_path):
    straight = Trainer.from_config(config())
    straight.fit()

    first = Trainer.from_config(config())
    first.train(4)
    assert first.rng.device.type == "cpu"  # noise, labels and penalty alphas: the same stream on every device
    save_checkpoint(first, tmp_path / "ckpt.pt")
    state = load_checkpoint(tmp_path / "ckpt.pt")
    state["rng"]["cuda"] = [CUDA_STATE.clone(), CUDA_STATE.clone()]  # as a two-GPU machine writes it
    torch.save(state, tmp_path / "ckpt.pt")

    resumed = resume(tmp_path / "ckpt.pt")  # on this CPU-only machine
    resumed.fit()
    assert all(torch.equal(a, b) for a, b in zip(weights(straight), weights(resumed)))
    assert torch.equal(straight.sample(8, seed=5), resumed.sample(8, seed=5))


def test_the_saved_cuda_state_goes_to_the_current_gpu_whatever_the_count(monkeypatch):
    # A file written beside two GPUs (one state each, as gan_lib 0.1 saved) restored on a one-GPU machine,
    # and on a laptop: nothing fails, and the current GPU gets the first state.
    restored = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "set_rng_state", lambda state, device: restored.append((device, state.numel())))
    monkeypatch.setattr(torch.cuda, "set_rng_state_all", lambda states: pytest.fail("would touch every GPU"))
    state = global_rng_state()
    state["cuda"] = [CUDA_STATE, CUDA_STATE]
    set_global_rng_state(state)
    assert restored == [(0, 16)]
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    set_global_rng_state(state)  # and none on a laptop
    assert restored == [(0, 16)]


def test_saving_reads_no_gpu_state_before_cuda_is_in_use(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: False)
    monkeypatch.setattr(torch.cuda, "get_rng_state_all", lambda: pytest.fail("would start a context on every GPU"))
    assert global_rng_state()["cuda"] == []


def test_a_version_1_gpu_checkpoint_names_what_still_works(tmp_path):
    trainer = Trainer.from_config(config(steps=2))
    save_checkpoint(trainer, tmp_path / "ckpt.pt")
    state = load_checkpoint(tmp_path / "ckpt.pt")
    state["version"], state["rng"]["trainer"] = 1, CUDA_STATE.clone()  # gan_lib 0.1 on a GPU
    torch.save(state, tmp_path / "ckpt.pt")
    with pytest.raises(CheckpointError, match="GPU generator.*version 1.*load_generator"):
        resume(tmp_path / "ckpt.pt")
    assert load_generator(tmp_path / "ckpt.pt", device="cpu").latent_dim == trainer.latent_dim


def test_a_checkpoint_from_a_newer_gan_lib_says_to_upgrade(tmp_path):
    trainer = Trainer.from_config(config(steps=2))
    save_checkpoint(trainer, tmp_path / "ckpt.pt")
    state = load_checkpoint(tmp_path / "ckpt.pt")
    state["version"] = 99
    torch.save(state, tmp_path / "ckpt.pt")
    with pytest.raises(CheckpointError, match="newer gan_lib.*upgrade"):
        load_checkpoint(tmp_path / "ckpt.pt")


def test_load_generator_samples_what_the_trainer_samples(tmp_path):
    trainer = Trainer.from_config(config(steps=4))
    trainer.fit()
    save_checkpoint(trainer, tmp_path / "ckpt.pt")
    generator = load_generator(tmp_path / "ckpt.pt", device="cpu")
    assert not generator.training and not any(p.requires_grad for p in generator.parameters())
    assert torch.equal(sample_generator(generator, 16, seed=3), trainer.sample(16, seed=3))  # the EMA copy
    assert torch.equal(sample_generator(generator, 4, labels=7, seed=1), trainer.sample(4, labels=7, seed=1))
    own = load_generator(tmp_path / "ckpt.pt", device="cpu", use_ema=False)
    assert torch.equal(sample_generator(own, 16, seed=3), trainer.sample(16, seed=3, use_ema=False))


def test_sample_needs_neither_the_training_data_nor_the_optimisers(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    assert main(["train", "--dataset", "digits", "--conditional", "--steps", "3", "--batch-size", "16", "--width", "8",
                 "--device", "cpu", "--out", str(out), "--no-progress"]) == 0

    def no_data(*args, **kwargs):
        raise DatasetNotFoundError("the training data are not on this machine")

    monkeypatch.setattr("gan_lib.data.load_images", no_data)
    monkeypatch.setattr("torch.optim.Adam.load_state_dict", no_data)
    assert main(["sample", "--checkpoint", str(out / "checkpoint.pt"), "--n", "5", "--label", "3",
                 "--out", str(tmp_path / "s.npy")]) == 0
    assert np.load(tmp_path / "s.npy").shape == (5, 1, 8, 8)
    assert "wrote 5 samples" in capsys.readouterr().out


def test_sample_refuses_a_label_for_an_unconditional_model_and_an_absent_device(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--dataset", "ring", "--steps", "2", "--batch-size", "16", "--device", "cpu",
                 "--out", str(out), "--no-progress"]) == 0
    with pytest.raises(SystemExit, match="conditional models only"):
        main(["sample", "--checkpoint", str(out / "checkpoint.pt"), "--label", "0", "--out", str(tmp_path / "s.npy")])
    if not torch.backends.mps.is_available():
        assert main(["sample", "--checkpoint", str(out / "checkpoint.pt"), "--device", "mps",
                     "--out", str(tmp_path / "s.npy")]) == 2
        assert "MPS is not available" in capsys.readouterr().err
