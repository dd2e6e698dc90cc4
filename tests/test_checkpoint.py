import errno
import io
import os
import random

import pytest
import torch

import gan_lib
from gan_lib import CheckpointError, Trainer, TrainConfig, load_checkpoint, restore, resume, save_checkpoint
from gan_lib.checkpoint import PeriodicCheckpoint


def config(**overrides):
    values = dict(dataset="digits", steps=12, batch_size=32, width=8, progress=False, device="cpu", log_every=2,
                  ema_decay=0.9)
    return TrainConfig(**{**values, **overrides})


def state_tensors(trainer):
    return [t.clone() for t in (*trainer.generator.state_dict().values(), *trainer.discriminator.state_dict().values())]


def test_resume_gives_exactly_the_same_result(tmp_path):
    straight = Trainer.from_config(config())
    straight.fit()

    first = Trainer.from_config(config())
    first.train(5)
    save_checkpoint(first, tmp_path / "ckpt.pt")
    del first
    torch.manual_seed(1234)  # disturb the global RNG: resume must restore it
    resumed = resume(tmp_path / "ckpt.pt")
    assert resumed.step == 5
    resumed.fit()

    for a, b in zip(state_tensors(straight), state_tensors(resumed)):
        assert torch.equal(a, b)
    assert straight.history.to_dict() == resumed.history.to_dict()
    assert torch.equal(straight.sample(8), resumed.sample(8))


def test_checkpoint_is_written_atomically(tmp_path, monkeypatch):
    trainer = Trainer.from_config(config(steps=2))
    path = save_checkpoint(trainer, tmp_path / "ckpt.pt")
    good = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", fail)
    trainer.train(1)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(trainer, path)
    assert path.read_bytes() == good  # the old checkpoint survives a failed write
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]  # no temporary files left


def test_missing_corrupt_and_foreign_checkpoints(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "nothing.pt")
    (tmp_path / "corrupt.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_checkpoint(tmp_path / "corrupt.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="not a gan_lib checkpoint"):
        load_checkpoint(tmp_path / "foreign.pt")
    trainer = Trainer.from_config(config(steps=1))
    path = save_checkpoint(trainer, tmp_path / "ok.pt")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_checkpoint(path)


def test_a_checkpoint_that_cannot_be_read_is_not_called_corrupt(tmp_path, monkeypatch):
    path = save_checkpoint(Trainer.from_config(config(steps=1)), tmp_path / "ckpt.pt")
    real_open = open

    def denied(file, *args, **kwargs):  # what a file of another user gives (chmod cannot show it: tests run as root)
        if os.fspath(file) == os.fspath(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", denied)
    with pytest.raises(CheckpointError) as error:
        load_checkpoint(path)
    assert str(error.value) == (f"{path} cannot be read: Permission denied; fix: make it readable to this user "
                                f"(ls -l {path} shows its owner and mode), or copy it to a disk you can read")


def truncations_and_random_bytes(good: bytes) -> dict[str, bytes]:
    """Cuts at every 1/40 of a real checkpoint (torch's reader raises RuntimeError, or OSError EINVAL for a file
    it is given by path), an empty file, random bytes (UnpicklingError, IndexError, KeyError, UnicodeDecodeError),
    and a file of torch's pre-1.6 format cut at every byte (EOFError, IndexError, struct.error)."""
    cuts = {f"cut at {cut}": good[:cut] for cut in range(0, len(good), len(good) // 40)}
    noise = random.Random(0)
    random_bytes = {f"random {seed}": noise.randbytes(noise.randrange(1, 3000)) for seed in range(200)}
    legacy = io.BytesIO()
    torch.save({"format": "gan_lib.checkpoint", "weights": torch.zeros(10)}, legacy,
               _use_new_zipfile_serialization=False)
    legacy_cuts = {f"old format cut at {cut}": legacy.getvalue()[:cut] for cut in range(len(legacy.getvalue()))}
    return {**cuts, **random_bytes, **legacy_cuts}


def test_truncated_files_and_random_bytes_are_called_corrupt(tmp_path):
    good = save_checkpoint(Trainer.from_config(config(steps=1)), tmp_path / "ok.pt").read_bytes()
    path = tmp_path / "broken.pt"
    for name, content in truncations_and_random_bytes(good).items():
        path.write_bytes(content)
        with pytest.raises(CheckpointError, match="is not a readable gan_lib checkpoint .corrupt or truncated"):
            load_checkpoint(path)


def test_resume_drops_the_file_s_unknown_settings_and_refuses_a_misspelt_override(tmp_path):
    path = save_checkpoint(Trainer.from_config(config(steps=2)), tmp_path / "ckpt.pt")
    state = load_checkpoint(path)
    state["config"]["a_setting_of_a_newer_gan_lib"] = True
    torch.save(state, path)
    assert resume(path, steps=3).config.steps == 3
    with pytest.raises(gan_lib.ConfigError, match="stpes is not a TrainConfig field; valid fields, closest first: "
                                                  "steps"):
        resume(path, stpes=3)
    assert gan_lib.load_generator(path, device="cpu").latent_dim == 32


def test_checkpoint_from_another_model_is_refused_clearly(tmp_path):
    path = save_checkpoint(Trainer.from_config(config(width=8)), tmp_path / "small.pt")
    other = Trainer.from_config(config(width=16))
    with pytest.raises(CheckpointError, match="does not fit this trainer.*width=8.*width=16"):
        restore(other, load_checkpoint(path), source=str(path))


class _Step:
    """Stands in for a trainer: PeriodicCheckpoint reads only `step`."""

    def __init__(self, step):
        self.step = step


@pytest.mark.parametrize("steps,every,saved", [(4, 2, [2, 4]), (5, 2, [2, 4, 5]), (3, 5, [3]), (6, 3, [3, 6])])
def test_periodic_checkpoint_saves_every_n_steps_and_the_end_once(monkeypatch, tmp_path, steps, every, saved):
    writes = []
    monkeypatch.setattr("gan_lib.checkpoint.save_checkpoint", lambda trainer, path: writes.append(trainer.step))
    save = PeriodicCheckpoint(tmp_path / "ckpt.pt", every)
    for step in range(1, steps + 1):
        save(_Step(step))
    save.final(_Step(steps))
    assert writes == saved


def test_periodic_checkpoint_disabled_writes_nothing(monkeypatch, tmp_path):
    writes = []
    monkeypatch.setattr("gan_lib.checkpoint.save_checkpoint", lambda trainer, path: writes.append(trainer.step))
    save = PeriodicCheckpoint(tmp_path / "ckpt.pt", 1, enabled=False)  # a DDP rank other than 0
    save(_Step(1))
    save.final(_Step(1))
    assert writes == []
    with pytest.raises(ValueError, match="positive"):
        PeriodicCheckpoint(tmp_path / "ckpt.pt", 0)


def test_resume_restores_the_global_random_generators(tmp_path):
    import random

    import numpy as np

    from gan_lib.checkpoint import global_rng_state, set_global_rng_state

    trainer = Trainer.from_config(config(steps=2))
    np.random.seed(3), random.seed(4), torch.manual_seed(5)
    save_checkpoint(trainer, tmp_path / "ckpt.pt")
    expected = (np.random.rand(), random.random(), torch.rand(1).item())
    np.random.seed(30), random.seed(40), torch.manual_seed(50)  # disturb all three
    resume(tmp_path / "ckpt.pt")
    assert (np.random.rand(), random.random(), torch.rand(1).item()) == expected
    state = global_rng_state()  # the same round trip without a file
    drawn = (np.random.rand(), random.random())
    set_global_rng_state(state)
    assert (np.random.rand(), random.random()) == drawn
