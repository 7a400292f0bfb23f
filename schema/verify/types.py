"""What Alembic's type comparison gets wrong: it takes MariaDB's ENUM for a non-native Enum
(a VARCHAR), it leaves collations out (PostgreSQL and MariaDB
report them with the reflected type, MariaDB only where a column's differs from its table's;
SQLite does not, so ``unverifiable`` says so there), and takes PostgreSQL's REAL for another
type than the ``Float(precision=24)`` that made it, and MariaDB's MEDIUMBLOB for another type than
the ``LargeBinary(100000)`` that made it.  Nor does it look at the integer type of
a PostgreSQL SERIAL's sequence, which a column's type change leaves behind."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import (
    DOUBLE_PRECISION,
    REAL,
    Enum,
    Float,
    LargeBinary,
    String,
    Text,
    UnicodeText,
    text,
)

from ..dialect_modules import dialect_module, is_dialect_type
from ..dialects.on import Database
from ..dialects.sequences import serial_column, serial_sequence
from ..plan.ops.autoincrement import sequence_type
from ..snapshot.expressions import type_on
from ..snapshot.live import LiveSchema, TableSource


def collation_drift(inspector: LiveSchema, metadata: TableSource) -> list[str]:
    """One line per string column whose collation is not the one its type declares for this
    database (a ``with_variant`` type's variant for it)."""
    if not (Database.POSTGRESQL.matches(inspector.dialect)
            or Database.MYSQL.matches(inspector.dialect)):
        return []
    lines = []
    for table in metadata.tables.values():
        if not inspector.has_table(table.name, schema=table.schema):
            continue
        wanted = {str(column.name): declared_collation(column.type, inspector.dialect.name)
                  for column in table.columns}
        # MariaDB leaves out a column's collation when it is its table's
        table_default = (inspector.get_table_options(table.name, schema=table.schema)
                         .get("mysql_collate")
                         if Database.MYSQL.matches(inspector.dialect) else None)
        for live in inspector.get_columns(table.name, schema=table.schema):
            expected = wanted.get(live["name"], False)
            found = getattr(live["type"], "collation", False)
            if found is None and expected:
                found = table_default
            if expected is False or found is False or expected == found:
                continue
            lines.append(f"column {table.name}.{live['name']}: collation is {found or 'default'} "
                         f"in the database, the snapshot says {expected or 'default'}")
    return lines


def float_drift(inspector: LiveSchema, metadata: TableSource) -> list[str]:
    """One line per ``Float`` column stored in single precision where double is declared, or
    the other way round: Alembic's comparison takes REAL and DOUBLE for the same type."""
    dialect = inspector.dialect.name
    if dialect not in ("postgresql", "mysql"):
        return []
    lines = []
    for table in metadata.tables.values():
        if not inspector.has_table(table.name, schema=table.schema):
            continue
        declared = {str(c.name): type_on(c.type, dialect) for c in table.columns}
        for live in inspector.get_columns(table.name, schema=table.schema):
            expected = declared.get(live["name"])
            if type(expected) is not Float or not isinstance(live["type"], Float):
                continue
            double = isinstance(live["type"], DOUBLE_PRECISION) or is_dialect_type(
                live["type"], "mysql", "DOUBLE")
            if double != _double(expected, dialect):
                lines.append(f"column {table.name}.{live['name']}: {live['type']} in the "
                             f"database, the snapshot says {expected}")
    return lines


def mysql_enum_drift(inspector: LiveSchema, metadata: TableSource) -> list[str]:
    """One line per MariaDB column stored as a native ENUM where the snapshot's ``Enum`` is not
    native (``native_enum=False``: a VARCHAR): Alembic's comparison takes one for the other."""
    if not Database.MYSQL.matches(inspector.dialect):
        return []
    lines = []
    for table in metadata.tables.values():
        if not inspector.has_table(table.name, schema=table.schema):
            continue
        declared = {str(c.name): type_on(c.type, "mysql") for c in table.columns}
        for live in inspector.get_columns(table.name, schema=table.schema):
            expected = declared.get(live["name"])
            if (isinstance(expected, Enum) and not expected.native_enum
                    and is_dialect_type(live["type"], "mysql", "ENUM")):
                lines.append(f"column {table.name}.{live['name']}: {live['type']} in the "
                             f"database, the snapshot says {expected} (native_enum=False)")
    return lines


def _double(type_: Float, dialect: str) -> bool:
    """Whether ``type_`` is stored in double precision: PostgreSQL makes a FLOAT without
    precision one, MariaDB a FLOAT(25..53)."""
    if type_.precision is None:
        return Database.POSTGRESQL.matches(dialect)
    return type_.precision > 24


def declared_collation(type_: object, dialect: str) -> str | None | bool:
    """The collation ``type_`` declares on this database: None for the default, False where
    the type has none."""
    type_ = type_on(type_, dialect)
    return type_.collation if isinstance(type_, String) else False


@functools.cache  # asked only on MariaDB/MySQL, whose dialect module is imported then
def _mysql_sized() -> dict[type, tuple[tuple[type, int], ...]]:
    """MariaDB's BLOB and TEXT types from smallest to largest, with their size in bytes, by
    the generic type that makes them."""
    mysql = dialect_module("mysql")
    texts = ((mysql.TINYTEXT, 255), (mysql.TEXT, 65535), (mysql.MEDIUMTEXT, 16777215),
             (mysql.LONGTEXT, 4294967295))
    return {LargeBinary: ((mysql.TINYBLOB, 255), (mysql.BLOB, 65535),
                          (mysql.MEDIUMBLOB, 16777215), (mysql.LONGBLOB, 4294967295)),
            Text: texts, UnicodeText: texts}


def same_stored(dialect: str, live: object, expected: object) -> bool:
    """Whether the reflected type is what the database made of the expected one, under another
    name: see ``same_float`` and ``same_sized``."""
    return same_float(dialect, live, expected) or same_sized(dialect, live, expected)


def compare_type(context: Any, inspected_column: Any, metadata_column: Any,
                 inspected_type: Any, metadata_type: Any) -> bool | None:
    """Alembic's ``compare_type`` hook in the env.py ``tool init`` writes: a type the database
    stores under another name (``same_stored``) is no change, so plain ``alembic revision
    --autogenerate`` agrees with ``tool drift``; otherwise (None) Alembic compares."""
    if same_stored(context.dialect.name, inspected_type, metadata_type):
        return False
    return None


def same_sized(dialect: str, live: object, expected: object) -> bool:
    """Whether a reflected MariaDB BLOB or TEXT type is what ``LargeBinary(n)`` or ``Text(n)``
    creates: the smallest of TINY-, plain, MEDIUM- and LONGBLOB (TEXT) holding n bytes (n
    characters: 1 to 4 bytes each, by the column's character set)."""
    if not Database.MYSQL.matches(dialect):
        return False
    expected = type_on(expected, dialect)
    sizes = _mysql_sized().get(type(expected))
    length = getattr(expected, "length", None)
    if sizes is None or length is None:
        return False
    most = length * (1 if type(expected) is LargeBinary else 4)
    upto = next((i for i, (_, size) in enumerate(sizes) if size >= most), len(sizes) - 1)
    return type(live) in [kind for kind, size in sizes[:upto + 1] if size >= length]


def same_float(dialect: str, live: object, expected: object) -> bool:
    """Whether a reflected floating-point type is what ``Float(precision=p)`` creates:
    PostgreSQL makes FLOAT(1..24) a REAL and FLOAT(25..53) (or FLOAT) a DOUBLE PRECISION,
    MariaDB FLOAT(25..53) a DOUBLE, and they report those names, which Alembic's comparison
    takes for another type."""
    expected = type_on(expected, dialect)
    if type(expected) is not Float:
        return False
    precision = expected.precision
    if Database.MYSQL.matches(dialect):
        return precision is not None and precision > 24 and is_dialect_type(
            live, "mysql", "DOUBLE")
    if not Database.POSTGRESQL.matches(dialect):
        return False
    wanted = REAL if precision is not None and precision <= 24 else DOUBLE_PRECISION
    return isinstance(live, wanted)


def serial_type_drift(inspector: LiveSchema, metadata: TableSource) -> list[str]:
    """One line per PostgreSQL SERIAL whose sequence has another integer type than its column:
    a sequence left at integer stops the numbering of a BigInteger column at 2**31 - 1."""
    if not Database.POSTGRESQL.matches(inspector.dialect):
        return []
    query = text("SELECT data_type FROM pg_sequences WHERE sequencename = :name "
                 "AND schemaname = COALESCE(:schema, current_schema())")
    lines = []
    for table in metadata.tables.values():
        column = serial_column(table)
        if column is None or not inspector.has_table(table.name, schema=table.schema):
            continue
        name = serial_sequence(table.name, str(column.name))
        found = inspector.bind.execute(query, {"name": name, "schema": table.schema}).scalar()
        if found is not None and found != sequence_type(column.type):
            lines.append(f"sequence {name}: {found} in the database, the snapshot's column "
                         f"{table.name}.{column.name} needs {sequence_type(column.type)}")
    return lines
