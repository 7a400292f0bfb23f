"""`tool apply --dry-run`: the SQL the pending revisions would run, changing nothing.

The database is read once, for its current revision (outside any lock: nothing is written).
The SQL comes from Alembic's offline mode, without a connection, except for SQLite files:
there, batch table rebuilds need the live table (Alembic refuses them offline), so the
revisions run on a temporary copy of the database and the statements they send are printed.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.util import CommandError
from sqlalchemy import event, pool
from sqlalchemy.engine import create_engine

from ..database import mask_url, reason, run_on_connection, sqlite_file
from ..errors import SchemaToolError
from ..project import Project
from ..verify.drift import snapshot_metadata
from .backup import copy_sqlite
from .run import current_revision, pending_scripts, verified_manifest
from .transactions import make_transactional


@dataclass(frozen=True)
class DryRun:
    """The SQL from the database's revision to head."""

    url: str
    before: str | None
    head: str | None
    pending: list[str]
    sql: str


def dry_run(project: Project, url: str | None = None) -> DryRun:
    """Render the pending revisions' SQL for the database at ``url`` (see module doc)."""
    manifest = verified_manifest(project)
    target = project.url(url)
    before = run_on_connection(target, current_revision)
    # Alembic names the revisions' constraints with the target metadata's naming convention
    project.alembic.attributes["target_metadata"] = snapshot_metadata(project.store, manifest)
    pending = [script.revision for script in pending_scripts(project, before)]
    sql = ""
    if pending:
        database = sqlite_file(target)
        try:
            sql = (_on_copy(project, database) if database is not None
                   else _offline(project, target, before))
        except CommandError as exc:
            raise SchemaToolError(f"alembic: {exc}") from None
    return DryRun(mask_url(target), before, manifest.head, pending, sql)


def _offline(project: Project, target: str, before: str | None) -> str:
    buffer = io.StringIO()
    config = project.alembic
    config.output_buffer = buffer
    config.attributes["url"] = target
    command.upgrade(config, f"{before}:head" if before else "head", sql=True)
    return buffer.getvalue()


def _on_copy(project: Project, database: Path) -> str:
    statements: list[str] = []

    def sent(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
             executemany: bool) -> None:
        # reads (reflection, the current revision) change nothing: only changes are shown
        if not statement.lstrip().upper().startswith(("PRAGMA", "SELECT", "BEGIN")):
            shown = f"{statement.strip()};"
            statements.append(f"{shown}\n-- parameters: {parameters!r}" if parameters
                              else shown)

    with tempfile.TemporaryDirectory() as folder:
        copy = copy_sqlite(database, Path(folder) / database.name)
        engine = create_engine(f"sqlite:///{copy}", poolclass=pool.NullPool)
        event.listen(engine, "before_cursor_execute", sent)
        try:
            with engine.connect() as connection:
                make_transactional(connection)
                config = project.alembic
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except CommandError:
            raise
        except Exception as exc:  # noqa: BLE001 - the revision's own failure, reported
            raise SchemaToolError(f"the dry run on a copy of {database.name} failed: "
                                  f"{reason(exc)}") from exc
        finally:
            engine.dispose()
    return "".join(f"{statement}\n\n" for statement in statements)
