"""benchmarks/speed.py's report: a partial run keeps the parts it skipped, each stamped with where
it was measured."""
import json

from benchmarks import speed


def test_a_partial_run_keeps_the_skipped_parts_of_the_last_results(tmp_path):
    path = tmp_path / "speed.json"
    kept = {"threshold_fd": 19.59, "measured": {"machine": "CPU A", "threads": 2, "date": "2026-12-03"}}
    path.write_text(json.dumps({"time_to_quality": kept, "book": {"seconds": {}}}))
    assert speed.kept_parts(path, ("time_to_quality", "playground")) == {"time_to_quality": kept}
    assert speed.kept_parts(tmp_path / "missing.json", ("book",)) == {}


def test_each_section_says_where_its_figures_were_measured():
    measured = {"machine": "CPU A", "threads": 2, "date": "2026-12-03"}
    results = {"machine": "CPU B", "torch": "2", "device": "cpu", "threads": 1,
               "playground": {"steps_per_s": 250.0, "measured": measured}}
    text = speed.to_markdown(results)
    assert "## 2D playground\n\nMeasured on CPU A, 2 threads, 2026-12-03." in text
    assert "| measured |" not in text
    assert speed._heading("Book", {"seconds": {}}) == ["## Book", ""]
