"""Joining and leaving torchrun's process group, and asking which process this is."""
from __future__ import annotations

import datetime
import os

import torch
import torch.distributed as dist

from ..device import select_device
from ..errors import GanLibError

DEFAULT_TIMEOUT_S = 300.0  # how long a collective waits for the other ranks before the run stops with an error


class DistributedError(GanLibError, RuntimeError):
    """A distributed run cannot go on: another rank failed, hangs, or the set-up is wrong; the message says which."""


DistributedError.__module__ = "gan_lib.distributed"  # the name tracebacks and error reports show


def launched_by_torchrun() -> bool:
    """True in a process started by torchrun (it sets RANK, WORLD_SIZE and LOCAL_RANK)."""
    return all(name in os.environ for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK"))


def in_process_group() -> bool:
    return dist.is_available() and dist.is_initialized()


def init_distributed(device: str | torch.device = "auto", timeout_s: float = DEFAULT_TIMEOUT_S) -> torch.device:
    """Join the process group described by torchrun's environment variables and return this rank's device.

    NCCL on CUDA (each process takes GPU LOCAL_RANK, which becomes the current CUDA device, so "cuda"
    means that GPU), gloo on the CPU. A collective that waits longer than `timeout_s` fails (gloo raises,
    NCCL's watchdog aborts the process), so a crashed or stuck rank stops the run instead of hanging it.
    """
    if not launched_by_torchrun():
        raise DistributedError("RANK, WORLD_SIZE and LOCAL_RANK are not set: start the run with "
                               "torchrun --nproc_per_node=N -m gan_lib train ...")
    local_rank, size = int(os.environ["LOCAL_RANK"]), int(os.environ["WORLD_SIZE"])
    device = select_device(device)
    if device.type == "cuda":
        if device.index is not None and size > 1:
            raise DistributedError(f"--device {device} pins every process to one GPU; use --device cuda (or auto): "
                                   "each process takes the GPU numbered by its LOCAL_RANK")
        if local_rank >= torch.cuda.device_count():
            raise DistributedError(f"LOCAL_RANK {local_rank} but this machine has {torch.cuda.device_count()} GPUs: "
                                   "start at most one process per GPU (--nproc_per_node)")
        torch.cuda.set_device(local_rank)
        device, backend = torch.device("cuda", local_rank), "nccl"
    elif device.type == "cpu":
        backend = "gloo"
    else:
        raise DistributedError(f"distributed training runs on CUDA (NCCL) or the CPU (gloo), not on {device.type}; "
                               "use --device cpu or cuda")
    if not in_process_group():
        dist.init_process_group(backend, timeout=datetime.timedelta(seconds=timeout_s))
    return device


def shutdown_distributed() -> None:
    """Leave the process group (no-op outside one)."""
    if in_process_group():
        dist.destroy_process_group()


def is_main_process() -> bool:
    """Rank 0, or the only process of a run that is not distributed: the one that writes files and prints."""
    return not in_process_group() or dist.get_rank() == 0


def world_size() -> int:
    """The number of processes in the run: 1 outside a process group."""
    return dist.get_world_size() if in_process_group() else 1


def synchronize() -> None:
    """Wait until every rank gets here (a barrier); no-op outside a process group."""
    if in_process_group():
        dist.barrier()
