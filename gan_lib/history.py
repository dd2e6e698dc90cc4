"""The record of a training run: losses, D's outputs and gradient norms, every few steps (`History`,
the trainer's), and the per-step loss curves of the smaller loops of chapters 3 and 6 (`LossCurves`)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import torch

FIELDS = (
    "step",  # generator steps done when the row was recorded
    "d_loss",  # D's loss, penalty included
    "g_loss",  # G's loss
    "penalty",  # the unweighted penalty term (0 without one)
    "d_real",  # mean sigmoid(D(x)) on the real batch, D's probability that real data is real; NaN for losses
               # whose D output is not a logit (least squares, hinge, Wasserstein): see d_real_score
    "d_fake",  # mean sigmoid(D(G(z))) on the generated batch; NaN as for d_real
    "d_real_score",  # mean raw output D(x) on the real batch, for every loss (a logit for the BCE losses)
    "d_fake_score",  # mean raw output D(G(z)) on the generated batch
    "d_grad_norm",  # global L2 norm of D's parameter gradient (before clipping)
    "g_grad_norm",  # global L2 norm of G's parameter gradient (before clipping)
)

ADDED_FIELDS = ("d_real_score", "d_fake_score")  # columns newer than some saved histories and checkpoints
# The values whose NaN or infinity means the run diverged. The gradient norms are among them: when the weights
# blow up, a gradient norm overflows while a saturating loss (BCE of huge logits) stays finite.
DIVERGENCE_FIELDS = ("d_loss", "g_loss", "d_grad_norm", "g_grad_norm")


class History:
    """Columns of floats, one row per logged step. `history["d_loss"]` is a list."""

    def __init__(self, columns: dict[str, list[float]] | None = None):
        self.columns = {name: [] for name in FIELDS}
        if columns:
            unknown = set(columns) - set(FIELDS)
            if unknown:
                raise ValueError(f"unknown history columns {sorted(unknown)}; expected {list(FIELDS)}")
            for name, values in columns.items():
                self.columns[name] = [math.nan if v is None else float(v) for v in values]  # JSON null: NaN
            rows = len(self.columns["step"])
            for name in ADDED_FIELDS:  # a history saved before these columns existed: NaN, "not recorded"
                if name not in columns:
                    self.columns[name] = [math.nan] * rows

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
        """Whether the last row's losses and gradient norms (DIVERGENCE_FIELDS) are finite; True when empty."""
        return all(math.isfinite(v) for name in DIVERGENCE_FIELDS for v in self.columns[name][-1:])

    def to_dict(self) -> dict[str, list[float]]:
        return {name: list(values) for name, values in self.columns.items()}

    def save_json(self, path: str | Path) -> None:
        """Write the columns as strict JSON: NaN (a value not recorded) becomes null, which `load_json` reads back."""
        columns = {name: [None if math.isnan(v) else v for v in values] for name, values in self.columns.items()}
        Path(path).write_text(json.dumps(columns, allow_nan=False))

    @classmethod
    def load_json(cls, path: str | Path) -> "History":
        return cls(json.loads(Path(path).read_text()))


class LossCurves:
    """Per-step loss curves of a training loop, kept as tensors on their device until `as_lists` reads
    them all at once. `float(loss)` at every step would make the CPU wait for the GPU at every step
    (`Trainer` avoids the same wait with `log_every`); the floats are the same either way."""

    def __init__(self, *names: str):
        self._values: dict[str, list[torch.Tensor]] = {name: [] for name in names}

    def record(self, **losses: torch.Tensor) -> None:
        """Keep this step's value of each named curve (a scalar tensor; no gradient is kept)."""
        for name, value in losses.items():
            self._values[name].append(value.detach())

    def as_lists(self) -> dict[str, list[float]]:
        """Every curve as a list of floats, one per recorded step."""
        return {name: torch.stack(values).tolist() if values else [] for name, values in self._values.items()}
