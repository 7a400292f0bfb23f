"""All-or-nothing writes of several files, kept so by a journal even when the process is killed
(see ``journal``)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .faults import Point, reached
from .journal import Expected, Journal, aside_of, write_error


class FileSet:
    """Collects new file contents and deletions, then applies them together.

    ``expect`` announces a file another writer (Alembic writing a revision) is about to
    create, before it does; ``adopt`` names it once written.  Until ``commit`` such files are
    removed again by ``rollback``, or by the next command if this one is killed; files
    ``set_aside`` come back then, and go with the commit.
    """

    def __init__(self, root: Path, purpose: str) -> None:
        """``root``: the project folder, where the journal lives; ``purpose`` says in a
        recovery message what was interrupted (``tool snapshot of revision abc``)."""
        self._journal = Journal(root, purpose)
        self._writes: dict[Path, bytes] = {}
        self._deletes: set[Path] = set()
        self._adopted: list[Path] = []
        self._expecting: Path | None = None  # the folder another writer is writing into

    def expect(self, directory: Path, *markers: str) -> None:
        """Journal that files whose names hold ``markers`` are about to appear in
        ``directory`` (call it before they are written)."""
        existing = frozenset(os.listdir(directory)) if directory.is_dir() else frozenset()
        self._journal.begin([Expected(directory, marker, existing) for marker in markers])
        self._expecting = directory
        reached(Point.WRITE, str(directory))  # the other writer's files come next

    def set_aside(self, paths: list[Path]) -> None:
        """Move ``paths`` out of the way (to ``.<name>.aside``) while other files are written:
        the commit deletes them, a roll-back (or the command after a kill) puts them back."""
        self._journal.begin(aside=paths)
        for path in paths:
            os.replace(path, aside_of(path))

    def put_back(self, paths: Iterable[Path]) -> None:
        """Put some of the files set aside back now: they stay whatever happens."""
        for path in paths:
            os.replace(aside_of(path), path)

    def write(self, path: Path, content: str) -> None:
        self._writes[path] = content.encode("utf-8")
        self._deletes.discard(path)

    def delete(self, path: Path) -> None:
        self._writes.pop(path, None)
        self._deletes.add(path)

    def adopt(self, path: Path) -> None:
        self._adopted.append(path)
        self._expecting = None

    def rollback(self) -> None:
        """Forget staged work and remove expected and adopted files (unless committed: the
        next command completes an interrupted commit)."""
        if self._journal.committed:
            return
        self._journal.rollback()
        for path in self._adopted:
            path.unlink(missing_ok=True)
        self._adopted.clear()

    def commit(self) -> None:
        """Write everything (a failure to write is a ``SchemaToolError`` naming the file, and
        changes nothing)."""
        try:
            self._journal.commit(self._writes, self._deletes - set(self._writes))
        except BaseException:
            if not self._journal.committed:
                self.rollback()
            raise
        self._adopted.clear()

    @contextmanager
    def transaction(self) -> Iterator[FileSet]:
        """Commit when the block ends; roll back when it raises (a failed write, e.g. a full
        disk, becomes a ``SchemaToolError`` naming the file)."""
        try:
            yield self
        except OSError as exc:
            if exc.filename is None and self._expecting is not None:  # its flush named none
                exc.filename = str(next(iter(self._journal.created()), self._expecting))
            self.rollback()
            raise write_error(exc, self._journal.root, "nothing was changed") from None
        except BaseException:
            self.rollback()
            raise
        self.commit()
