"""How fast the 2D playground trains and redraws, measured headless (part of benchmarks/speed.py).

`measure_playground_speed` runs the real `ToyPlayground` exactly as the Train button does
(worker thread, chunks, redraws into the Image widget) for a few seconds and counts steps and
redraws. `display_path_costs` compares the ways a notebook can show a changing figure.
Timings depend on the machine's load: the result records the CPU share the process got.
"""
from __future__ import annotations

import os
import time

from gan_lib.widgets import CoverageLog, ToySettings, ToyView, take_toy_snapshot, toy_figure


def measure_playground_speed(seconds: float = 5.0, warmup: float = 1.0, refresh_hz: float = 8.0,
                             threads: int | None = 1, settings: ToySettings | None = None, **overrides) -> dict:
    """Train a `ToyPlayground` for `warmup + seconds` and report, over the last `seconds`:

    steps_per_s (generator steps per second), refreshes_per_s (frames pushed to the Image widget),
    refresh_ms (mean time to take a snapshot, draw and encode one frame), cpu_share (process CPU
    time / wall time; 1.0 = one full core), steps_per_cpu_s (steps per CPU second: on a machine
    shared with other jobs, roughly what a free core would give, redraws included), the raw
    counts and the settings used.
    """
    from gan_lib.widgets import ToyPlayground

    if not seconds > 0 or warmup < 0:
        raise ValueError(f"seconds must be positive and warmup non-negative, got {seconds!r}, {warmup!r}")
    playground = ToyPlayground(settings, refresh_hz=refresh_hz, threads=threads, **overrides)
    if playground.session is None:
        raise ValueError(f"cannot measure invalid settings: {playground.message}")
    playground.train_button.click()
    try:
        time.sleep(warmup)
        steps0, frames0, render0 = playground.trainer.step, playground.refresh_count, playground.refresh_seconds
        wall0, cpu0 = time.perf_counter(), time.process_time()
        time.sleep(seconds)
        steps1, frames1, render1 = playground.trainer.step, playground.refresh_count, playground.refresh_seconds
        wall1, cpu1 = time.perf_counter(), time.process_time()
    finally:
        playground.pause()
    if playground.session.stop_reason not in ("paused", None):
        raise RuntimeError(f"the measured run stopped early ({playground.session.stop_reason}): {playground.message}")
    elapsed, frames = wall1 - wall0, frames1 - frames0
    return {
        "steps": steps1 - steps0,
        "refreshes": frames,
        "steps_per_s": (steps1 - steps0) / elapsed,
        "refreshes_per_s": frames / elapsed,
        "refresh_ms": 1000 * (render1 - render0) / max(frames, 1),
        "cpu_share": (cpu1 - cpu0) / elapsed,
        "steps_per_cpu_s": (steps1 - steps0) / max(cpu1 - cpu0, 1e-9),
        "seconds": elapsed,
        "refresh_hz_cap": refresh_hz,
        "threads": threads,
        "cpu_count": os.cpu_count(),
        "display": "ipywidgets.Image, JPEG of a blitted Agg canvas",
        "settings": vars(playground.settings()),
    }


def display_path_costs(frames: int = 10, settings: ToySettings | None = None) -> dict:
    """Milliseconds per frame to turn one playground state into displayable bytes, four ways:

    image_widget_blit_jpeg: our path, update a figure built once, restore the static background,
        draw the moving artists, encode as JPEG for an `ipywidgets.Image`;
    image_widget_blit_png: the same, encoded as PNG (zlib level 1);
    image_widget_new_figure: a new Figure per frame, saved as PNG, for an `ipywidgets.Image`;
    output_widget_inline: a new Figure per frame through IPython's inline formatter (what
        `display(fig)` in an `ipywidgets.Output` does: bbox_inches="tight" draws twice).
    The last two draw the whole figure every frame, text included, which is most of the cost.
    """
    from IPython.core.pylabtools import print_figure

    from gan_lib.widgets import build_toy_trainer, figure_to_png

    trainer = build_toy_trainer(settings or ToySettings())
    trainer.train(20)
    snapshot = take_toy_snapshot(trainer, CoverageLog())
    view = ToyView(blit=True)
    view.update(snapshot).frame()  # the first frame draws the background

    def per_frame(draw) -> float:
        start = time.perf_counter()
        for _ in range(frames):
            draw()
        return 1000 * (time.perf_counter() - start) / frames

    return {
        "image_widget_blit_jpeg": per_frame(lambda: view.update(snapshot).frame("jpeg")),
        "image_widget_blit_png": per_frame(lambda: view.update(snapshot).frame("png")),
        "image_widget_new_figure": per_frame(lambda: figure_to_png(toy_figure(snapshot))),
        "output_widget_inline": per_frame(lambda: print_figure(toy_figure(snapshot), "png", bbox_inches="tight")),
    }
