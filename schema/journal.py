"""A journal that makes writing several files one transaction, even when the process is killed.

The journal is a folder, ``<project>/.tool-journal``, locked (``flock``) by the command writing
and holding small JSON records; the files' new contents are staged beside their targets as
``.<name>.tool-part``.  In order:

1. ``begun.json``: what the write is for, the files another writer (Alembic writing a
   revision) is about to create (a folder, a marker in the name, the names already there), and
   the files moved out of its way as ``.<name>.aside`` (rewritten as more are announced);
2. ``plan.json``: the files to write and to delete; then each new content is staged;
3. ``committed``: from here on the write happens: each staged file is renamed over its target
   (a rename needs no space, so a full disk cannot stop it half-way), deleted files go;
4. the folder is removed.

Every command opens a project with ``recover``: a journal without ``committed`` is rolled back
(staged files and the other writer's new files removed, files set aside put back), one with it
is completed (set-aside files removed).  Either way
no ``.tool-part`` file survives and the command says what it did.  A journal another live
command holds is waited for, never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import SchemaToolError
from .faults import Point, reached
from .file_locks import fsync_directory, open_for_lock, release, try_lock

JOURNAL = ".tool-journal"
BEGUN, PLAN, COMMITTED = "begun.json", "plan.json", "committed"
WAIT_SECONDS = 60.0
KEPT = "the journal {journal} keeps the write: fix that, and any tool command completes it"


@dataclass(frozen=True)
class Expected:
    """Files another writer may create in ``directory``: new names containing ``marker``."""

    directory: Path
    marker: str
    existing: frozenset[str]

    def created(self) -> list[Path]:
        """The files it created so far."""
        if not self.directory.is_dir():
            return []
        return sorted(path for path in self.directory.iterdir()
                      if self.marker in path.name and path.name not in self.existing)


@dataclass(frozen=True)
class Recovery:
    """What ``recover`` did with an interrupted write."""

    purpose: str
    completed: bool  # rolled forward; else rolled back
    paths: list[str] = field(default_factory=list)  # files put in place, or removed

    def describe(self) -> str:
        if self.completed:
            return (f"an interrupted {self.purpose} was completed from its journal "
                    f"({len(self.paths)} file(s) put in place)")
        removed = f"removed {', '.join(self.paths)}" if self.paths else "nothing had changed"
        return f"an interrupted {self.purpose} was rolled back ({removed})"


def part_of(path: Path) -> Path:
    """Where ``path``'s new content is staged."""
    return path.with_name(f".{path.name}.tool-part")


def aside_of(path: Path) -> Path:
    """Where ``path`` waits while it is set aside."""
    return path.with_name(f".{path.name}.aside")


@dataclass
class Begun:
    """The journal's first record: what is written, what may appear, what was moved away."""

    purpose: str
    expected: list[Expected] = field(default_factory=list)
    aside: list[Path] = field(default_factory=list)  # originals; see aside_of

    def to_record(self, root: Path) -> dict[str, Any]:
        return {"purpose": self.purpose,
                "expected": [{"directory": os.path.relpath(e.directory, root),
                              "marker": e.marker, "existing": sorted(e.existing)}
                             for e in self.expected],
                "aside": [os.path.relpath(path, root) for path in self.aside]}

    def created(self) -> list[Path]:
        """The files other writers created so far (set-aside files, and their originals put
        back early or about to come back, are not theirs)."""
        kept = {*self.aside, *map(aside_of, self.aside)}
        return [path for item in self.expected for path in item.created() if path not in kept]

    @classmethod
    def from_record(cls, root: Path, data: dict[str, Any]) -> Begun:
        return cls(str(data.get("purpose") or "write"),
                   [Expected(root / item["directory"], item["marker"],
                             frozenset(item["existing"])) for item in data.get("expected", [])],
                   [root / name for name in data.get("aside", [])])


class Journal:
    """The journal of one write set in ``root``; ``begin`` before anything is written."""

    def __init__(self, root: Path, purpose: str) -> None:
        self.root = root
        self.directory = root / JOURNAL
        self._fd: int | None = None
        self._begun = Begun(purpose)
        self.committed = False

    @property
    def begun(self) -> bool:
        return self._fd is not None

    def begin(self, expected: Iterable[Expected] = (), aside: Iterable[Path] = ()) -> None:
        """Create and lock the journal (or add to it), recording the files another writer may
        create and the files about to be set aside."""
        self._begun.expected += expected
        self._begun.aside += aside
        if self.begun:
            _write_record(self.directory / BEGUN, self._begun.to_record(self.root))
            return
        self.root.mkdir(parents=True, exist_ok=True)
        # made under another name and renamed: a recovering command never sees it half-made
        staging = Path(tempfile.mkdtemp(prefix=f"{JOURNAL}.", dir=self.root))
        self._fd = _lock(staging)
        try:
            _write_record(staging / BEGUN, self._begun.to_record(self.root))
            os.rename(staging, self.directory)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            self._release()
            if self.directory.exists():
                raise SchemaToolError(
                    f"{self.directory}: another tool command is writing this project's files; "
                    "wait for it, then try again") from None
            raise write_error(exc, self.root, "nothing was changed") from None

    def commit(self, writes: dict[Path, bytes], deletes: Iterable[Path]) -> None:
        """Stage ``writes``, then put them in place and remove ``deletes``, all or nothing."""
        if not self.begun:
            self.begin()
        deletes = sorted(deletes)
        try:
            _write_record(self.directory / PLAN, {
                "writes": [self._relative(path) for path in writes],
                "deletes": [self._relative(path) for path in deletes]})
            for path, content in writes.items():
                _stage(path, content)
            _write_record(self.directory / COMMITTED, {})
        except BaseException as exc:
            self.rollback()
            if isinstance(exc, OSError):
                raise write_error(exc, self.root, "nothing was changed") from None
            raise
        self.committed = True
        try:
            _roll_forward(list(writes), deletes, self._begun.aside)
        except OSError as exc:
            self._release()
            raise write_error(exc, self.root, KEPT.format(journal=self.directory)) from None
        self._finish()

    def created(self) -> list[Path]:
        """The files other writers created in this write so far."""
        return self._begun.created()

    def rollback(self) -> list[Path]:
        """Undo a write that was not committed: staged files and the other writer's files go."""
        if not self.begun:
            return []
        removed = _roll_back(self.directory, self._begun)
        self._finish()
        return removed

    def _finish(self) -> None:
        reached(Point.WRITE, str(self.directory))
        shutil.rmtree(self.directory, ignore_errors=True)
        self._release()

    def _release(self) -> None:
        if self._fd is not None:
            release(self._fd)
            self._fd = None

    def _relative(self, path: Path) -> str:
        return os.path.relpath(path, self.root)


def recover(root: Path) -> Recovery | None:
    """Roll an interrupted write in ``root`` back or forward (see module doc)."""
    for leftover in root.glob(f"{JOURNAL}.*"):  # killed before its journal was in place
        _remove_unlocked(leftover)
    directory = root / JOURNAL
    if not directory.is_dir():
        return None
    try:
        fd = _lock(directory, WAIT_SECONDS)
    except FileNotFoundError:  # its writer finished meanwhile
        return None
    try:
        if not directory.is_dir():
            return None
        begun = Begun.from_record(root, _read_record(directory / BEGUN))
        if (directory / COMMITTED).exists():
            plan = _read_record(directory / PLAN)
            writes = [root / name for name in plan.get("writes", [])]
            try:
                _roll_forward(writes, [root / name for name in plan.get("deletes", [])],
                              begun.aside)
            except OSError as exc:
                raise write_error(exc, root, KEPT.format(journal=directory)) from None
            recovery = Recovery(begun.purpose, True, [os.path.relpath(p, root) for p in writes])
        else:
            removed = _roll_back(directory, begun)
            recovery = Recovery(begun.purpose, False,
                                [os.path.relpath(p, root) for p in removed])
        shutil.rmtree(directory, ignore_errors=True)
        return recovery
    finally:
        release(fd)


def write_error(exc: OSError, root: Path, outcome: str) -> SchemaToolError:
    """A failed write as one line naming the file."""
    where = Path(exc.filename) if exc.filename else root
    try:
        shown = os.path.relpath(where, root) if where.is_relative_to(root) else str(where)
    except ValueError:
        shown = str(where)
    return SchemaToolError(f"{shown}: cannot write: {exc.strerror or exc}; {outcome}")


def _roll_forward(writes: list[Path], deletes: list[Path], aside: list[Path]) -> None:
    """Put staged files in place (those already placed have no staged file left), remove
    deleted files and those still set aside."""
    for path in writes:
        part = part_of(path)
        if part.exists():
            reached(Point.WRITE, str(path))
            os.replace(part, path)
    for path in [*deletes, *map(aside_of, aside)]:
        path.unlink(missing_ok=True)


def _roll_back(directory: Path, begun: Begun) -> list[Path]:
    """Remove staged files and the files other writers created (returned), and put the files
    set aside back."""
    plan = _read_record(directory / PLAN)
    root = directory.parent
    for name in plan.get("writes", []):
        part_of(root / name).unlink(missing_ok=True)
    removed = begun.created()
    for path in removed:
        path.unlink(missing_ok=True)
    for path in begun.aside:
        if aside_of(path).exists():
            os.replace(aside_of(path), path)
    return removed


def _stage(path: Path, content: bytes) -> None:
    try:
        reached(Point.WRITE, str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(part_of(path), "wb") as handle:
            handle.write(content)
        if path.exists():  # a replaced file keeps its permissions (a new one gets the umask's)
            os.chmod(part_of(path), stat.S_IMODE(path.stat().st_mode))
    except OSError as exc:  # named after the file it stands for
        raise OSError(exc.errno, exc.strerror, str(path)) from None


def _write_record(path: Path, data: dict[str, Any]) -> None:
    """A record written whole or not at all, and on disk before anything it announces."""
    reached(Point.WRITE, str(path))
    part = path.with_name(path.name + ".part")
    try:
        with open(part, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:  # a failed flush names no file
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    os.replace(part, path)
    fsync_directory(path.parent)


def _read_record(path: Path) -> dict[str, Any]:
    """A record, or ``{}`` when it was never written (records are replaced whole)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _lock(directory: Path, wait: float = 0.0) -> int:
    """An exclusive lock on ``directory``, waiting up to ``wait`` seconds for its holder."""
    fd = open_for_lock(directory)
    deadline = time.monotonic() + wait
    while not try_lock(fd):
        if time.monotonic() >= deadline:
            os.close(fd)
            raise SchemaToolError(f"{directory}: another tool command has been writing "
                                  f"this project's files for over {wait:g} s")
        time.sleep(0.1)
    return fd


def _remove_unlocked(directory: Path) -> None:
    """Remove a journal that never got in place, unless its writer is still alive."""
    try:
        fd = _lock(directory)
    except (SchemaToolError, FileNotFoundError, NotADirectoryError):
        return
    try:
        shutil.rmtree(directory, ignore_errors=True)
    finally:
        release(fd)
