"""Atomic file writes (gan_lib.atomic)."""
import os
import stat

import pytest

from gan_lib.atomic import atomic_write


@pytest.fixture
def umask():
    """Set the process umask for one test, then restore it."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield os.umask
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_writes_the_bytes_and_returns_the_path(tmp_path):
    target = tmp_path / "data.bin"
    assert atomic_write(target, lambda file: file.write(b"first")) == target
    assert target.read_bytes() == b"first"
    atomic_write(str(target), lambda file: file.write(b"second, longer"))
    assert target.read_bytes() == b"second, longer"
    assert [p.name for p in tmp_path.iterdir()] == ["data.bin"]


@pytest.mark.parametrize("mask,expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)],
                         ids=["umask 022", "umask 077", "umask 002"])
def test_a_new_file_gets_the_mode_a_plain_open_gives(tmp_path, umask, mask, expected):
    umask(mask)
    atomic_write(tmp_path / "new.bin", lambda file: file.write(b"x"))
    with open(tmp_path / "plain.bin", "wb") as file:
        file.write(b"x")
    assert mode(tmp_path / "new.bin") == expected == mode(tmp_path / "plain.bin")


def test_a_replaced_file_keeps_its_mode(tmp_path, umask):
    umask(0o022)
    target = tmp_path / "shared.bin"
    target.write_bytes(b"old")
    target.chmod(0o640)
    atomic_write(target, lambda file: file.write(b"new"))
    assert target.read_bytes() == b"new" and mode(target) == 0o640


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "data.bin"
    target.write_bytes(b"good")

    def fail_halfway(file):
        file.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, fail_halfway)
    assert target.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["data.bin"]
    with pytest.raises(KeyboardInterrupt):  # an interrupt cleans up too
        atomic_write(tmp_path / "other.bin", lambda file: (_ for _ in ()).throw(KeyboardInterrupt()))
    assert [p.name for p in tmp_path.iterdir()] == ["data.bin"]


def test_the_file_and_then_its_directory_are_flushed_to_disk(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def recording_fsync(handle):
        synced.append("directory" if stat.S_ISDIR(os.fstat(handle).st_mode) else "file")
        real_fsync(handle)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    atomic_write(tmp_path / "data.bin", lambda file: file.write(b"x"))
    assert synced == ["file", "directory"]  # the directory after the rename, so the new name is durable
