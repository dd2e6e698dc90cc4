"""gan_lib 0.2's module paths still work after the applications and the book's machinery moved
(gan_lib/_moved.py): same objects, a DeprecationWarning naming the new path, and nothing else aliased."""
import importlib
import subprocess
import sys

import pytest

from gan_lib._moved import MOVED


def _fresh(name: str):
    """Import `name` as if for the first time (the stand-ins are made once per process)."""
    sys.modules.pop(name, None)
    return importlib.import_module(name)


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_path_gives_the_new_objects_with_a_warning(old):
    with pytest.warns(DeprecationWarning, match=f"{old} moved to {MOVED[old][0]}"):
        stand_in = _fresh(old)
    new = importlib.import_module(MOVED[old][0])
    name = new.__all__[0]
    assert getattr(stand_in, name) is getattr(new, name)
    assert set(new.__all__) <= set(stand_in.__all__)


def test_from_import_of_a_name_that_moved_to_another_module():
    sys.modules.pop("gan_lib.sweep", None)
    with pytest.warns(DeprecationWarning):
        from gan_lib.sweep import format_table, run_sweep
    from gan_lib.book.sweep import run_sweep as new_run_sweep
    from gan_lib.book.tables import format_table as new_format_table

    assert run_sweep is new_run_sweep and format_table is new_format_table


def test_an_unknown_name_on_an_old_path_is_an_attribute_error_that_names_the_new_path():
    with pytest.warns(DeprecationWarning):
        stand_in = _fresh("gan_lib.vae")
    with pytest.raises(AttributeError, match=r"gan_lib.applications.vae.*no attribute 'train_vea'"):
        stand_in.train_vea


def test_only_the_moved_names_are_aliased():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("gan_lib.no_such_module")


def test_the_new_paths_import_without_a_warning():
    # a fresh interpreter, warnings as errors: the chapters import the new paths, and a warning there
    # would fail the book build
    code = "; ".join(f"import {module}" for targets in MOVED.values() for module in targets)
    subprocess.run([sys.executable, "-W", "error", "-c", code], check=True)


def test_the_finder_is_installed_once():
    from gan_lib import _moved

    _moved.install()
    _moved.install()
    assert sum(isinstance(finder, _moved._MovedModuleFinder) for finder in sys.meta_path) == 1
