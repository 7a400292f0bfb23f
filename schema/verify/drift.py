"""Live database vs snapshot, with Alembic's comparators against MetaData rebuilt from the snapshot.

What Alembic leaves out is compared by ``details`` (generated columns, sequences, ENUM values,
...), ``constraints`` (CHECKs), ``defaults`` and ``types``; ``unverifiable`` says what a database
cannot store or reflect.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from alembic.operations import ops
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, MetaData, Table, event, inspect
from sqlalchemy.engine import Connection, Dialect, Inspector
from sqlalchemy.exc import SAWarning
from sqlalchemy.sql.elements import ClauseElement, TextClause
from sqlalchemy.sql.schema import DefaultClause

from ..compat import Comparison
from ..config import BOOKKEEPING_TABLES
from ..database import TENANT_SCHEMA
from ..dialects.on import Database, index_on
from ..dialects.table_options import option_drift
from ..snapshot.expressions import text_length
from ..snapshot.live import Batch, LiveSchema, TableSource
from ..snapshot.load import build_table, load_table
from ..snapshot.serialize import TableDict, table_key
from ..snapshot.store import Manifest, SnapshotStore
from .constraints import check_constraint_drift
from .defaults import default_drift, mysql_comment
from .details import (
    autoincrement_drift,
    computed_drift,
    enum_drift,
    identity_drift,
    partial_index_drift,
    primary_key_drift,
    sequence_drift,
    sqlite_autoincrement_drift,
)
from .types import (
    collation_drift,
    declared_collation,
    float_drift,
    mysql_enum_drift,
    same_stored,
    serial_type_drift,
)

# Snapshot tables compared at a time: their reflection is held until the batch is done.
BATCH_TABLES = 200

# A check of what Alembic's comparison leaves out, one line per difference.
Check = Callable[[LiveSchema, TableSource], list[str]]


def snapshot_metadata(store: SnapshotStore, manifest: Manifest) -> MetaData:
    """All tables of a stored snapshot as one MetaData (with the models' naming convention, which
    names the CHECKs that Boolean and Enum types create)."""
    metadata = MetaData(naming_convention=manifest.naming_convention or None)
    for key in sorted(manifest.tables):
        path = store.table_path(key)
        load_table(store.display(path), store.read_file(path), metadata,
                   stored_types=True)
    return metadata


def metadata_of(tables: Mapping[str, TableDict], convention: Mapping[str, str]) -> MetaData:
    """Snapshot dicts as one MetaData, built as verification compares them."""
    metadata = MetaData(naming_convention=dict(convention) or None)
    for key in sorted(tables):
        build_table(tables[key], metadata, stored_types=True)
    return metadata


def _unquote_nextval(inspector: Any, table: Table, column_info: dict[str, Any]) -> None:
    default = column_info.get("default")
    if Database.POSTGRESQL.matches(inspector.dialect) and isinstance(default, str) and \
            default.startswith("nextval('") and "''" in default:
        column_info["default"] = default.replace("''", "'")


def schema_drift(
    connection: Connection, metadata: MetaData, ignore: Callable[[str], bool] | None = None
) -> list[str]:
    """Differences between the live schema and ``metadata``, one human line each: Alembic's
    comparison, then what it leaves out.

    ``ignore`` names tables (``schema.name`` or ``name``) that are not managed by the snapshot.

    The snapshot's tables are compared :data:`BATCH_TABLES` at a time, each batch through an
    inspector of its own that Alembic's comparison and the checks share and that is dropped
    with the batch: reflecting 2,000 live tables at once held them all, and the inspector's
    cache, beside the snapshot's.  The lines are those of one comparison of every table, in
    the same order (see :func:`_in_alembic_order`).
    """
    per_table = (default_drift, check_constraint_drift, computed_drift, primary_key_drift,
                 identity_drift, autoincrement_drift, partial_index_drift, option_drift,
                 collation_drift, serial_type_drift, float_drift, mysql_enum_drift)
    found: dict[Check, list[str]] = {check: [] for check in per_table}
    parts = _Parts(connection, metadata, ignore)
    operations: list[ops.MigrateOperation] = []
    for batch in parts.batches():
        live = LiveSchema(parts.start(batch), batch)
        operations += parts.compare(live.inspector)
        for check in per_table:
            found[check] += check(live, batch)
        del live  # the batch's reflection is dropped before the next is read
    parts.start(None)  # the live tables that are not the snapshot's
    removed = parts.compare(inspect(connection))
    diffs = _flatten(ops.UpgradeOps(ops=_in_alembic_order(operations, removed)).as_diffs())
    diffs = [diff for diff in diffs if not (  # FLOAT(24) reads back as REAL on PostgreSQL, ...
        diff[0] == "modify_type" and same_stored(connection.dialect.name, diff[5], diff[6]))]
    # comments SQLAlchemy could not read (TEXT defaults)
    if Database.MYSQL.matches(connection.dialect):
        diffs = [diff for diff in diffs if not (
            diff[0] == "modify_comment" and diff[5] is None
            and mysql_comment(connection, diff[1], diff[2], diff[3]) == diff[6])]
    # sequences and ENUM types belong to no one table, and SQLite's AUTOINCREMENT tables are
    # read in one query for all: compared once
    whole = LiveSchema(inspect(connection), metadata)
    found[sequence_drift] = sequence_drift(whole, metadata)
    found[enum_drift] = enum_drift(whole, metadata, ignore=ignore)
    found[sqlite_autoincrement_drift] = sqlite_autoincrement_drift(whole, metadata)
    order = (default_drift, check_constraint_drift, computed_drift, sequence_drift,
             primary_key_drift, enum_drift, identity_drift, autoincrement_drift,
             partial_index_drift, option_drift, collation_drift, serial_type_drift,
             float_drift, mysql_enum_drift, sqlite_autoincrement_drift)
    return [*(_describe(diff) for diff in diffs), *(line for check in order
                                                     for line in found[check])]


def _in_alembic_order(operations: list[ops.MigrateOperation],
                      removed: list[ops.MigrateOperation]) -> list[ops.MigrateOperation]:
    """The batches' operations as one comparison of every table lists them: added tables (each
    with its indexes), removed tables, then the changes to the others sorted by schema and name
    (one ``ModifyTableOps`` each)."""
    created = {(op.schema, op.table_name) for op in operations
               if isinstance(op, ops.CreateTableOp)}
    added = [op for op in operations if isinstance(op, ops.CreateTableOp) or (
        isinstance(op, ops.ModifyTableOps) and (op.schema, op.table_name) in created)]
    taken = {id(op) for op in added}
    changed = [op for op in operations if id(op) not in taken]
    return [*added, *removed, *sorted(changed, key=lambda op: (
        getattr(op, "schema", None) or "", getattr(op, "table_name", "")))]


class _Parts:
    """Alembic's comparison of the live schema with ``metadata``, one batch of tables at a
    time: its filters let through the batch's tables, on both sides, and at the end the live
    tables that are none of the snapshot's (removed tables).  Its warnings about what
    verification reports otherwise are silenced."""

    def __init__(self, connection: Connection, metadata: MetaData,
                 ignore: Callable[[str], bool] | None) -> None:
        self.connection = connection
        self.metadata = metadata
        default = connection.dialect.default_schema_name
        # Alembic names a table of the default schema without it
        self._key = lambda schema, name: (None if schema == default else schema, str(name))
        self._all = {self._key(table.schema, table.name) for table in metadata.tables.values()}
        self._batch: set[tuple[str | None, str]] | None = None
        self._comparison = Comparison(
            _migration_context(connection, metadata, ignore, self._wanted), metadata)

    def batches(self) -> Iterator[Batch]:
        """The snapshot's tables, :data:`BATCH_TABLES` at a time, in the MetaData's order."""
        tables = list(self.metadata.tables.items())
        for start in range(0, len(tables), BATCH_TABLES):
            yield Batch(dict(tables[start:start + BATCH_TABLES]))

    def start(self, batch: Batch | None) -> Inspector:
        """Let ``batch``'s tables through the filters (None: only the live tables not in the
        snapshot); a new inspector for them."""
        self._batch = None if batch is None else {
            self._key(table.schema, table.name) for table in batch.tables.values()}
        return inspect(self.connection)

    def compare(self, inspector: Inspector) -> list[ops.MigrateOperation]:
        """Alembic's operations for the tables let through, reflected through ``inspector``."""
        with warnings.catch_warnings():
            # Alembic warns when a generated column's expression reads back differently; the
            # expression is not compared (see unverifiable()).
            warnings.filterwarnings("ignore", "Computed default on", UserWarning)
            # Foreign-key cycles (use_alter) are expected; SQLAlchemy warns while sorting them.
            warnings.filterwarnings("ignore", "Cannot correctly sort tables", SAWarning)
            # SQLite cannot reflect expression indexes; unverifiable() says so once, plainly.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based",
                                    SAWarning)
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified "
                                    "expression", UserWarning)
            # Alembic looks up a SERIAL's sequence from its nextval('...') text without undoing
            # SQL's doubled quotes: a table named with a quote would fail the lookup
            event.listen(Table, "column_reflect", _unquote_nextval, insert=True)
            try:
                return self._comparison.operations(inspector)
            finally:
                event.remove(Table, "column_reflect", _unquote_nextval)

    def _wanted(self, schema: str | None, name: str) -> bool:
        key = self._key(schema, name)
        return key not in self._all if self._batch is None else key in self._batch


def _migration_context(connection: Connection, metadata: MetaData,
                       ignore: Callable[[str], bool] | None,
                       wanted: Callable[[str | None, str], bool]) -> MigrationContext:
    """Alembic's context for the comparison, with filters that let through only the tables
    ``wanted`` says (live tables by name, the snapshot's tables as objects)."""
    # Other schemas are compared too on PostgreSQL (ignore_tables can exclude what others own),
    # except from a tenant's schema (a fleet's), beside which the other tenants' live; on
    # MariaDB a schema is a database of its own, so only the snapshot's schemas are.
    schemas = {table.schema for table in metadata.tables.values() if table.schema}
    other_schemas = (Database.POSTGRESQL.matches(connection.dialect)
                     and TENANT_SCHEMA not in connection.info)
    include = include_object_filter(ignore, connection.dialect.name)

    def include_name(name: str | None, type_: str, parent: Mapping[str, Any]) -> bool:
        if type_ == "table":
            return wanted(parent.get("schema_name"), str(name))
        return (type_ != "schema" or name is None or name in schemas
                or (other_schemas and not _system_schema(name)))

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                       compare_to: Any) -> bool:
        if type_ == "table" and not reflected and not wanted(obj.schema, obj.name):
            return False
        return include(obj, name, type_, reflected, compare_to)

    return MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            # defaults are compared by .defaults: Alembic's PostgreSQL comparison runs
            # unescaped SQL, and each database spells the same default its own way
            "compare_server_default": False,
            "include_object": include_object,
            "include_schemas": bool(schemas) or other_schemas,
            "include_name": include_name,
        },
    )


def unverifiable(dialect: Dialect, metadata: MetaData) -> list[str]:
    """What this database cannot store or reflect, so verification cannot see it."""
    columns = [column for table in metadata.tables.values() for column in table.columns]
    comments = sum(1 for column in columns if column.comment)
    comments += sum(1 for table in metadata.tables.values() if table.comment)
    identities = sum(1 for column in columns if column.identity is not None)
    computed = sum(1 for column in columns if column.computed is not None)
    expression_indexes = sum(
        1 for table in metadata.tables.values() for index in table.indexes
        if any(not isinstance(e, Column) for e in index.expressions)
        and index_on(index, dialect.name)
    )
    notes = []
    if computed and Database.SQLITE.matches(dialect):
        notes.append(f"sqlite does not report generated column expressions: {computed} not "
                     "verified")
    collated = sum(1 for column in columns if declared_collation(column.type, dialect.name))
    if collated and Database.SQLITE.matches(dialect):
        notes.append(f"sqlite does not report collations: {collated} not verified")
    sized = sum(1 for column in columns if text_length(column.type, dialect.name))
    if sized and Database.SQLITE.matches(dialect):
        notes.append(f"sqlite ignores TEXT lengths: {sized} not verified")
    if expression_indexes and Database.SQLITE.matches(dialect):
        notes.append(f"sqlite does not report indexes on expressions: {expression_indexes} not "
                     "verified")
    if comments and not dialect.supports_comments:
        notes.append(f"{dialect.name} does not store comments: {comments} not verified")
    if identities and not dialect.supports_identity_columns:
        notes.append(f"{dialect.name} has no IDENTITY columns: options of {identities} column(s) "
                     "not verified (plain autoincrement is used)")
    return notes


def _system_schema(name: str) -> bool:
    return name == "information_schema" or name.startswith("pg_")


def include_object_filter(ignore: Callable[[str], bool] | None = None,
                          dialect: str | None = None) -> Callable[..., bool]:
    """An Alembic ``include_object`` hook skipping bookkeeping and ignored tables and, on
    ``dialect``, the models' indexes whose ``ddl_if`` keeps them off it (Alembic ignores it)."""

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                       compare_to: Any) -> bool:
        if type_ == "index" and not reflected and dialect is not None:
            return index_on(obj, dialect)
        if type_ != "table" or name is None:
            return True
        key = table_key(obj.schema, name)
        return name not in BOOKKEEPING_TABLES and not (ignore and ignore(key))

    return include_object


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
        return (f"column {table}.{column}: {kind[7:]} is {_show(live)} in the database, "
                f"the snapshot says {_show(expected)}")
    if kind in ("add_index", "remove_index", "add_constraint", "remove_constraint", "add_fk",
                "remove_fk"):
        obj = diff[1]
        state = "missing from the database" if kind.startswith("add") else "not in the snapshot"
        label = kind.split("_", 1)[1].replace("fk", "foreign key")
        return f"{label} {obj.name} on {obj.table.name}: {state}"
    return " ".join(str(part) for part in diff)


def _show(value: Any) -> str:
    if isinstance(value, DefaultClause):
        value = value.arg
    if isinstance(value, TextClause):
        return value.text
    if isinstance(value, ClauseElement):
        return str(value.compile())
    return repr(value) if isinstance(value, str) else str(value)


