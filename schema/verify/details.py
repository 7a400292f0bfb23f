"""What verification compares itself, because Alembic's comparison leaves it out:
generated-column expressions, primary keys, sequences, PostgreSQL ENUM values, IDENTITY
options, MariaDB's AUTO_INCREMENT and the conditions of partial indexes.  Each check takes one
shared inspector, so its cache serves them all, and returns one human line per difference.
Expressions are compared by shape (:func:`same_expression`): what a database adds when it
stores one is no drift, a changed operator is.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from sqlalchemy import Enum, Sequence
from sqlalchemy.exc import SAWarning

from ..dialects.enums import enum_key, native_enum
from ..dialects.on import Database
from ..dialects.sequences import serial_sequence
from ..snapshot.live import LiveSchema, TableSource
from ..snapshot.reflected import sqlite_autoincrement
from ..snapshot.serialize import table_key
from .sql_shapes import Shape, sql_shape


def sqlite_autoincrement_drift(inspector: LiveSchema, metadata: TableSource) -> list[str]:
    """SQLite's AUTOINCREMENT (``sqlite_autoincrement``), which SQLAlchemy does not reflect and
    a table rebuild loses unless it is given again."""
    if not Database.SQLITE.matches(inspector.dialect):
        return []
    live = sqlite_autoincrement(inspector.bind)  # type: ignore[arg-type]
    lines = []
    for table in metadata.tables.values():
        if table.schema is not None or not inspector.has_table(table.name):
            continue
        wanted = bool(table.dialect_kwargs.get("sqlite_autoincrement"))
        if wanted != (table.name in live):
            lines.append(f"table {table.name}: sqlite_autoincrement is {wanted} in the snapshot, "
                         f"{not wanted} in the database")
    return lines


def autoincrement_drift(inspector: LiveSchema, metadata: TableSource) -> list[str]:
    """AUTO_INCREMENT on MariaDB/MySQL, where it is a column attribute that can change."""
    if not Database.MYSQL.matches(inspector.dialect):
        return []
    lines = []
    for table in metadata.tables.values():
        if not inspector.has_table(table.name, schema=table.schema):
            continue
        expected = table.autoincrement_column
        for live in inspector.get_columns(table.name, schema=table.schema):
            wanted = expected is not None and live["name"] == expected.name
            if bool(live.get("autoincrement")) != wanted:
                lines.append(f"column {table.name}.{live['name']}: AUTO_INCREMENT is "
                             f"{'on' if live.get('autoincrement') else 'off'} in the database, "
                             f"the snapshot says {'on' if wanted else 'off'}")
    return lines


def identity_drift(inspector: LiveSchema, metadata: TableSource) -> list[str]:
    """IDENTITY and the options the models give it, where the database has IDENTITY columns
    (Alembic compares them only as server defaults, which verification leaves to us)."""
    if not inspector.dialect.supports_identity_columns:
        return []  # unverifiable() says so
    lines = []
    for table in metadata.tables.values():
        if not inspector.has_table(table.name, schema=table.schema):
            continue
        expected = {str(c.name): c.identity for c in table.columns}
        for live in inspector.get_columns(table.name, schema=table.schema):
            if live["name"] not in expected:
                continue
            identity, found = expected[live["name"]], live.get("identity")
            wanted = {} if identity is None else {
                key: getattr(identity, key) for key in _IDENTITY_OPTIONS
                if getattr(identity, key) is not None}
            if identity is not None and found is not None:
                found = {key: found.get(key) for key in wanted}
            if (identity is None) != (found is None) or (found is not None and found != wanted):
                lines.append(f"column {table.name}.{live['name']}: identity {found or 'none'} in "
                             f"the database, the snapshot says {wanted or 'none'}")
    return lines


_IDENTITY_OPTIONS = ("always", "start", "increment", "minvalue", "maxvalue", "cycle", "cache")


def computed_drift(inspector: LiveSchema, metadata: TableSource) -> list[str]:
    """Generated column expressions, compared by shape (Alembic only warns)."""
    if Database.SQLITE.matches(inspector.dialect):
        # SQLAlchemy reads them from the CREATE TABLE text, which a later ADD COLUMN garbles
        # ("id * 3) STORED, c10 NUMERIC(12, 0"); unverifiable() says they are not verified.
        return []
    lines = []
    for table in metadata.tables.values():
        generated = {str(c.name): str(c.computed.sqltext) for c in table.columns if c.computed}
        if not generated or not inspector.has_table(table.name, schema=table.schema):
            continue
        for live in inspector.get_columns(table.name, schema=table.schema):
            expected = generated.get(live["name"])
            sqltext = (live.get("computed") or {}).get("sqltext")
            if expected is not None and sqltext and not same_expression(
                    sqltext, expected, inspector.dialect.name):
                lines.append(f"column {table.name}.{live['name']}: generated as {sqltext!r} in "
                             f"the database, the snapshot says {expected!r}")
    return lines


def primary_key_drift(inspector: LiveSchema, metadata: TableSource) -> list[str]:
    """Primary key columns and names (Alembic does not compare primary keys)."""
    lines = []
    for table in metadata.tables.values():
        if not inspector.has_table(table.name, schema=table.schema):
            continue
        live = inspector.get_pk_constraint(table.name, schema=table.schema)
        expected = [str(column.name) for column in table.primary_key.columns]
        if list(live.get("constrained_columns") or []) != expected:
            lines.append(f"primary key of {table.name}: {live.get('constrained_columns')} in the "
                         f"database, the snapshot says {expected}")
        # MariaDB names every primary key PRIMARY; SQLite reports a name only when one was given
        elif (live.get("name") and not Database.MYSQL.matches(inspector.dialect)
              and table.primary_key.name
              and live["name"] != str(table.primary_key.name)):
            lines.append(f"primary key of {table.name}: named {live['name']} in the database, "
                         f"the snapshot says {table.primary_key.name}")
    return lines


def sequence_drift(inspector: LiveSchema, metadata: TableSource) -> list[str]:
    """Sequences, on databases that have them (Alembic does not compare them)."""
    if not inspector.dialect.supports_sequences:
        return []
    expected = {
        (column.default.schema, str(column.default.name))
        for table in metadata.tables.values() for column in table.columns
        if isinstance(column.default, Sequence)
    }
    schemas = {schema for schema, _ in expected} | {None}
    live = {(schema, name) for schema in schemas
            for name in inspector.get_sequence_names(schema=schema)}
    lines = [f"sequence {name}: missing from the database" for _, name in sorted(
        expected - live, key=str)]
    extra = live - expected
    if extra:  # SERIAL and IDENTITY columns' own sequences are not stray
        implicit = {
            (schema, serial_sequence(table, column["name"])) for schema in schemas
            for table in inspector.get_table_names(schema=schema)
            for column in inspector.get_columns(table, schema=schema)
        }
        lines += [f"sequence {name}: not in the snapshot"
                  for _, name in sorted(extra - implicit, key=str)]
    return lines


def enum_drift(inspector: LiveSchema, metadata: TableSource,
               ignore: Callable[[str], bool] | None = None) -> list[str]:
    """PostgreSQL ENUM types and their values, which Alembic does not compare; a type only
    the tables ``ignore`` leaves to others use is theirs, not stray."""
    if not Database.POSTGRESQL.matches(inspector.dialect):
        return []
    expected: dict[tuple[str | None, str], list[str]] = {}
    for table in metadata.tables.values():
        for column in table.columns:
            if (enum := native_enum(column.type)) is not None:
                expected[enum_key(enum)] = list(enum.enums)
    default_schema = inspector.dialect.default_schema_name
    live = {
        (None if item["schema"] == default_schema else item["schema"], item["name"]):
        list(item["labels"])
        for item in inspector.get_enums(schema="*")
    }
    if ignore is not None and set(live) - set(expected):
        schemas = {None} | {schema for schema, _ in live} | {
            table.schema for table in metadata.tables.values()}
        for key in _enums_of_ignored_tables(inspector, schemas, ignore):
            live.pop(key, None)
    lines = []
    for key in sorted(set(expected) | set(live), key=str):
        name = ".".join(part for part in key if part)
        if key not in live:
            lines.append(f"enum type {name}: missing from the database")
        elif key not in expected:
            lines.append(f"enum type {name}: not in the snapshot")
        elif live[key] != expected[key]:
            lines.append(f"enum type {name}: values are {live[key]} in the database, "
                         f"the snapshot says {expected[key]}")
    return lines


def _enums_of_ignored_tables(inspector: LiveSchema, schemas: set[str | None],
                             ignore: Callable[[str], bool]) -> set[tuple[str | None, str]]:
    """The ENUM types that columns of the ignored tables in ``schemas`` use."""
    default_schema = inspector.dialect.default_schema_name
    found = set()
    for schema in schemas:
        for table in inspector.get_table_names(schema=schema):
            if not ignore(table_key(schema, table)):
                continue
            for column in inspector.get_columns(table, schema=schema):
                type_ = column["type"]
                if isinstance(type_, Enum) and type_.name:
                    found.add((None if type_.schema in (None, default_schema) else type_.schema,
                               str(type_.name)))
    return found


_SQL_WORDS = frozenset("and or not between is null in any array like ilike true false".split())
# Spellings a database substitutes when it stores an expression (MariaDB: length -> octet_length).
_SYNONYMS = {"octet_length": "length", "lcase": "lower", "ucase": "upper"}
# A PostgreSQL cast: one (quoted, schema-qualified) name or a known type of several words, so
# that what follows it (``'a'::grow_status OR id > 0``) is not taken for part of the type.
_LENGTH = r"(?:\(\d+(?:,\s*\d+)?\))?"
_PG_CAST = re.compile(
    rf'::(?:"(?:[^"]|"")+"|\w+)(?:\.(?:"(?:[^"]|"")+"|\w+))?{_LENGTH}'
    rf"(?:\s+(?:varying|precision|with(?:out)?\s+time\s+zone))?{_LENGTH}(?:\[\])?")
_TERM = re.compile(r"[A-Za-z_][\w$]*|\d+(?:\.\d+)?|'(?:[^']|'')*'")


def check_terms(sqltext: str) -> set[str]:
    """Column names, functions and literals of a CHECK expression.

    Databases rewrite CHECK expressions when they store them (PostgreSQL turns ``BETWEEN`` into
    two comparisons and adds casts, MariaDB adds backquotes), so bodies are compared by the terms
    they mention: a changed column, function or bound is caught, a respelling is not drift.
    """
    text = _PG_CAST.sub("", sqltext)
    terms = set()
    for term in _TERM.findall(text):
        lowered = term.lower()
        if lowered in _SQL_WORDS:
            continue
        try:
            terms.add(str(Decimal(term).normalize()))
        except InvalidOperation:
            terms.add(term if term.startswith("'") else _SYNONYMS.get(lowered, lowered))
    return terms


def same_expression(live: str, expected: str, dialect: str,
                    terms: Callable[[str], set[str]] = check_terms) -> bool:
    """Whether a database's stored expression says what the snapshot's does: by shape
    (``sql_shapes``: operators and structure, whatever each database adds); by ``terms`` where
    either text cannot be parsed."""
    shapes: list[Shape | None] = [sql_shape(text, dialect) for text in (live, expected)]
    if None in shapes:
        return terms(live) == terms(expected)
    return shapes[0] == shapes[1]


def _where_terms(sqltext: str) -> set[str]:
    """A partial index's condition compared like a CHECK body (:func:`check_terms`), plus how
    often it negates: ``x IS NULL`` and ``x IS NOT NULL`` mention the same terms."""
    negations = len(re.findall(r"\bnot\b|<>|!=", sqltext, re.IGNORECASE))
    return check_terms(sqltext) | {f"not*{negations}"}


def partial_index_drift(inspector: LiveSchema, metadata: TableSource) -> list[str]:
    """The conditions of partial indexes (``postgresql_where``, ``sqlite_where``), which
    Alembic does not compare; MariaDB has no partial indexes and ignores them."""
    dialect = inspector.dialect
    if not (Database.POSTGRESQL.matches(dialect) or Database.SQLITE.matches(dialect)):
        return []
    lines = []
    for table in metadata.tables.values():
        wanted = {str(index.name): index.dialect_options[dialect.name]["where"]
                  for index in table.indexes if index.name}
        if not wanted or not inspector.has_table(table.name, schema=table.schema):
            continue
        with warnings.catch_warnings():  # unverifiable() reports SQLite's expression indexes
            warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
            reflected = inspector.get_indexes(table.name, schema=table.schema)
        for live in reflected:
            if live["name"] not in wanted:
                continue
            where = wanted[live["name"]]
            expected = None if where is None else str(
                where.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            found = live.get("dialect_options", {}).get(f"{dialect.name}_where")
            found = None if found is None else str(found)
            same = found == expected if None in (found, expected) else same_expression(
                str(found), str(expected), dialect.name, _where_terms)
            if not same:
                lines.append(f"index {live['name']} on {table.name}: the database indexes "
                             f"{_rows(found)}, the snapshot says {_rows(expected)}")
    return lines


def _rows(where: str | None) -> str:
    return "every row" if where is None else f"rows where {where}"
