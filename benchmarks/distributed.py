"""Throughput of DDP training on the CPU: one process versus two (gan_lib.distributed).

    python -m benchmarks.distributed [--quick]       # or as part of python -m benchmarks.run
    python -m benchmarks.distributed --repeats 5 --steps 40 --json results.json

Each setting trains the same global batch (so the same optimisation) for `--steps` generator
updates after `--warmup` untimed ones, in fresh processes started by torchrun's own launcher
(`torch.distributed.launcher.elastic_launch`), and reports generator steps per second and real
images per second (global batch x steps / time). The settings:

- `1 process`: the plain single-process Trainer, using every core (`--threads`, default all);
- `2 processes`: a DistributedTrainer per process (gloo), the cores split between them;
- `1 process, 1 thread`: the per-core baseline.

Writes benchmarks/results/distributed.json and .md (`--quick`: distributed-quick.*, the ring
only, one short repeat: a smoke run). Times on a shared machine are noisy: run it alone, and read
the spread over repeats. GPU scaling (NCCL) is not measured here.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import uuid
import warnings

import torch

from gan_lib.device import describe_machine

from .speed import write_results

WORKLOADS = {
    # the toy MLPs at their defaults (width 128, depth 3), global batch 256
    "ring": dict(dataset="ring", batch_size=256),
    # a small DCGAN on 28x28 images (width 32), global batch 64
    "fashion-mnist": dict(dataset="fashion-mnist", batch_size=64, width=32),
}
SETTINGS = (("1 process", 1, "all"), ("2 processes", 2, "half"), ("1 process, 1 thread", 1, "one"))


def _time_training(workload: str, threads: int, steps: int, warmup: int) -> float:
    """In one of the launched processes: seconds for `steps` generator updates after `warmup` ones
    (rank 0's clock, between barriers, so the step is done when the slowest rank is done)."""
    from gan_lib.distributed import DistributedTrainer, init_distributed, shutdown_distributed, synchronize
    from gan_lib.train import Trainer, TrainConfig

    torch.set_num_threads(threads)
    warnings.filterwarnings("ignore", message="batch norm on the CPU")  # expected; the book page explains it
    init_distributed("cpu")
    try:
        config = TrainConfig(**WORKLOADS[workload], steps=warmup + steps, device="cpu", progress=False,
                             log_every=10**6)
        distributed = int(os.environ["WORLD_SIZE"]) > 1
        trainer = (DistributedTrainer if distributed else Trainer).from_config(config)
        trainer.train(warmup)
        synchronize()
        started = time.perf_counter()
        trainer.train(steps)
        synchronize()
        return time.perf_counter() - started
    finally:
        shutdown_distributed()


def measure(workload: str, processes: int, threads: int, steps: int, warmup: int) -> float:
    """Generator steps per second of one fresh run of `processes` processes (torchrun's launcher, standalone)."""
    from torch.distributed.launcher.api import LaunchConfig, elastic_launch

    config = LaunchConfig(min_nodes=1, max_nodes=1, nproc_per_node=processes, run_id=uuid.uuid4().hex,
                          rdzv_backend="c10d", rdzv_endpoint="localhost:0", max_restarts=0, start_method="spawn")
    seconds = elastic_launch(config, _time_training)(workload, threads, steps, warmup)[0]
    return steps / seconds


def run(quick: bool = False, steps: int | None = None, warmup: int | None = None, repeats: int | None = None,
        threads: int | None = None, workloads: list[str] | None = None) -> dict:
    steps, warmup = steps or (3 if quick else 30), warmup or (1 if quick else 5)
    repeats, threads = repeats or (1 if quick else 3), threads or os.cpu_count() or 1
    workloads = workloads or (["ring"] if quick else list(WORKLOADS))
    per_process = {"all": threads, "half": max(1, threads // 2), "one": 1}
    rows = []
    print(f"[distributed] torch {torch.__version__}, {threads} threads in all; {steps} timed steps after {warmup}, "
          f"{repeats} repeats", flush=True)
    for workload in workloads:
        batch = WORKLOADS[workload]["batch_size"]
        for name, processes, share in SETTINGS:
            rates = [measure(workload, processes, per_process[share], steps, warmup) for _ in range(repeats)]
            rows.append(dict(workload=workload, setting=name, processes=processes,
                             threads_per_process=per_process[share], steps_per_s=rates,
                             images_per_s=[r * batch for r in rates]))
            print(f"[distributed] {workload} {name}: {statistics.median(rates):.2f} steps/s", flush=True)
    results = {"machine": describe_machine(), "torch": torch.__version__, "threads": threads, "steps": steps,
               "warmup": warmup, "repeats": repeats, "quick": quick, "rows": rows}
    return write_results("distributed", results, to_markdown(results), quick)


def to_markdown(results: dict) -> str:
    lines = [f"# DDP on the CPU: one process versus two ({results['machine']})", "",
             f"torch {results['torch']}, {results['threads']} threads in all; {results['steps']} timed steps after "
             f"{results['warmup']}, {results['repeats']} fresh runs per setting (median [min, max]).", "",
             "| workload | setting | threads per process | steps/s | real images/s |", "|---|---|---|---|---|"]
    for row in results["rows"]:
        rates = row["steps_per_s"]
        lines.append(f"| {row['workload']} | {row['setting']} | {row['threads_per_process']} | "
                     f"{statistics.median(rates):.2f} [{min(rates):.2f}, {max(rates):.2f}] | "
                     f"{statistics.median(row['images_per_s']):.0f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the ring only, 3 steps, one repeat: a smoke run")
    parser.add_argument("--steps", type=int, default=None, help="timed generator steps per run (default 30)")
    parser.add_argument("--warmup", type=int, default=None, help="untimed steps first (default 5)")
    parser.add_argument("--repeats", type=int, default=None, help="fresh runs per setting (default 3)")
    parser.add_argument("--threads", type=int, default=None, help="cores to use in all (default: all)")
    parser.add_argument("--workloads", nargs="+", default=None, choices=list(WORKLOADS))
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args(argv)
    results = run(args.quick, args.steps, args.warmup, args.repeats, args.threads, args.workloads)
    if args.json:
        with open(args.json, "w") as file:
            json.dump(results, file, indent=1)


if __name__ == "__main__":
    main()
