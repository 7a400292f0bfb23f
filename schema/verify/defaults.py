"""Server defaults, live against the snapshot: each database spells the same default its own
way, so both sides are reduced to one comparable form first (``normalize_default``).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Column, Identity, Sequence, text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

from ..dialects.on import Database
from ..dialects.sequences import serial_column
from ..snapshot.expressions import default_to_sql
from ..snapshot.live import LiveSchema, TableSource

# The date and time functions a default may call, by each spelling a database stores or reports
# (MariaDB keeps CURRENT_DATE as curdate() and now() as current_timestamp(); SQLite and
# PostgreSQL keep the SQL keywords), mapped to one name each.
_CLOCKS = {
    "now": "now", "current_timestamp": "now", "localtimestamp": "now", "getdate": "now",
    "current_date": "current_date", "curdate": "current_date",
    "current_time": "current_time", "curtime": "current_time",
}
# A call without arguments, a fractional-second precision, or parentheses at all.
_CLOCK_CALL = re.compile(r"(\w+)\s*(?:\(\s*(\d*)\s*\))?")
# MariaDB's clock columns: DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
_ON_UPDATE = re.compile(r"\s+ON\s+UPDATE\s+", re.IGNORECASE)
_BOOLEANS = {"true": "1", "false": "0"}
# A string literal, with a PostgreSQL cast or none ('0', '00:00:00'::interval).
_LITERAL = re.compile(r"""'(?:[^']|'')*'(?:::(?:"(?:[^"]|"")*"|[\w .])+)?""")
# A string literal or quoted name (kept as written), a run of whitespace, or other SQL.
_LAYOUT = re.compile(r"""('(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`)|\s+|([^'"`\s]+)""")
# a PostgreSQL cast at the end: type names quoted ("e_c3's", doubled quotes inside) or not
_CAST = re.compile(r'::(?:"(?:[^"]|"")*"|[\w .])+(\(\d+(,\s*\d+)?\))?(\[\])?$')


def normalize_default(text: str | None) -> str | None:
    """A database's spelling of a default reduced to a comparable form.

    Databases report the same default differently: ``now()`` comes back as
    ``current_timestamp()`` on MariaDB and ``CURRENT_TIMESTAMP`` on SQLite, ``CURRENT_DATE`` as
    ``curdate()`` on MariaDB (see ``_clock``; also in MariaDB's ``CURRENT_TIMESTAMP ON UPDATE
    CURRENT_TIMESTAMP``), ``false()`` as ``0`` or ``false``, literals with PostgreSQL casts
    (``'x'::character varying``) or in parentheses.
    """
    if text is None or text.strip().upper() == "NULL":
        return None
    value = _layout_free(text.strip())
    quoted = False  # a string literal: 'now' is text, not the function
    while True:
        previous = value
        value = _CAST.sub("", value.strip())
        if value.startswith("(") and value.endswith(")"):
            value = value[1:-1].strip()
        if len(value) >= 2 and value[0] == value[-1] == "'":
            value, quoted = value[1:-1].replace("''", "'"), True
        if value == previous:
            break
    clocks = [] if quoted else [_clock(part) for part in _ON_UPDATE.split(value)]
    if clocks and all(clocks):
        return " on update ".join(clock for clock in clocks if clock)
    lowered = value.lower()
    try:  # 0 and 0.00 are the same numeric default
        return str(Decimal(value).normalize())
    except InvalidOperation:
        return _BOOLEANS.get(lowered, value)


def _layout_free(text: str) -> str:
    """SQL without its layout: one space for a run of whitespace, none just inside
    parentheses, and words outside string literals and quoted names in lower case.  SQLite
    keeps a default's text as the DDL wrote it (Prefect's history and its models break one
    expression over other lines), PostgreSQL keeps ``GEN_RANDOM_UUID()`` as
    ``gen_random_uuid()``."""
    def keep(match: re.Match[str]) -> str:
        if match[1] or match[2]:
            return match[1] or match[2].lower()
        before, after = text[match.start() - 1:match.start()], text[match.end():match.end() + 1]
        return "" if before == "(" or after == ")" else " "
    return _LAYOUT.sub(keep, text)


def _clock(value: str) -> str | None:
    """``now()``, ``current_date()`` or ``current_time()`` (with a precision, if any) for every
    spelling of these functions, with or without parentheses and in any case; None otherwise."""
    call = _CLOCK_CALL.fullmatch(value)
    name = _CLOCKS.get(call[1].lower()) if call else None
    return None if call is None or name is None else f"{name}({call[2] or ''})"


def default_drift(inspector: LiveSchema, metadata: TableSource) -> list[str]:
    """Server defaults of plain columns, compared in normalized form."""
    mysql = Database.MYSQL.matches(inspector.dialect)
    lines = []
    for table in metadata.tables.values():
        if not inspector.has_table(table.name, schema=table.schema):
            continue
        columns = {str(c.name): c for c in table.columns
                   if c.computed is None and c.identity is None}
        for live in inspector.get_columns(table.name, schema=table.schema):
            column = columns.get(live["name"])
            if column is None:
                continue
            reflected = live.get("default")
            if reflected is not None and mysql:  # MariaDB reports a\b for the default a
                reflected = reflected.replace("\\\\", "\\")
            elif mysql and column.server_default is not None:
                reflected = _mysql_default(inspector, table.schema, table.name, column.name)
            serial = _serial(column, inspector.dialect)
            if serial or isinstance(column.default, Sequence):  # nextval(...) of its sequence
                if serial and not (reflected or "").startswith("nextval("):
                    lines.append(f"column {table.name}.{column.name}: SERIAL (a nextval "
                                 "default) is missing in the database")
                continue
            expected = _default_sql(column.server_default, inspector.dialect)
            if normalize_default(reflected) != normalize_default(expected) and not \
                    _same_value(inspector, column, reflected, expected):
                lines.append(f"column {table.name}.{column.name}: default is "
                             f"{reflected or 'none'} in the database, the snapshot says "
                             f"{expected or 'none'}")
    return lines


def _same_value(inspector: LiveSchema, column: Column[Any], reflected: str | None,
                expected: str | None) -> bool:
    """Whether PostgreSQL reads two literal defaults as one value of the column's type: it
    keeps a literal in the type's output form (Prefect's INTERVAL default ``'0'`` is
    ``'00:00:00'::interval``).  Literals only, so nothing runs but two casts."""
    if not (Database.POSTGRESQL.matches(inspector.dialect) and reflected and expected
            and _LITERAL.fullmatch(reflected) and _LITERAL.fullmatch(expected)):
        return False
    type_sql = column.type.compile(dialect=inspector.dialect)
    query = (f"SELECT CAST({reflected} AS {type_sql}) IS NOT DISTINCT FROM "
             f"CAST({expected} AS {type_sql})")
    try:
        with inspector.bind.begin_nested():  # a failed cast must not end the transaction
            return bool(inspector.bind.execute(text(query.replace(":", "\\:"))).scalar())
    except DBAPIError:  # not values of this type: reported as they are
        return False


def _serial(column: Column[Any], dialect: Dialect) -> bool:
    """Whether PostgreSQL makes this column a SERIAL: the table's autoincrement column, numbered
    neither by IDENTITY nor by a sequence or default of its own."""
    return (Database.POSTGRESQL.matches(dialect) and serial_column(column.table) is column
            and column.server_default is None)


_MYSQL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "Z": "\x1a"}


def _mysql_default(inspector: LiveSchema, schema: str | None, table: str, column: str
                   ) -> str | None:
    """The default of a MariaDB column that SQLAlchemy reflects as none: it cannot parse a
    TEXT column's ``DEFAULT 'it\\'s'``, which MariaDB writes with backslash escapes."""
    value = _mysql_column_field(inspector.bind, schema, table, column, "column_default")
    if value is None or value == "NULL":
        return None
    return re.sub(r"\\(.)", lambda m: _MYSQL_ESCAPES.get(m[1], m[1]), value)


def mysql_comment(connection: Connection, schema: str | None, table: str, column: str
                  ) -> str | None:
    """A MariaDB column's comment from ``information_schema``: SQLAlchemy loses it, with the
    default, on a TEXT column whose default it cannot parse (see ``_mysql_default``)."""
    return _mysql_column_field(connection, schema, table, column, "column_comment") or None


def _mysql_column_field(connection: Connection, schema: str | None, table: str, column: str,
                        field: str) -> Any:
    """``column_default`` or ``column_comment`` of a MariaDB column (names bound as data)."""
    return connection.execute(text(_MYSQL_FIELD_SQL[field]),
                                  {"schema": schema, "table": table, "column": column}).scalar()


_MYSQL_FIELD_SQL = {
    field: f"SELECT {field} FROM information_schema.columns WHERE table_schema = "
           "COALESCE(:schema, DATABASE()) AND table_name = :table AND column_name = :column"
    for field in ("column_default", "column_comment")}


def _default_sql(default: Any, dialect: Dialect) -> str | None:
    if isinstance(default, Identity) and not dialect.supports_identity_columns:
        return None  # reported by unverifiable(): this database has no IDENTITY to compare
    return default_to_sql(default, dialect)
