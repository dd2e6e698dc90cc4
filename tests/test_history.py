"""The record of a training run (gan_lib.history)."""
import math

import pytest
import torch

from gan_lib.history import FIELDS, History, LossCurves


def row(step: int, **values: float) -> dict:
    """A history row: every field 0 except `step` and the ones given."""
    return {**{name: 0.0 for name in FIELDS}, "step": step, **values}


def test_rows_become_columns_of_floats():
    history = History()
    assert len(history) == 0 and history.last() == {}
    history.append(**row(1, d_loss=1.5, g_loss=0.5))
    history.append(**row(2, d_loss=1.25, g_loss=0.75))
    assert len(history) == 2
    assert history["step"] == [1.0, 2.0] and all(isinstance(v, float) for v in history["step"])
    assert history["d_loss"] == [1.5, 1.25] and history["g_loss"] == [0.5, 0.75]
    assert history.last() == row(2, d_loss=1.25, g_loss=0.75)
    assert set(history.to_dict()) == set(FIELDS)


def test_a_row_must_have_exactly_the_fields():
    history = History()
    with pytest.raises(ValueError, match="exactly"):
        history.append(step=1, d_loss=0.0)
    with pytest.raises(ValueError, match="exactly"):
        history.append(**row(1), extra=1.0)
    assert len(history) == 0  # a refused row leaves nothing behind
    with pytest.raises(ValueError, match="unknown history columns"):
        History({"loss": [1.0]})


def test_is_finite_looks_at_the_last_losses_and_gradient_norms():
    history = History()
    assert history.is_finite()  # nothing logged yet
    history.append(**row(1, d_loss=math.nan))
    assert not history.is_finite()
    history.append(**row(2, d_loss=1.0))
    assert history.is_finite()  # only the latest row counts: the run recovered
    history.append(**row(3, g_loss=math.inf))
    assert not history.is_finite()
    history.append(**row(4, d_grad_norm=math.inf))  # the weights blew up while the (saturated) losses stay finite
    assert not history.is_finite()
    history.append(**row(5, d_real=math.nan))  # NaN by design for losses without a probability reading
    assert history.is_finite()


def test_json_round_trip_keeps_every_value(tmp_path):
    history = History()
    history.append(**row(10, d_loss=1.375, g_loss=0.6875, penalty=0.125))
    history.append(**row(20, d_loss=1.25, g_loss=0.75, penalty=0.0625))
    history.save_json(tmp_path / "history.json")
    loaded = History.load_json(tmp_path / "history.json")
    assert loaded.to_dict() == history.to_dict()
    assert loaded["penalty"] == [0.125, 0.0625]
    copy = history.to_dict()
    copy["step"].append(30.0)
    assert len(history) == 2  # to_dict returns copies


def test_probabilities_missing_for_score_losses_survive_strict_json(tmp_path):
    history = History()
    history.append(**row(1, d_real=math.nan, d_fake=math.nan, d_real_score=2.5, d_fake_score=-1.5))
    history.save_json(tmp_path / "history.json")
    text = (tmp_path / "history.json").read_text()
    assert "NaN" not in text and '"d_real": [null]' in text  # strict JSON: other tools can read it
    loaded = History.load_json(tmp_path / "history.json")
    assert math.isnan(loaded["d_real"][0]) and loaded["d_real_score"] == [2.5]


def test_a_history_saved_before_the_score_columns_still_loads():
    old = {name: [1.0, 2.0] for name in FIELDS if name not in ("d_real_score", "d_fake_score")}
    history = History(old)
    assert len(history) == 2 and all(math.isnan(v) for v in history["d_real_score"] + history["d_fake_score"])
    history.append(**row(3))
    assert len(history["d_fake_score"]) == 3


def test_loss_curves_give_the_floats_that_float_gives():
    losses = [torch.tensor(value, requires_grad=True) * 3 for value in (0.1, 1e-8, 3.0e5, -2.5)]
    curves = LossCurves("loss", "unused")
    for loss in losses:
        curves.record(loss=loss)
    assert curves.as_lists() == {"loss": [float(loss) for loss in losses], "unused": []}


def _tiny_loops():
    """Each per-step training loop of chapters 3 and 6, a few steps on tiny data."""
    from gan_lib.applications.cyclegan import CycleGANConfig, train_cyclegan
    from gan_lib.data import bimodal
    from gan_lib.applications.image_to_image import ImageToImageConfig, train_image_to_image
    from gan_lib.models import MLPDiscriminator
    from gan_lib.applications.semi_supervised import SemiSupervisedConfig, train_semi_supervised, train_supervised
    from gan_lib.theory import fit_discriminator

    images = torch.rand(32, 1, 8, 8, generator=torch.Generator().manual_seed(0)) * 2 - 1
    labels = torch.arange(32) % 2
    semi = SemiSupervisedConfig(steps=3, batch_size=8, width=4, hidden=8, latent_dim=4, device="cpu")
    data = bimodal()
    return {
        "train_supervised": lambda: train_supervised(semi, images, labels, num_classes=2).history,
        "train_semi_supervised": lambda: train_semi_supervised(semi, images, labels, images, num_classes=2).history,
        "train_image_to_image": lambda: train_image_to_image(
            ImageToImageConfig(corruption="noise", steps=3, batch_size=8, width=4, depth=1, device="cpu"), images).history,
        "train_cyclegan": lambda: train_cyclegan(
            CycleGANConfig(steps=3, batch_size=8, width=4, depth=1, device="cpu"), images, images).history,
        "fit_discriminator": lambda: {"loss": fit_discriminator(MLPDiscriminator(1, 8, 1), data.sample, data.sample,
                                                                steps=3, batch_size=8)},
    }


@pytest.mark.parametrize("loop", ["train_supervised", "train_semi_supervised", "train_image_to_image",
                                  "train_cyclegan", "fit_discriminator"])
def test_the_per_step_loops_do_not_read_a_loss_to_the_host_at_every_step(loop, monkeypatch):
    """float(loss) makes the CPU wait for the GPU: at every step it would stall a GPU run. (On the CPU the
    wait is not visible, so the test counts the reads.)"""
    run = _tiny_loops()[loop]
    reads = []
    real_float = torch.Tensor.__float__
    monkeypatch.setattr(torch.Tensor, "__float__", lambda tensor: (reads.append(1), real_float(tensor))[1])
    history = run()
    assert not reads
    assert all(len(values) == 3 for values in history.values() if values)
    assert all(isinstance(value, float) for values in history.values() for value in values)
