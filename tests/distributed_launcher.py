"""A local launcher for the tests: torchrun's job for W CPU processes on this machine, with deadlines.

`spawn_local(function, world_size)` runs `function(*args)` in W fresh processes joined in a gloo
process group and returns their results, or raises `DistributedError` with every rank's outcome
when one fails or hangs: the tests check how gan_lib.distributed reports such failures, which
needs each rank's result and error in this process (torchrun reports them on the console).
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import queue as queue_module
import socket
import time
import traceback
from typing import Any, Callable, Sequence

import torch

from gan_lib.distributed import DistributedError, init_distributed, shutdown_distributed


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _local_worker(function, args, rank, world_size, port, threads, collective_timeout_s, reports) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world_size),
                      LOCAL_RANK=str(rank), LOCAL_WORLD_SIZE=str(world_size))
    torch.set_num_threads(threads)
    try:
        init_distributed("cpu", collective_timeout_s)
        reports.put((rank, True, pickle.dumps(function(*args))))
    except BaseException:  # report every failure, SystemExit included, to the launcher
        reports.put((rank, False, traceback.format_exc()))
    finally:
        shutdown_distributed()


def spawn_local(function: Callable, world_size: int = 2, args: Sequence[Any] = (), timeout_s: float = 120.0,
                collective_timeout_s: float = 30.0, threads_per_process: int | None = None) -> list:
    """Run `function(*args)` in `world_size` new CPU processes joined in a gloo process group, as
    `torchrun --standalone --nproc_per_node=W` would, and return their results in rank order.

    `function` must be importable by name (defined in a module) and return something picklable.
    If a rank fails, the others have `collective_timeout_s` (their collectives' timeout) plus two
    seconds to stop by themselves; then every process still running is stopped and a
    `DistributedError` reports each rank's outcome. The whole run is stopped after `timeout_s`.
    """
    if not isinstance(world_size, int) or world_size < 1:
        raise ValueError(f"world_size must be a positive integer, got {world_size!r}")
    context = multiprocessing.get_context("spawn")  # fresh interpreters: no inherited threads or CUDA state
    reports = context.Queue()
    threads = threads_per_process or max(1, (os.cpu_count() or 1) // world_size)
    port = _free_port()
    processes = [context.Process(target=_local_worker, daemon=True, args=(
        function, tuple(args), rank, world_size, port, threads, collective_timeout_s, reports))
        for rank in range(world_size)]
    for process in processes:
        process.start()
    outcomes: dict[int, tuple[bool, Any]] = {}
    deadline, started = time.monotonic() + timeout_s, time.monotonic()
    try:
        while len(outcomes) < world_size and time.monotonic() < deadline:
            try:
                rank, ok, payload = reports.get(timeout=0.2)
                outcomes[rank] = (ok, payload)
                if not ok:  # give the others time to notice through their own timeouts, no longer
                    deadline = min(deadline, time.monotonic() + collective_timeout_s + 2.0)
            except queue_module.Empty:
                for rank, process in enumerate(processes):  # workers report before exiting with code 0
                    if rank not in outcomes and process.exitcode not in (None, 0):
                        outcomes[rank] = (False, f"exited with code {process.exitcode} without reporting (killed?)\n")
                        deadline = min(deadline, time.monotonic() + collective_timeout_s + 2.0)
    finally:
        for rank, process in enumerate(processes):
            if rank in outcomes:
                process.join(10)  # it has reported and is shutting down: let it finish
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join(10)
    if len(outcomes) == world_size and all(ok for ok, _ in outcomes.values()):
        return [pickle.loads(outcomes[rank][1]) for rank in range(world_size)]
    elapsed = time.monotonic() - started
    lines = []
    for rank in range(world_size):
        ok, payload = outcomes.get(rank, (None, None))
        state = "finished" if ok else (f"still running after {elapsed:.0f} s: stopped" if ok is None
                                       else "failed: " + payload.strip().splitlines()[-1])
        lines.append(f"  rank {rank}: {state}")
    first_traceback = next((p for ok, p in outcomes.values() if ok is False), "")
    raise DistributedError(f"distributed run of {world_size} processes failed:\n" + "\n".join(lines)
                           + ("\nfirst error:\n" + first_traceback if first_traceback else ""))
