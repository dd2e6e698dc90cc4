"""Run the long sweeps that chapters 8 and 9 load, and save their rows as JSON.

    python tools/run_sweeps.py            # all sweeps, one after the other
    python tools/run_sweeps.py losses     # chapter 8: every loss / penalty on the ring and the grid
    python tools/run_sweeps.py knobs      # chapter 9: the "unstable training" remedies, tested
    python tools/run_sweeps.py images     # chapter 8: every loss / penalty on 8x8 digits, image metrics
    python tools/run_sweeps.py --quick    # a 20-step smoke version of each, written to /tmp
    python tools/run_sweeps.py images --variants "NS + spectral norm"   # re-run some variants only

`--variants` re-runs the named variants only (after a fix that changes them) and replaces their
rows in the saved file, keeping every other row; `meta["reruns"]` records what was re-run, when
and where.

Each run is a `gan_lib.book.sweep.run_sweep` over a grid of `TrainConfig`s; the chapters print the
saved tables with `gan_lib.book.sweep.summarize`. Results go to gan_lib/results/<name>.json (they ship
with gan_lib, read by `gan_lib.results.load_rows`) with the grid, the step budget, the device and the
torch version in their `meta`. Wall-clock times
measured on the book's 2-core build machine while it was shared with other jobs (one torch
thread per sweep): losses 1.9 h, images 1.2 h, knobs 0.6 h; an idle machine is several times faster.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gan_lib import TrainConfig, select_device  # noqa: E402
from gan_lib.results import DIRECTORY as RESULTS  # noqa: E402
from gan_lib.device import describe_machine  # noqa: E402
from gan_lib.book.sweep import load_rows, run_sweep, save_rows, variant  # noqa: E402

SEEDS = [0, 1, 2]
EVAL_AT = [250, 500, 1000, 2000]  # one run measured at several budgets gives a learning curve


def loss_variants() -> list[dict]:
    """Chapter 8: each GAN formulation with the settings of the paper that introduced it."""
    return [
        variant("minimax", loss="minimax"),
        variant("non-saturating", loss="non-saturating"),
        variant("least-squares", loss="least-squares"),
        variant("hinge", loss="hinge"),
        # Arjovsky et al. (2017): RMSprop, lr 5e-5, clip 0.01, 5 critic steps per generator step.
        variant("WGAN (clip)", loss="wasserstein", weight_clip=0.01, optimizer="rmsprop", lr_g=5e-5, lr_d=5e-5,
                n_critic=5),
        # Gulrajani et al. (2017): lambda 10, 5 critic steps, Adam lr 1e-4, betas (0, 0.9).
        variant("WGAN-GP", loss="wasserstein", penalty="wgan-gp", n_critic=5, lr_g=1e-4, lr_d=1e-4, betas=(0.0, 0.9)),
        variant("NS + R1", loss="non-saturating", penalty="r1"),
        variant("NS + spectral norm", loss="non-saturating", spectral_norm=True),
    ]


def knob_variants() -> list[dict]:
    """Chapter 9: the remedies for unstable training that readers are told to try, one at a time,
    each against the same non-saturating baseline (Adam, lr 2e-4, betas (0.5, 0.999))."""
    return [
        variant("Adam (baseline)"),
        variant("SGD, lr 0.01", optimizer="sgd", lr_g=1e-2, lr_d=1e-2),
        variant("SGD, lr 0.05", optimizer="sgd", lr_g=5e-2, lr_d=5e-2),
        variant("Adam + grad clip 1", grad_clip=1.0),
        variant("TTUR (D 4e-4, G 1e-4)", lr_d=4e-4, lr_g=1e-4),
        variant("n_critic = 5", n_critic=5),
        variant("R1 penalty", penalty="r1"),
        variant("spectral norm", spectral_norm=True),
        variant("EMA of G (0.999)", ema_decay=0.999),
    ]


# name: (output file, variants, datasets, overrides of the base config, evaluation budgets)
SWEEPS = {"losses": ("losses_toy", loss_variants, ["ring", "grid"], {}, EVAL_AT),
          "knobs": ("stability_knobs", knob_variants, ["ring"], {}, EVAL_AT),
          # the image setup of chapter 8: the DCGAN on 8x8 digits, batch 64, image metrics on 360 samples
          "images": ("losses_digits", loss_variants, ["digits"], {"batch_size": 64}, [500, 1000])}


def _rerun_plan(all_variants: list[dict], labels: list[str], path: Path) -> tuple[list[dict], list[dict], dict]:
    """For `--variants`: the variants to run, the saved rows of every other variant, and the saved
    meta with this re-run appended to meta["reruns"]."""
    known = [v["label"] for v in all_variants]
    unknown = [label for label in labels if label not in known]
    if unknown:
        raise SystemExit(f"unknown variant {', '.join(map(repr, unknown))}; this sweep has: {', '.join(known)}")
    rows, meta = load_rows(path)
    kept = [row for row in rows if row["variant"] not in labels]
    meta.setdefault("reruns", []).append({
        "variants": labels, "date": time.strftime("%Y-%m-%d"), "device": str(select_device("auto")),
        "torch": torch.__version__, "machine": describe_machine(), "complete": False})
    return [v for v in all_variants if v["label"] in labels], kept, meta


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sweeps", nargs="*", help=f"which sweeps: {', '.join(SWEEPS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="20 steps, one seed, results in /tmp")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--variants", nargs="+", metavar="LABEL", help="re-run only these variants and replace their rows")
    args = parser.parse_args(argv)
    unknown = [name for name in args.sweeps if name not in SWEEPS]
    if unknown:
        parser.error(f"unknown sweep {', '.join(unknown)}; choose from {', '.join(SWEEPS)}")
    torch.set_num_threads(args.threads)
    out = Path("/tmp") if args.quick else RESULTS
    for name in args.sweeps or list(SWEEPS):
        filename, variants, datasets, overrides, eval_at = SWEEPS[name]
        steps, seeds = max(eval_at), SEEDS
        if args.quick:
            steps, seeds, eval_at = 20, [0], [10, 20]
        base = TrainConfig(steps=steps, progress=False, log_every=50, **overrides)
        grid = {"dataset": datasets, "variant": variants()}
        path = out / f"{filename}.json"
        if args.variants:
            grid["variant"], rows, meta = _rerun_plan(grid["variant"], args.variants, path)
        else:
            rows = []
            meta = {"script": f"python tools/run_sweeps.py {name}", "steps": steps, "eval_at": eval_at, "seeds": seeds,
                    "base_config": base.to_dict(), "grid": grid, "device": str(select_device("auto")),
                    "torch": torch.__version__, "machine": describe_machine(), "complete": False}
        start = time.perf_counter()

        def save_as_we_go(row):
            rows.append(row)
            save_rows(rows, path, meta)  # partial results survive an interrupted sweep
            scores = {k: round(v, 3) for k, v in row.items() if isinstance(v, float) and k != "seconds"}
            print(f"{row['dataset']:6s} {row['variant']:24s} seed {row['seed']} step {row['steps']:5d}: {scores} "
                  f"{row['seconds']:.0f} s", flush=True)

        for seed in seeds:  # seed by seed: an interrupted sweep still covers every variant
            run_sweep(base, grid, [seed], on_row=save_as_we_go, eval_at=eval_at)
        seconds = round(time.perf_counter() - start, 1)
        if args.variants:
            meta["reruns"][-1].update(complete=True, seconds=seconds)
        else:
            meta.update(complete=True, total_seconds=seconds)
        print(f"wrote {save_rows(rows, path, meta)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
