"""`make test` fails when any of its stages fails: the Makefile's own `timed` macro and stage loop, run by
make on two stand-in stages of which the first fails."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def makefile_definition(name: str) -> str:
    """The `name = ...` definition of the book's Makefile, with its continuation lines."""
    text = (ROOT / "Makefile").read_text()
    match = re.search(rf"^{name} = .*?(?<!\\)$", text, re.M | re.S)
    assert match, f"the Makefile defines no {name}"
    return match.group(0)


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_a_failing_stage_fails_the_run_and_stops_the_stages_after_it(tmp_path):
    stand_in = f"""SHELL := /bin/bash
STAGE_TIMES := {tmp_path}/times.txt
{makefile_definition("timed")}
TEST_STAGES := failing after

test:
\t@$(foreach stage,$(TEST_STAGES),$(call timed,$(stage)) &&) true

failing:
\t@false

after:
\t@touch {tmp_path}/after-ran

passing:
\t@true
"""
    (tmp_path / "Makefile").write_text(stand_in)
    run = subprocess.run(["make", "-s", "-C", str(tmp_path), "test"], capture_output=True, text=True)
    assert run.returncode != 0, "a failed stage let `make test` pass"
    assert not (tmp_path / "after-ran").exists(), "the stages after a failed one still ran"
    passing = subprocess.run(["make", "-s", "-C", str(tmp_path), "test", "TEST_STAGES=passing"],
                             capture_output=True, text=True)
    assert passing.returncode == 0, passing.stderr
    assert (tmp_path / "times.txt").read_text().startswith("passing: ")
