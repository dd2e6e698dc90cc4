"""Clear the book's jupyter-cache when the code the notebooks import has changed.

jupyter-cache keys a notebook on its own code cells only, so after a change to gan_lib it would
serve outputs computed with the old library. This script fingerprints gan_lib's sources and
requirements.txt, and empties the cache when the fingerprint differs from the one stored beside it,
together with Sphinx's saved environment (the sibling .doctrees/): otherwise Sphinx, seeing no changed
source, would not re-read (and so not re-execute) the notebooks at all.
Usage: python tools/book_cache_guard.py CACHE_DIR     (the Makefile runs it before every book build)
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FINGERPRINT_FILE = "gan_lib.sha256"  # stored next to the cache, not inside it: jupyter-cache owns that folder


def code_fingerprint(root: Path = ROOT) -> str:
    """sha256 over the path and bytes of every gan_lib source file and requirements.txt."""
    files = sorted((root / "gan_lib").rglob("*.py")) + [root / "requirements.txt"]
    digest = hashlib.sha256()
    for path in files:
        if "__pycache__" in path.parts or not path.is_file():
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def guard(cache_dir: Path, root: Path = ROOT) -> bool:
    """Empty `cache_dir` (and the sibling .doctrees/) if gan_lib changed since it was filled;
    return True when something was cleared."""
    stamp = cache_dir.parent / FINGERPRINT_FILE
    current = code_fingerprint(root)
    previous = stamp.read_text().strip() if stamp.is_file() else None
    cleared = False
    if previous != current:
        for stale in (cache_dir, cache_dir.parent / ".doctrees"):
            if stale.exists():
                shutil.rmtree(stale)
                cleared = True
    cache_dir.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current + "\n")
    return cleared


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tools/book_cache_guard.py CACHE_DIR   (e.g. _build/.jupyter_cache)")
    if guard(Path(sys.argv[1])):
        print(f"gan_lib or requirements.txt changed: cleared {sys.argv[1]}; every chapter will be re-executed.")
