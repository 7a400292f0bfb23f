"""An online copy of a SQLite database, taken before `tool apply` upgrades it."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from ..errors import SchemaToolError


def backup_sqlite(database: Path, revision: str | None) -> Path:
    """Copy ``database`` to ``<name>.<revision>.<UTC time>.backup<suffix>`` beside it."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return copy_sqlite(database, database.with_name(
        f"{database.stem}.{revision or 'base'}.{stamp}.backup{database.suffix}"))


def copy_sqlite(database: Path, target: Path) -> Path:
    """Copy ``database`` to ``target`` with SQLite's backup API (consistent while others use
    it), written atomically."""
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
