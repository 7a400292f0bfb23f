"""All-or-nothing writes of several files: stage everything, then swap it in or roll it back."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class FileSet:
    """Collects new file contents and deletions, then applies them together.

    Each new file is written to a temporary file beside its target first; ``commit`` moves old
    files aside, renames the new ones into place, and restores the old state if any step fails.
    Files already created by someone else (Alembic writing a revision) can be ``adopt``-ed so a
    failure removes them too.
    """

    def __init__(self) -> None:
        self._writes: dict[Path, bytes] = {}
        self._deletes: set[Path] = set()
        self._adopted: list[Path] = []

    def write(self, path: Path, content: str) -> None:
        self._writes[path] = content.encode("utf-8")
        self._deletes.discard(path)

    def delete(self, path: Path) -> None:
        self._writes.pop(path, None)
        self._deletes.add(path)

    def adopt(self, path: Path) -> None:
        self._adopted.append(path)

    def rollback(self) -> None:
        """Forget staged work and remove adopted files."""
        for path in self._adopted:
            path.unlink(missing_ok=True)
        self._adopted.clear()

    def commit(self) -> None:
        staged: list[tuple[Path, Path]] = []
        moved: list[tuple[Path, Path]] = []
        placed: list[Path] = []
        try:
            for path, content in self._writes.items():
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(content)
                staged.append((Path(tmp), path))
            for path in [*self._writes, *self._deletes]:
                if path.exists():
                    backup = path.with_name(f".{path.name}.bak")
                    os.replace(path, backup)
                    moved.append((backup, path))
            for tmp, path in staged:
                os.replace(tmp, path)
                placed.append(path)
        except BaseException:
            for path in placed:
                path.unlink(missing_ok=True)
            for backup, path in reversed(moved):
                os.replace(backup, path)
            for tmp, _ in staged:
                tmp.unlink(missing_ok=True)
            self.rollback()
            raise
        for backup, _ in moved:
            backup.unlink(missing_ok=True)
        self._adopted.clear()


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
