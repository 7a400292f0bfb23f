"""`tool squash --to REV`: replace the chain of revisions up to REV with one revision that
builds the snapshot at REV from nothing.

The new revision keeps REV's id, so a database at REV or past it sees the same history and
keeps upgrading normally; a new database builds in one step.  A database still before REV
cannot upgrade after the squash (its revision is gone): bring those to REV first.  The
manifest notes the squash, so `tool apply` accepts REV's new file on databases that ran the
old one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic.util import CommandError

from ..author.compare import risks_of
from ..author.integrity import require_integrity
from ..author.record import expect_revision, write_planned_revision
from ..errors import SchemaToolError
from ..files import FileSet
from ..project import Project
from ..review.compare import revision_side, side_tables
from ..snapshot.store import Manifest
from .combine import changes_between


@dataclass(frozen=True)
class Squashed:
    """The revision written and the revisions it replaced (oldest first)."""

    revision: str
    path: Path
    replaced: list[str]


def squash(project: Project, to: str) -> Squashed:
    """Squash the revisions from the base up to ``to`` (see module doc)."""
    manifest = require_integrity(project, "nothing was changed")
    try:
        chain = list(project.scripts.iterate_revisions(to, "base"))
    except CommandError as exc:
        raise SchemaToolError(f"--to {to}: {exc}") from None
    to = chain[0].revision
    if len(chain) < 2:
        raise SchemaToolError(f"revision {to} is the first revision: nothing to squash")
    merges = [script.revision for script in chain if script.is_merge_point]
    if merges:
        raise SchemaToolError(f"revision {merges[0]} merges branches: squash only a straight "
                              "chain (squash up to a revision after the merge is not supported)")
    side = revision_side(project, to)
    if side is None:
        raise SchemaToolError(f"no snapshot of revision {to} found (not the head, not in git "
                              "history): squash to the head, or commit the snapshots first")
    tables = side_tables(side)
    changes = changes_between({}, tables)
    replaced = [script.revision for script in reversed(chain)]
    every = [Path(script.path) for script in project.scripts.walk_revisions()]
    squashed = {Path(script.path) for script in chain}
    files = project.file_set(f"`tool squash` to {to}")
    with files.transaction():
        # every revision out of Alembic's sight while it writes the new one (same id as `to`)
        files.set_aside(every)
        project.reload_scripts()
        expect_revision(project, files, to)
        revision, path = write_planned_revision(
            project, changes, dict.fromkeys(tables), tables, {}, side.naming_convention,
            f"squash of {len(chain)} revisions up to {to}", to, risks_of(project, changes),
            None)
        files.put_back([path for path in every if path not in squashed])
        _record(project, manifest, revision, replaced, files)
    return Squashed(revision, path, replaced)


def _record(project: Project, manifest: Manifest, revision: str, replaced: list[str],
            files: FileSet) -> None:
    project.reload_scripts()
    kept = project.revision_ids()
    notes = {rev: note for rev, note in manifest.notes.items() if rev in kept and rev != revision}
    notes[revision] = {"squashed": replaced}
    files.write(project.store.manifest_path, Manifest(
        head=manifest.head, tables=manifest.tables, revisions=project.revision_files(),
        naming_convention=manifest.naming_convention, notes=notes,
        fingerprints=manifest.fingerprints).to_text())
