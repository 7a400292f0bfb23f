"""New MariaDB/MySQL options for an existing table: one ``ALTER TABLE`` on MariaDB.

A fresh ``CREATE TABLE`` gives every text column the table's character set, so a changed
character set or collation is ``CONVERT TO CHARACTER SET``, which re-encodes the columns.  It
also widens TEXT types (latin1 TEXT becomes utf8mb4 MEDIUMTEXT to keep its capacity) and
overrides collations the models give columns, so those columns get their declared types back
right after it.  Which options are migrated, and what a removed one goes back to, is in
``dialects/table_options``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op
from alembic.operations import ops
from sqlalchemy import JSON, MetaData, String, Table, Text
from sqlalchemy.types import TypeEngine

from ...dialect_modules import dialect_named, is_dialect_type
from ...dialects.on import Database, on
from ...dialects.table_options import RESETS, charset_of, mysql_options
from ...snapshot.expressions import type_on


class TableOptionsOp(ops.MigrateOperation):
    """New MariaDB/MySQL options for an existing table; ``restore`` gives the text columns
    their declared types again after a character-set conversion (the same in both
    directions: the table's columns as they are when this runs)."""

    def __init__(self, table_name: str, schema: str | None, old: dict[str, str],
                 new: dict[str, str], restore: list[ops.AlterColumnOp]) -> None:
        self.table_name = table_name
        self.schema = schema
        self.old = old
        self.new = new
        self.restore = restore

    @classmethod
    def between(cls, old_table: Table, new_table: Table,
                renamed: Mapping[str, str]) -> TableOptionsOp:
        """Options of ``old_table`` -> ``new_table``; ``renamed`` maps old column names to new
        ones (renames run first, so this op sees the new names)."""
        restore = [
            ops.AlterColumnOp(
                new_table.name, renamed.get(str(column.name), str(column.name)),
                schema=new_table.schema, existing_type=column.type, modify_type=column.type,
                existing_nullable=column.nullable, existing_server_default=column.server_default,
                existing_comment=column.comment)
            for column in old_table.columns
            if column.computed is None and _converted(column.type)
        ]
        return cls(new_table.name, new_table.schema, mysql_options(old_table.dialect_kwargs),
                   mysql_options(new_table.dialect_kwargs), restore)

    def reverse(self) -> TableOptionsOp:
        return TableOptionsOp(self.table_name, self.schema, self.new, self.old, self.restore)

    def changes_anything(self) -> bool:
        """False when only options left to the snapshot changed (those of a database that is
        not a target, which ``option_problems`` lets through)."""
        return bool(_clauses(self.old, self.new))


def _converted(type_: TypeEngine[Any]) -> bool:
    """Whether CONVERT TO changes this type beyond its character set: TEXT types are widened,
    declared collations and character sets overridden (JSON is utf8mb4_bin LONGTEXT)."""
    type_ = type_on(type_, "mysql")
    return isinstance(type_, (JSON, Text)) or is_dialect_type(
        type_, "mysql", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT") or (
        isinstance(type_, String)
        and (bool(type_.collation) or bool(getattr(type_, "charset", None))))


def _clauses(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    """Python expressions, each one ALTER TABLE clause (the table name is prepended)."""
    clauses = []
    if charset_of(old) != charset_of(new):
        charset, collate = charset_of(new)
        # a collation's name starts with its character set (utf8mb4_bin, latin1_swedish_ci)
        charset = charset or (collate.split("_")[0] if collate else "DEFAULT")
        clauses.append(repr(f" CONVERT TO CHARACTER SET {charset}"
                            + (f" COLLATE {collate}" if collate else "")))
    if old.get("mysql_engine") != new.get("mysql_engine"):
        clauses.append(repr(f" ENGINE={new['mysql_engine']}") if "mysql_engine" in new else
                       "' ENGINE=' + op.get_bind().exec_driver_sql("
                       "'SELECT @@default_storage_engine').scalar()")
    others = {key: new.get(key, RESETS.get(key, "")) for key in sorted(old.keys() | new.keys())
              if key in RESETS and old.get(key) != new.get(key)}
    if others:  # rendered as SQLAlchemy's CREATE TABLE renders them, which ALTER TABLE accepts
        table = Table("options", MetaData(), **others)
        dialect = dialect_named("mysql")
        clauses.append(repr(" " + dialect.ddl_compiler(dialect, None).post_create_table(table)))
    return clauses


@renderers.dispatch_for(TableOptionsOp)
def _render_table_options(autogen_context: AutogenContext, op: TableOptionsOp) -> list[str]:
    name = (f"op.get_bind().dialect.identifier_preparer.format_table("
            f"sa.table({op.table_name!r}, schema={op.schema!r}))")
    # one ALTER TABLE: MariaDB copies the table once for all the options
    clauses = " + ',' + ".join(_clauses(op.old, op.new))
    lines = [f"op.execute('ALTER TABLE ' + {name} + {clauses})"] if clauses else []
    comment = ["# MariaDB/MySQL table options."]
    if charset_of(op.old) != charset_of(op.new):
        lines += [line for column in op.restore for line in render_op(autogen_context, column)]
        comment = ["# MariaDB/MySQL table options.  CONVERT TO re-encodes the text columns and "
                   "widens TEXT types,", "# so their declared types are set again after it."]
    return [*comment, *(f"if {on(Database.MYSQL)}: {line}" for line in lines)]
