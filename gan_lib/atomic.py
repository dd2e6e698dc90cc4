"""Atomic file writes: a reader never sees a half-written checkpoint or cache file.

The bytes go to a temporary file in the target's directory, are flushed to disk, and the
file is then renamed over the target (`os.replace` is atomic on POSIX and Windows). An
interrupted write leaves the old file in place and removes the temporary one.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> Path:
    """Write through `write(file)` into a temporary file beside `path`, then rename it over `path`."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
