"""The result files the chapters read, shipped inside gan_lib so that a chapter runs wherever gan_lib
is installed (on Colab, or as one downloaded notebook), not only from a checkout of the repository.

A chapter reads one by name, through `importlib.resources`: `load_json("speed.json")`, or
`load_rows("losses_toy.json")` for the rows of a sweep. Who writes each (in the repository; the
chapter's text says how long it takes), and who reads it:

- recipes.json, recipes-steps.json: `python -m benchmarks.recipes [--by-steps]` (`make bench`); appendix A
- speed.json: `python -m benchmarks.speed` (`make bench`); appendix A
- semi_supervised.json: `python tools/run_semi_supervised.py`; chapter 6
- losses_toy.json, losses_digits.json: `python tools/run_sweeps.py losses` and `images`; chapter 8
- stability_knobs.json: `python tools/run_sweeps.py knobs`; chapter 9

The `.md` beside a benchmark's `.json` holds the same figures as tables, for a reader of the repository.
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from ..registry import UnknownNameError

# Where the scripts above write: this folder of the checkout they run in. Readers go through
# `load_json`/`load_rows`, which also work from a zipped or otherwise installed package.
DIRECTORY = Path(__file__).parent


def names() -> list[str]:
    """The result files shipped, by file name ('speed.json', ...)."""
    return sorted(entry.name for entry in resources.files(__name__).iterdir() if entry.name.endswith(".json"))


def read_text(name: str) -> str:
    """The text of the shipped result file `name` ('speed.json'); an unknown name raises
    `UnknownNameError` (a ValueError) listing the shipped ones."""
    if name not in names():
        raise UnknownNameError(f"no shipped result file {name!r}; gan_lib ships: {', '.join(names())}")
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def load_json(name: str):
    """The parsed contents of the shipped result file `name`, e.g. `load_json("speed.json")`."""
    return json.loads(read_text(name))


def load_rows(name: str) -> tuple[list[dict], dict]:
    """The shipped sweep file `name` (written by `gan_lib.book.sweep.save_rows`): (rows, meta)."""
    from ..book.sweep import rows_from_json  # sweep imports torch: only the sweeps' readers pay for it

    return rows_from_json(read_text(name), source=name)


__all__ = ["DIRECTORY", "load_json", "load_rows", "names", "read_text"]
