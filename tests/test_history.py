"""The record of a training run (gan_lib.history)."""
import math

import pytest

from gan_lib.history import FIELDS, History


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
