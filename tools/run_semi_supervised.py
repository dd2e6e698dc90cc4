"""Chapter 6's longer semi-supervised comparison, saved for the chapter to load.

    python tools/run_semi_supervised.py              # 2 label budgets x 3 seeds, up to 3,000 steps (about 30 CPU-minutes)
    python tools/run_semi_supervised.py --workers 3  # the same, three runs at a time (one CPU thread each)
    python tools/run_semi_supervised.py --quick      # a 20-step smoke version written to /tmp

For every label budget (labels per class) and seed it trains the supervised baseline and the
semi-supervised GAN of `gan_lib.applications.semi_supervised` with the same `SemiSupervisedConfig`, and
records the Fashion-MNIST test accuracy of each after several step budgets (one run gives the
whole learning curve). Rows go to gan_lib/results/semi_supervised.json (it ships with gan_lib,
read by `gan_lib.results.load_rows`), with the settings, the device and the torch version in `meta`.
"""
from __future__ import annotations

import argparse
import platform
import sys
import time
from dataclasses import asdict
from multiprocessing import Pool
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gan_lib.data import load_fashion_mnist  # noqa: E402
from gan_lib.results import DIRECTORY as RESULTS  # noqa: E402
from gan_lib.applications.semi_supervised import (SemiSupervisedConfig, accuracy, few_labels, train_semi_supervised,  # noqa: E402
                                     train_supervised)
from gan_lib.book.sweep import save_rows  # noqa: E402

LABELS_PER_CLASS = [20, 100]
SEEDS = [0, 1, 2]
EVAL_AT = [300, 1000, 3000]
OUTPUT = RESULTS / "semi_supervised.json"


def one_run(job: tuple[int, int, list[int]]) -> list[dict]:
    """Baseline and semi-supervised GAN for one (labels per class, seed): a row per method and step budget."""
    per_class, seed, eval_at = job
    torch.set_num_threads(1)
    train, test = load_fashion_mnist("train"), load_fashion_mnist("test")
    images, labels = train.to_unit_range(), train.labels
    test_images, test_labels = test.to_unit_range(), test.labels
    chosen = few_labels(labels, per_class, seed=seed)
    config = SemiSupervisedConfig(steps=max(eval_at), seed=seed, device="cpu")
    rows = []
    for method in ("supervised", "semi-supervised GAN"):
        started = time.perf_counter()

        def record(step, classifier):
            if step in eval_at:
                rows.append({"method": method, "labels_per_class": per_class, "seed": seed, "steps": step,
                             "test_accuracy": accuracy(classifier, test_images, test_labels),
                             "seconds": round(time.perf_counter() - started, 1)})
        if method == "supervised":
            train_supervised(config, images[chosen], labels[chosen], callbacks=[record])
        else:  # the unlabelled set is the whole training split; its labels are never read
            train_semi_supervised(config, images[chosen], labels[chosen], images, callbacks=[record])
        print(f"{per_class}/class seed {seed} {method}: " + ", ".join(
            f"{r['steps']} steps {r['test_accuracy']:.3f}" for r in rows if r["method"] == method), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20 steps, one seed, written to /tmp")
    parser.add_argument("--workers", type=int, default=1, help="runs in parallel (each on one CPU thread)")
    args = parser.parse_args()
    eval_at, seeds, output = ([10, 20], [0], Path("/tmp/semi_supervised.json")) if args.quick \
        else (EVAL_AT, SEEDS, OUTPUT)
    jobs = [(per_class, seed, eval_at) for per_class in LABELS_PER_CLASS for seed in seeds]
    started = time.perf_counter()
    if args.workers > 1:
        with Pool(args.workers) as pool:
            results = pool.map(one_run, jobs)
    else:
        results = [one_run(job) for job in jobs]
    meta = {"config": asdict(SemiSupervisedConfig(steps=max(eval_at), device="cpu")),
            "regenerate": "python tools/run_semi_supervised.py --workers 3", "labels_per_class": LABELS_PER_CLASS,
            "seeds": seeds, "eval_at": eval_at, "test_set": "Fashion-MNIST test split (10,000 images)",
            "device": "cpu", "torch": torch.__version__, "python": platform.python_version(),
            "wall_seconds": round(time.perf_counter() - started)}
    save_rows([row for rows in results for row in rows], output, meta)
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
