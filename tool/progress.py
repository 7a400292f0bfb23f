"""Progress of long work on a terminal: one stderr line that overwrites itself
(``snapshot: recording tables 1200/2000 (4 s)``) and is erased when the work ends, so the
output that follows starts on a clean line.  Nothing is drawn when stderr is not a terminal.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from cultivar_schema.progress import listening

_ERASE = "\r\x1b[K"  # to the line's start, then clear it


class TerminalProgress:
    """A ``Listener`` (``schema/progress.py``) that draws on ``stream``; a thread redraws it a few
    times a second so the elapsed time moves while a step without a count runs."""

    INTERVAL = 0.2

    def __init__(self, stream: IO[str], title: str) -> None:
        self.stream = stream
        self.title = title
        self.started = time.monotonic()
        self.step: str | None = None
        self.total: int | None = None
        self.done = 0
        self.paused = False
        self.shown = False
        self.drawn = ""
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._redraw, daemon=True)

    def stage(self, name: str, total: int | None) -> None:
        with self.lock:
            self.step, self.total, self.done = name, total, 0
            self._draw()

    def advance(self, count: int) -> None:
        with self.lock:
            self.done += count

    def _redraw(self) -> None:
        while not self.stopped.wait(self.INTERVAL):
            with self.lock:
                self._draw()

    def _draw(self) -> None:
        if self.step is None or self.paused:
            return
        count = f" {self.done}/{self.total}" if self.total else ""
        line = (f"{self.title}: {self.step}{count} "
                f"({time.monotonic() - self.started:.0f} s)")
        width = shutil.get_terminal_size().columns - 1  # a wrapped line cannot be overwritten
        if self.shown and line[:width] == self.drawn:
            return
        self.drawn = line[:width]
        self.stream.write(_ERASE + self.drawn)
        self.stream.flush()
        self.shown = True

    def erase(self) -> None:
        """Take the line away (the caller holds the lock or the thread has stopped)."""
        if self.shown:
            self.stream.write(_ERASE)
            self.stream.flush()
            self.shown = False

    @contextmanager
    def pause(self) -> Iterator[None]:
        """No line while the block runs (a question asked on the terminal)."""
        with self.lock:
            self.paused = True
            self.erase()
        try:
            yield
        finally:
            with self.lock:
                self.paused = False


_active: list[TerminalProgress] = []


@contextmanager
def progress(title: str, enabled: bool = True) -> Iterator[None]:
    """Show the progress the engine reports in this block on stderr, when it is a terminal and
    ``enabled`` (not with ``--format json``)."""
    if not (enabled and sys.stderr.isatty()):
        yield
        return
    shown = TerminalProgress(sys.stderr, title)
    shown.thread.start()
    _active.append(shown)
    try:
        with listening(shown):
            yield
    finally:
        _active.remove(shown)
        shown.stopped.set()
        shown.thread.join()
        shown.erase()


@contextmanager
def paused() -> Iterator[None]:
    """Take the progress line away while the block asks something on the terminal."""
    if not _active:
        yield
        return
    with _active[-1].pause():
        yield
