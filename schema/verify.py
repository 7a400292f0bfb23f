"""Live database vs snapshot, with Alembic's comparators against MetaData rebuilt from the snapshot.

Alembic's comparators do not look at CHECK constraints, so their names are compared here through
SQLAlchemy's inspector, on the databases that reflect them.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, MetaData, inspect
from sqlalchemy.engine import Connection

from .load import load_table
from .store import Manifest, SnapshotStore

# Tables that belong to the migration machinery, not to the models.
BOOKKEEPING_TABLES = frozenset({"alembic_version"})


def snapshot_metadata(store: SnapshotStore, manifest: Manifest) -> MetaData:
    """All tables of a stored snapshot as one MetaData."""
    metadata = MetaData()
    for key in sorted(manifest.tables):
        path = store.table_path(key)
        load_table(store.display(path), path.read_text(encoding="utf-8"), metadata)
    return metadata


def schema_drift(connection: Connection, metadata: MetaData) -> list[str]:
    """Differences between the live schema and ``metadata``, one human line each."""
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "compare_server_default": True,
            "include_object": _include_object,
        },
    )
    lines = [_describe(diff) for diff in _flatten(compare_metadata(context, metadata))]
    lines.extend(_check_constraint_drift(connection, metadata))
    return lines


def _include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (type_ == "table" and name in BOOKKEEPING_TABLES)


def _flatten(diffs: list[Any]) -> list[tuple[Any, ...]]:
    flat: list[tuple[Any, ...]] = []
    for diff in diffs:
        flat.extend(diff if isinstance(diff, list) else [diff])
    return flat


def _describe(diff: tuple[Any, ...]) -> str:
    kind = diff[0]
    if kind in ("add_table", "remove_table"):
        table = diff[1]
        state = "missing from the database" if kind == "add_table" else "not in the snapshot"
        return f"table {table.name}: {state}"
    if kind in ("add_column", "remove_column"):
        state = "missing from the database" if kind == "add_column" else "not in the snapshot"
        return f"column {diff[2]}.{diff[3].name}: {state}"
    if kind.startswith("modify_"):
        _, _, table, column, _, live, expected = diff
        return f"column {table}.{column}: {kind[7:]} is {live!r} in the database, snapshot says {expected!r}"
    if kind in ("add_index", "remove_index", "add_constraint", "remove_constraint", "add_fk",
                "remove_fk"):
        obj = diff[1]
        state = "missing from the database" if kind.startswith("add") else "not in the snapshot"
        return f"{kind.split('_', 1)[1].replace('fk', 'foreign key')} {obj.name} on {obj.table.name}: {state}"
    return " ".join(str(part) for part in diff)


def _check_constraint_drift(connection: Connection, metadata: MetaData) -> list[str]:
    inspector = inspect(connection)
    lines = []
    for table in metadata.tables.values():
        expected = {
            str(c.name) for c in table.constraints
            if isinstance(c, CheckConstraint) and c.name is not None
        }
        if not expected or not inspector.has_table(table.name, schema=table.schema):
            continue
        try:
            live = {c["name"] for c in inspector.get_check_constraints(table.name, schema=table.schema)}
        except NotImplementedError:
            continue
        lines.extend(
            f"check constraint {name} on {table.name}: missing from the database"
            for name in sorted(expected - live)
        )
        # MariaDB adds a CHECK (json_valid(col)) named after each JSON column by itself.
        implicit = {str(column.name) for column in table.columns}
        lines.extend(
            f"check constraint {name} on {table.name}: not in the snapshot"
            for name in sorted(n for n in live - expected - implicit if n)
        )
    return lines
