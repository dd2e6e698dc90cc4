import os

import pytest
import torch

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _small_cpu_threads():
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    yield


def rng(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)
