"""One deploy at a time: a lock every `tool apply` takes before it reads the current revision.

* PostgreSQL: a session-level advisory lock on a connection of its own, in autocommit and
  polled with ``pg_try_advisory_lock``, so waiters hold no transaction a ``CREATE INDEX
  CONCURRENTLY`` of the holder would have to wait for.
* MariaDB/MySQL: ``GET_LOCK`` on a connection of its own (the lock is server-wide, so its name
  carries the database's).
* SQLite: an exclusive lock (``flock``; ``msvcrt.locking`` on Windows) on
  ``<database file>.lock``.

All three belong to a connection or an open file, so a killed holder never leaves a stale lock:
the server (or the kernel) releases it when the holder's connection or file goes away.
"""

from __future__ import annotations

import errno
import hashlib
import os
import socket
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..database import sqlite_file
from ..errors import LockTimeout, SchemaToolError
from ..file_locks import try_lock, unlock

# Windows has neither flag (and links there need privileges); the checks below still refuse
# anything but a plain file of its own.
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
LOCK_NAME = "schema-tool apply"
POLL_SECONDS = 0.2
NOTE_BYTES = 256  # the holder's note in a SQLite lock file, padded to this width


def pg_key(scope: str | None = None) -> int:
    """PostgreSQL advisory locks take a signed 64-bit key; ours is derived from a fixed name,
    and a tenant schema's (``scope``) from the name and the schema: one lock per tenant."""
    name = LOCK_NAME if scope is None else f"{LOCK_NAME}:{scope}"
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@dataclass(frozen=True)
class Holder:
    """Who holds the deploy lock, as far as the database (or lock file) can tell."""

    description: str


def whoami() -> str:
    """How a holder names itself: host and process id."""
    return f"pid {os.getpid()} on {socket.gethostname()}"


def sqlite_lock_path(url: str) -> Path | None:
    """``<database file>.lock``, or None for an in-memory database (no other process sees it)."""
    database = sqlite_file(url)
    return database.with_name(database.name + ".lock") if database else None


@contextmanager
def deploy_lock(connection: Connection, url: str, timeout: float,
                scope: str | None = None) -> Iterator[None]:
    """Hold the deploy lock while the block runs; raise ``LockTimeout`` after ``timeout`` s.

    ``connection`` is the lock's own connection (PostgreSQL, MariaDB): it must not be used for
    anything else while the lock is held.  ``scope``: the PostgreSQL schema of a tenant, which
    has a lock of its own.
    """
    name = connection.dialect.name
    if name == "sqlite":
        path = sqlite_lock_path(url)
        if path is None:
            yield
            return
        with _file_lock(path, timeout):
            yield
        return
    # autocommit: the lock connection never holds a transaction (or a snapshot) open
    connection.execution_options(isolation_level="AUTOCOMMIT")
    if name == "postgresql":
        connection.execute(text("SELECT set_config('application_name', :name, false)"),
                           {"name": f"tool apply ({whoami()})"[:63]})
        try_lock = text("SELECT pg_try_advisory_lock(:key)")
        unlock = text("SELECT pg_advisory_unlock(:key)")
        params: dict[str, object] = {"key": pg_key(scope)}
    else:
        try_lock = text("SELECT GET_LOCK(:name, 0)")
        unlock = text("SELECT RELEASE_LOCK(:name)")
        params = {"name": _mysql_lock_name(connection)}
    _poll(lambda: bool(connection.execute(try_lock, params).scalar()), timeout,
          lambda: lock_holder(connection, url, scope))
    try:
        yield
    finally:
        connection.execute(unlock, params)


def lock_holder(connection: Connection, url: str, scope: str | None = None) -> Holder | None:
    """The current holder of the deploy lock (of tenant schema ``scope``), or None when it is
    free."""
    name = connection.dialect.name
    if name == "sqlite":
        path = sqlite_lock_path(url)
        return _file_holder(path) if path is not None else None
    if name == "postgresql":
        row = connection.execute(text(
            "SELECT a.pid, a.application_name, a.client_addr, a.backend_start "
            "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND l.classid = :high AND l.objid = :low AND l.objsubid = 1"),
            {"high": (pg_key(scope) >> 32) & 0xFFFFFFFF,
             "low": pg_key(scope) & 0xFFFFFFFF}).first()
        if row is None:
            return None
        return Holder(f"backend pid {row.pid} ({row.application_name or 'no name'}, "
                      f"from {row.client_addr or 'local socket'}, since {row.backend_start:%c})")
    holder = connection.execute(text("SELECT IS_USED_LOCK(:name)"),
                                {"name": _mysql_lock_name(connection)}).scalar()
    if holder is None:
        return None
    row = connection.execute(text(
        "SELECT user, host, time FROM information_schema.processlist WHERE id = :id"),
        {"id": holder}).first()
    where = f" ({row.user}@{row.host}, connected {row.time} s)" if row is not None else ""
    return Holder(f"connection {holder}{where}")


def _mysql_lock_name(connection: Connection) -> str:
    # GET_LOCK is server-wide: the lock is per database, and names are at most 64 characters
    database = connection.execute(text("SELECT DATABASE()")).scalar() or ""
    return f"{LOCK_NAME}:{database}"[:64]


def _poll(attempt: Callable[[], bool], timeout: float,
          holder: Callable[[], Holder | None]) -> None:
    deadline = time.monotonic() + timeout
    while not attempt():
        if time.monotonic() >= deadline:
            found = holder()
            who = f" (held by {found.description})" if found else ""
            raise LockTimeout(f"another `tool apply` holds the deploy lock{who}; gave up after "
                              f"{timeout:g} s and ran nothing (raise --lock-timeout to wait "
                              "longer)")
        time.sleep(POLL_SECONDS)


def _open_lock_file(path: Path, flags: int) -> int:
    """The lock file, never through a symbolic link (whose target the holder's note would
    overwrite) and never anything but a plain file of its own."""
    try:
        fd = os.open(path, flags | _NO_FOLLOW, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SchemaToolError(f"{path}: the deploy lock file is a symbolic link; remove it "
                                  "(the lock file is created where it is needed)") from None
        raise
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode) or status.st_nlink > 1:
        os.close(fd)
        raise SchemaToolError(f"{path}: the deploy lock file is not a plain file of its own "
                              "(a device, a folder or a hard link); remove it")
    return fd


@contextmanager
def _file_lock(path: Path, timeout: float) -> Iterator[None]:
    # never truncated: the holder's note is written over a fixed-width, blank-padded field
    fd = _open_lock_file(path, os.O_RDWR | os.O_CREAT)
    try:
        _poll(lambda: try_lock(fd), timeout, lambda: _file_holder(path))
        _write_note(fd, f"{whoami()}, since {time.strftime('%c')}")
        try:
            yield
        finally:
            _write_note(fd, "")
            unlock(fd)
    finally:
        os.close(fd)


def _write_note(fd: int, note: str) -> None:
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, note.encode()[:NOTE_BYTES - 1].ljust(NOTE_BYTES - 1) + b"\n")


def _file_holder(path: Path) -> Holder | None:
    if not path.exists():
        return None
    fd = _open_lock_file(path, os.O_RDONLY)
    try:
        if not try_lock(fd, shared=True):
            os.lseek(fd, 0, os.SEEK_SET)
            note = os.read(fd, NOTE_BYTES).decode("utf-8", errors="replace").strip()
            return Holder(f"{note or 'another process'}, lock file {path}")
        unlock(fd)
        return None
    finally:
        os.close(fd)
