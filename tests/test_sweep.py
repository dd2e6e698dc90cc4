import json
import math
import os

import pytest
import torch

from gan_lib import TOY_DISTRIBUTIONS, TrainConfig, TrainingDivergedError
from gan_lib.book import sweep
from gan_lib.book.sweep import (class_coverage, expand_grid, load_rows, run_sweep, save_rows, summarize, toy_metrics,
                                variant)
from gan_lib.book.tables import format_table

TINY = TrainConfig(dataset="ring", steps=3, batch_size=16, width=8, depth=1, progress=False, device="cpu")


def test_expand_grid_is_the_cartesian_product_with_variants_by_label():
    grid = {"loss": ["non-saturating", "hinge"],
            "variant": [variant("plain"), variant("WGAN-GP", loss="wasserstein", penalty="wgan-gp", n_critic=5)]}
    combos = expand_grid(TINY, grid)
    assert [recorded for recorded, _ in combos] == [
        {"loss": "non-saturating", "variant": "plain"}, {"loss": "non-saturating", "variant": "WGAN-GP"},
        {"loss": "hinge", "variant": "plain"}, {"loss": "hinge", "variant": "WGAN-GP"}]
    plain, wgan = combos[2][1], combos[3][1]
    assert (plain.loss, plain.penalty, plain.n_critic) == ("hinge", "none", 1)
    # a later key's variant overrides an earlier key's value, as written
    assert (wgan.loss, wgan.penalty, wgan.n_critic, wgan.steps) == ("wasserstein", "wgan-gp", 5, 3)


def test_bad_grids_name_the_problem():
    with pytest.raises(ValueError, match="non-empty list"):
        expand_grid(TINY, {"loss": []})
    with pytest.raises(ValueError, match="non-empty list"):
        expand_grid(TINY, {"loss": "hinge"})
    with pytest.raises(ValueError, match="not a TrainConfig field"):
        expand_grid(TINY, {"learning_rate": [1e-3]})
    with pytest.raises(ValueError, match="reserved"):
        expand_grid(TINY, {"seed": [1, 2]})
    with pytest.raises(ValueError, match="lr_dd is not a TrainConfig field"):
        variant("typo", lr_dd=1e-3)
    with pytest.raises(ValueError, match="unknown loss 'hing'"):
        expand_grid(TINY, {"loss": ["hing"]})
    with pytest.raises(ValueError, match="seeds must be"):
        run_sweep(TINY, {"loss": ["hinge"]}, seeds=[])


def test_run_sweep_trains_each_config_and_seed_with_what_the_grid_says():
    seen = []

    def record(trainer):
        seen.append((trainer.config.loss, trainer.config.seed, trainer.step))
        return {"first_weight": float(next(trainer.generator.parameters()).detach().flatten()[0])}

    rows = run_sweep(TINY, {"loss": ["minimax", "hinge"]}, seeds=[0, 1], metrics=record)
    assert seen == [("minimax", 0, 3), ("minimax", 1, 3), ("hinge", 0, 3), ("hinge", 1, 3)]
    assert [(r["loss"], r["seed"], r["steps"], r["diverged"]) for r in rows] == [
        ("minimax", 0, 3, False), ("minimax", 1, 3, False), ("hinge", 0, 3, False), ("hinge", 1, 3, False)]
    assert rows[0]["first_weight"] != rows[1]["first_weight"]  # seeds differ
    again = run_sweep(TINY, {"loss": ["minimax"]}, seeds=[0], metrics=record)
    assert again[0]["first_weight"] == rows[0]["first_weight"]  # and each run is reproducible


def test_eval_at_measures_one_run_along_the_way_as_separate_runs_would():
    def weight(trainer):
        return {"first_weight": float(next(trainer.generator.parameters()).detach().flatten()[0]), "at": trainer.step}

    curve = run_sweep(TINY, {"loss": ["hinge"]}, seeds=[0], metrics=weight, eval_at=[4, 2])
    assert [(r["steps"], r["at"]) for r in curve] == [(2, 2), (4, 4)]
    straight = run_sweep(TrainConfig.from_dict({**TINY.to_dict(), "steps": 4}), {"loss": ["hinge"]}, seeds=[0],
                         metrics=weight)
    assert curve[1]["first_weight"] == straight[0]["first_weight"]
    assert curve[0]["first_weight"] != curve[1]["first_weight"]
    with pytest.raises(ValueError, match="eval_at"):
        run_sweep(TINY, {"loss": ["hinge"]}, eval_at=[0])


def test_a_diverged_run_is_recorded_not_raised(monkeypatch):
    def explode(self, steps, callbacks=()):
        self.step += 1
        raise TrainingDivergedError("diverged")

    monkeypatch.setattr(sweep.Trainer, "train", explode)
    rows = run_sweep(TINY, {"loss": ["hinge"]}, seeds=[0], metrics=lambda t: {"never": 1.0}, eval_at=[2, 3])
    assert [(r["steps"], r["diverged"]) for r in rows] == [(2, True), (3, True)]
    assert all("never" not in row for row in rows)


class _FixedSamples:
    """Stands in for a trainer: its 'samples' are chosen by the test."""

    def __init__(self, dataset, samples):
        self.config = TrainConfig(dataset=dataset)
        self.samples = samples

    def sample(self, n, seed=0):
        return self.samples[:n]


def test_toy_metrics_on_samples_with_known_coverage():
    ring = TOY_DISTRIBUTIONS.get("ring")()
    on_three_modes = ring.modes[:3].repeat(100, 1)  # 300 samples, 100 on each of modes 0-2
    far_away = torch.full((100, 2), 5.0)
    result = toy_metrics(_FixedSamples("ring", torch.cat([on_three_modes, far_away])), num_samples=400)
    assert result["modes_captured"] == 3
    assert result["high_quality_percent"] == pytest.approx(75.0)
    assert result["reverse_kl"] == pytest.approx(math.log(8 / 3))  # uniform over 3 of 8 modes


def test_class_coverage_counts_predicted_classes():
    logits = torch.zeros(40, 10)
    logits[:30, 2] = 5.0  # 30 images predicted as class 2
    logits[30:, 7] = 5.0  # 10 as class 7
    result = class_coverage(logits)
    assert result["classes_covered"] == 2
    assert result["class_reverse_kl"] == pytest.approx(0.75 * math.log(7.5) + 0.25 * math.log(2.5))
    uniform = class_coverage(torch.eye(10).repeat(3, 1))
    assert uniform == {"classes_covered": 10, "class_reverse_kl": pytest.approx(0.0)}
    with pytest.raises(ValueError, match="shape"):
        class_coverage(torch.zeros(10))


def test_summarize_means_and_sample_std_over_seeds_skipping_diverged_runs():
    rows = [{"loss": "a", "seed": 0, "modes": 8, "hq": 90.0, "diverged": False},
            {"loss": "a", "seed": 1, "modes": 6, "hq": 80.0, "diverged": False},
            {"loss": "b", "seed": 0, "modes": 2, "hq": math.inf, "diverged": False},
            {"loss": "b", "seed": 1, "diverged": True}]
    table = summarize(rows, by=["loss"])
    assert table[0] == {"loss": "a", "runs": 2, "diverged": 0, "modes": 7.0, "modes_std": pytest.approx(math.sqrt(2)),
                        "hq": 85.0, "hq_std": pytest.approx(math.sqrt(50))}
    assert table[1]["runs"] == 2 and table[1]["diverged"] == 1 and table[1]["modes"] == 2.0
    assert table[1]["modes_std"] == 0.0 and math.isinf(table[1]["hq"])
    with pytest.raises(ValueError, match="cannot group by"):
        summarize(rows, by=["penalty"])


def test_format_table_aligns_columns_and_rounds():
    text = format_table([{"loss": "hinge", "modes": 7.5, "kl": math.nan}, {"loss": "minimax", "modes": 1.0, "kl": 2.0794}],
                        digits=1, headers={"kl": "reverse KL"})
    assert text.splitlines() == ["loss     modes  reverse KL",
                                 "-------  -----  ----------",
                                 "hinge      7.5           -",
                                 "minimax    1.0         2.1"]


def test_save_and_load_rows_round_trip(tmp_path):
    rows = [{"loss": "hinge", "seed": 0, "reverse_kl": math.inf, "diverged": False}]
    path = save_rows(rows, tmp_path / "sweeps" / "result.json", meta={"steps": 3})
    loaded, meta = load_rows(path)
    assert loaded == rows and meta == {"steps": 3}
    with pytest.raises(FileNotFoundError, match="run the script"):
        load_rows(tmp_path / "missing.json")


def refuse_non_standard_json(constant):
    raise ValueError(f"{constant} is not standard JSON")


def test_saved_rows_are_standard_json_and_their_nan_and_infinities_come_back(tmp_path):
    rows = [{"variant": "a", "ema_decay": None, "fd": math.nan, "reverse_kl": math.inf, "gap": -math.inf, "kid": 0.5},
            {"variant": "b", "ema_decay": 0.999, "fd": 1.25, "reverse_kl": None, "gap": 2.0, "kid": math.nan}]
    path = save_rows(rows, tmp_path / "result.json")
    written = json.loads(path.read_text(), parse_constant=refuse_non_standard_json)  # no NaN, Infinity literals
    assert written["rows"][0]["fd"] is None and written["rows"][1]["kid"] is None
    loaded, _ = load_rows(path)
    assert math.isnan(loaded[0]["fd"]) and math.isnan(loaded[1]["kid"])
    assert loaded[0]["reverse_kl"] == math.inf and loaded[0]["gap"] == -math.inf
    assert loaded[0]["ema_decay"] is None and loaded[1]["reverse_kl"] is None  # a None stays None
    assert [{k: v for k, v in row.items() if k not in ("fd", "kid")} for row in loaded] == \
        [{k: v for k, v in row.items() if k not in ("fd", "kid")} for row in rows]


def test_a_file_written_with_nan_literals_still_loads(tmp_path):
    path = tmp_path / "old.json"
    path.write_text('{"meta": {"steps": 3}, "rows": [{"fd": NaN, "reverse_kl": Infinity, "ema_decay": null}]}')
    (row,), meta = load_rows(path)
    assert math.isnan(row["fd"]) and row["reverse_kl"] == math.inf and row["ema_decay"] is None and meta == {"steps": 3}


def test_rows_are_flushed_to_disk_before_they_replace_the_old_file(tmp_path, monkeypatch):
    """save_rows writes through gan_lib.atomic.atomic_write: the bytes are on disk before the rename."""
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda handle: (synced.append(handle), real_fsync(handle)))
    save_rows([{"fd": 1.0}], tmp_path / "result.json")
    assert synced and [p.name for p in tmp_path.iterdir()] == ["result.json"]
