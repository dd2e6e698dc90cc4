"""The benchmark runner's exit status (benchmarks/run.py): a benchmark that records errors fails the run."""
from types import SimpleNamespace

import pytest

from benchmarks import run


def fake_benchmark(results=None, raises: Exception | None = None):
    def run_it(quick=False):
        if raises is not None:
            raise raises
        return results

    return SimpleNamespace(run=run_it)


def test_recorded_errors_reads_the_results_errors():
    assert run.recorded_errors({"errors": {}}) == {}
    assert run.recorded_errors({"throughput": 3.0}) == {}
    assert run.recorded_errors(None) == {}  # a benchmark that returns nothing has recorded nothing
    assert run.recorded_errors({"errors": {"book": "FileNotFoundError: x"}}) == {"book": "FileNotFoundError: x"}


@pytest.mark.parametrize("module,expected", [
    (fake_benchmark({"errors": {}}), 0),
    (fake_benchmark({"errors": {"book": "ImportError: no module named nbclient"}}), 1),  # speed.py's kind
    (fake_benchmark(raises=RuntimeError("boom")), 1),
], ids=["clean", "recorded error", "raised"])
def test_exit_status_is_one_when_a_benchmark_records_or_raises_an_error(monkeypatch, capsys, module, expected):
    monkeypatch.setattr(run, "_load", lambda name: module)
    assert run.main(["--quick", "--only", "speed"]) == expected
    err = capsys.readouterr().err
    assert ("[run] failed: speed" in err) == bool(expected)


def test_recorded_error_is_named_in_the_report(monkeypatch, capsys):
    module = fake_benchmark({"errors": {"book": "ImportError: no module named nbclient"}})
    monkeypatch.setattr(run, "_load", lambda name: module)
    assert run.main(["--only", "speed"]) == 1
    assert "[run] speed: book failed: ImportError: no module named nbclient" in capsys.readouterr().err


def test_a_missing_benchmark_fails_the_run(monkeypatch, capsys):
    # A renamed or deleted benchmark module must not vanish from `make bench` with exit status 0.
    monkeypatch.setattr(run, "_load", lambda name: None)
    assert run.main(["--only", "quality"]) == 1
    assert "benchmarks/quality.py is missing" in capsys.readouterr().err
