"""Facts about sequences: which column a Sequence or PostgreSQL's SERIAL numbers, and the names
PostgreSQL gives the sequences it makes.  The operations that create, alter and drop them are
in ``plan/ops/sequences``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, Sequence, Table

from .on import Database, on


class NotOnPostgresql:
    """The ``autoincrement`` a revision writes for a key column numbered by a Sequence of its
    own: on PostgreSQL, whose SERIAL would make a second sequence (and name it
    ``<sequence>1``, as the named one exists), it is off, as ``create_all`` makes the column;
    MariaDB keeps AUTO_INCREMENT, SQLite its rowid key (they are what verification expects)."""

    def __repr__(self) -> str:
        return on(Database.POSTGRESQL, negate=True)

    __str__ = __repr__


def sequence_keyed(column: Column[Any]) -> bool:
    """Whether ``column`` is its table's autoincrement column and takes its numbers from a
    Sequence of its own (``Column(Integer, Sequence("t_id_seq"), primary_key=True)``)."""
    table = column.table if isinstance(column.table, Table) else None
    return (isinstance(column.default, Sequence) and not column.default.optional
            and table is not None and table.autoincrement_column is column
            and not isinstance(column.autoincrement, NotOnPostgresql))


def serial_numbered(column: Column[Any]) -> bool:
    """Whether PostgreSQL makes ``column`` a SERIAL when it is its table's autoincrement
    column: it has no IDENTITY and no default of its own (such as a Sequence)."""
    return column.identity is None and column.default is None


def serial_column(table: Table) -> Column[Any] | None:
    """The column PostgreSQL makes a SERIAL (with its own sequence) when it creates the table."""
    column = owned_sequence_column(table)
    return column if column is not None and column.identity is None else None


def owned_sequence_column(table: Table) -> Column[Any] | None:
    """The column whose sequence PostgreSQL creates and names after the table and column
    (``<table>_<column>_seq``): a SERIAL or an IDENTITY, the autoincrement column without a
    default of its own (such as a Sequence).  Renames leave that name behind."""
    column = table.autoincrement_column
    return column if column is not None and column.default is None else None


def serial_sequence(table: str, column: str) -> str:
    """The name PostgreSQL gives a SERIAL's sequence: ``<table>_<column>_seq``, the longer of
    table and column shortened first until it fits in 63 bytes (its ``makeObjectName``)."""
    first, second = table.encode(), column.encode()
    available = 63 - len("_seq") - 1
    keep_first, keep_second = len(first), len(second)
    while keep_first + keep_second > available:
        if keep_first > keep_second:
            keep_first -= 1
        else:
            keep_second -= 1
    # never cut a character in two
    return (f"{first[:keep_first].decode(errors='ignore')}_"
            f"{second[:keep_second].decode(errors='ignore')}_seq")


def sequences(tables: Iterable[dict[str, Any] | None]) -> dict[str, dict[str, Any]]:
    """The sequences columns of these snapshot tables use, by schema-qualified name."""
    found = {}
    for data in tables:
        for column in (data or {}).get("columns", []):
            if "sequence" in column:
                sequence = column["sequence"]
                found[f"{sequence.get('schema') or ''}.{sequence['name']}"] = sequence
    return found
