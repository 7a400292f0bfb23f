"""`tool resolve REV --applied | --rolled-back`: close a partially applied revision (MariaDB,
MySQL) once the operator has finished or undone it by hand.

The live schema must then equal the snapshot of REV (applied) or of the revision before it
(rolled back), where that snapshot can be found (the working one, or git history); the
database's record is updated under the deploy lock.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic.util import CommandError
from sqlalchemy.engine import Connection

from ..database import mask_url, run_on_connection
from ..errors import SchemaToolError
from ..project import Project
from .history import State, forget, read_history, record
from .live import live_changes, reflect_live
from .lock import deploy_lock, whoami
from .run import stamp, verified_manifest
from .status import snapshot_drift


@dataclass(frozen=True)
class Resolved:
    """What `tool resolve` recorded."""

    url: str
    revision: str
    applied: bool
    at: str | None  # the database's revision afterwards
    note: str | None  # said when no snapshot could be compared


def resolve(project: Project, revision: str, applied: bool, url: str | None = None,
            lock_timeout: float = 60.0) -> Resolved:
    """Record partially applied ``revision`` as applied or rolled back (see module doc)."""
    verified_manifest(project)
    target = project.url(url)
    try:
        script = project.scripts.get_revision(revision)
    except CommandError:
        script = None
    if script is None:
        raise SchemaToolError(f"revision {revision}: no such revision in this project")
    down = script.down_revision
    if isinstance(down, tuple):
        raise SchemaToolError(f"revision {revision} is a merge revision; resolve it by hand")
    expected_at = script.revision if applied else down
    checksum = project.revision_checksums()[script.revision]

    def locked(lock_connection: Connection) -> Resolved:
        with deploy_lock(lock_connection, target, lock_timeout), \
                lock_connection.engine.connect() as connection:
            entry = read_history(connection).get(script.revision)
            if entry is None or not entry.state.unfinished:
                raise SchemaToolError(f"revision {script.revision} is not recorded as partially "
                                      "applied; nothing to resolve")
            note = _compare(project, connection, expected_at,
                            None if applied else entry.schema_before)
            connection.rollback()
            if applied:
                stamp(project, connection, script.revision)
                record(connection, script.revision, checksum, State.APPLIED,
                       note=f"partial run resolved as applied by {whoami()}")
            else:
                forget(connection, script.revision)
            connection.commit()
            return Resolved(mask_url(target), script.revision, applied, expected_at, note)

    return run_on_connection(target, locked)


def _compare(project: Project, connection: Connection, expected_at: str | None,
             schema_before: dict[str, str] | None) -> str | None:
    """Refuse unless the live schema is the one expected; a note when it cannot be compared.

    Rolled back: the schema reflected before the revision ran (kept in the history).  Applied:
    the snapshot of the revision, when it can be found.
    """
    if schema_before is not None:
        differences = live_changes(schema_before, reflect_live(connection))
    else:
        label, differences = snapshot_drift(project, connection, expected_at)
        if label is None:
            return (f"no snapshot of {expected_at} found (not the head, not in git history): "
                    "the schema was not compared")
    if differences:
        raise SchemaToolError(
            f"the live schema is not the one of {expected_at or 'base'} yet "
            f"({len(differences)} difference(s), first: {differences[0]}); finish by hand "
            "first (`tool drift` lists differences from a snapshot)")
    return None
