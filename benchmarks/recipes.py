"""Recipe search: which Fashion-MNIST settings learn fastest per second of this machine.

    python -m benchmarks.recipes [--quick]                  # the time search
    python -m benchmarks.recipes --by-steps [--seeds 0 1] [--only LABEL ...] [--eval-at STEP ...]
    python -m benchmarks.run --only recipes                 # both, as `make bench` runs them

The time search: every candidate trains gan_lib's DCGAN for the same wall-clock budget, one after
the other, with the Frechet distance of 2,000 samples (the EMA generator where the candidate keeps
one) measured at fixed times off the clock, as in the speed benchmark's race. The candidates vary
one thing at a time from the DCGAN paper's settings: batch size, learning rate, width. Its winner
(half width, batch 32, 5e-4, EMA 0.99) is where the step search starts. Writes
gan_lib/results/recipes.json and recipes.md, which appendix A shows and gan_lib ships (--quick:
benchmarks/results/recipes-quick.*).

The step search (`--by-steps`) asks the question a chapter asks: which changes reach the lowest FD
in a fixed number of generator steps (1,500 to 4,500), over several seeds? A chapter runs a fixed
number of steps, not seconds, so that every machine trains the same model; each row also records
its time per step, since a change that makes a step dearer (a larger batch, a penalty's extra
backward pass) spends more of the chapter's time budget. Its winner, CHOSEN, is
`gan_lib.recipe("fashion-mnist")`, the recipe chapter 4 trains and the speed benchmark races.
Writes gan_lib/results/recipes-steps.json and recipes-steps.md; a run with --only adds its rows to the file.
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import statistics
import time
from pathlib import Path

import torch

import gan_lib
from gan_lib.device import describe_machine
from gan_lib.book.sweep import variant

from .peak import sync
from .speed import RESULTS, SHIPPED, FrechetProbe, race, write_results


# What the step search starts from: the recipe the time search chose (chapter 4's until the step search
# replaced it). Every step candidate is a change to these settings.
STEP_SEARCH_BASE = dict(dataset="fashion-mnist", width=32, batch_size=32, lr_g=5e-4, lr_d=5e-4, betas=(0.5, 0.999),
                        ema_decay=0.99)


def candidates() -> list[dict]:
    """The settings tried, each a `variant(label, **TrainConfig overrides)` on top of the paper's recipe."""
    return [
        variant("DCGAN paper: width 64, batch 128, lr 2e-4"),
        variant("width 64, batch 64, lr 2e-4", batch_size=64),
        variant("width 64, batch 64, lr 5e-4", batch_size=64, lr_g=5e-4, lr_d=5e-4),
        variant("width 32, batch 64, lr 2e-4", batch_size=64, width=32),
        variant("width 32, batch 64, lr 5e-4", batch_size=64, width=32, lr_g=5e-4, lr_d=5e-4),
        variant("width 32, batch 64, lr 1e-3", batch_size=64, width=32, lr_g=1e-3, lr_d=1e-3),
        variant("width 32, batch 32, lr 5e-4", batch_size=32, width=32, lr_g=5e-4, lr_d=5e-4),
        variant("width 32, batch 32, lr 5e-4, EMA 0.99 (where the step search starts)",
                **{k: v for k, v in STEP_SEARCH_BASE.items() if k != "dataset"}),
    ]


# The step search's winner, which gan_lib.recipe("fashion-mnist") adopted (tests/test_recipes.py checks
# that the two agree), and the steps at which the step search measures FD (chapter 4 trains the last).
CHOSEN = "lr 1e-3, Adam betas (0, 0.99)"
STEP_EVAL_AT = (1500, 2250, 3000, 3750, 4500)


def step_candidates() -> list[dict]:
    """Changes to STEP_SEARCH_BASE, one at a time, then combinations of the ones that helped."""
    return [
        variant("none (batch 32, lr 5e-4, betas (0.5, 0.999), EMA 0.99)"),
        variant("EMA decay 0.999", ema_decay=0.999),
        variant("batch 64", batch_size=64),
        variant("lr 1e-3", lr_g=1e-3, lr_d=1e-3),
        variant("hinge loss", loss="hinge"),
        variant("R1, gamma 0.1", penalty="r1", penalty_weight=0.1),
        variant("D lr 1e-3 (TTUR)", lr_d=1e-3),
        variant("Adam betas (0, 0.99)", betas=(0.0, 0.99)),
        variant("least-squares loss", loss="least-squares"),
        variant("lr 1e-3, Adam betas (0, 0.99)", lr_g=1e-3, lr_d=1e-3, betas=(0.0, 0.99)),
        variant("lr 1e-3, hinge loss", lr_g=1e-3, lr_d=1e-3, loss="hinge"),
        # on top of the better pair: the EMA's horizon, a faster rate, a faster D
        variant("lr 1e-3, betas (0, 0.99), EMA 0.995", lr_g=1e-3, lr_d=1e-3, betas=(0.0, 0.99), ema_decay=0.995),
        variant("lr 2e-3, betas (0, 0.99)", lr_g=2e-3, lr_d=2e-3, betas=(0.0, 0.99)),
        variant("lr 1e-3, betas (0, 0.99), D lr 2e-3", lr_g=1e-3, lr_d=2e-3, betas=(0.0, 0.99)),
        variant("lr 1e-3, betas (0.5, 0.99)", lr_g=1e-3, lr_d=1e-3, betas=(0.5, 0.99)),
        variant("lr 1e-3, betas (0, 0.99), one D pass", lr_g=1e-3, lr_d=1e-3, betas=(0.0, 0.99), joint_d_batch=True),
        variant("lr 1e-3, betas (0, 0.99), batch 64", lr_g=1e-3, lr_d=1e-3, betas=(0.0, 0.99), batch_size=64),
        variant("lr 1e-3, betas (0, 0.99), width 64", lr_g=1e-3, lr_d=1e-3, betas=(0.0, 0.99), width=64),
        # D's normalisation: without batch norm, one pass over real and generated images is the same model
        variant("lr 1e-3, betas (0, 0.99), no batch norm in D", lr_g=1e-3, lr_d=1e-3, betas=(0.0, 0.99),
                d_batch_norm=False),
        variant("lr 1e-3, betas (0, 0.99), no batch norm in D, one D pass", lr_g=1e-3, lr_d=1e-3,
                betas=(0.0, 0.99), d_batch_norm=False, joint_d_batch=True),
    ]


def run_by_steps(seeds=(0, 1), eval_at=STEP_EVAL_AT, only: list[str] | None = None, quick: bool = False) -> dict:
    """Train each step candidate for max(eval_at) steps per seed; FD of the sampling generator
    (the EMA copy) at each of `eval_at`, off the clock."""
    device = gan_lib.select_device("auto")
    if quick:
        seeds, eval_at = seeds[:1], (10, 20)
    probe = FrechetProbe(device, n=500 if quick else 2000)
    chosen = [c for c in step_candidates() if not only or c["label"] in only][: 2 if quick else None]
    rows = []
    for candidate in chosen:
        overrides = {k: v for k, v in candidate.items() if k != "label"}
        for seed in seeds:
            config = gan_lib.TrainConfig(**{**STEP_SEARCH_BASE, **overrides}, steps=max(eval_at), progress=False,
                                         device=str(device), seed=seed)
            trainer = gan_lib.Trainer.from_config(config)
            curve, seconds = [], 0.0
            for target in eval_at:
                seconds += _train_until(trainer, target, device)
                curve.append((target, round(probe(trainer.sampling_generator), 3)))
            rows.append({"label": candidate["label"], "overrides": overrides, "seed": seed, "curve": curve,
                         "train_seconds": round(seconds, 1)})
            print(f"[recipes --by-steps] {candidate['label']} seed {seed}: FD {curve}, {seconds:.0f} s", flush=True)
    results = {"machine": describe_machine(), "torch": torch.__version__, "device": str(device),
               "threads": torch.get_num_threads(), "eval_at": list(eval_at), "seeds": list(seeds),
               "samples": probe.n, "quick": quick, "rows": rows}
    with _locked(RESULTS / "recipes-steps.lock"):  # two searches may finish at once (one thread each)
        if only and not quick:
            results = merge_rows(_load(SHIPPED / "recipes-steps.json"), results)
        return write_results("recipes-steps", results, steps_markdown(results), quick, shipped=True)


def merge_rows(old: dict | None, new: dict) -> dict:
    """`new` with the rows of `old` that `new` did not re-run, when both scored the same number of samples:
    a search run with --only adds its (candidate, seed) rows to the file and replaces only those it
    re-ran; the steps measured become the union of both."""
    if not old or old.get("samples") != new["samples"]:
        return new
    rerun = {(row["label"], row["seed"]) for row in new["rows"]}
    rows = [row for row in old["rows"] if (row["label"], row["seed"]) not in rerun] + new["rows"]
    return {**new, "seeds": sorted({row["seed"] for row in rows}),
            "eval_at": sorted({step for row in rows for step, _ in row["curve"]}), "rows": rows}


def _load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


@contextlib.contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _train_until(trainer, step: int, device: torch.device) -> float:
    """Seconds of training from trainer.step up to `step`."""
    sync(device)
    start = time.perf_counter()
    while trainer.step < step:
        trainer.train_step()
    sync(device)
    return time.perf_counter() - start


def steps_markdown(results: dict) -> str:
    eval_at = results["eval_at"]
    lines = [f"# Recipe search by steps ({results['machine']})", "",
             f"torch {results['torch']}, device {results['device']}, {results['threads']} threads. Each change to "
             "the time search's recipe (DCGAN at width 32, batch 32, Adam at 5e-4 with betas (0.5, 0.999), EMA "
             "0.99) trains with each of the seeds listed; Frechet distance "
             f"of {results['samples']} samples of the sampling generator (the EMA copy) to the test set on the "
             "book's classifier, mean [min, max] over the seeds, and the training time per step (on a shared "
             "machine, read it as rough).", "",
             "| change | seeds | " + " | ".join(f"FD at {s:,} steps" for s in eval_at) + " | ms per step |",
             "|---|---|" + "---|" * (len(eval_at) + 1)]
    for label in dict.fromkeys(row["label"] for row in results["rows"]):
        runs = [row for row in results["rows"] if row["label"] == label]
        cells = []
        for step in eval_at:  # a row's curve may stop earlier, or skip a step, when it ran with other --eval-at
            values = [fd for row in runs for at, fd in row["curve"] if at == step]
            cells.append(f"{statistics.mean(values):.1f} [{min(values):.1f}, {max(values):.1f}]" if values else "")
        ms_per_step = statistics.mean(1e3 * row["train_seconds"] / row["curve"][-1][0] for row in runs)
        seeds = ", ".join(str(row["seed"]) for row in sorted(runs, key=lambda row: row["seed"]))
        lines.append(f"| {label} | {seeds} | " + " | ".join(cells) + f" | {ms_per_step:.0f} |")
    return "\n".join(lines) + "\n"


def run(quick: bool = False) -> dict:
    """Both searches, as `make bench` runs them: the time search, then the step search (every
    candidate with seed 0, and the chosen one with three more seeds)."""
    results = {"time": run_by_time(quick), "steps": run_by_steps(seeds=(0,), quick=quick)}
    if not quick:
        results["steps"] = run_by_steps(seeds=(1, 2, 3), only=[CHOSEN])
    return results


def run_by_time(quick: bool = False, budget_s: float | None = None, eval_every_s: float | None = None) -> dict:
    device = gan_lib.select_device("auto")
    budget_s = budget_s or (10.0 if quick else 60.0)
    eval_every_s = eval_every_s or (5.0 if quick else 15.0)
    probe = FrechetProbe(device, n=500 if quick else 2000)
    rows = []
    for candidate in candidates()[: 2 if quick else None]:
        overrides = {k: v for k, v in candidate.items() if k != "label"}
        config = gan_lib.recipe("fashion-mnist-dcgan-paper", steps=10**9, progress=False, device=str(device),
                                seed=0, **overrides)
        trainer = gan_lib.Trainer.from_config(config)
        generator = trainer.sampling_generator
        result = race(trainer.train_step, generator, probe, None, budget_s, eval_every_s, device)
        rows.append({"label": candidate["label"], "overrides": overrides, "steps": trainer.step,
                     "steps_per_second": trainer.step / result["curve"][-1][0], "curve": result["curve"]})
        print(f"[recipes] {candidate['label']}: {trainer.step} steps, FD {result['curve']}", flush=True)
    results = {"machine": describe_machine(), "torch": torch.__version__,
               "device": str(device), "threads": torch.get_num_threads(), "budget_s": budget_s,
               "eval_every_s": eval_every_s, "samples": probe.n, "quick": quick, "rows": rows}
    return write_results("recipes", results, to_markdown(results), quick, shipped=True)


def to_markdown(results: dict) -> str:
    times = [t for t, _ in results["rows"][0]["curve"]] if results["rows"] else []
    lines = [f"# Recipe search ({results['machine']})", "",
             f"torch {results['torch']}, device {results['device']}, {results['threads']} threads. Each candidate "
             f"trains for {results['budget_s']:.0f} s; Frechet distance of {results['samples']} samples to the test "
             "set on the book's classifier (lower is better), at the times shown (seconds of training).", "",
             "| settings | steps/s | " + " | ".join(f"FD at {t:.0f} s" for t in times) + " |",
             "|---|---|" + "---|" * len(times)]
    for row in results["rows"]:
        lines.append(f"| {row['label']} | {row['steps_per_second']:.1f} | "
                     + " | ".join(f"{fd:.1f}" for _, fd in row["curve"]) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="two candidates, 10 s each: a smoke run")
    parser.add_argument("--by-steps", action="store_true", help="the step-budget search (recipes-steps.*)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="with --by-steps: seeds per candidate")
    parser.add_argument("--only", nargs="+", metavar="LABEL", help="with --by-steps: these candidates only")
    parser.add_argument("--eval-at", type=int, nargs="+", default=list(STEP_EVAL_AT),
                        help="with --by-steps: generator steps at which FD is measured")
    args = parser.parse_args(argv)
    if args.by_steps:
        run_by_steps(tuple(args.seeds), tuple(args.eval_at), only=args.only, quick=args.quick)
    else:
        run_by_time(args.quick)


if __name__ == "__main__":
    main()
