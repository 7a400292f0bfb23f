"""Test-only fault injection: kill this process, or fail a write, at a deterministic point.

``SCHEMA_FAULT_AT=write:3`` kills the process (SIGKILL) just before its 3rd file write of a
journalled write set (``journal.py``); ``statement:5`` just before the 5th SQL statement
(or commit) of the revisions `tool apply` runs.  A third part picks what happens instead:
``term`` (SIGTERM, which Python does not catch either) or ``enospc`` (an ``OSError`` "No space
left on device" for the file about to be written).  Unset, every check is one lookup.
"""

from __future__ import annotations

import errno
import os
import signal
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection

ENVIRONMENT = "SCHEMA_FAULT_AT"


class Point(StrEnum):
    """Where a fault can be injected."""

    WRITE = "write"  # a file of a journalled write set (journal records included)
    STATEMENT = "statement"  # a statement of a revision run by `tool apply`


_reached: Counter[Point] = Counter()


def reached(point: Point, what: str = "") -> None:
    """Count one ``point``; kill the process (or raise) when it is the one asked for.

    ``what`` names the file about to be written, for an injected ``OSError``.
    """
    spec = os.environ.get(ENVIRONMENT)
    if not spec:
        return
    kind, _, rest = spec.partition(":")
    number, _, action = rest.partition(":")
    if kind != point.value:
        return
    _reached[point] += 1
    if str(_reached[point]) != number:
        return
    if action == "enospc":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), what)
    os.kill(os.getpid(), signal.SIGTERM if action == "term" else signal.SIGKILL)


@contextmanager
def statements_counted(connection: Connection) -> Iterator[None]:
    """Count every statement run on ``connection`` in the block, and every commit, as a
    ``STATEMENT`` point."""
    if not os.environ.get(ENVIRONMENT):
        yield
        return

    def before(*_: Any) -> None:
        reached(Point.STATEMENT)

    for name in ("before_cursor_execute", "commit"):
        event.listen(connection, name, before)
    try:
        yield
    finally:
        for name in ("before_cursor_execute", "commit"):
            event.remove(connection, name, before)
