"""Table options of MariaDB/MySQL (``mysql_engine``, ``mysql_charset``, ``mysql_collate``,
``mysql_row_format``, ...) changed on an existing table, and verified.

A fresh ``CREATE TABLE`` gives every text column the table's character set, so a changed
character set or collation is ``CONVERT TO CHARACTER SET``, which re-encodes the columns.  It
also widens TEXT types (latin1 TEXT becomes utf8mb4 MEDIUMTEXT to keep its capacity) and
overrides collations the models give columns, so those columns get their declared types back
right after it.  PostgreSQL and SQLite table options (tablespace, partitioning, rowid) cannot
be changed in place here; ``option_problems`` refuses such a change when that database is a
target.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op
from alembic.operations import ops
from sqlalchemy import JSON, MetaData, String, Table, Text, text
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Inspector
from sqlalchemy.types import TypeEngine

from ..snapshot.expressions import type_on
from ..snapshot.serialize import TableDict
from .on import Database, on

CHARSET_OPTIONS = ("mysql_charset", "mysql_default_charset", "mysql_character_set",
                   "mysql_default_character_set")
COLLATE_OPTIONS = ("mysql_collate", "mysql_default_collate")
# What ALTER TABLE sets an option back to when the models drop it (engine and character set:
# the server's and database's defaults); changing any other option is refused (MariaDB would
# keep it on downgrade).
_RESETS = {"mysql_row_format": "DEFAULT", "mysql_pack_keys": "DEFAULT",
           "mysql_stats_auto_recalc": "DEFAULT", "mysql_stats_persistent": "DEFAULT",
           "mysql_stats_sample_pages": "DEFAULT", "mysql_checksum": "0",
           "mysql_delay_key_write": "0", "mysql_key_block_size": "0", "mysql_min_rows": "0",
           "mysql_max_rows": "0", "mysql_avg_row_length": "0", "mysql_auto_increment": "1",
           "mysql_comment": ""}
MIGRATED_OPTIONS = {*CHARSET_OPTIONS, *COLLATE_OPTIONS, "mysql_engine", *_RESETS}
# The next AUTO_INCREMENT value changes by itself; a table comment is compared by Alembic.
_UNVERIFIED = {"mysql_auto_increment", "mysql_comment"}
_PLAIN = re.compile(r"^\w+$")
_QUOTED_BY_SQLALCHEMY = {"mysql_comment", "mysql_data_directory", "mysql_index_directory",
                         "mysql_password", "mysql_connection"}


def mysql_options(options: Mapping[str, Any] | None) -> dict[str, str]:
    """The MariaDB/MySQL options among a table's dialect options, values as text."""
    return {key: str(value) for key, value in (options or {}).items()
            if key.startswith("mysql_")}


def _charset(options: Mapping[str, str]) -> tuple[str | None, str | None]:
    charset = next((options[key] for key in CHARSET_OPTIONS if key in options), None)
    collate = next((options[key] for key in COLLATE_OPTIONS if key in options), None)
    return charset, collate


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
    return isinstance(type_, (JSON, Text, mysql.TINYTEXT, mysql.MEDIUMTEXT, mysql.LONGTEXT)) or (
        isinstance(type_, String)
        and (bool(type_.collation) or bool(getattr(type_, "charset", None))))


def _clauses(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    """Python expressions, each one ALTER TABLE clause (the table name is prepended)."""
    clauses = []
    if _charset(old) != _charset(new):
        charset, collate = _charset(new)
        # a collation's name starts with its character set (utf8mb4_bin, latin1_swedish_ci)
        charset = charset or (collate.split("_")[0] if collate else "DEFAULT")
        clauses.append(repr(f" CONVERT TO CHARACTER SET {charset}"
                            + (f" COLLATE {collate}" if collate else "")))
    if old.get("mysql_engine") != new.get("mysql_engine"):
        clauses.append(repr(f" ENGINE={new['mysql_engine']}") if "mysql_engine" in new else
                       "' ENGINE=' + op.get_bind().exec_driver_sql("
                       "'SELECT @@default_storage_engine').scalar()")
    others = {key: new.get(key, _RESETS.get(key, "")) for key in sorted(old.keys() | new.keys())
              if key in _RESETS and old.get(key) != new.get(key)}
    if others:  # rendered as SQLAlchemy's CREATE TABLE renders them, which ALTER TABLE accepts
        table = Table("options", MetaData(), **others)
        dialect = mysql.dialect()
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
    if _charset(op.old) != _charset(op.new):
        lines += [line for column in op.restore for line in render_op(autogen_context, column)]
        comment = ["# MariaDB/MySQL table options.  CONVERT TO re-encodes the text columns and "
                   "widens TEXT types,", "# so their declared types are set again after it."]
    return [*comment, *(f"if {on(Database.MYSQL)}: {line}" for line in lines)]


def option_problems(change_table: str, old: Mapping[str, Any] | None,
                    new: Mapping[str, Any] | None, databases: Iterable[str]) -> list[str]:
    """One message per changed option of an existing table that a target database cannot
    change in place and back (every option but the MariaDB/MySQL ones migrated here)."""
    old, new = dict(old or {}), dict(new or {})
    targets = set(databases)
    problems = []
    for key in sorted(old.keys() | new.keys()):
        if old.get(key) == new.get(key):
            continue
        database = key.split("_", 1)[0]
        if key in MIGRATED_OPTIONS:
            continue
        if database in targets or (database == "mariadb" and "mysql" in targets):
            verb = "removing" if key not in new else "adding" if key not in old else "changing"
            target = "mysql" if database == "mariadb" else database
            problems.append(
                f"table {change_table}: {verb} {key} of an existing table is not migrated "
                "(the database cannot change it in place); re-create the table, or remove "
                f"\"{target}\" from [tool.schema] databases if you do not deploy to it")
    return problems


def value_problems(tables: Iterable[tuple[str, TableDict]]) -> list[str]:
    """MariaDB/MySQL option values that are not one plain word: SQLAlchemy writes them into
    CREATE and ALTER TABLE as they are."""
    return [f"table {key}: {option} {value!r} is not a plain word (letters, digits, _)"
            for key, data in tables
            for option, value in mysql_options(data.get("dialect_options")).items()
            if option not in _QUOTED_BY_SQLALCHEMY and not _PLAIN.match(value)]


def option_drift(inspector: Inspector, metadata: MetaData) -> list[str]:
    """Engine, character set, collation and the other declared MariaDB/MySQL options; where
    the models declare no engine or character set, the server's and database's defaults."""
    if not Database.MYSQL.matches(inspector.dialect):
        return []
    connection = inspector.bind
    engine = connection.exec_driver_sql("SELECT @@default_storage_engine").scalar()
    # each database's default character set and collation, read once (bound: names are data)
    # (a database not there yet has no row; its tables are skipped below)
    defaults = {schema: connection.execute(text(
        "SELECT default_character_set_name, default_collation_name FROM "
        "information_schema.schemata WHERE schema_name = COALESCE(:s, DATABASE())"),
        {"s": schema}).first() for schema in {table.schema for table in metadata.tables.values()}}
    lines = []
    for table in metadata.tables.values():
        if not inspector.has_table(table.name, schema=table.schema):
            continue
        declared = mysql_options(table.dialect_kwargs)
        live = inspector.get_table_options(table.name, schema=table.schema)
        charset, collate = _charset(declared)
        wanted = {key: value for key, value in declared.items()
                  if key not in (*CHARSET_OPTIONS, *COLLATE_OPTIONS, *_UNVERIFIED)}
        wanted.setdefault("mysql_engine", engine)
        if charset is None and collate is None:
            charset, collate = defaults[table.schema]  # type: ignore[misc]
        wanted["mysql_default charset"] = charset or str(collate).split("_")[0]
        if collate:
            wanted["mysql_collate"] = collate
        for key, value in sorted(wanted.items()):
            found = live.get(key)
            if found is not None and str(found).lower() != str(value).lower():
                lines.append(f"table {table.name}: {key.removeprefix('mysql_')} is {found} in "
                             f"the database, the snapshot says {value}")
    return lines
