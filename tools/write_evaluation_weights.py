"""Train the evaluation classifiers and write the weights gan_lib ships, with reference metrics.

    python tools/write_evaluation_weights.py            # train, write the weights and reference.json
    python tools/write_evaluation_weights.py --floors   # keep the weights, measure the floors again

Run it after a change to `gan_lib.metrics.classifier`'s recipes or architecture (the file names
carry the recipe's fingerprint, so stale weights are never loaded for a new recipe). Beside the
weights it records the real-against-real Fréchet distances of `real_data_floor` in
`reference.json`; tests/test_metrics_packaged_classifier.py checks that every kernel
configuration of the machine reproduces them, so the metric is the same on every machine. `--floors`
is for a change to how the floors draw their random subsets (gan_lib.metrics.images), which leaves
the weights as they are.
"""
from __future__ import annotations

import argparse
import json

from gan_lib.metrics import real_data_floor
from gan_lib.metrics.classifier import PACKAGED_DIR, packaged_path, write_packaged_weights

# (dataset, number of real training images scored against the test split), as the chapters quote them.
REFERENCE_FLOORS = (("digits", 360), ("digits", 50), ("fashion-mnist", 2000))


def reference_floors() -> dict:
    return {f"{dataset}/{n}": {"dataset": dataset, "num_samples": n,
                               "fd": real_data_floor(dataset, n, device="cpu")["fd"]}
            for dataset, n in REFERENCE_FLOORS}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floors", action="store_true", help="keep the shipped weights; measure the floors again")
    args = parser.parse_args(argv)
    if not args.floors:
        for path in write_packaged_weights():
            print(f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB)")
    reference = {"weights": {path.name: path.with_name(path.name + ".sha256").read_text().split()[0]
                             for path in map(packaged_path, ("digits", "fashion-mnist"))},
                 "real_data_floor": reference_floors()}
    (PACKAGED_DIR / "reference.json").write_text(json.dumps(reference, indent=1) + "\n")
    print(json.dumps(reference, indent=1))


if __name__ == "__main__":
    main()
