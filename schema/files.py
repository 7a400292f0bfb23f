"""All-or-nothing writes of several files, kept so by a journal even when the process is killed
(see ``journal``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .faults import Point, reached
from .journal import Expected, Journal, write_error


class FileSet:
    """Collects new file contents and deletions, then applies them together.

    ``expect`` announces a file another writer (Alembic writing a revision) is about to
    create, before it does; ``adopt`` names it once written.  Until ``commit`` such files are
    removed again by ``rollback``, or by the next command if this one is killed.
    """

    def __init__(self, root: Path, purpose: str) -> None:
        """``root``: the project folder, where the journal lives; ``purpose`` says in a
        recovery message what was interrupted (``tool snapshot of revision abc``)."""
        self._journal = Journal(root, purpose)
        self._writes: dict[Path, bytes] = {}
        self._deletes: set[Path] = set()
        self._adopted: list[Path] = []

    def expect(self, directory: Path, marker: str) -> None:
        """Journal that a file whose name holds ``marker`` is about to appear in
        ``directory`` (call it before that file is written)."""
        existing = frozenset(os.listdir(directory)) if directory.is_dir() else frozenset()
        self._journal.begin([Expected(directory, marker, existing)])
        reached(Point.WRITE, str(directory))  # the other writer's file comes next

    def write(self, path: Path, content: str) -> None:
        self._writes[path] = content.encode("utf-8")
        self._deletes.discard(path)

    def delete(self, path: Path) -> None:
        self._writes.pop(path, None)
        self._deletes.add(path)

    def adopt(self, path: Path) -> None:
        self._adopted.append(path)

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
            self.rollback()
            raise write_error(exc, self._journal.root, "nothing was changed") from None
        except BaseException:
            self.rollback()
            raise
        self.commit()


class SetAside:
    """Files moved out of the way (renamed beside themselves) while others are generated, then
    either ``restore``-d or ``discard``-ed."""

    def __init__(self, paths: list[Path]) -> None:
        self._moved: list[tuple[Path, Path]] = []
        try:
            for path in paths:
                aside = path.with_name(f".{path.name}.aside")
                os.replace(path, aside)
                self._moved.append((aside, path))
        except BaseException:
            self.restore()
            raise

    def restore(self, only: set[Path] | None = None) -> None:
        """Put the files (or ``only`` these) back where they were."""
        for aside, path in list(self._moved):
            if only is None or path in only:
                os.replace(aside, path)
                self._moved.remove((aside, path))

    def discard(self) -> None:
        """Delete what is still set aside."""
        for aside, _ in self._moved:
            aside.unlink(missing_ok=True)
        self._moved.clear()
