"""A project's revision files and their heads, read without importing Alembic.

`tool check` and the start of `tool snapshot` need only the history's shape: which revision
files there are, their checksums and the head.  Alembic's ``Config`` and ``ScriptDirectory``
would import its runtime and migration context (and with them 0.1 s of modules) to learn it.
For the layout `tool init` writes and ``alembic init`` too (one ``versions`` folder, an
``[alembic]`` section in ``alembic.ini``, revisions whose four names are literals, one line of
history or merges of it), this module reads the same files in the same order and finds the
same heads.  Anything else (``[tool.alembic]`` in pyproject.toml, several or recursive version
locations, sourceless revisions, a package resource as ``script_location``, a symbolic link,
branch labels, ``depends_on``, a revision named twice or missing, a cycle) answers None, and
the project asks Alembic, whose answer is then the only one.
"""

from __future__ import annotations

import configparser
import hashlib
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .revisions import read_names

# Alembic's revision file names: ``*.py`` but not ``__init__.py`` or an editor's ``.#`` lock
# (``alembic.script.base._only_source_rev_file``)
_REVISION_FILE = re.compile(r"(?!\.#|__init__).*\.py")
_TRUE = {"true", "yes", "on", "1"}


@dataclass(frozen=True)
class RevisionFile:
    """One revision file as read: its name in the versions folder, sha256 and four names."""

    location: str  # the path as a string: a thousand Path objects cost more than reading
    name: str
    digest: str
    names: dict[str, Any]

    @property
    def path(self) -> Path:
        return Path(self.location)

    @property
    def revision(self) -> str:
        return str(self.names["revision"])


@dataclass(frozen=True)
class RevisionList:
    """Every revision file of a project's one versions folder, in Alembic's order, and the
    heads of its plain history (the revisions nothing revises, as Alembic's ``get_heads()``)."""

    versions: Path
    files: list[RevisionFile]
    parents: dict[str, tuple[str, ...]]  # by revision
    heads: tuple[str, ...]

    def ancestors(self, revisions: tuple[str, ...]) -> list[str] | None:
        """``revisions`` and every revision they revise, nearest first, as Alembic's
        ``iterate_revisions(revisions, "base")`` lists them for a line of history; None when
        a revision is not in it."""
        found: list[str] = []
        seen: set[str] = set()
        todo = list(revisions)
        while todo:
            revision = todo.pop(0)
            if revision in seen:
                continue
            if revision not in self.parents:
                return None
            seen.add(revision)
            found.append(revision)
            todo += self.parents[revision]
        return found


def _parents_of(files: list[RevisionFile]) -> dict[str, tuple[str, ...]] | None:
    """Each revision's parents, or None unless every revision is named once, without branch
    labels or ``depends_on``, and revises revisions that are there."""
    parents: dict[str, tuple[str, ...]] = {}
    for file in files:
        names = file.names
        if names["branch_labels"] or names["depends_on"] or file.revision in parents:
            return None
        down = names["down_revision"]
        parents[file.revision] = (down,) if isinstance(down, str) else tuple(down or ())
    revised = {parent for ups in parents.values() for parent in ups}
    return parents if revised <= parents.keys() else None


def _plain_heads(parents: dict[str, tuple[str, ...]]) -> tuple[str, ...] | None:
    """The heads, or None when a revision is on a cycle (not reached from any head)."""
    heads = [revision for revision in parents if revision not in
             {parent for ups in parents.values() for parent in ups}]
    seen, todo = set(heads), list(heads)
    while todo:
        for parent in parents[todo.pop()]:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return tuple(heads) if len(seen) == len(parents) else None


def read_revision_list(ini: Path, known: RevisionList | None = None) -> RevisionList | None:
    """The revision files of the project whose Alembic configuration is ``ini``, or None when
    its layout or history is one only Alembic should read.  Files in ``known`` (read earlier by
    the same command, which has since written one) are not read again."""
    versions = _versions_folder(ini)
    if versions is None:
        return None
    earlier = {file.name: file for file in known.files} if known is not None else {}
    files = []
    try:
        entries = sorted(os.scandir(versions), key=lambda entry: entry.name)
    except OSError:
        return None
    for entry in entries:
        if entry.is_dir() or not _REVISION_FILE.fullmatch(entry.name):
            continue
        if entry.is_symlink():
            return None
        if entry.name in earlier:
            files.append(earlier[entry.name])
            continue
        try:
            data = _read_bytes(entry.path)
        except OSError:
            return None
        names = read_names(data.decode("utf-8", "replace"))
        if names is None:
            return None
        files.append(RevisionFile(entry.path, entry.name, hashlib.sha256(data).hexdigest(),
                                   names))
    parents = _parents_of(files)
    heads = _plain_heads(parents) if parents is not None else None
    if parents is None or heads is None:
        return None
    return RevisionList(versions, files, parents, heads)


def _versions_folder(ini: Path) -> Path | None:
    """The one versions folder an ``alembic.ini`` names, read as Alembic's ``Config`` reads
    it (``%(here)s`` is the ini's folder), or None for any other layout."""
    pyproject = ini.parent / "pyproject.toml"
    try:
        if pyproject.is_file() and "alembic" in tomllib.loads(
                pyproject.read_text("utf-8")).get("tool", {}):
            return None
        parser = configparser.ConfigParser(defaults={"here": str(ini.parent.absolute())})
        if not parser.read(ini, encoding="utf-8"):
            return None
        options = parser["alembic"]
        location = options.get("script_location")
        if (not location or (":" in location and not Path(location).is_absolute())
                or options.get("sourceless", "false").lower() in _TRUE
                or options.get("recursive_version_locations", "false").lower() in _TRUE):
            return None
        versions = options.get("version_locations")
    except (OSError, UnicodeDecodeError, configparser.Error, tomllib.TOMLDecodeError, KeyError,
            ValueError):
        return None
    if versions is None:
        folder = ini.parent / location / "versions"
    elif Path(versions.strip()).is_absolute() and not re.search(r"[\s,;:]", versions.strip()):
        folder = Path(versions.strip())
    else:  # several locations, a separator to interpret, or a folder relative to where the
        return None  # command runs (as Alembic reads it): Alembic's to read
    return folder.absolute() if folder.is_dir() else None


def _read_bytes(path: str) -> bytes:
    """A file's bytes through the bare system calls: ``Path.read_bytes`` builds a buffered
    file object per file, six times the cost over a thousand small revisions."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(descriptor, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)
