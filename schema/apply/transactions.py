"""Each revision in a transaction of its own, where the database allows it.

Alembic runs a revision and its ``alembic_version`` update in one transaction when asked
(``transaction_per_migration``); on PostgreSQL that makes a revision all or nothing.  SQLite can
roll DDL back too, but Python's sqlite3 module never begins a transaction before DDL, so the
migration connection is switched to explicit ``BEGIN`` (SQLAlchemy's documented recipe) and
Alembic is told its DDL is transactional.  Foreign keys are switched off on that connection:
a batch rebuild drops and re-creates a table, and with enforcement on, dropping a parent
cascades deletes into its children.  ``PRAGMA foreign_key_check`` runs before each revision
commits instead, so a revision can still not leave a dangling reference behind.

MariaDB and MySQL commit every DDL statement implicitly; there a failure is detected afterwards
(see ``live``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection

from ..dialects.on import Database
from ..errors import RevisionFailed

# The key of alembic/env.py's context.configure() extras; env.py must pass them on.
CONFIGURE_KEY = "tool_configure"


def make_transactional(connection: Connection) -> None:
    """Give a SQLite connection real transactions around DDL, with foreign keys off."""
    if not Database.SQLITE.matches(connection.dialect):
        return
    connection.rollback()  # no transaction may be open while the driver's mode changes
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    connection.connection.dbapi_connection.isolation_level = None  # type: ignore[union-attr]

    @event.listens_for(connection, "begin")
    def begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")


def configure_options(connection: Connection,
                      applied: Callable[[Connection, str, set[str]], None],
                      schema: str | None = None) -> dict[str, Any]:
    """Extra ``context.configure()`` options: a transaction per revision, and ``applied``
    called inside it (with the heads the revision leaves), after the revision ran and before
    it commits; ``alembic_version`` in ``schema`` when the revisions run in a tenant's
    schema."""

    def on_version_apply(ctx: Any, step: Any, heads: set[str], run_args: Any) -> None:
        if step.is_upgrade:
            verify_foreign_keys(ctx.connection, step.up_revision_id)
            applied(ctx.connection, step.up_revision_id, heads)

    options: dict[str, Any] = {"transaction_per_migration": True,
                               "on_version_apply": [on_version_apply]}
    if Database.SQLITE.matches(connection.dialect):
        options["transactional_ddl"] = True
    if schema is not None:
        options["version_table_schema"] = schema
    return options


def verify_foreign_keys(connection: Connection, revision: str) -> None:
    """Refuse (so the revision rolls back) when SQLite rows reference missing parents."""
    if not Database.SQLITE.matches(connection.dialect):
        return
    problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if problems:
        table, rowid, parent = problems[0][0], problems[0][1], problems[0][2]
        raise RevisionFailed(
            f"revision {revision} leaves {len(problems)} row(s) whose foreign key points at "
            f"no row (first: {table} rowid {rowid} -> {parent}); it was rolled back")
