"""Parallel branches: `tool rebase` and `tool merge`.

Two branches that both change the schema each add a revision on the same parent and each sign
the manifest for their own head, so the manifest conflicts in git by design.

* ``tool rebase [--onto REF]``, after merging REF (default: origin/main or main) into the
  branch: this branch's revisions (those REF does not have) are written again, with the same
  ids and messages, on top of REF's head, from the snapshots they recorded combined with REF's;
  the snapshot becomes the (merged) models and the manifest is signed again.
* ``tool merge -m MSG``, when two heads already reached the main branch: an Alembic merge
  revision, once the models are the two heads' schemas combined.

Both refuse, naming the objects, when the two branches changed the same object.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic.operations import ops
from alembic.script import Script
from alembic.util import rev_id as new_rev_id

from ..author.compare import SchemaDiff, TableFile, model_tables, risks_of
from ..author.record import (
    DestructiveChangeError,
    expect_revision,
    revision_note,
    stage_snapshot,
    write_planned_revision,
)
from ..author.revision import require_revision_input, write_revision
from ..diff.renames import Renames
from ..errors import SchemaToolError
from ..project import Project
from ..review.compare import Side, open_side, revision_side, side_tables
from ..review.git import GitRepository
from ..rules import Severity
from ..snapshot.serialize import TableDict, naming_convention
from .combine import Combined, changes_between, combine, diff_between

DEFAULT_REFS = ("origin/main", "main", "origin/master", "master")


class BranchConflict(SchemaToolError):
    """Both branches changed the same objects, or the models are not their combination."""


@dataclass(frozen=True)
class Rewritten:
    """What `tool rebase` or `tool merge` wrote."""

    onto: str | None
    revisions: list[str]
    paths: list[Path]


def rebase(project: Project, onto: str | None = None) -> Rewritten:
    """Move this branch's revisions on top of ``onto``'s head (see module doc)."""
    ref = onto or _default_ref(project)
    theirs_side = open_side(project, ref)
    if theirs_side.manifest is None:
        raise SchemaToolError(f"{ref} has no snapshot: nothing to rebase onto")
    theirs_head = theirs_side.manifest.head
    theirs_files = set(theirs_side.manifest.revisions)
    ours = _our_chain(project, theirs_files, ref)
    fork = ours[0].down_revision
    if fork == theirs_head:
        return Rewritten(theirs_head, [], [])
    base = _tables_at(project, fork, ref, f"the revision {ref} and this branch share")
    theirs = side_tables(theirs_side)
    our_sides = [_side_at(project, script.revision, "HEAD", "this branch's revision")
                 for script in ours]
    combined = _combined(base, side_tables(our_sides[-1]), theirs, f"this branch and {ref}")
    models = _models_matching(project, combined)
    targets = [combine(base, side_tables(side), theirs).tables for side in our_sides[:-1]]
    notes = our_sides[-1].manifest.notes if our_sides[-1].manifest else {}
    written: list[Path] = []
    new_notes: dict[str, dict[str, object]] = {}
    # a message is the module's docstring: read while the files are in place
    messages = {script.revision: (script.doc or "").strip() or script.revision for script in ours}
    files = project.file_set("`tool rebase`")
    with files.transaction():
        # the old files out of Alembic's sight while it writes them again (same ids)
        files.set_aside([Path(script.path) for script in ours])
        project.reload_scripts()
        expect_revision(project, files, *[script.revision for script in ours])
        previous = theirs
        for script, target in zip(ours, [*targets, models.models_data], strict=True):
            note = notes.get(script.revision, {})
            path, new_notes[script.revision] = _rewrite(
                project, script.revision, messages[script.revision], previous, target, note,
                models.naming_convention)
            written.append(path)
            previous = target
        theirs_diff = SchemaDiff(theirs_side.manifest, models.models, models.naming_convention,
                                 [])
        written += stage_snapshot(project, theirs_diff, ours[-1].revision, files, new_notes)
    return Rewritten(theirs_head, [script.revision for script in ours], written)


def merge(project: Project, message: str) -> Rewritten:
    """An Alembic merge revision for two heads whose combined schema is the models'."""
    require_revision_input(message)
    heads = sorted(project.heads())
    if len(heads) != 2:
        raise SchemaToolError(f"tool merge joins two heads; alembic has {len(heads)}"
                              + (f" ({', '.join(heads)})" if heads else ""))
    sides = [_side_at(project, head, "HEAD", "head") for head in heads]
    ancestors = [{s.revision for s in project.scripts.iterate_revisions(head, "base")}
                 for head in heads]
    common = ancestors[0] & ancestors[1]
    fork = max(common, key=lambda rev: len(list(project.scripts.iterate_revisions(rev, "base"))),
               default=None)
    base = _tables_at(project, fork, "HEAD", "the two heads' last common revision")
    combined = _combined(base, side_tables(sides[0]), side_tables(sides[1]),
                         f"the heads {heads[0]} and {heads[1]}")
    models = _models_matching(project, combined)
    rev_id = new_rev_id()
    files = project.file_set(f"`tool merge` of revision {rev_id}")
    with files.transaction():
        expect_revision(project, files, rev_id)
        revision, path = write_revision(
            project.alembic, project.scripts, ops.UpgradeOps([]), message,
            f"\nMerges {heads[0]} and {heads[1]}: the schema is both branches' changes "
            "combined.\n", project.dialect_name(), rev_id=rev_id, head=heads)
        files.adopt(path)
        notes = {**(sides[0].manifest.notes if sides[0].manifest else {}),
                 **(sides[1].manifest.notes if sides[1].manifest else {})}
        written = stage_snapshot(project, SchemaDiff(sides[0].manifest, models.models,
                                                     models.naming_convention, []),
                                 revision, files, notes)
    return Rewritten(None, [revision], [path, *written])


def _default_ref(project: Project) -> str:
    repository = GitRepository(project.config.root)
    for ref in DEFAULT_REFS:
        try:
            repository.commit(ref)
        except SchemaToolError:
            continue
        return ref
    raise SchemaToolError(f"none of {', '.join(DEFAULT_REFS)} exists: pass --onto REF")


def _our_chain(project: Project, theirs_files: set[str], ref: str) -> list[Script]:
    """This branch's revisions, oldest first: the one head whose chain REF lacks."""
    scripts = list(project.scripts.walk_revisions())
    ours = {s.revision: s for s in scripts
            if project.version_name(Path(s.path)) not in theirs_files}
    heads = [s for s in ours.values() if s.is_head]
    if not ours or not heads:
        raise SchemaToolError(f"every revision is on {ref}: nothing to rebase")
    if len(heads) > 1:
        raise SchemaToolError(f"this branch has {len(heads)} heads of its own "
                              f"({', '.join(sorted(h.revision for h in heads))}): merge them first")
    chain = [heads[0]]
    while isinstance(chain[-1].down_revision, str) and chain[-1].down_revision in ours:
        chain.append(ours[chain[-1].down_revision])
    if len(chain) != len(ours) or isinstance(chain[-1].down_revision, tuple):
        raise SchemaToolError("this branch's revisions are not one straight chain: rebase "
                              "supports a chain of revisions on one parent")
    return list(reversed(chain))


def _side_at(project: Project, revision: str, ref: str, what: str) -> Side:
    side = revision_side(project, revision, ref)
    if side is None:
        raise SchemaToolError(f"no snapshot of {what} {revision} in the git history of {ref}: "
                              "commit the snapshot with its revision first")
    return side


def _tables_at(project: Project, revision: str | None, ref: str, what: str) -> dict[str, TableDict]:
    return side_tables(_side_at(project, revision, ref, what)) if revision else {}


def _combined(base: dict[str, TableDict], ours: dict[str, TableDict],
              theirs: dict[str, TableDict], sides: str) -> Combined:
    combined = combine(base, ours, theirs)
    if combined.conflicts:
        raise BranchConflict(f"{sides} both changed {', '.join(combined.conflicts)}: decide "
                             "which change wins in the models, then write one of the revisions "
                             "again with tool snapshot")
    return combined


@dataclass(frozen=True)
class _Models:
    models: dict[str, TableFile]
    models_data: dict[str, TableDict]
    naming_convention: dict[str, str]


def _models_matching(project: Project, combined: Combined) -> _Models:
    """The models, which must be the combined schema (column order aside)."""
    # the working manifest may be in conflict: the models are read on their own
    tables = model_tables(project)
    data = {key: table.data for key, table in tables.items()}
    left = changes_between(combined.tables, data)
    if left:
        raise BranchConflict(f"the models are not the two branches' schemas combined "
                             f"({left[0].describe()}, {len(left)} difference(s)): finish merging "
                             "the models first")
    return _Models(tables, data, naming_convention(project.metadata))


def _rewrite(project: Project, revision: str, message: str, old: dict[str, TableDict],
             new: dict[str, TableDict], note: dict[str, object],
             convention: dict[str, str]) -> tuple[Path, dict[str, object]]:
    """Write ``revision`` again (same id and message) for ``old`` -> ``new``."""
    hints = note.get("renames")
    result = diff_between(old, new, Renames.from_data(hints) if hints else None)  # type: ignore[arg-type]
    risks = risks_of(project, result.changes)
    blocking = [risk for risk in risks if risk.severity is Severity.ERROR]
    allowed = note.get("allowed")
    if blocking and not allowed:
        raise DestructiveChangeError(
            f"revision {revision} becomes destructive on top of the new head "
            f"({blocking[0].describe()}); write it again with tool snapshot --allow-destructive")
    changed = {key: new.get(key) for key in result.old}
    unchanged = {key: table for key, table in new.items() if key not in changed}
    _, path = write_planned_revision(
        project, result.changes, result.old, changed, unchanged, convention,
        message, revision, risks,
        allowed if isinstance(allowed, str) else None)
    return path, revision_note(blocking, allowed if isinstance(allowed, str) else None,
                               result.renames)
