import importlib.util
import os
import sys
from pathlib import Path

import pytest
import torch

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _small_cpu_threads():
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    yield


def rng(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def write_idx(path, array):
    """An uncompressed IDX file of unsigned bytes (the MNIST format), for tiny stand-ins of Fashion-MNIST."""
    header = (0x0800 | array.ndim).to_bytes(4, "big") + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    path.write_bytes(header + array.astype("uint8").tobytes())


TOOLS = Path(__file__).resolve().parents[1] / "tools"


def load_tool(name: str):
    """The script tools/NAME.py as a module (tools/ is no package: its scripts run as `python tools/NAME.py`)."""
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module
