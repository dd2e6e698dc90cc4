"""Old module paths, kept working for a while.

gan_lib moved the chapters' applications into `gan_lib.applications` and the book's machinery into
`gan_lib.book`. `import gan_lib.vae` and `from gan_lib.sweep import run_sweep` still work: a finder on
`sys.meta_path` (installed by `gan_lib/__init__.py`, and only for the names in `MOVED`) gives the old
name a stand-in module that reads every attribute from the new module(s), with a DeprecationWarning
that names the new path. The objects are the same ones, so `isinstance` and pickled classes agree.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings

# old module -> the new modules its names now live in, searched in order
MOVED: dict[str, tuple[str, ...]] = {
    "gan_lib.vae": ("gan_lib.applications.vae",),
    "gan_lib.image_to_image": ("gan_lib.applications.image_to_image",),
    "gan_lib.semi_supervised": ("gan_lib.applications.semi_supervised",),
    "gan_lib.cyclegan": ("gan_lib.applications.cyclegan",),
    "gan_lib.sweep": ("gan_lib.book.sweep", "gan_lib.book.tables"),
    "gan_lib.exercises": ("gan_lib.book.exercises",),
    "gan_lib.probes": ("gan_lib.book.probes",),
}


def _stand_in(old: str, targets: tuple[str, ...]) -> types.ModuleType:
    modules = [importlib.import_module(target) for target in targets]
    stand_in = types.ModuleType(old, f"Moved to {' and '.join(targets)}; import from there.")

    def __getattr__(name: str):
        for module in modules:
            if hasattr(module, name):
                return getattr(module, name)
        raise AttributeError(f"module {old!r} (now {' and '.join(targets)}) has no attribute {name!r}")

    stand_in.__getattr__ = __getattr__
    stand_in.__all__ = [name for module in modules for name in getattr(module, "__all__", ())]
    return stand_in


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec):
        targets = MOVED[spec.name]
        warnings.warn(f"{spec.name} moved to {' and '.join(targets)}; import it from there "
                      f"(the old path will be removed)", DeprecationWarning, stacklevel=2)
        return _stand_in(spec.name, targets)

    def exec_module(self, module):
        pass  # the stand-in is complete when created


def install() -> None:
    """Put the finder on `sys.meta_path` once (a second import of gan_lib adds nothing)."""
    if not any(isinstance(finder, _MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.append(_MovedModuleFinder())
