"""`tool status` and `tool drift`: where a live database stands, and whether its schema is the
snapshot of the revision it is at (an out-of-band ``ALTER TABLE`` shows up here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from ..author.integrity import integrity_problems
from ..database import mask_url, run_on_connection
from ..errors import IntegrityError
from ..project import Project
from ..review.compare import revision_side, side_metadata
from ..verify.drift import schema_drift
from .history import State, read_history
from .lock import lock_holder
from .run import current_revision, pending_scripts


@dataclass(frozen=True)
class Pending:
    """A revision the database has not run yet."""

    revision: str
    message: str


@dataclass
class Drift:
    """The live schema against the snapshot of the database's revision."""

    url: str
    revision: str | None
    snapshot: str | None  # which snapshot was compared; None when none was found
    differences: list[str] = field(default_factory=list)

    @property
    def checked(self) -> bool:
        return self.snapshot is not None


@dataclass
class Status:
    """`tool status`: revision, pending revisions, lock holder, partial revisions, drift."""

    url: str
    current: str | None
    head: str | None
    pending: list[Pending]
    lock_holder: str | None
    partial: list[str]
    drift: Drift


def snapshot_drift(project: Project, connection: Connection,
                   revision: str | None) -> tuple[str | None, list[str]]:
    """The label of ``revision``'s snapshot and the live schema's differences from it;
    ``(None, [])`` when no snapshot of it is found (not the head, not in git history)."""
    side = revision_side(project, revision)
    if side is None:
        return None, []
    return side.label, schema_drift(connection, side_metadata(side), project.config.ignores)


def drift_on(project: Project, connection: Connection, url: str) -> Drift:
    """Compare the live schema with the snapshot of its current revision."""
    revision = current_revision(connection)
    return Drift(mask_url(url), revision, *snapshot_drift(project, connection, revision))


def drift(project: Project, url: str | None = None) -> Drift:
    """`tool drift`: differences between the database at ``url`` and its revision's snapshot."""
    target = project.url(url)
    return run_on_connection(target, lambda connection: drift_on(project, connection, target))


def status_on(project: Project, connection: Connection, url: str,
              scope: str | None = None) -> Status:
    """`tool status` of the database ``connection`` is open on (in tenant schema ``scope``)."""
    heads = project.heads()
    found = drift_on(project, connection, url)
    pending = [Pending(script.revision, (script.doc or "").strip())
               for script in pending_scripts(project, found.revision)]
    holder = lock_holder(connection, url, scope)
    # a revision recorded as started is running while a deploy holds the lock
    partial = [entry.revision for entry in read_history(connection).values()
               if entry.state is State.PARTIAL
               or (entry.state is State.STARTED and holder is None)]
    return Status(found.url, found.revision, heads[0] if len(heads) == 1 else None, pending,
                  holder.description if holder else None, partial, found)


def status(project: Project, url: str | None = None) -> Status:
    """`tool status` for the database at ``url``."""
    target = project.url(url)
    manifest = project.store.read_manifest()
    # a pending revision's message comes from its module: only a verified one is imported
    problems = integrity_problems(project, manifest) if manifest else []
    if problems:
        raise IntegrityError(f"{problems[0].describe()}; nothing was read")
    return run_on_connection(target, lambda connection: status_on(project, connection, target))
