"""Recipe search: which Fashion-MNIST settings learn fastest per second of this machine.

    python -m benchmarks.recipes [--quick]

Every candidate trains gan_lib's DCGAN for the same wall-clock budget, one after the other,
with the Frechet distance of 2,000 samples (the EMA generator where the candidate keeps one)
measured at fixed times off the clock, as in the speed benchmark's race. The candidates vary
one thing at a time from the DCGAN paper's settings: batch size, learning rate, width. The
winner is `gan_lib.recipe("fashion-mnist")`, the recipe chapter 4 trains and the speed
benchmark races. Writes benchmarks/results/recipes.json and recipes.md (--quick: recipes-quick.*).
"""
from __future__ import annotations

import argparse

import torch

import gan_lib
from gan_lib.device import describe_machine
from gan_lib.sweep import variant

from .speed import FrechetProbe, race, write_results


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
        variant("width 32, batch 32, lr 5e-4, EMA 0.99: gan_lib's recipe", **{
            k: v for k, v in gan_lib.RECIPES.get("fashion-mnist")().items() if k != "dataset"}),
    ]


def run(quick: bool = False, budget_s: float | None = None, eval_every_s: float | None = None) -> dict:
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
    return write_results("recipes", results, to_markdown(results), quick)


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
    args = parser.parse_args(argv)
    run(args.quick)


if __name__ == "__main__":
    main()
