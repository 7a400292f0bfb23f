"""Models -> snapshot -> revision: record the difference ``compare`` found as a revision and
the new snapshot files, all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic.operations import ops
from alembic.util import rev_id as new_rev_id

from .. import progress
from ..diff import Change, Kind
from ..diff.lint import Risk
from ..diff.renames import LookAlike, Renames, look_alikes
from ..errors import ExitCode, IntegrityError, SchemaToolError
from ..files import FileSet
from ..plan.planner import plan_operations
from ..project import Project
from ..rules import Severity
from ..snapshot.serialize import TableDict
from ..snapshot.store import Manifest
from .compare import SchemaDiff, compare_models, risks_of
from .revision import require_revision_input, write_revision


@dataclass(frozen=True)
class SnapshotResult:
    """What ``take_snapshot`` did."""

    changes: list[Change]
    risks: list[Risk] = field(default_factory=list)
    revision: str | None = None
    revision_path: Path | None = None
    written: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Policy:
    """How `tool snapshot` treats risky changes and look-alike renames."""

    allow_destructive: str | None = None  # the reviewed reason, recorded with the revision
    renames: Renames = field(default_factory=Renames)
    # asked about each drop + add that looks like a rename (in a terminal); None: no terminal
    confirm_rename: Callable[[LookAlike], bool] | None = None


class DestructiveChangeError(SchemaToolError):
    """Destructive changes without ``--allow-destructive``: a policy refusal, exit 1; the CLI
    prints one ``error:`` line per line given."""

    exit_code = ExitCode.FOUND

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else problems
        super().__init__("; ".join(self.problems))


def take_snapshot(
    project: Project, message: str, rev_id: str | None = None, dry_run: bool = False,
    policy: Policy | None = None,
) -> SnapshotResult:
    """Write a revision plus the new snapshot files and manifest, all or nothing.

    Refuses destructive changes (risks of error severity) unless ``policy.allow_destructive``
    gives a reason, and a drop + add that looks like a rename unless confirmed either way.
    """
    policy = policy or Policy()
    require_revision_input(message, rev_id, project.revision_ids(), policy.allow_destructive)
    schema_diff = compare_models(project, policy.renames)
    if not schema_diff.files_differ:
        return SnapshotResult([])
    require_consistent_head(project, schema_diff.manifest)
    schema_diff = _resolve_look_alikes(project, schema_diff, policy)
    risks = risks_of(project, schema_diff.changes)
    if dry_run:
        return SnapshotResult(schema_diff.changes, risks)
    blocking = [risk for risk in risks if risk.severity is Severity.ERROR]
    if blocking and not policy.allow_destructive:
        raise DestructiveChangeError(
            [f"refusing a destructive revision: {risk.describe()}" for risk in blocking]
            + ["review each, then pass --allow-destructive \"why this is safe\""])
    rev_id = rev_id or new_rev_id()
    files = project.file_set(f"`tool snapshot` of revision {rev_id}")
    with files.transaction():
        expect_revision(project, files, rev_id)
        revision, path = write_planned_revision(
            project, schema_diff.changes, schema_diff.old, schema_diff.new,
            schema_diff.unchanged, schema_diff.naming_convention, message, rev_id, risks,
            policy.allow_destructive)
        files.adopt(path)
        note = revision_note(blocking, policy.allow_destructive, schema_diff.renames)
        written = stage_snapshot(project, schema_diff, revision, files, {revision: note})
    return SnapshotResult(schema_diff.changes, risks, revision, path, [path, *written])


def write_planned_revision(
    project: Project, changes: list[Change], old: Mapping[str, TableDict | None],
    new: Mapping[str, TableDict | None], unchanged: Mapping[str, TableDict],
    convention: Mapping[str, str], message: str, rev_id: str | None, risks: list[Risk],
    allowed: str | None, head: str | list[str] = "head",
) -> tuple[str, Path]:
    """Plan the operations for ``changes`` and write them as a revision on top of ``head``."""
    config = project.config
    progress.stage(f"planning the revision ({len(changes)} changes)")
    operations = plan_operations(changes, old, new, unchanged, convention, config.databases,
                                 config.postgresql_safe_forms)
    written = write_revision(
        project.alembic, project.scripts_to_write(head), operations, message=message,
        docstring=changes_docstring(changes, risks, allowed),
        dialect_name=project.dialect_name(), rev_id=rev_id, head=head)
    project.revision_written()  # the next revision written goes on top of this one
    return written


def empty_revision(project: Project, message: str, rev_id: str | None = None) -> SnapshotResult:
    """A revision with no schema change (a data migration, written by hand afterwards); the
    snapshot is carried forward to it unchanged."""
    require_revision_input(message, rev_id, project.revision_ids())
    schema_diff = compare_models(project)
    if schema_diff.manifest is None:
        raise SchemaToolError("no snapshot yet: run tool snapshot -m MESSAGE first")
    if schema_diff.files_differ:
        raise SchemaToolError("the models differ from the snapshot: record that first with "
                              "tool snapshot -m MESSAGE, so this revision changes no schema")
    require_consistent_head(project, schema_diff.manifest)
    rev_id = rev_id or new_rev_id()
    files = project.file_set(f"`tool revision` of revision {rev_id}")
    with files.transaction():
        expect_revision(project, files, rev_id)
        revision, path = write_revision(
            project.alembic, project.scripts_to_write("head"), ops.UpgradeOps([]), message=message,
            docstring="\nHand-written revision (tool revision): the schema does not change.\n",
            dialect_name=project.dialect_name(), rev_id=rev_id)
        files.adopt(path)
        written = stage_snapshot(project, schema_diff, revision, files)
    return SnapshotResult([], [], revision, path, [path, *written])


def expect_revision(project: Project, files: FileSet, *rev_ids: str) -> None:
    """Journal the revision files Alembic is about to write, so that a failure or a kill
    before the snapshot is written removes them again."""
    files.expect(Path(project.scripts.versions), *rev_ids)


def _resolve_look_alikes(project: Project, schema_diff: SchemaDiff, policy: Policy) -> SchemaDiff:
    """Ask about drops + adds that look like renames; without a terminal, refuse unless the
    drop is allowed explicitly.  Confirmed renames re-run the comparison."""
    alikes = look_alikes(schema_diff.changes)
    if not alikes:
        return schema_diff
    if policy.confirm_rename is None:
        if policy.allow_destructive:
            return schema_diff
        raise DestructiveChangeError([
            f"{alike.describe()}: pass {alike.flag()} to keep its data, or "
            "--allow-destructive \"reason\" to drop and add" for alike in alikes])
    confirmed = Renames()
    for alike in alikes:
        if policy.confirm_rename(alike):
            confirmed.merge(Renames(tables={alike.new: alike.old}) if alike.kind is Kind.TABLE
                            else Renames(columns={alike.table: {alike.new: alike.old}}))
    if not confirmed:
        return schema_diff
    confirmed.merge(policy.renames)
    return compare_models(project, confirmed)


def revision_note(blocking: list[Risk], reason: str | None, renames: Renames) -> dict[str, Any]:
    """The manifest's note for a new revision (empty when there is nothing to note)."""
    note: dict[str, Any] = {}
    if blocking:
        note["destructive"] = sorted({risk.code for risk in blocking})
        note["allowed"] = reason
    if renames:
        note["renames"] = renames.to_data()
    return note


def stage_snapshot(
    project: Project, schema_diff: SchemaDiff, head: str | None, files: FileSet,
    notes: Mapping[str, dict[str, Any]] | None = None,
) -> list[Path]:
    """Stage changed table files, removed ones, and the manifest signed for ``head`` (adding
    ``notes`` to the ones of revisions that still exist)."""
    store = project.store
    written = []
    changed = [key for key in schema_diff.models if not schema_diff.stored(key)]
    progress.stage("writing snapshot files", len(changed))
    for key in changed:
        progress.advance()
        files.write(store.table_path(key), schema_diff.models[key].text)
        written.append(store.table_path(key))
    wanted = {store.table_path(key) for key in schema_diff.models}
    for path in store.tables_dir.glob("*.yaml") if store.tables_dir.exists() else []:
        if path not in wanted:
            files.delete(path)
    project.revision_written()
    revisions = project.revision_files()
    kept = {**(schema_diff.manifest.notes if schema_diff.manifest else {}), **(notes or {})}
    manifest = Manifest(head=head, tables=schema_diff.table_hashes, revisions=revisions,
                        naming_convention=schema_diff.naming_convention,
                        fingerprints=schema_diff.table_fingerprints,
                        notes={rev: n for rev, n in kept.items()
                               if n and rev in project.revision_ids()})
    files.write(store.manifest_path, manifest.to_text())
    written.append(store.manifest_path)
    return written


def require_consistent_head(project: Project, manifest: Manifest | None) -> None:
    """Refuse when a revision file differs from the manifest's checksums (``IntegrityError``),
    when Alembic has several heads or its head is not the one the snapshot records."""
    edited = project.revision_file_problems(manifest.revisions) if manifest else []
    if edited:
        message, fix = edited[0]
        raise IntegrityError(f"{message} (fix: {fix}); nothing was written")
    heads = project.heads()
    if len(heads) > 1:
        raise SchemaToolError(
            f"alembic has {len(heads)} heads ({', '.join(sorted(heads))}); merge them first"
        )
    recorded = manifest.head if manifest else None
    current = heads[0] if heads else None
    if recorded != current:
        raise SchemaToolError(
            f"{project.store.display(project.store.manifest_path)}: head is {recorded} but "
            f"alembic's head is {current}; run `tool check` and `tool rehash` once the revisions "
            "are reviewed"
        )


def changes_docstring(changes: list[Change], risks: list[Risk] = (),  # type: ignore[assignment]
                      allowed: str | None = None) -> str:
    """The revision docstring: a summary, one line per change, the risks and, for a
    destructive revision, the reason it was allowed."""
    text = f"\n{summary(changes)}\n\nSchema changes (generated by `tool snapshot`):\n" + "".join(
        f"    {change.describe()}\n" for change in changes)
    if risks:
        text += "\nRisks:\n" + "".join(f"    {risk.describe()}\n" for risk in risks)
    if allowed:
        text += f"\nDestructive changes allowed: {allowed}\n"
    return text


def change_counts(changes: list[Change]) -> dict[str, int]:
    """How many changes add, drop and alter something (renames alter)."""
    counts = {"added": 0, "dropped": 0, "altered": 0}
    for change in changes:
        counts[{"+": "added", "-": "dropped"}.get(change.action.sign, "altered")] += 1
    return counts


def summary(changes: list[Change]) -> str:
    """``3 changes: 1 added, 1 dropped, 1 altered``."""
    shown = ", ".join(f"{n} {label}" for label, n in change_counts(changes).items() if n)
    return f"{len(changes)} change{'s' if len(changes) != 1 else ''}: {shown}"
