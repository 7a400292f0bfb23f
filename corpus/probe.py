"""The database's own reading of what the models declare: defaults and primary-key names.

Each database stores a default or names a primary key in its own words (PostgreSQL
``'x'::character varying`` and ``t_pkey``, MariaDB ``curdate()`` and ``PRIMARY``, SQLite the
DDL's text).  The tool reduces spellings to one form to compare them; an independent check must
not reuse that reduction.  So the models' column (or key) is created on the same database as a
scratch table, and read back from the catalog with the same query as the live table's: equal
readings mean the database holds what the models declare.

The scratch table is temporary where the catalog sees temporary tables (PostgreSQL, SQLite: it
takes the table's own name there, in the temporary schema, so a naming convention or the
database's default names it as it would the real table) and is rolled back; on MariaDB, whose
``information_schema`` does not list temporary tables, it is a table ``corpus_probe`` dropped
at once (MariaDB names every primary key ``PRIMARY`` anyway).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, Table, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateTable, DefaultClause, DropTable

SCRATCH = "corpus_probe"  # MariaDB's scratch table


def _pg_where(schema: str | None, temporary: bool) -> str:
    if temporary:
        return "to_regclass(format('pg_temp.%I', CAST(:table AS text)))"
    return ("to_regclass(format('%I.%I', COALESCE(CAST(:schema AS text), current_schema()), "
            "CAST(:table AS text)))")


def _pg_default(connection: Connection, schema: str | None, table: str, column: str,
                temporary: bool = False) -> Any:
    return connection.execute(text(
        "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a LEFT JOIN pg_attrdef d "
        "ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        f"WHERE a.attrelid = {_pg_where(schema, temporary)} AND a.attname = :column"),
        {"schema": schema, "table": table, "column": column}).scalar()


def _pg_key_name(connection: Connection, schema: str | None, table: str,
                 temporary: bool = False) -> Any:
    return connection.execute(text(
        "SELECT conname FROM pg_constraint WHERE contype = 'p' "
        f"AND conrelid = {_pg_where(schema, temporary)}"),
        {"schema": schema, "table": table}).scalar()


def _sqlite_default(connection: Connection, schema: str | None, table: str, column: str,
                    temporary: bool = False) -> Any:
    return connection.execute(text(
        "SELECT dflt_value FROM pragma_table_info(:table, :schema) WHERE name = :column"),
        {"schema": "temp" if temporary else schema or "main", "table": table,
         "column": column}).scalar()


# SQLite keeps a key's name only in the table's CREATE TABLE text: CONSTRAINT name PRIMARY KEY
_SQLITE_KEY = re.compile(r'CONSTRAINT\s+("(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|\w+)\s+PRIMARY\s+KEY',
                         re.IGNORECASE)


def _sqlite_key_name(connection: Connection, schema: str | None, table: str,
                     temporary: bool = False) -> Any:
    master = "sqlite_temp_master" if temporary else f'"{schema or "main"}".sqlite_master'
    sql = connection.execute(text(f"SELECT sql FROM {master} WHERE type = 'table' AND "
                                  "name = :table"), {"table": table}).scalar()
    found = _SQLITE_KEY.search(sql or "")
    if found is None:
        return None
    name = found[1]
    return name[1:-1].replace('""', '"') if name[0] in '"`[' else name


def _mysql_default(connection: Connection, schema: str | None, table: str, column: str,
                   temporary: bool = False) -> Any:
    return connection.execute(text(
        "SELECT column_default FROM information_schema.columns WHERE table_schema = "
        "COALESCE(:schema, DATABASE()) AND table_name = :table AND column_name = :column"),
        {"schema": schema, "table": table, "column": column}).scalar()


def _mysql_key_name(connection: Connection, schema: str | None, table: str,
                    temporary: bool = False) -> Any:
    return connection.execute(text(
        "SELECT constraint_name FROM information_schema.table_constraints WHERE table_schema = "
        "COALESCE(:schema, DATABASE()) AND table_name = :table AND "
        "constraint_type = 'PRIMARY KEY'"), {"schema": schema, "table": table}).scalar()


DEFAULTS = {"postgresql": _pg_default, "sqlite": _sqlite_default, "mysql": _mysql_default}
KEY_NAMES = {"postgresql": _pg_key_name, "sqlite": _sqlite_key_name, "mysql": _mysql_key_name}


# A string literal, or a run of whitespace outside one.
_LAYOUT = re.compile(r"('(?:[^']|'')*')|\s+")


def same_reading(live: Any, ours: Any) -> bool:
    """Whether two catalog readings of a default are one: SQLite keeps the DDL's text as it
    was written, so whitespace outside string literals (a line break, an indent) and
    parentheses around the whole expression are layout, not a different default."""
    if live is None or ours is None:
        return live is ours
    return _layout_free(str(live)) == _layout_free(str(ours))


def _layout_free(text: str) -> str:
    def keep(match: re.Match[str]) -> str:
        if match[1]:
            return match[1]
        before, after = text[match.start() - 1:match.start()], text[match.end():match.end() + 1]
        return " " if (before.isalnum() or before == "_") and (after.isalnum() or after == "_") \
            else ""
    text = _LAYOUT.sub(keep, text.strip())
    while text.startswith("(") and _closing(text) == len(text) - 1:
        text = text[1:-1]
    return text


def _closing(text: str) -> int:
    """Where the parenthesis that opens ``text`` closes (string literals skipped); -1 if not."""
    depth = 0
    for match in re.finditer(r"'(?:[^']|'')*'|[()]", text):
        if match[0] in "()":
            depth += 1 if match[0] == "(" else -1
            if depth == 0:
                return match.start()
    return -1


class Probe:
    """Reads a live table and the models' version of it from one database's catalog."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    def defaults(self, model: Table, column: str, live_type: Any) -> tuple[Any, Any]:
        """(the live column's default, the models' column's default), as the catalog reads
        them; the models' column gets the live type, so only its default is put to the test."""
        declared = model.c[column]
        default = declared.server_default
        scratch = _scratch_table(model, [Column(column, live_type, server_default=(
            DefaultClause(default.arg) if isinstance(default, DefaultClause) else None))],
                                 temporary=self.dialect != "mysql")
        read = DEFAULTS[self.dialect]
        with self._created(scratch) as connection:
            live = read(connection, model.schema, model.name, column)
            ours = read(connection, None, scratch.name, column, self.dialect != "mysql")
        return live, ours

    def key_names(self, model: Table, live_types: dict[str, Any]) -> tuple[Any, Any]:
        """(the live primary key's name, the name the database gives the models' key)."""
        names = [str(column.name) for column in model.primary_key.columns]
        key = PrimaryKeyConstraint(*names, name=model.primary_key.name)
        scratch = _scratch_table(model, [Column(name, live_types[name]) for name in names],
                                 temporary=self.dialect != "mysql", key=key)
        read = KEY_NAMES[self.dialect]
        with self._created(scratch) as connection:
            live = read(connection, model.schema, model.name)
            ours = read(connection, None, scratch.name, self.dialect != "mysql")
        return live, ours

    @contextmanager
    def _created(self, scratch: Table) -> Iterator[Connection]:
        """A connection on which ``scratch`` exists; it is gone afterwards."""
        with self.engine.connect() as connection:
            connection.execute(CreateTable(scratch))
            try:
                yield connection
            finally:
                if self.dialect == "mysql":  # DDL commits there: no rollback undoes it
                    connection.execute(DropTable(scratch))
                connection.rollback()


def _scratch_table(model: Table, columns: list[Column[Any]], temporary: bool,
                   key: PrimaryKeyConstraint | None = None) -> Table:
    """The models' table reduced to ``columns`` (and ``key``), under their naming convention."""
    metadata = MetaData(naming_convention=dict(model.metadata.naming_convention))
    return Table(model.name if temporary else SCRATCH, metadata, *columns,
                 *([key] if key is not None else []),
                 prefixes=["TEMPORARY"] if temporary else [])
