"""Progress of long work (the first snapshot of thousands of tables takes seconds), reported to
whoever listens: the command line draws it on a terminal, everything else hears nothing.

The engine calls :func:`stage` when it starts a step and :func:`advance` as it goes through a
counted one; a listener is installed for a block of work with :func:`listening`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol


class Listener(Protocol):
    """Hears what the work is doing."""

    def stage(self, name: str, total: int | None) -> None:
        """A step ``name`` starts, of ``total`` items when counted."""

    def advance(self, count: int) -> None:
        """``count`` more items of the current step are done."""


_listener: ContextVar[Listener | None] = ContextVar("progress_listener", default=None)


@contextmanager
def listening(listener: Listener | None) -> Iterator[None]:
    """Report the progress of the work in this block to ``listener`` (None: to nobody)."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def stage(name: str, total: int | None = None) -> None:
    """Step ``name`` starts (of ``total`` items, when counted)."""
    listener = _listener.get()
    if listener is not None:
        listener.stage(name, total)


def advance(count: int = 1) -> None:
    """``count`` more items of the current step are done."""
    listener = _listener.get()
    if listener is not None:
        listener.advance(count)
