"""What the live schema looks like, as reflected, to tell whether a failed revision changed it.

MariaDB and MySQL commit each DDL statement on its own, so a revision that fails half-way leaves
its first statements behind.  The schema is reflected before each revision there; after a
failure it is reflected again, and any difference means the revision was partially applied.
Both reflections go through the same inspector calls, so nothing but a real change differs.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from ..config import BOOKKEEPING_TABLES

LiveSchema = dict[str, str]  # table -> sha256 of its reflected definition


def reflect_live(connection: Connection) -> LiveSchema:
    """Every table's columns, keys, indexes and constraints, hashed (compact enough to keep in
    the history table)."""
    inspector = inspect(connection)
    parts: dict[str, dict[str, Any]] = {}
    for kind, reflect in (("columns", inspector.get_multi_columns),
                          ("primary key", inspector.get_multi_pk_constraint),
                          ("foreign keys", inspector.get_multi_foreign_keys),
                          ("indexes", inspector.get_multi_indexes),
                          ("unique constraints", inspector.get_multi_unique_constraints),
                          ("check constraints", inspector.get_multi_check_constraints),
                          ("comment", inspector.get_multi_table_comment)):
        for (_, table), value in reflect().items():
            if table not in BOOKKEEPING_TABLES:
                parts.setdefault(table, {})[kind] = value
    return {table: hashlib.sha256(repr(sorted(found.items())).encode()).hexdigest()
            for table, found in parts.items()}


def live_changes(before: LiveSchema, after: LiveSchema) -> list[str]:
    """Tables created, dropped or altered between two reflections."""
    lines = [f"table {name} created" for name in sorted(after.keys() - before.keys())]
    lines += [f"table {name} dropped" for name in sorted(before.keys() - after.keys())]
    lines += [f"table {name} altered" for name in sorted(before.keys() & after.keys())
              if before[name] != after[name]]
    return lines
