"""Operations of our own, rendered with plain ``op``/``sa`` calls so revisions need no plugin.

``create_table`` is paired with its indexes so that the reverse drops only the table: its indexes
go with it, and MariaDB refuses to drop an index a foreign key still needs.  Dropping a foreign
key also drops the index MariaDB/MySQL made for it, so downgrades restore the schema exactly.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import _render_server_default, render_op
from alembic.operations import ops
from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKeyConstraint,
    PrimaryKeyConstraint,
    Sequence,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy import table as sa_table
from sqlalchemy.dialects import mysql, postgresql

from .sequences import serial_numbered, serial_sequence

_POSTGRESQL = postgresql.dialect()


class CreateTableOps(ops.MigrateOperation):
    """``create_table`` and ``create_index`` for each of the table's indexes.

    ``later_foreign_keys`` are left out of ``create_table`` because separate operations add them
    once their targets exist.
    """

    def __init__(self, table: Table,
                 later_foreign_keys: tuple[ForeignKeyConstraint, ...] = ()) -> None:
        self.table = table
        self.later_foreign_keys = later_foreign_keys

    def reverse(self) -> DropTableOps:
        return DropTableOps(self.table, self.later_foreign_keys)


class DropTableOps(ops.MigrateOperation):
    """``drop_table``: its indexes go with it."""

    def __init__(self, table: Table,
                 later_foreign_keys: tuple[ForeignKeyConstraint, ...] = ()) -> None:
        self.table = table
        self.later_foreign_keys = later_foreign_keys

    def reverse(self) -> CreateTableOps:
        return CreateTableOps(self.table, self.later_foreign_keys)


@renderers.dispatch_for(CreateTableOps)
def _render_create(autogen_context: AutogenContext, op: CreateTableOps) -> list[str]:
    create = ops.CreateTableOp.from_table(op.table)
    later = {id(fk) for fk in op.later_foreign_keys}  # by identity: columns overload ==
    create.columns = [item for item in create.columns if id(item) not in later]
    lines = render_op(autogen_context, create)
    for index in sorted(op.table.indexes, key=lambda ix: str(ix.name)):
        lines.extend(render_op(autogen_context, ops.CreateIndexOp.from_index(index)))
    return lines


@renderers.dispatch_for(DropTableOps)
def _render_drop(autogen_context: AutogenContext, op: DropTableOps) -> list[str]:
    return render_op(autogen_context, ops.DropTableOp.from_table(op.table))


class AddForeignKeyOps(ops.MigrateOperation):
    """Add a foreign key; the reverse also drops the index MariaDB/MySQL created for it.

    MySQL creates an index named after a foreign key when no index can serve it, and keeps that
    index when the foreign key is dropped; ``implicit_index`` says whether that happens here.
    """

    def __init__(self, constraint: ForeignKeyConstraint, implicit_index: bool) -> None:
        self.constraint = constraint
        self.implicit_index = implicit_index

    def reverse(self) -> DropForeignKeyOps:
        return DropForeignKeyOps(self.constraint, self.implicit_index)


class DropForeignKeyOps(ops.MigrateOperation):
    """Drop a foreign key, and on MariaDB/MySQL the index it implicitly created."""

    def __init__(self, constraint: ForeignKeyConstraint, implicit_index: bool) -> None:
        self.constraint = constraint
        self.implicit_index = implicit_index

    def reverse(self) -> AddForeignKeyOps:
        return AddForeignKeyOps(self.constraint, self.implicit_index)


@renderers.dispatch_for(AddForeignKeyOps)
def _render_add_fk(autogen_context: AutogenContext, op: AddForeignKeyOps) -> list[str]:
    return render_op(autogen_context, ops.AddConstraintOp.from_constraint(op.constraint))


@renderers.dispatch_for(DropForeignKeyOps)
def _render_drop_fk(autogen_context: AutogenContext, op: DropForeignKeyOps) -> list[str]:
    lines = render_op(autogen_context, ops.DropConstraintOp.from_constraint(op.constraint))
    if op.implicit_index:
        target = "batch_op" if autogen_context._has_batch else "op"
        table = "" if autogen_context._has_batch else f", table_name={op.constraint.table.name!r}"
        lines.append(
            "# MariaDB/MySQL keep the index they created for the foreign key: drop it too."
        )
        lines.append(
            f"if op.get_bind().dialect.name in ('mysql', 'mariadb'): "
            f"{target}.drop_index({str(op.constraint.name)!r}{table})"
        )
    return lines


def needs_implicit_index(constraint: ForeignKeyConstraint) -> bool:
    """True when MySQL would create an index for this foreign key: none of the table's indexes,
    unique constraints or primary key starts with the foreign key's columns."""
    table = constraint.table
    wanted = [str(column.name) for column in constraint.columns]
    candidates = [list(index.columns) for index in table.indexes]
    candidates += [list(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)]
    candidates.append(list(table.primary_key.columns))
    return not any(
        [str(column.name) for column in columns[: len(wanted)]] == wanted
        for columns in candidates
    )


class CreateSchemaOps(ops.MigrateOperation):
    """``CREATE SCHEMA IF NOT EXISTS`` for a schema the snapshot starts using.

    The reverse leaves the schema in place: it may hold objects the snapshot does not manage.
    """

    def __init__(self, schema: str, create: bool = True) -> None:
        self.schema = schema
        self.create = create

    def reverse(self) -> CreateSchemaOps:
        return CreateSchemaOps(self.schema, not self.create)


@renderers.dispatch_for(CreateSchemaOps)
def _render_create_schema(autogen_context: AutogenContext, op: CreateSchemaOps) -> str:
    if op.create:
        return f"op.execute(sa.schema.CreateSchema({op.schema!r}, if_not_exists=True))"
    return f"# schema {op.schema!r} is left in place: it may hold objects of other owners"


class PrimaryKeyOps(ops.MigrateOperation):
    """Replace a table's primary key (``old``/``new`` may be None: only add, or only drop).

    Alembic's renderer has no primary-key operations, so they are written here.  MariaDB refuses
    to drop a primary key a foreign key still needs in between two statements, so there both
    happen in one ALTER TABLE, with names quoted by SQLAlchemy's MySQL dialect.
    """

    def __init__(self, table: Table, old: PrimaryKeyConstraint | None,
                 new: PrimaryKeyConstraint | None) -> None:
        self.table = table
        self.old = old
        self.new = new

    def reverse(self) -> PrimaryKeyOps:
        return PrimaryKeyOps(self.table, self.new, self.old)


def _columns(constraint: PrimaryKeyConstraint) -> list[str]:
    return [str(column.name) for column in constraint.columns]


@renderers.dispatch_for(PrimaryKeyOps)
def _render_primary_key(autogen_context: AutogenContext, op: PrimaryKeyOps) -> list[str]:
    target = "batch_op" if autogen_context._has_batch else "op"
    table = "" if autogen_context._has_batch else f"{op.table.name!r}, "
    lines = []
    if op.old is not None and op.new is not None:
        preparer = mysql.dialect().identifier_preparer
        sql = (f"ALTER TABLE {preparer.format_table(op.table)} DROP PRIMARY KEY, ADD CONSTRAINT "
               f"{preparer.quote(str(op.new.name))} PRIMARY KEY "
               f"({', '.join(preparer.quote(c) for c in _columns(op.new))})")
        lines.append("# MariaDB/MySQL: one statement, so foreign keys keep an index throughout.")
        lines.append(f"if op.get_bind().dialect.name in ('mysql', 'mariadb'): op.execute({sql!r})")
        prefix = "if op.get_bind().dialect.name not in ('mysql', 'mariadb'): "
    else:
        prefix = ""
    if op.old is not None:
        lines.append(f"{prefix}{target}.drop_constraint({str(op.old.name)!r}, {table}"
                     "type_='primary')")
    if op.new is not None:
        lines.append(f"{prefix}{target}.create_primary_key({str(op.new.name)!r}, {table}"
                     f"{_columns(op.new)!r})")
    return lines


class CheckedColumnOps(ops.MigrateOperation):
    """Add or drop a column whose Boolean/Enum type makes a CHECK constraint (``checks``).

    Dropping it on SQLite drops that CHECK first: the batch rebuild would otherwise copy a CHECK
    that names the dropped column.  Elsewhere the database drops it with the column, or never
    had it (native types).
    """

    def __init__(self, op: ops.AddColumnOp | ops.DropColumnOp, checks: list[str]) -> None:
        self.op = op
        self.checks = checks

    def reverse(self) -> CheckedColumnOps:
        return CheckedColumnOps(self.op.reverse(), self.checks)


@renderers.dispatch_for(CheckedColumnOps)
def _render_checked_column(autogen_context: AutogenContext, op: CheckedColumnOps) -> list[str]:
    if isinstance(op.op, ops.AddColumnOp):
        return render_op(autogen_context, op.op)
    target = "batch_op" if autogen_context._has_batch else "op"
    table = "" if autogen_context._has_batch else f"{op.op.table_name!r}, "
    lines = [f"if op.get_bind().dialect.name == 'sqlite': "
             f"{target}.drop_constraint({target}.f({name!r}), {table}type_='check')"
             for name in op.checks]
    return [*lines, *render_op(autogen_context, op.op)]


class ForeignKeyIndexGuardOps(ops.MigrateOperation):
    """An index (or unique constraint) change that a MariaDB foreign key depends on.

    MariaDB needs an index for every foreign key: it refuses to drop the only index that serves
    one, and silently drops the index it made itself once another can serve.  So before the
    wrapped operation drops such an index, MariaDB gets the foreign key's own index
    (``guards``: foreign key name and columns); after it creates one, that index goes if it is
    still there (one we made; MariaDB drops its own).
    """

    def __init__(self, op: ops.MigrateOperation, guards: list[tuple[str, list[str]]]) -> None:
        self.op = op
        self.guards = guards

    def reverse(self) -> ForeignKeyIndexGuardOps:
        return ForeignKeyIndexGuardOps(self.op.reverse(), self.guards)


@renderers.dispatch_for(ForeignKeyIndexGuardOps)
def _render_guarded(autogen_context: AutogenContext, op: ForeignKeyIndexGuardOps) -> list[str]:
    target = "batch_op" if autogen_context._has_batch else "op"
    table = "" if autogen_context._has_batch else f", table_name={op.op.table_name!r}"
    on_mysql = "if op.get_bind().dialect.name in ('mysql', 'mariadb'): "
    inner = render_op(autogen_context, op.op)
    if isinstance(op.op, (ops.DropIndexOp, ops.DropConstraintOp)):
        table_arg = "" if autogen_context._has_batch else f"{op.op.table_name!r}, "
        before = [f"{on_mysql}{target}.create_index({name!r}, {table_arg}{columns!r})"
                  for name, columns in op.guards]
        return ["# MariaDB/MySQL: the foreign key keeps an index of its own.", *before, *inner]
    after = [f"{on_mysql}{target}.drop_index({name!r}{table}, if_exists=True)"
             for name, _ in op.guards]
    return [*inner, "# MariaDB/MySQL: the foreign key's own index is not needed any more.",
            *after]



class IdentityOptionsOps(ops.MigrateOperation):
    """New IDENTITY options for a column (``ALTER COLUMN ... SET ...``), on PostgreSQL only.

    SQLite and MariaDB have no IDENTITY columns, only plain autoincrement, so they keep no
    options to change.  ``op`` is the ``alter_column`` with the old identity as
    ``existing_server_default``, which Alembic's renderer leaves out when the default changes
    (PostgreSQL would then try to add a second identity).
    """

    def __init__(self, op: ops.AlterColumnOp) -> None:
        self.op = op

    def reverse(self) -> IdentityOptionsOps:
        return IdentityOptionsOps(self.op.reverse())


@renderers.dispatch_for(IdentityOptionsOps)
def _render_identity_options(autogen_context: AutogenContext, op: IdentityOptionsOps) -> list[str]:
    [line] = render_op(autogen_context, op.op)
    existing = _render_server_default(op.op.existing_server_default, autogen_context)
    line = f"{line[:-1]},\n{' ' * 11}existing_server_default={existing})"
    return ["# IDENTITY options exist on PostgreSQL only.",
            f"if op.get_bind().dialect.name == 'postgresql': {line}"]


class AutoincrementOps(ops.MigrateOperation):
    """Turn autoincrement on or off for an existing column: AUTO_INCREMENT on MariaDB/MySQL,
    SERIAL on PostgreSQL (its default and the sequence it owns; turned on, the numbering goes on
    after the highest value).  SQLite's integer primary key is its rowid whatever the models
    say."""

    def __init__(self, op: ops.AlterColumnOp, serial: bool) -> None:
        self.op = op
        self.serial = serial  # False: IDENTITY or its own Sequence numbers it on PostgreSQL

    @classmethod
    def of(cls, table: Table, column: Column[Any], on: bool) -> AutoincrementOps:
        """Autoincrement ``on`` or off for ``column`` (as it is before) of ``table``."""
        return cls(ops.AlterColumnOp(
            table.name, str(column.name), schema=table.schema, existing_type=column.type,
            existing_nullable=column.nullable, autoincrement=on),
            serial=serial_numbered(column))

    def reverse(self) -> AutoincrementOps:
        reverse = ops.AlterColumnOp(
            self.op.table_name, self.op.column_name, schema=self.op.schema,
            existing_type=self.op.existing_type, existing_nullable=self.op.existing_nullable,
            autoincrement=not self.op.kw["autoincrement"])
        return AutoincrementOps(reverse, self.serial)


@renderers.dispatch_for(AutoincrementOps)
def _render_autoincrement(autogen_context: AutogenContext, op: AutoincrementOps) -> list[str]:
    [line] = render_op(autogen_context, op.op)
    lines = ["# MariaDB/MySQL keep AUTO_INCREMENT as a column attribute.",
             f"if op.get_bind().dialect.name in ('mysql', 'mariadb'): {line}"]
    if op.serial:
        lines += ["# PostgreSQL: SERIAL is a default and a sequence the column owns.",
                  *(f"if op.get_bind().dialect.name == 'postgresql': op.execute({sql!r})"
                    for sql in _serial_sql(op.op))]
    return lines


def _serial_sql(op: ops.AlterColumnOp) -> list[str]:
    """The statements that make ``op``'s column a SERIAL (or a plain integer), identifiers
    quoted by SQLAlchemy; the sequence gets the name PostgreSQL gives a SERIAL's."""
    preparer = _POSTGRESQL.identifier_preparer
    table = preparer.format_table(sa_table(op.table_name, schema=op.schema))
    column = preparer.quote(op.column_name)
    sequence = preparer.format_sequence(
        Sequence(serial_sequence(op.table_name, op.column_name), schema=op.schema))
    if not op.kw["autoincrement"]:
        return [f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT",
                f"DROP SEQUENCE {sequence}"]
    kind = "bigint" if isinstance(op.existing_type, BigInteger) else (
        "smallint" if isinstance(op.existing_type, SmallInteger) else "integer")
    literal = _POSTGRESQL.statement_compiler(_POSTGRESQL, None).render_literal_value(
        sequence, String())
    return [f"CREATE SEQUENCE {sequence} AS {kind} OWNED BY {table}.{column}",
            f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT nextval({literal}::regclass)",
            f"SELECT setval({literal}, COALESCE(MAX({column}), 0) + 1, false) FROM {table}"]


class SQLiteOnlyOps(ops.MigrateOperation):
    """Set an object aside before a batch table rebuild and add it back after, on SQLite only.

    Generated columns: Alembic's rebuild copies every column with ``INSERT ... SELECT``, which
    SQLite refuses for a generated column, and SQLAlchemy reads generated columns back from the
    CREATE TABLE text, which an earlier ``ADD COLUMN`` can garble.  Indexes on expressions:
    SQLite cannot reflect them, so the rebuilt table would come back without them.  Taken out
    before the rebuild and added after it, the object is defined from the snapshot.
    """

    def __init__(self, op: ops.MigrateOperation, what: str = "generated column") -> None:
        self.op = op
        self.what = what

    def reverse(self) -> SQLiteOnlyOps:
        return SQLiteOnlyOps(self.op.reverse(), self.what)


@renderers.dispatch_for(SQLiteOnlyOps)
def _render_sqlite_only(autogen_context: AutogenContext, op: SQLiteOnlyOps) -> list[str]:
    adding = isinstance(op.op, (ops.AddColumnOp, ops.CreateIndexOp))
    verb = "re-created after" if adding else "set aside for"
    return [f"# SQLite: {op.what} {verb} the table rebuild.",
            *(f"if op.get_bind().dialect.name == 'sqlite': {line}"
              for line in render_op(autogen_context, op.op))]
