"""What `tool apply` records beside ``alembic_version``: the checksum of every revision it ran,
and any revision that stopped half-way, so an edited or half-applied revision is never run
blindly again.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, bindparam, inspect, select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from ..config import HISTORY_TABLE
from ..dialect_modules import dialect_module
from ..dialects.on import Database


class _LongText(TypeDecorator[str]):
    """Text, and LONGTEXT on MariaDB/MySQL (whose TEXT holds 64 KB): MySQL's dialect module
    is asked for only on its own connections, so no other database imports it."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if Database.MYSQL.matches(dialect):
            return dialect.type_descriptor(dialect_module("mysql").LONGTEXT())
        return super().load_dialect_impl(dialect)


_metadata = MetaData()
history = Table(
    HISTORY_TABLE, _metadata,
    Column("revision", String(64), primary_key=True),
    Column("checksum", String(64), nullable=False),  # sha256 of the revision file
    Column("state", String(16), nullable=False),
    Column("applied_at", String(32), nullable=False),  # UTC, ISO 8601
    Column("milliseconds", Integer),
    Column("note", Text),  # failed statement, or who allowed an edit
    # a partial revision: the schema before it (live.LiveSchema as JSON), to check a roll-back
    Column("schema_before", _LongText()),
)


class State(StrEnum):
    APPLIED = "applied"
    PARTIAL = "partial"
    # running, on a database whose DDL commits implicitly: left behind, the run was killed
    STARTED = "started"

    @property
    def unfinished(self) -> bool:
        """A revision `tool resolve` must close before anything else runs."""
        return self is not State.APPLIED


@dataclass(frozen=True)
class Entry:
    """One row of the history table."""

    revision: str
    checksum: str
    state: State
    applied_at: str
    note: str | None
    schema_before: dict[str, str] | None = None


def read_history(connection: Connection) -> dict[str, Entry]:
    """Rows by revision; empty before the first `tool apply`."""
    if not inspect(connection).has_table(HISTORY_TABLE):
        return {}
    return {row.revision: Entry(row.revision, row.checksum, State(row.state), row.applied_at,
                                row.note, json.loads(row.schema_before or "null"))
            for row in connection.execute(select(history))}


# built once: building a statement per row cost as much as running it (1,000 revisions)
_DELETE = history.delete().where(history.c.revision == bindparam("revision"))
_INSERT = history.insert()


def record(connection: Connection, revision: str, checksum: str, state: State,
           milliseconds: int | None = None, note: str | None = None,
           schema_before: dict[str, str] | None = None, create: bool = True) -> None:
    """Insert or replace the row of ``revision`` (in the caller's transaction); ``create``
    False when the caller knows the table exists (asking costs a query per revision)."""
    if create:
        history.create(connection, checkfirst=True)
    connection.execute(_DELETE, {"revision": revision})
    connection.execute(_INSERT, {
        "revision": revision, "checksum": checksum, "state": state.value,
        "applied_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "milliseconds": milliseconds, "note": note,
        "schema_before": json.dumps(schema_before) if schema_before is not None else None})


def forget(connection: Connection, revision: str) -> None:
    """Remove the row of ``revision`` (a partial one the operator rolled back)."""
    if inspect(connection).has_table(HISTORY_TABLE):
        connection.execute(_DELETE, {"revision": revision})
