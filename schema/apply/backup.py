"""An online copy of a SQLite database, taken before `tool apply` upgrades it."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from ..errors import SchemaToolError


def backup_sqlite(database: Path, revision: str | None) -> Path:
    """Copy ``database`` to ``<name>.<revision>.<UTC time>.backup<suffix>`` beside it."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return copy_sqlite(database, database.with_name(
        f"{database.stem}.{revision or 'base'}.{stamp}.backup{database.suffix}"))


_BACKUP = re.compile(r".+\.[^.]+\.\d{8}T\d{6}Z\.backup(\.[^.]*)?")


def is_backup(path: Path) -> bool:
    """True for a file named as :func:`backup_sqlite` names its copies (a fleet's glob of
    SQLite files leaves them out)."""
    return _BACKUP.fullmatch(path.name) is not None


def prune_backups(database: Path, keep: int) -> list[Path]:
    """Remove all but the ``keep`` newest backups of ``database`` (and copies a killed run left
    unfinished); return the backups removed."""
    pattern = re.compile(rf"{re.escape(database.stem)}\.[^.]+\.(\d{{8}}T\d{{6}}Z)\.backup"
                         rf"{re.escape(database.suffix)}")
    # named to the second: the file's time orders backups taken within one
    backups = sorted((match.group(1), path.stat().st_mtime_ns, path)
                     for path in database.parent.iterdir()
                     if (match := pattern.fullmatch(path.name)))
    removed = [path for _, _, path in backups[:-keep]]
    unfinished = [path for path in database.parent.iterdir()
                  if path.name.endswith(".part") and pattern.fullmatch(path.name[:-5])]
    for path in [*removed, *unfinished]:
        path.unlink(missing_ok=True)
    return removed


def copy_sqlite(database: Path, target: Path) -> Path:
    """Copy ``database`` to ``target`` with SQLite's backup API (consistent while others use
    it), written atomically."""
    import sqlite3  # only a SQLite project's apply copies one: the others never load it

    partial = target.with_name(target.name + ".part")
    try:
        source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)
            finally:
                copy.close()
        finally:
            source.close()
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise SchemaToolError(f"cannot copy {database} to {target}: {exc}") from None
    return target
