"""Sweeps: train a grid of configurations over several seeds and tabulate their metrics (chapters 8 and 9).

    rows = run_sweep(TrainConfig(dataset="ring", steps=1000),
                     {"loss": ["non-saturating", "hinge"],
                      "variant": [variant("plain"), variant("spectral norm", spectral_norm=True)]},
                     seeds=[0, 1])
    print(format_table(summarize(rows, by=["loss", "variant"])))

A grid maps a `TrainConfig` field to the values to try, or any other name to a list of
`variant(label, **overrides)`s: named bundles of overrides for settings that only make sense
together (a Wasserstein loss with its gradient penalty and five critic steps). Every
combination is trained once per seed; each run gives one row (a plain dict) holding its grid
values, its seed, its metrics and its wall-clock time. Rows are JSON-friendly, so a long sweep
can run from a script, be saved with `save_rows` and be read back with `load_rows` (a chapter reads
the sweeps shipped with gan_lib through `gan_lib.results.load_rows`). The tables are drawn by
`gan_lib.book.tables`.
"""
from __future__ import annotations

import itertools
import json
import math
import os
import time
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import torch

from ..atomic import atomic_write
from ..train import CONFIG_FIELDS, Trainer, TrainConfig, TrainingDivergedError, check_field_names
from ..validation import is_number

TOY_METRICS = ("modes_captured", "high_quality_percent", "reverse_kl")


def variant(label: str, **overrides) -> dict:
    """A named bundle of `TrainConfig` overrides, for a grid entry: `variant("WGAN-GP", loss="wasserstein",
    penalty="wgan-gp", n_critic=5)`. The row records `label`; the run uses the overrides."""
    if not isinstance(label, str) or not label:
        raise ValueError(f"a variant needs a non-empty string label, got {label!r}")
    check_field_names(overrides, where=f"variant {label!r}: ")
    return {"label": label, **overrides}


def _is_variant(value) -> bool:
    return isinstance(value, Mapping) and "label" in value


def expand_grid(base_config: TrainConfig, grid: Mapping[str, Sequence]) -> list[tuple[dict, TrainConfig]]:
    """Every combination of the grid's values, in order (the last key varies fastest), as pairs
    (the grid values for the row, with variants by label; the `TrainConfig` to train)."""
    if not isinstance(base_config, TrainConfig):
        raise TypeError(f"base_config must be a TrainConfig, got {type(base_config).__name__}")
    for key, values in grid.items():
        if key in {"seed", "label"}:
            raise ValueError(f"grid key {key!r} is reserved: pass seeds to run_sweep(seeds=...)")
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) == 0:
            raise ValueError(f"grid[{key!r}] must be a non-empty list of values, got {values!r}")
        for value in values:
            if key not in CONFIG_FIELDS and not _is_variant(value):
                raise ValueError(f"grid key {key!r} is not a TrainConfig field, so its values must be "
                                 f"variant(label, **overrides), got {value!r}")
            if _is_variant(value):
                variant(**value)  # validates the overrides' names
    combos = []
    base = base_config.to_dict()
    for values in itertools.product(*grid.values()):
        settings, recorded = dict(base), {}
        for key, value in zip(grid, values):
            if _is_variant(value):
                settings.update({k: v for k, v in value.items() if k != "label"})
                recorded[key] = value["label"]
            else:
                settings[key] = value
                recorded[key] = value
        combos.append((recorded, TrainConfig.from_dict(settings)))  # validates every value
    return combos


def toy_metrics(trainer, num_samples: int = 2500, sample_seed: int = 12345) -> dict:
    """Mode coverage (chapter 8's protocol) of `num_samples` samples of a toy-data GAN:
    modes captured, % high-quality samples, reverse KL of the mode histogram to uniform."""
    from ..metrics import evaluate_toy_generator

    coverage = evaluate_toy_generator(trainer, num_samples=num_samples, seed=sample_seed)
    return {"modes_captured": coverage.modes_captured,
            "high_quality_percent": 100.0 * coverage.high_quality_fraction,
            "reverse_kl": coverage.reverse_kl}


def class_coverage(logits: torch.Tensor) -> dict:
    """Mode coverage for images, with classes as modes: how many classes the evaluation classifier
    assigns to at least one generated image, and the reverse KL (nats) of the histogram of predicted
    classes to uniform (0: every class equally often; log K: one class only). `logits` is (N, K)."""
    if logits.ndim != 2 or len(logits) == 0:
        raise ValueError(f"logits must have shape (N, classes) with N > 0, got {tuple(logits.shape)}")
    counts = torch.bincount(logits.argmax(dim=1), minlength=logits.shape[1]).double()  # (K,)
    q = counts / counts.sum()
    present = q > 0
    reverse_kl = float((q[present] * torch.log(q[present] * logits.shape[1])).sum())
    return {"classes_covered": int(present.sum()), "class_reverse_kl": reverse_kl}


def image_metrics(trainer, num_samples: int | None = None, sample_seed: int = 0) -> dict:
    """FD, KID, precision, recall, density, coverage and classifier score of generated images against
    the test split (`num_samples`: default its size), in the features of the book's evaluation
    classifier (chapter 7), plus `class_coverage` of the same images."""
    from ..data import load_images
    from ..metrics import evaluate_images, evaluation_classifier

    dataset = trainer.config.dataset
    num_samples = num_samples or len(load_images(dataset, "test"))
    classifier = evaluation_classifier(dataset, device=trainer.device)
    fake = trainer.sample(num_samples, seed=sample_seed)
    values = dict(evaluate_images(fake, dataset, classifier=classifier, seed=sample_seed))
    _, logits = classifier.embed(fake)
    return {**values, **class_coverage(logits)}


def default_metrics(trainer) -> dict:
    """`toy_metrics` for 2D data, `image_metrics` for image datasets."""
    from ..data import is_toy

    return toy_metrics(trainer) if is_toy(trainer.config.dataset) else image_metrics(trainer)


def run_sweep(base_config: TrainConfig, grid: Mapping[str, Sequence], seeds: Iterable[int] = (0,),
              metrics: Callable[[Trainer], Mapping[str, float]] = default_metrics,
              on_row: Callable[[dict], None] | None = None, eval_at: Sequence[int] | None = None) -> list[dict]:
    """Train `base_config` with every combination of `grid` once per seed; one row per run and evaluation.

    A row holds the grid values (variants by label), `seed`, the `metrics(trainer)` entries, `steps`
    (generator steps trained when it was measured), `seconds` of training and measuring so far, and
    `diverged` (True when a loss became NaN/inf: training stops and the row has no metrics).
    `eval_at` lists the step counts at which to measure (default: once, at `config.steps`), so one run
    gives a learning curve. `on_row(row)` is called after each row, e.g. to print progress.
    """
    seeds = list(seeds)
    if not seeds or not all(isinstance(s, int) and not isinstance(s, bool) for s in seeds):
        raise ValueError(f"seeds must be a non-empty list of integers, got {seeds!r}")
    if eval_at is not None:
        eval_at = sorted(set(eval_at))
        if not eval_at or not all(isinstance(s, int) and s > 0 for s in eval_at):
            raise ValueError(f"eval_at must be a non-empty list of positive step counts, got {eval_at!r}")
    rows = []
    for recorded, config in expand_grid(base_config, grid):
        for seed in seeds:
            start = time.perf_counter()
            trainer = Trainer.from_config(config, seed=seed)
            diverged = False
            for budget in eval_at or [config.steps]:
                values = None
                if not diverged:
                    try:
                        if budget > trainer.step:
                            trainer.train(budget - trainer.step)
                        values = dict(metrics(trainer))
                    except TrainingDivergedError:
                        diverged = True
                row = {**recorded, "seed": seed, **(values or {})}
                row.update(steps=budget, seconds=round(time.perf_counter() - start, 3), diverged=diverged)
                rows.append(row)
                if on_row is not None:
                    on_row(row)
    return rows


def summarize(rows: Sequence[dict], by: Sequence[str], metrics: Sequence[str] | None = None) -> list[dict]:
    """Mean and spread of each metric over the rows that share the values of `by` (groups in first-seen order).

    Each summary row holds the `by` values, `runs`, `diverged` (how many runs diverged; they are left
    out of the statistics), and `<metric>` (mean) and `<metric>_std` (sample standard deviation over
    seeds, 0 for a single run) per metric. `metrics` defaults to every numeric column except
    seed, steps and seconds. A metric that is infinite in some run has an infinite mean.
    """
    if not rows:
        raise ValueError("no rows to summarize")
    missing = [key for key in by if key not in rows[0]]
    if missing:
        raise ValueError(f"cannot group by {missing}: the rows have columns {list(rows[0])}")
    if metrics is None:
        skip = set(by) | {"seed", "steps", "seconds", "diverged"}
        metrics = [k for row in rows for k, v in row.items() if k not in skip and is_number(v)]
        metrics = list(dict.fromkeys(metrics))
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row[key] for key in by), []).append(row)
    table = []
    for key, members in groups.items():
        finished = [row for row in members if not row.get("diverged")]
        summary = {**dict(zip(by, key)), "runs": len(members), "diverged": len(members) - len(finished)}
        for metric in metrics:
            values = [float(row[metric]) for row in finished if is_number(row.get(metric))]
            if not values:
                summary[metric], summary[f"{metric}_std"] = math.nan, math.nan
                continue
            mean = sum(values) / len(values)
            spread = 0.0
            if len(values) > 1 and math.isfinite(mean):
                spread = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
            summary[metric], summary[f"{metric}_std"] = mean, spread
        table.append(summary)
    return table


def _is_not_finite(value) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def save_rows(rows: Sequence[dict], path: str | os.PathLike, meta: Mapping | None = None) -> Path:
    """Write `rows` (and `meta`: what was run, how to regenerate it) as standard JSON, atomically and
    durably (`gan_lib.atomic.atomic_write`). JSON has no NaN or infinity, and a reader other than
    Python's may refuse them: such a value is written as null and listed under "not_finite" as
    [row, column, "nan" | "inf" | "-inf"], so that `load_rows` gives it back as the float it was
    (a None in the rows stays None)."""
    rows = list(rows)
    not_finite = [[index, key, repr(value)] for index, row in enumerate(rows) for key, value in row.items()
                  if _is_not_finite(value)]
    standard_rows = [{key: None if _is_not_finite(value) else value for key, value in row.items()} for row in rows]
    text = json.dumps({"meta": dict(meta or {}), "rows": standard_rows, "not_finite": not_finite}, indent=1,
                      allow_nan=False)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, lambda file: file.write(text.encode("utf-8")))


def load_rows(path: str | os.PathLike) -> tuple[list[dict], dict]:
    """Read a file written by `save_rows`: (rows, meta)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no sweep results at {path}; run the script named in the chapter to create them")
    return rows_from_json(path.read_text(), source=str(path))


def rows_from_json(text: str, source: str) -> tuple[list[dict], dict]:
    """The (rows, meta) of the JSON text of a file written by `save_rows`; `source` names it in an error.
    Shared by `load_rows` (a path) and `gan_lib.results.load_rows` (a file shipped with gan_lib).
    Files written before "not_finite" existed hold NaN and Infinity literals, which Python's json reads."""
    data = json.loads(text)
    if not isinstance(data, dict) or "rows" not in data:
        raise ValueError(f"{source} is not a sweep file written by gan_lib.book.sweep.save_rows (no 'rows' key)")
    rows = data["rows"]
    for index, key, value in data.get("not_finite", []):
        rows[index][key] = float(value)
    return rows, data.get("meta", {})


__all__ = ["TOY_METRICS", "class_coverage", "default_metrics", "expand_grid", "image_metrics", "load_rows",
           "rows_from_json", "run_sweep", "save_rows", "summarize", "toy_metrics", "variant"]
