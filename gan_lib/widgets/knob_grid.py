"""What the 2D playground shows, for a static page: a grid of short runs over two of its knobs.

A printed book has no kernel, so the widgets cannot run there. `static_sweep` trains one
small model per combination of two knobs (for example loss x learning rate) and draws each
final state as the playground would: D's map, the generated points and the arrows of G's
gradient, with the modes it captured. A combination the playground would refuse shows the
reason instead; a run that diverges shows its last good state and the step it failed at.
"""
from __future__ import annotations

import textwrap
from dataclasses import fields
from typing import Sequence

from ..viz import draw_toy_field
from .session import TrainingSession, torch_threads
from .settings import InvalidSettingsError, ToySettings, build_toy_trainer
from .snapshots import CoverageLog, take_toy_snapshot

GRID_CHUNK = 50  # steps between divergence checkpoints: a diverged run keeps all but the last 50 steps


def _knob_values(knob: str, value) -> dict:
    """Settings for one knob value; "lr" sets both learning rates."""
    return {"lr_g": value, "lr_d": value} if knob == "lr" else {knob: value}


def _check_knob(knob: str, values: Sequence) -> None:
    valid = {f.name for f in fields(ToySettings)} | {"lr"}
    if knob not in valid:
        raise ValueError(f"unknown knob {knob!r}; choose one of: {', '.join(sorted(valid))}")
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
        raise ValueError(f"the values of {knob!r} must be a non-empty list, got {values!r}")


def train_cell(settings: ToySettings, steps: int):
    """Train one cell: returns (trainer, note), note being '' or why the run stopped early."""
    session = TrainingSession(build_toy_trainer(settings))
    while session.trainer.step < steps:
        if not session.run_chunk(min(GRID_CHUNK, steps - session.trainer.step)):
            return session.trainer, f"diverged after step {session.trainer.step}"
    return session.trainer, ""


def _label(knob: str, value) -> str:
    return f"{knob} = {value:g}" if isinstance(value, float) else f"{knob} = {value}"


def static_sweep(rows: tuple[str, Sequence] = ("loss", ("non-saturating", "least-squares", "hinge")),
                 columns: tuple[str, Sequence] = ("lr", (1e-4, 1e-3, 1e-2)), steps: int = 300,
                 settings: ToySettings | None = None, threads: int | None = 1, cell_size: float = 2.3, **overrides):
    """Train every (row value, column value) pair for `steps` steps from `settings` (plus
    keyword overrides) and return a pyplot Figure with one playground view per pair.

    `rows` and `columns` are (knob, values) with a knob of `ToySettings` or "lr" (both rates).
    Every cell starts from the same seed, so the only difference is the two knobs.
    About 3 ms per step on one CPU core: 9 cells of 300 steps take roughly 10 s.
    """
    import matplotlib.pyplot as plt

    (row_knob, row_values), (column_knob, column_values) = rows, columns
    _check_knob(row_knob, row_values)
    _check_knob(column_knob, column_values)
    if not isinstance(steps, int) or steps <= 0:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    base = (settings or ToySettings()).replace(**overrides)
    figure, axes = plt.subplots(len(row_values), len(column_values), squeeze=False,
                                figsize=(cell_size * len(column_values), cell_size * len(row_values) + 0.4))
    with torch_threads(threads):
        for i, row_value in enumerate(row_values):
            for j, column_value in enumerate(column_values):
                ax = axes[i][j]
                cell = base.replace(**_knob_values(row_knob, row_value), **_knob_values(column_knob, column_value))
                _draw_cell(ax, cell, steps)
                if i == 0:
                    ax.set_title(_label(column_knob, column_value), fontsize=9)
                if j == 0:
                    ax.set_ylabel(_label(row_knob, row_value), fontsize=9)
    legend = ["D's map (blue: judged real),", "generated points (orange),", "G's gradient (green), real modes (black)"]
    lines = [" ".join(legend[:2]), legend[2]] if len(column_values) >= 3 else legend
    figure.suptitle(f"{base.target} after {steps} steps: " + "\n".join(lines), fontsize=9)
    figure.tight_layout()
    return figure


def _draw_cell(ax, settings: ToySettings, steps: int) -> None:
    try:
        settings.validate()
    except InvalidSettingsError as error:
        reason = textwrap.fill(str(error).split(":")[0], 26)
        ax.text(0.5, 0.5, "refused:\n" + reason, ha="center", va="center", fontsize=7, transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        return
    trainer, note = train_cell(settings, steps)
    coverage = CoverageLog()
    snapshot = take_toy_snapshot(trainer, coverage)
    draw_toy_field(ax, snapshot, point_size=2.0)
    if coverage.num_modes:
        summary = f"{coverage.modes_captured[-1]}/{coverage.num_modes} modes, {coverage.high_quality_percent[-1]:.0f}% hq"
    else:
        summary = ""
    text = "\n".join(part for part in (summary, note) if part)
    if text:
        ax.text(0.03, 0.03, text, fontsize=7, transform=ax.transAxes, va="bottom",
                bbox={"facecolor": "white", "alpha": 0.8, "linewidth": 0, "pad": 1.5},
                color="#b00020" if note else "black")
