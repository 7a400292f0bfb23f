"""Rename operations: the data stays, on every database.

Alembic has no renderer for ``rename_table`` and no reverse for renames, so both are written
here.  On PostgreSQL a SERIAL or IDENTITY column's sequence is named after its table and column
and does not follow a rename by itself; the revision renames it too.
"""

from __future__ import annotations

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op
from alembic.operations import ops
from sqlalchemy import Column, Table

from ...compat import copy_column
from ...dialect_modules import dialect_named
from ...dialects.on import Database, on
from ...dialects.sequences import owned_sequence_column, serial_sequence


class RenameTableInPlaceOp(ops.MigrateOperation):
    """``rename_table``: the rows stay.  Indexes and constraints keep their names; those whose
    names follow the table's are renamed by the ordinary drop and add that follow.  On
    PostgreSQL the SERIAL or IDENTITY column's sequence (``<table>_<column>_seq``) follows the
    table."""

    def __init__(self, old: str, new: str, schema: str | None, serial: str | None) -> None:
        self.old = old
        self.new = new
        self.schema = schema
        self.serial = serial

    def reverse(self) -> RenameTableInPlaceOp:
        return RenameTableInPlaceOp(self.new, self.old, self.schema, self.serial)


@renderers.dispatch_for(RenameTableInPlaceOp)
def _render_rename_table(autogen_context: AutogenContext, op: RenameTableInPlaceOp) -> list[str]:
    schema = f", schema={op.schema!r}" if op.schema else ""
    lines = [f"op.rename_table({op.old!r}, {op.new!r}{schema})"]
    if op.serial:
        lines += _rename_sequence(serial_sequence(op.old, op.serial),
                                  serial_sequence(op.new, op.serial), op.schema)
    return lines


def _rename_sequence(old: str, new: str, schema: str | None) -> list[str]:
    quote = dialect_named("postgresql").identifier_preparer
    prefix = f"{quote.quote_schema(schema)}." if schema else ""
    sql = f"ALTER SEQUENCE {prefix}{quote.quote(old)} RENAME TO {quote.quote(new)}"
    return ["# PostgreSQL: the SERIAL or IDENTITY column's sequence follows its name.",
            f"if {on(Database.POSTGRESQL)}: op.execute({sql!r})"]


class RenameColumnInPlaceOp(ops.MigrateOperation):
    """Rename ``column`` (as it is after the rename) from ``old``: the data stays."""

    def __init__(self, table: Table, old: str, column: Column) -> None:
        self.table = table
        self.old = old
        self.column = column

    def reverse(self) -> RenameColumnInPlaceOp:
        renamed = copy_column(self.column)
        new = str(renamed.name)
        renamed.name = renamed.key = self.old
        return RenameColumnInPlaceOp(self.table, new, renamed)


@renderers.dispatch_for(RenameColumnInPlaceOp)
def _render_rename_column(autogen_context: AutogenContext, op: RenameColumnInPlaceOp) -> list[str]:
    """RENAME COLUMN in place on every database: CHECKs, indexes, keys and generated columns
    follow the name (SQLite 3.25+ too, where a batch rebuild would copy a CHECK's old text).
    Alembic's MariaDB form, CHANGE COLUMN, would restate the whole definition instead."""
    column, table = op.column, op.table
    preparer = dialect_named("mysql").identifier_preparer
    sql = (f"ALTER TABLE {preparer.format_table(table)} RENAME COLUMN "
           f"{preparer.quote(op.old)} TO {preparer.quote(str(column.name))}")
    [rename] = render_op(autogen_context, ops.AlterColumnOp(
        table.name, op.old, schema=table.schema, modify_name=str(column.name)))
    lines = [f"if {on(Database.MYSQL)}: op.execute({sql!r})",
             f"else: {rename}"]
    serial = owned_sequence_column(table)
    if serial is not None and str(serial.name) in (op.old, str(column.name)):
        lines += _rename_sequence(serial_sequence(table.name, op.old),
                                  serial_sequence(table.name, str(column.name)), table.schema)
    return lines
