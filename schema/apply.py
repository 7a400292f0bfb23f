"""``alembic upgrade head`` on one connection, then verification against the head snapshot."""

from __future__ import annotations

from dataclasses import dataclass, field

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy.engine import Connection

from .database import mask_url, run_on_connection
from .errors import SchemaToolError
from .project import Project
from .snapshot import require_consistent_head
from .verify import schema_drift, snapshot_metadata, unverifiable


@dataclass
class ApplyResult:
    """What ``apply`` found and did."""

    url: str
    before: str | None
    after: str | None
    drift: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def upgraded(self) -> bool:
        return self.before != self.after


def apply(project: Project, url: str | None = None) -> ApplyResult:
    """Upgrade the database at ``url`` to head and verify it against the head snapshot."""
    manifest = project.store.read_manifest()
    if manifest is None:
        raise SchemaToolError("no snapshot yet: run `tool snapshot -m MESSAGE` first")
    problems = project.store.integrity_problems(manifest)
    if problems:
        raise SchemaToolError(f"{problems[0]}; run `tool check`")
    require_consistent_head(project, manifest)
    expected = snapshot_metadata(project.store, manifest)
    target = project.url(url)
    alembic_config = project.alembic
    alembic_config.attributes["target_metadata"] = expected

    def upgrade(connection: Connection) -> ApplyResult:
        before = _current(connection)
        # end the transaction that reading began, so Alembic begins (and owns) its own: an
        # autocommit block (CREATE INDEX CONCURRENTLY) needs one it can commit
        connection.rollback()
        alembic_config.attributes["connection"] = connection
        try:
            command.upgrade(alembic_config, "head")
        except CommandError as exc:
            raise SchemaToolError(f"alembic: {exc}") from None
        connection.commit()
        return ApplyResult(mask_url(target), before, _current(connection),
                           schema_drift(connection, expected, project.config.ignores),
                           unverifiable(connection.dialect, expected))

    return run_on_connection(target, upgrade)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
