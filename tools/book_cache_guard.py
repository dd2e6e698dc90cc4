"""Clear the book's jupyter-cache when the code the notebooks import has changed.

jupyter-cache keys a notebook on its own code cells only, so after a change to gan_lib it would
serve outputs computed with the old library, or a benchmark's figures from before it was re-run. This
script fingerprints every file of gan_lib (its code, the classifiers' weights, the result files the
chapters show in gan_lib/results/) and requirements.txt, and empties the cache when the fingerprint
differs from the one stored beside it, together with Sphinx's saved environment (the sibling
.doctrees/): otherwise Sphinx, seeing no changed source, would not re-read (and so not re-execute)
the notebooks at all.

`--kernels LABEL` also demands that the cached outputs were computed under that kernel configuration
(`make test` builds the book under tools/second_kernels.py's configuration, a second one
besides nbval's): a cache filled under another one is emptied. Without it, any configuration's cache
is reused, so `make book` right after `make test` executes nothing.
Usage: python tools/book_cache_guard.py CACHE_DIR [--kernels LABEL]   (the Makefile runs it before every build)
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FINGERPRINT_FILE = "gan_lib.sha256"  # stored next to the cache, not inside it: jupyter-cache owns that folder
KERNELS_FILE = "kernels.txt"  # the kernel configuration the cached outputs were computed under


def code_fingerprint(root: Path = ROOT) -> str:
    """sha256 over the path and bytes of every file of gan_lib (its code and the data it ships: a re-run
    benchmark's result file changes what a chapter shows) and of requirements.txt."""
    files = sorted((root / "gan_lib").rglob("*")) + [root / "requirements.txt"]
    digest = hashlib.sha256()
    for path in files:
        if "__pycache__" in path.parts or not path.is_file():
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def guard(cache_dir: Path, root: Path = ROOT, kernels: str | None = None) -> bool:
    """Empty `cache_dir` (and the sibling .doctrees/) if gan_lib changed since it was filled, or if
    `kernels` is given and differs from the configuration the cache was filled under; return True
    when something was cleared."""
    stamp, kernels_stamp = cache_dir.parent / FINGERPRINT_FILE, cache_dir.parent / KERNELS_FILE
    current = code_fingerprint(root)
    previous = stamp.read_text().strip() if stamp.is_file() else None
    previous_kernels = kernels_stamp.read_text().strip() if kernels_stamp.is_file() else None
    stale_kernels = kernels is not None and kernels != previous_kernels
    cleared = False
    if previous != current or stale_kernels:
        for stale in (cache_dir, cache_dir.parent / ".doctrees"):
            if stale.exists():
                shutil.rmtree(stale)
                cleared = True
        kernels_stamp.unlink(missing_ok=True)
    cache_dir.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current + "\n")
    if kernels is not None or not kernels_stamp.is_file():
        kernels_stamp.write_text((kernels or "machine default") + "\n")
    return cleared


if __name__ == "__main__":
    arguments = sys.argv[1:]
    label = None
    if len(arguments) == 3 and arguments[1] == "--kernels":
        label, arguments = arguments[2], arguments[:1]
    if len(arguments) != 1:
        sys.exit("usage: python tools/book_cache_guard.py CACHE_DIR [--kernels LABEL]   (e.g. _build/.jupyter_cache)")
    if guard(Path(arguments[0]), kernels=label):
        print(f"gan_lib, requirements.txt or the kernel configuration changed: cleared {arguments[0]}; "
              "every chapter will be re-executed.")
