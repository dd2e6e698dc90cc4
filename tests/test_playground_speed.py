"""The playground speed measurement of benchmarks/speed.py (benchmarks/playground_speed.py), headless.

Only counts are checked: rates and CPU shares depend on the machine's load, which the benchmark reports.
"""
import pytest

pytest.importorskip("ipywidgets")

from benchmarks.playground_speed import display_path_costs, measure_playground_speed  # noqa: E402
from gan_lib.widgets import ToySettings, torch_threads  # noqa: E402


def test_measure_playground_speed_counts_steps_and_refreshes():
    with torch_threads(1):
        result = measure_playground_speed(seconds=1.0, warmup=0.0, g_width=16, d_width=16, batch_size=32)
    assert result["steps"] > 0 and result["refreshes"] > 0 and result["refresh_ms"] > 0
    assert result["steps_per_s"] == pytest.approx(result["steps"] / result["seconds"])
    assert result["settings"]["g_width"] == 16 and result["refresh_hz_cap"] == 8.0
    with pytest.raises(ValueError, match="seconds must be positive"):
        measure_playground_speed(seconds=0)


def test_display_path_costs_times_every_path():
    with torch_threads(1):
        costs = display_path_costs(frames=1, settings=ToySettings(g_width=16, d_width=16, batch_size=32))
    assert set(costs) == {"image_widget_blit_jpeg", "image_widget_blit_png", "image_widget_new_figure",
                          "output_widget_inline"} and all(ms > 0 for ms in costs.values())
