"""The pending revisions of `tool apply`, run in one Alembic environment.

As for ``alembic upgrade head``, env.py runs once and each revision runs in a transaction of its
own (``transaction_per_migration``).  Around each revision `tool apply` reports progress, records
the revision's checksum inside its transaction (``on_version_apply``) and, where DDL commits as it
goes (MariaDB, MySQL), first records the revision as started with the schema before it, committed,
so a killed run leaves a trace.  Running env.py once per revision instead cost about 5 ms a
revision: a fresh database through 1,000 revisions took 7 s against Alembic's 2 s.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field

from alembic.script import Script
from alembic.util import CommandError
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection

from ..compat import upgrade
from ..database import reason
from ..dialects.on import Database
from ..errors import PartiallyApplied, RevisionFailed, SchemaToolError
from ..faults import statements_counted
from ..project import Project
from .history import State, forget, record
from .live import LiveSchema, live_changes, reflect_live
from .transactions import CONFIGURE_KEY, configure_options

# called with (revision, message, seconds): seconds is None when the revision starts
Progress = Callable[[str, str, float | None], None]


@dataclass(frozen=True)
class RevisionRun:
    """One revision that ran, and how long it took."""

    revision: str
    message: str
    seconds: float


@dataclass(frozen=True)
class _Running:
    """The revision running now: what its failure is reported with."""

    script: Script
    message: str
    checksum: str
    start: float
    live_before: LiveSchema | None  # None where a failed revision rolls back


@dataclass
class _Pending:
    """Hands Alembic the pending revisions one by one, doing each one's bookkeeping."""

    connection: Connection
    scripts: list[Script]
    checksums: dict[str, str]
    progress: Progress | None
    previous: str | None  # the database's revision before the one running
    transactional: bool
    running: _Running | None = None
    table_exists: bool = False  # the history table, once a record of this run committed
    # SCHEMA_FAULT_AT=statement:N counts the run's statements but the bookkeeping before each
    # revision (as when env.py ran per revision)
    counted: ExitStack = field(default_factory=ExitStack)
    done: list[RevisionRun] = field(default_factory=list)
    after: str | None = None  # the heads once the running revision commits
    report_failure: Exception | None = None  # the progress report's own (a closed stdout)

    def __iter__(self) -> Iterator[Script]:
        for script in self.scripts:
            self._start(script)
            yield script
            self._finish()  # Alembic asks for the next one once this one committed

    def _start(self, script: Script) -> None:
        self.counted.close()
        message = (script.doc or "").strip()
        self._report(script.revision, message, None)
        checksum = self.checksums[script.revision]
        live_before = None if self.transactional else reflect_live(self.connection)
        if live_before is not None:  # its DDL commits as it goes: a kill must leave a trace
            record(self.connection, script.revision, checksum, State.STARTED, note="running",
                   schema_before=live_before, create=not self.table_exists)
            self.connection.commit()
            self.table_exists = True
        self.running = _Running(script, message, checksum, time.monotonic(), live_before)
        self.counted.enter_context(statements_counted(self.connection))

    def applied(self, connection: Connection, revision: str, heads: set[str]) -> None:
        """Called in the revision's transaction, after it ran."""
        assert self.running is not None and self.running.script.revision == revision
        record(connection, revision, self.running.checksum, State.APPLIED,
               round((time.monotonic() - self.running.start) * 1000),
               create=not self.table_exists)
        self.after = ",".join(sorted(heads)) or None

    def _finish(self) -> None:
        running = self.running
        assert running is not None
        seconds = time.monotonic() - running.start
        self._report(running.script.revision, running.message, seconds)
        self.done.append(RevisionRun(running.script.revision, running.message, seconds))
        self.previous, self.running, self.table_exists = self.after, None, True

    def _report(self, revision: str, message: str, seconds: float | None) -> None:
        if self.progress is None:
            return
        try:
            self.progress(revision, message, seconds)
        except Exception as exc:
            self.report_failure = exc  # raised through Alembic: told from a revision's failure
            raise


def run_pending(project: Project, connection: Connection, scripts: list[Script],
                checksums: dict[str, str], before: str | None, progress: Progress | None,
                schema: str | None) -> list[RevisionRun]:
    """Run ``scripts`` (the pending revisions, in order) from ``before``; a failure raises
    RevisionFailed or PartiallyApplied naming the revision (see :func:`_failure`)."""
    transactional = any(database.matches(connection.dialect)
                        for database in (Database.POSTGRESQL, Database.SQLITE))
    pending = _Pending(connection, scripts, checksums, progress, before, transactional)
    config = project.alembic
    config.attributes.update(connection=connection, **{
        CONFIGURE_KEY: configure_options(connection, pending.applied, schema)})
    connection.rollback()  # Alembic begins (and owns) each revision's transaction
    try:
        with pending.counted:
            pending.counted.enter_context(statements_counted(connection))
            upgrade(config, project.scripts, scripts[-1].revision, pending)
    except Exception as exc:  # noqa: BLE001 - any failure of a revision is reported
        if connection.in_transaction():
            connection.rollback()
        if exc is pending.report_failure:
            raise  # between two revisions: none failed
        # failed before the next revision started (env.py, its bookkeeping): none of it ran
        following = scripts[len(pending.done)]
        running = pending.running or _Running(following, "", checksums[following.revision],
                                              time.monotonic(), None)
        raise _failure(connection, running, pending.previous, exc) from exc
    return pending.done


def _failure(connection: Connection, running: _Running, previous: str | None,
             exc: Exception) -> SchemaToolError:
    revision, live_before = running.script.revision, running.live_before
    if isinstance(exc, RevisionFailed):
        return exc
    if isinstance(exc, sa_exc.StatementError):
        what = f"{reason(exc)} (statement: {' '.join(str(exc.statement).split())[:300]})"
    elif isinstance(exc, CommandError):
        what = f"alembic: {exc}"
    else:
        what = f"{type(exc).__name__}: {exc}"
    at = previous or "an empty schema (base)"
    if live_before is None:
        return RevisionFailed(f"revision {revision} failed and was rolled back: {what}; the "
                              f"database stays at {at}")
    changed = live_changes(live_before, reflect_live(connection))
    connection.rollback()
    if not changed:
        forget(connection, revision)  # the row that said it started
        connection.commit()
        return RevisionFailed(f"revision {revision} failed before changing anything: {what}; "
                              f"the database stays at {at}")
    record(connection, revision, running.checksum, State.PARTIAL,
           note=f"failed: {what}; changed: {', '.join(changed)}", schema_before=live_before)
    connection.commit()
    return PartiallyApplied(
        f"revision {revision} partially applied: {what}; before failing it changed "
        f"{', '.join(changed)}, and {connection.dialect.name} cannot roll DDL back. The database "
        f"is recorded at {at}; `tool apply` refuses until you resolve it (README, Deploying)")
