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


def test_a_run_saves_after_every_part_and_a_failing_part_leaves_the_others(tmp_path, monkeypatch):
    previous = {"time_to_quality": {"speedup": 14.4, "measured": {"date": "2026-12-03"}},
                "book": {"seconds": {"old.ipynb": 1.0}}}
    (tmp_path / "speed.json").write_text(json.dumps(previous))
    monkeypatch.setattr(speed, "SHIPPED", tmp_path)  # speed.json ships with gan_lib: appendix A shows it
    monkeypatch.setattr(speed, "to_markdown", lambda results: "report")
    monkeypatch.setattr(speed, "measure_throughput", lambda *args, **kwargs: {"images_per_second": {"gan_lib": 9.0}})
    seen_by_the_book = {}

    def book_that_fails(notebooks):  # appendix A reads the file while the book part runs
        seen_by_the_book.update(json.loads((tmp_path / "speed.json").read_text()))
        raise RuntimeError("08_trends_and_challenges.ipynb did not run: KeyError: 'peak'")

    monkeypatch.setattr(speed, "measure_book", book_that_fails)
    monkeypatch.setattr(speed, "measure_playground", lambda: {"steps_per_s": 250.0})
    results = speed.run(skip=("time_to_quality",))
    assert seen_by_the_book["throughput"]["images_per_second"] == {"gan_lib": 9.0}
    assert results["time_to_quality"] == previous["time_to_quality"]  # skipped: kept with its stamp
    assert "book" not in results and "KeyError" in results["errors"]["book"]  # failed: not the old figures
    assert results["playground"]["steps_per_s"] == 250.0 and "measured" in results["playground"]
    assert json.loads((tmp_path / "speed.json").read_text()) == results


def test_a_result_a_chapter_shows_is_written_into_gan_lib_but_not_its_quick_run(tmp_path, monkeypatch):
    monkeypatch.setattr(speed, "SHIPPED", tmp_path / "gan_lib_results")
    monkeypatch.setattr(speed, "RESULTS", tmp_path / "benchmark_results")
    speed.write_results("speed", {"run": "full"}, "report", quick=False, echo=False, shipped=True)
    speed.write_results("speed", {"run": "quick"}, "report", quick=True, echo=False, shipped=True)
    speed.write_results("levers", {"run": "full"}, "report", quick=False, echo=False)
    written = sorted(path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*.*"))
    assert written == ["benchmark_results/levers.json", "benchmark_results/levers.md", "benchmark_results/speed-quick.json",
                       "benchmark_results/speed-quick.md", "gan_lib_results/speed.json", "gan_lib_results/speed.md"]
