"""Advisory file locks that work on POSIX (``flock``) and on Windows (``msvcrt.locking``), and
the directory ``fsync`` POSIX needs to make a rename durable (Windows cannot open directories;
NTFS journals the rename itself).

``fcntl`` and ``msvcrt`` are imported where a lock is taken, so commands that never lock a file
(a deploy to PostgreSQL or MariaDB locks on the server) start on either system.
"""

from __future__ import annotations

import os
from pathlib import Path

WINDOWS = os.name == "nt"


def try_lock(fd: int, shared: bool = False) -> bool:
    """Lock the open file ``fd`` without waiting: False when another holder has it.  Windows
    has no shared locks: there ``shared`` takes the lock exclusively (callers release at once)."""
    if WINDOWS:
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def release(fd: int) -> None:
    """Release the lock on ``fd`` and close it (Windows wants a region unlocked before its
    file is closed; on POSIX closing releases it)."""
    try:
        if WINDOWS:
            unlock(fd)
    finally:
        os.close(fd)


def unlock(fd: int) -> None:
    """Release a lock ``try_lock`` took, keeping the file open."""
    if WINDOWS:
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


def open_for_lock(directory: Path) -> int:
    """A descriptor that stands for ``directory`` in ``try_lock``: the directory itself on
    POSIX (the lock follows it through renames); on Windows, where a directory can be neither
    opened nor renamed while a file in it is open, one lock file in its parent folder, shared
    by every directory there."""
    if WINDOWS:
        return os.open(directory.parent / ".tool-lock", os.O_RDWR | os.O_CREAT, 0o644)
    return os.open(directory, os.O_RDONLY | os.O_DIRECTORY)


def fsync_directory(directory: Path) -> None:
    """Make the renames in ``directory`` durable (nothing to do on Windows)."""
    if WINDOWS:
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
