"""Atomic file writes: a reader never sees a half-written checkpoint or cache file.

The bytes go to a temporary file in the target's directory, are flushed to disk, and the
file is then renamed over the target (`os.replace` is atomic on POSIX and Windows). The
directory is flushed after the rename too, so the new name survives a power cut. An
interrupted write leaves the old file in place and removes the temporary one.

The file gets the permissions a plain `open(path, "w")` would give it: the existing file's
mode when it replaces one, else 0666 less the umask (`tempfile.mkstemp` alone would leave
0600, unreadable to the other users of a shared results directory).

`ensure_writable_folder` checks a folder before a long job writes there.
"""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

from .errors import GanLibError


class UnwritableFolderError(GanLibError, OSError):
    """A folder that results are to be written to cannot be created or written to; the message says why."""


def ensure_writable_folder(folder: str | os.PathLike) -> Path:
    """Create `folder` (and its parents) and check that a file can be written in it, by creating and deleting
    an empty temporary one; returns it as a Path. A run whose results cannot be saved then fails before its
    first step, not at its first checkpoint, minutes later."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as error:
        raise UnwritableFolderError(f"cannot write to the folder {folder}: {error.strerror or error}; choose a folder "
                                    "you can write to, or fix this one's permissions") from None
    return folder


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> Path:
    """Write through `write(file)` into a temporary file beside `path`, then rename it over `path`."""
    path = Path(path)
    mode = _mode_of_a_plain_open(path)
    handle, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)
    return path


def _mode_of_a_plain_open(path: Path) -> int:
    """The permission bits `open(path, "w")` would leave: the existing file's, or 0666 less the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask. Linux shows it in /proc; elsewhere it can only be read by setting it,
    which is briefly visible to other threads, so that is the fallback."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_directory(directory: Path) -> None:
    """Flush a directory's entries (the rename) to disk; a no-op where directories cannot be opened (Windows)."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:  # some filesystems refuse fsync on a directory
        pass
    finally:
        os.close(handle)
