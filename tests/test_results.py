"""gan_lib.results: the result files the chapters read, found by name inside the package."""
import pytest

from gan_lib import results
from gan_lib.registry import UnknownNameError


def test_the_shipped_files_are_listed_by_name_and_read_through_the_package():
    assert "speed.json" in results.names() and "stability_knobs.json" in results.names()
    assert not any(name.endswith(".md") for name in results.names())  # the tables beside them are for readers
    assert results.load_json("speed.json")["book"]["seconds"]
    rows, meta = results.load_rows("stability_knobs.json")
    assert rows and meta["script"] == "python tools/run_sweeps.py knobs"
    assert (results.DIRECTORY / "speed.json").read_text() == results.read_text("speed.json")  # where writers write


def test_an_unknown_name_is_a_value_error_that_lists_the_shipped_files():
    with pytest.raises(ValueError, match="recipes.json") as raised:
        results.load_json("results/recipes.json")  # a path of the checkout, not a name
    assert isinstance(raised.value, UnknownNameError)


def test_a_file_that_holds_no_sweep_rows_is_refused_by_load_rows():
    with pytest.raises(ValueError, match="speed.json is not a sweep file"):
        results.load_rows("speed.json")
