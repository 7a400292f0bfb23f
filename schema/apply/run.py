"""`tool apply`: ``alembic upgrade head`` made safe for deploys.

In order: check the manifest's checksums and the single head (no connection yet); take the
deploy lock; read the current revision and the history of applied revisions; refuse an edited
applied revision or a partially applied one (no DDL yet); back up a SQLite file; run each pending
revision in its own transaction, recording its checksum in the same transaction; verify the
live schema against the head snapshot.  Drift is reported, never fixed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import Script
from alembic.util import CommandError
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection, make_url

from ..author.integrity import require_integrity
from ..config import BOOKKEEPING_TABLES
from ..database import in_schema, mask_url, run_on_connection, sqlite_file
from ..errors import (
    IntegrityError,
    PartiallyApplied,
    RevisionFailed,
    SchemaToolError,
)
from ..project import Project
from ..snapshot.store import Manifest
from ..verify.drift import schema_drift, snapshot_metadata, unverifiable
from .backup import backup_sqlite, prune_backups
from .history import Entry, State, forget, read_history, record
from .live import live_changes, reflect_live
from .lock import deploy_lock, whoami
from .runner import Progress, RevisionRun, run_pending
from .transactions import CONFIGURE_KEY, make_transactional


@dataclass(frozen=True)
class ApplyOptions:
    """How `tool apply` runs (the CLI's options)."""

    url: str | None = None
    lock_timeout: float = 60.0
    backup: bool | None = None  # None: back up SQLite files, nothing else
    allow_edited: tuple[str, ...] = ()
    postgresql_lock_timeout: str | None = None  # PostgreSQL's lock_timeout, e.g. "5s"
    postgresql_statement_timeout: str | None = None
    # PostgreSQL schema-per-tenant: the revisions, their bookkeeping and the lock live in this
    # schema (a fleet's tenant) instead of the connection's default one
    schema: str | None = None


@dataclass
class ApplyResult:
    """What ``apply`` found and did."""

    url: str
    before: str | None
    after: str | None
    revisions: list[RevisionRun] = field(default_factory=list)
    backup: Path | None = None
    drift: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def upgraded(self) -> bool:
        return bool(self.revisions)


def verified_manifest(project: Project) -> Manifest:
    """The manifest, once snapshot files, revision files and heads agree with it."""
    manifest = require_integrity(project, "nothing was run")
    env_py = Path(project.scripts.dir) / "env.py"
    if CONFIGURE_KEY not in env_py.read_text(encoding="utf-8"):
        raise SchemaToolError(
            f"{env_py}: context.configure() does not receive "
            f"config.attributes.get({CONFIGURE_KEY!r}, {{}}); add it (see README, Deploying) so "
            "each revision runs in its own transaction")
    return manifest


@dataclass(frozen=True)
class Prepared:
    """What every apply of a project reads once, before any connection: the manifest (checked),
    the head snapshot's metadata and the revisions' checksums.  A fleet prepares once for all
    its targets."""

    manifest: Manifest
    expected: MetaData
    checksums: dict[str, str]
    squashed: frozenset[str]


def prepare(project: Project) -> Prepared:
    """Check the project's integrity and read what `tool apply` needs (see :class:`Prepared`)."""
    manifest = verified_manifest(project)
    expected = snapshot_metadata(project.store, manifest)
    # Alembic names the revisions' constraints with the target metadata's naming convention
    project.alembic.attributes["target_metadata"] = expected
    squashed = frozenset(rev for rev, note in manifest.notes.items() if note.get("squashed"))
    return Prepared(manifest, expected, project.revision_checksums(), squashed)


def apply(project: Project, options: ApplyOptions = ApplyOptions(),
          progress: Progress | None = None, prepared: Prepared | None = None) -> ApplyResult:
    """Upgrade the database to head under the deploy lock, then verify it (see module doc)."""
    ready = prepared or prepare(project)
    target = project.url(options.url)
    backend = make_url(target).get_backend_name()
    timeouts = [name for name, value in (("--pg-lock-timeout", options.postgresql_lock_timeout),
                ("--pg-statement-timeout", options.postgresql_statement_timeout),
                ("schema_per_tenant", options.schema)) if value]
    if timeouts and backend != "postgresql":
        raise SchemaToolError(f"{', '.join(timeouts)}: PostgreSQL only, and "
                              f"{mask_url(target)} is not a PostgreSQL database")

    def locked(lock_connection: Connection) -> ApplyResult:
        with deploy_lock(lock_connection, target, options.lock_timeout, options.schema), \
                lock_connection.engine.connect() as connection:
            in_schema(connection, options.schema)
            result = _upgrade(project, connection, target, ready.checksums, options, progress,
                              ready.squashed)
            result.drift = schema_drift(connection, ready.expected, project.config.ignores)
            result.notes += unverifiable(connection.dialect, ready.expected)
            return result

    project.alembic.attributes["target_metadata"] = ready.expected
    return run_on_connection(target, locked, create=True)


def current_revision(connection: Connection) -> str | None:
    """The revision ``alembic_version`` records: None for an empty database, ids joined by
    "," while two branches are applied without their merge revision yet."""
    return ",".join(MigrationContext.configure(connection).get_current_heads()) or None


def stamp(project: Project, connection: Connection, revision: str) -> None:
    """Record ``revision`` in ``alembic_version`` without running anything (Alembic's stamp)."""
    config = project.alembic
    config.attributes.update(connection=connection, target_metadata=None)
    command.stamp(config, revision)


def _upgrade(project: Project, connection: Connection, target: str, checksums: dict[str, str],
             options: ApplyOptions, progress: Progress | None,
             squashed: frozenset[str]) -> ApplyResult:
    before = current_revision(connection)
    history = read_history(connection)
    result = ApplyResult(mask_url(target), before, before)
    result.notes += _interrupted(project, connection, history)
    _refuse_partial(history)
    applied = _applied_chain(project, before)
    result.notes += _refuse_edited(connection, history, applied, checksums,
                                   options.allow_edited, squashed)
    # revisions applied without `tool apply` get their checksum recorded, so later edits show
    for revision in applied:
        if revision not in history:
            record(connection, revision, checksums[revision], State.APPLIED,
                   note="applied outside tool apply; checksum recorded later")
    connection.commit()
    pending = pending_scripts(project, before)
    if not pending:
        return result
    database_file = sqlite_file(target)
    if options.backup and database_file is None:
        raise SchemaToolError("--backup copies SQLite database files; back up "
                              f"{connection.dialect.name} with its own tools")
    if database_file is not None and options.backup is not False:
        if options.backup or _holds_tables(connection):
            result.backup = backup_sqlite(database_file, before)
            keep = project.config.keep_backups
            result.notes += [f"removed older backup {path.name} (keeping the last {keep}: "
                             "[tool.schema] keep_backups)"
                             for path in prune_backups(database_file, keep)]
        else:
            result.notes.append("no backup taken: the database holds no tables yet")
    _set_timeouts(connection, options)
    make_transactional(connection)
    try:
        result.revisions = run_pending(project, connection, pending, checksums, before,
                                       progress, options.schema)
    except (RevisionFailed, PartiallyApplied) as exc:
        if result.backup is not None:
            exc.args = (f"{exc}; the copy taken before is {result.backup}",)
        raise
    result.after = current_revision(connection)
    connection.commit()
    return result


def _interrupted(project: Project, connection: Connection,
                 history: dict[str, Entry]) -> list[str]:
    """Settle revisions a killed `tool apply` left started (MariaDB, MySQL): one that changed
    nothing yet is forgotten (it runs again; the note says so), any other becomes partial,
    with the resolution that fits: ``--applied`` when the schema is the revision's snapshot."""
    from .status import snapshot_drift  # status builds on this module

    notes = []
    for entry in [entry for entry in history.values() if entry.state is State.STARTED]:
        changed = live_changes(entry.schema_before or {}, reflect_live(connection))
        if not changed:
            forget(connection, entry.revision)
            del history[entry.revision]
            notes.append(f"revision {entry.revision} was interrupted on {entry.applied_at} "
                         "before it changed anything; it runs again")
            continue
        label, differences = snapshot_drift(project, connection, entry.revision)
        finished = label is not None and not differences
        note = (f"interrupted (the process stopped) after it changed {', '.join(changed)}"
                + (f"; the schema is the revision's snapshot, so its statements all ran: "
                   f"`tool resolve {entry.revision} --applied` records that"
                   if finished else ""))
        record(connection, entry.revision, entry.checksum, State.PARTIAL, note=note,
               schema_before=entry.schema_before)
        history[entry.revision] = read_history(connection)[entry.revision]
    connection.commit()
    return notes


def _holds_tables(connection: Connection) -> bool:
    """True when the database has a table besides the tool's and Alembic's bookkeeping."""
    names = set(inspect(connection).get_table_names())
    connection.commit()
    return bool(names - BOOKKEEPING_TABLES)


def _refuse_partial(history: dict[str, Entry]) -> None:
    for entry in history.values():
        if entry.state is State.PARTIAL:
            raise PartiallyApplied(
                f"revision {entry.revision} was partially applied on {entry.applied_at} "
                f"({entry.note}); nothing was run: resolve it first with `tool resolve "
                f"{entry.revision} --applied` or `--rolled-back` (README, Deploying)")


def _applied_chain(project: Project, current: str | None) -> list[str]:
    """The current revision and all its ancestors."""
    if current is None:
        return []
    revisions = tuple(current.split(","))
    read = project.ancestors(revisions)  # no revision map on a plain history
    if read is not None:
        return read
    return [script.revision for script in _walk(project, revisions, "base")]


def pending_scripts(project: Project, current: str | None) -> list[Script]:
    """The revisions after ``current`` up to head, in the order they run."""
    if current is not None and sorted(current.split(",")) == sorted(project.heads()):
        return []  # at head: Alembic's walk would build the map of every revision to say so
    return list(reversed(_walk(project, "heads", tuple(current.split(",")) if current
                               else "base")))


def _walk(project: Project, upper: str | tuple[str, ...],
          lower: str | tuple[str, ...]) -> list[Script]:
    try:
        return list(project.scripts.iterate_revisions(upper, lower))
    except CommandError as exc:
        raise IntegrityError(f"the database's revision is not in this project's history "
                             f"({exc}); nothing was run") from None


def _refuse_edited(connection: Connection, history: dict[str, Entry], applied: list[str],
                   checksums: dict[str, str], allowed_by_option: tuple[str, ...],
                   squashed: frozenset[str]) -> list[str]:
    """Refuse when an applied revision's file changed since it ran, unless allowed (logged) or
    replaced by `tool squash` (the manifest says so)."""
    notes = []
    for revision in applied:
        entry = history.get(revision)
        if entry is None or entry.checksum == checksums[revision]:
            continue
        change = f"sha256 {entry.checksum[:12]} -> {checksums[revision][:12]}"
        if revision in squashed:
            record(connection, revision, checksums[revision], State.APPLIED,
                   note=f"replaced by tool squash ({change})")
            continue
        if revision not in allowed_by_option:
            raise IntegrityError(
                f"revision {revision} was applied on {entry.applied_at}, but its file changed "
                f"since ({change}); nothing was run. Restore the file, or if the edit is "
                f"reviewed, pass --allow-edited {revision}")
        record(connection, revision, checksums[revision], State.APPLIED,
               note=f"edit allowed by {whoami()} ({change})")
        notes.append(f"revision {revision} was edited after it was applied ({change}); "
                     "allowed by --allow-edited and recorded")
    notes += [f"--allow-edited {revision}: not an edited applied revision; nothing to allow"
              for revision in allowed_by_option if revision not in applied
              or history.get(revision) is None
              or history[revision].checksum == checksums[revision]]
    return notes


def _set_timeouts(connection: Connection, options: ApplyOptions) -> None:
    """PostgreSQL's lock_timeout and statement_timeout for this session (checked in apply())."""
    settings = {"lock_timeout": options.postgresql_lock_timeout,
                "statement_timeout": options.postgresql_statement_timeout}
    for name, value in settings.items():
        if value:
            connection.execute(text("SELECT set_config(:name, :value, false)"),
                               {"name": name, "value": value})
    connection.commit()
