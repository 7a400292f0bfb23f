"""Numbering of existing columns: IDENTITY options, autoincrement turned on or off, and
alter_column of a column that stays autoincrement, each per database (AUTO_INCREMENT on
MariaDB/MySQL, SERIAL's default and owned sequence on PostgreSQL)."""

from __future__ import annotations

import copy
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op
from alembic.operations import ops
from sqlalchemy import BigInteger, Column, Sequence, SmallInteger, String, Table
from sqlalchemy import table as sa_table

from ...compat import render_server_default
from ...dialect_modules import dialect_named
from ...dialects.on import Database, on
from ...dialects.sequences import serial_numbered, serial_sequence


class IdentityOptionsOp(ops.MigrateOperation):
    """New IDENTITY options for a column (``ALTER COLUMN ... SET ...``), on PostgreSQL only.

    SQLite and MariaDB have no IDENTITY columns, only plain autoincrement, so they keep no
    options to change.  ``op`` is the ``alter_column`` with the old identity as
    ``existing_server_default``, which Alembic's renderer leaves out when the default changes
    (PostgreSQL would then try to add a second identity).
    """

    def __init__(self, op: ops.AlterColumnOp) -> None:
        self.op = op

    def reverse(self) -> IdentityOptionsOp:
        return IdentityOptionsOp(self.op.reverse())


@renderers.dispatch_for(IdentityOptionsOp)
def _render_identity_options(autogen_context: AutogenContext, op: IdentityOptionsOp) -> list[str]:
    [line] = render_op(autogen_context, op.op)
    existing = render_server_default(op.op.existing_server_default, autogen_context)
    line = f"{line[:-1]},\n{' ' * 11}existing_server_default={existing})"
    return ["# IDENTITY options exist on PostgreSQL only.",
            f"if {on(Database.POSTGRESQL)}: {line}"]


class AutoincrementOp(ops.MigrateOperation):
    """Turn autoincrement on or off for an existing column: AUTO_INCREMENT on MariaDB/MySQL,
    SERIAL on PostgreSQL (its default and the sequence it owns; turned on, the numbering goes on
    after the highest value).  SQLite's integer primary key is its rowid whatever the models
    say."""

    def __init__(self, op: ops.AlterColumnOp, serial: bool) -> None:
        self.op = op
        self.serial = serial  # False: IDENTITY or its own Sequence numbers it on PostgreSQL

    @classmethod
    def of(cls, table: Table, column: Column[Any], on: bool) -> AutoincrementOp:
        """Autoincrement ``on`` or off for ``column`` (as it is before) of ``table``."""
        return cls(ops.AlterColumnOp(
            table.name, str(column.name), schema=table.schema, existing_type=column.type,
            existing_nullable=column.nullable, autoincrement=on),
            serial=serial_numbered(column))

    def reverse(self) -> AutoincrementOp:
        reverse = ops.AlterColumnOp(
            self.op.table_name, self.op.column_name, schema=self.op.schema,
            existing_type=self.op.existing_type, existing_nullable=self.op.existing_nullable,
            autoincrement=not self.op.kw["autoincrement"])
        return AutoincrementOp(reverse, self.serial)


@renderers.dispatch_for(AutoincrementOp)
def _render_autoincrement(autogen_context: AutogenContext, op: AutoincrementOp) -> list[str]:
    [line] = render_op(autogen_context, op.op)
    lines = ["# MariaDB/MySQL keep AUTO_INCREMENT as a column attribute.",
             f"if {on(Database.MYSQL)}: {line}"]
    if op.serial:
        lines += ["# PostgreSQL: SERIAL is a default and a sequence the column owns.",
                  *(f"if {on(Database.POSTGRESQL)}: op.execute({sql!r})"
                    for sql in _serial_sql(op.op))]
    return lines


class AutoincrementKeptOp(ops.MigrateOperation):
    """An alter_column of a column that stays autoincrement.  MariaDB/MySQL's MODIFY restates
    the whole column, so there it says AUTO_INCREMENT again (elsewhere Alembic would only warn
    that the argument means nothing).  PostgreSQL keeps a SERIAL's sequence at its old integer
    type when the column's changes, so a column widened to BigInteger would still run out at
    2**31 - 1: with ``serial``, the sequence follows the column's type."""

    def __init__(self, op: ops.AlterColumnOp, serial: bool) -> None:
        self.op = op
        self.serial = serial

    def reverse(self) -> AutoincrementKeptOp:
        return AutoincrementKeptOp(self.op.reverse(), self.serial)


@renderers.dispatch_for(AutoincrementKeptOp)
def _render_autoincrement_kept(autogen_context: AutogenContext, op: AutoincrementKeptOp
                               ) -> list[str]:
    kept = copy.copy(op.op)
    kept.kw = {**op.op.kw, "autoincrement": True}
    [mysql] = render_op(autogen_context, kept)
    [other] = render_op(autogen_context, op.op)
    lines = ["# MariaDB/MySQL: the column stays AUTO_INCREMENT.",
             f"if {on(Database.MYSQL)}: {mysql}", f"if {on(Database.MYSQL, negate=True)}: {other}"]
    new_type = op.op.modify_type
    if op.serial and new_type is not None and sequence_type(new_type) != sequence_type(
            op.op.existing_type):
        sequence = dialect_named("postgresql").identifier_preparer.format_sequence(
            Sequence(serial_sequence(op.op.table_name, op.op.column_name), schema=op.op.schema))
        lines += ["# PostgreSQL: the SERIAL's sequence takes the column's type.",
                  f"if {on(Database.POSTGRESQL)}: op.execute("
                  f"{f'ALTER SEQUENCE {sequence} AS {sequence_type(new_type)}'!r})"]
    return lines


def sequence_type(type_: Any) -> str:
    """The integer type PostgreSQL gives a SERIAL's sequence for a column of ``type_``."""
    return ("bigint" if isinstance(type_, BigInteger)
            else "smallint" if isinstance(type_, SmallInteger) else "integer")


def _serial_sql(op: ops.AlterColumnOp) -> list[str]:
    """The statements that make ``op``'s column a SERIAL (or a plain integer), identifiers
    quoted by SQLAlchemy; the sequence gets the name PostgreSQL gives a SERIAL's."""
    postgresql = dialect_named("postgresql")
    preparer = postgresql.identifier_preparer
    table = preparer.format_table(sa_table(op.table_name, schema=op.schema))
    column = preparer.quote(op.column_name)
    sequence = preparer.format_sequence(
        Sequence(serial_sequence(op.table_name, op.column_name), schema=op.schema))
    if not op.kw["autoincrement"]:
        return [f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT",
                f"DROP SEQUENCE {sequence}"]
    kind = sequence_type(op.existing_type)
    literal = postgresql.statement_compiler(postgresql, None).render_literal_value(
        sequence, String())
    return [f"CREATE SEQUENCE {sequence} AS {kind} OWNED BY {table}.{column}",
            f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT nextval({literal}::regclass)",
            f"SELECT setval({literal}, COALESCE(MAX({column}), 0) + 1, false) FROM {table}"]
