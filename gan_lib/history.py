"""The record of a training run: losses, D's outputs and gradient norms, every few steps."""
from __future__ import annotations

import json
import math
from pathlib import Path

FIELDS = (
    "step",  # generator steps done when the row was recorded
    "d_loss",  # D's loss, penalty included
    "g_loss",  # G's loss
    "penalty",  # the unweighted penalty term (0 without one)
    "d_real",  # mean sigmoid(D(x)) on the real batch: D's probability that real data is real
    "d_fake",  # mean sigmoid(D(G(z))) on the generated batch
    "d_grad_norm",  # global L2 norm of D's parameter gradient (before clipping)
    "g_grad_norm",  # global L2 norm of G's parameter gradient (before clipping)
)


class History:
    """Columns of floats, one row per logged step. `history["d_loss"]` is a list."""

    def __init__(self, columns: dict[str, list[float]] | None = None):
        self.columns = {name: [] for name in FIELDS}
        if columns:
            unknown = set(columns) - set(FIELDS)
            if unknown:
                raise ValueError(f"unknown history columns {sorted(unknown)}; expected {list(FIELDS)}")
            for name, values in columns.items():
                self.columns[name] = [float(v) for v in values]

    def append(self, **row: float) -> None:
        if set(row) != set(FIELDS):
            raise ValueError(f"a history row needs exactly {list(FIELDS)}, got {sorted(row)}")
        for name in FIELDS:
            self.columns[name].append(float(row[name]))

    def __getitem__(self, name: str) -> list[float]:
        return self.columns[name]

    def __len__(self) -> int:
        return len(self.columns["step"])

    def last(self) -> dict[str, float]:
        return {name: values[-1] for name, values in self.columns.items()} if len(self) else {}

    def is_finite(self) -> bool:
        return all(math.isfinite(v) for name in ("d_loss", "g_loss") for v in self.columns[name][-1:])

    def to_dict(self) -> dict[str, list[float]]:
        return {name: list(values) for name, values in self.columns.items()}

    def save_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict()))

    @classmethod
    def load_json(cls, path: str | Path) -> "History":
        return cls(json.loads(Path(path).read_text()))
