"""Throughput of DDP training on the CPU: one process versus two (gan_lib.distributed).

    python benchmarks/distributed.py                 # toy ring and Fashion-MNIST, 3 repeats each
    python benchmarks/distributed.py --repeats 5 --steps 40 --json results.json

Each setting trains the same global batch (so the same optimisation) for `--steps` generator
updates after `--warmup` untimed ones, in fresh processes, and reports generator steps per second
and real images per second (global batch x n_critic x steps / time). The settings:

- `1 process`: the plain single-process Trainer, using every core (`--threads`, default all);
- `2 processes`: a DistributedTrainer per process (gloo), the cores split between them;
- `1 process, 1 thread`: the per-core baseline.

Times on a shared machine are noisy: run it alone, and read the spread over repeats.
GPU scaling (NCCL) is not measured here.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import warnings

import torch
import torch.distributed as dist

from gan_lib.distributed import DistributedTrainer, spawn_local
from gan_lib.train import Trainer, TrainConfig

WORKLOADS = {
    # the toy MLPs at their defaults (width 128, depth 3), global batch 256
    "ring": dict(dataset="ring", batch_size=256),
    # a small DCGAN on 28x28 images (width 32), global batch 64
    "fashion-mnist": dict(dataset="fashion-mnist", batch_size=64, width=32),
}


def _time_training(workload: str, distributed: bool, steps: int, warmup: int) -> float:
    """Seconds for `steps` generator updates after `warmup` ones (rank 0's clock, after a barrier)."""
    warnings.filterwarnings("ignore", message="batch norm on the CPU")  # expected; the book page explains it
    config = TrainConfig(**WORKLOADS[workload], steps=warmup + steps, device="cpu", progress=False, log_every=10**6)
    trainer = (DistributedTrainer if distributed else Trainer).from_config(config)
    trainer.train(warmup)
    dist.barrier()
    started = time.perf_counter()
    trainer.train(steps)
    dist.barrier()  # the step is done when the slowest rank is done
    return time.perf_counter() - started


def measure(workload: str, processes: int, threads: int, steps: int, warmup: int) -> float:
    """Generator steps per second of one fresh run."""
    seconds = spawn_local(_time_training, processes, args=(workload, processes > 1, steps, warmup),
                          timeout_s=600, threads_per_process=threads)[0]
    return steps / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=30, help="timed generator steps per run")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    parser.add_argument("--repeats", type=int, default=3, help="fresh runs per setting")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="cores to use in all")
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args()

    settings = [("1 process", 1, args.threads), ("2 processes", 2, max(1, args.threads // 2)),
                ("1 process, 1 thread", 1, 1)]
    results = []
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, {args.threads} threads in all; "
          f"{args.steps} timed steps after {args.warmup}, {args.repeats} repeats (median [min, max])")
    for workload in args.workloads:
        batch = WORKLOADS[workload]["batch_size"]
        for name, processes, threads in settings:
            rates = [measure(workload, processes, threads, args.steps, args.warmup) for _ in range(args.repeats)]
            row = dict(workload=workload, setting=name, processes=processes, threads_per_process=threads,
                       steps_per_s=rates, images_per_s=[r * batch for r in rates])
            results.append(row)
            print(f"{workload:14s} {name:21s} {statistics.median(rates):7.2f} steps/s [{min(rates):.2f}, "
                  f"{max(rates):.2f}]  {statistics.median(rates) * batch:8.0f} real images/s", flush=True)
    if args.json:
        with open(args.json, "w") as file:
            json.dump(results, file, indent=1)


if __name__ == "__main__":
    main()
