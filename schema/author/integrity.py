"""``tool check``: models, snapshot, manifest and Alembic history agree, or say what to run."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import IntegrityError, SchemaToolError
from ..project import Project
from ..snapshot.store import Manifest
from .compare import compare_models


@dataclass(frozen=True)
class Problem:
    """One disagreement and the command that fixes it."""

    message: str
    fix: str

    def describe(self) -> str:
        return f"{self.message} (fix: {self.fix})"


def project_problems(project: Project, manifest: Manifest | None) -> list[Problem]:
    """Every problem found, ``manifest`` being the project's as read; an empty list means the
    project is consistent."""
    if manifest is None:
        return [Problem("no snapshot has been taken", 'tool snapshot -m "initial schema"')]
    problems = integrity_problems(project, manifest)
    for revision, note in sorted(manifest.notes.items()):
        if note.get("destructive") and not note.get("allowed"):
            problems.append(Problem(
                f"revision {revision} is destructive ({', '.join(note['destructive'])}) and no "
                "reason was recorded", "re-create it with tool snapshot --allow-destructive "
                "\"reason\""))
    if not problems:
        schema_diff = compare_models(project, manifest=manifest)
        problems.extend(
            Problem(f"models differ from the snapshot: {change.describe()}",
                    'tool snapshot -m "describe the change"')
            for change in schema_diff.changes
        )
        if manifest.naming_convention != schema_diff.naming_convention:
            problems.append(Problem("the models' naming convention differs from the snapshot's",
                                    'tool snapshot -m "naming convention"'))
        elif schema_diff.files_differ and not schema_diff.changes:
            problems.append(Problem("snapshot files differ from the models' canonical form",
                                    'tool snapshot -m "refresh snapshot"'))
    return problems


def integrity_problems(project: Project, manifest: Manifest) -> list[Problem]:
    """Snapshot and revision files against the manifest's checksums, and a single Alembic head
    that is the manifest's (what `tool apply` checks before it connects)."""
    problems = [
        Problem(problem, "restore it from git, or review it and run `tool rehash`")
        for problem in project.store.integrity_problems(manifest)
    ]
    heads = project.heads()
    if len(heads) > 1:
        problems.append(Problem(f"alembic has {len(heads)} heads: {', '.join(sorted(heads))}",
                                "alembic merge heads, then tool rehash"))
    elif (heads[0] if heads else None) != manifest.head:
        problems.append(Problem(
            f"manifest head is {manifest.head} but alembic's head is {heads[0] if heads else None}",
            "review the revisions, then tool rehash",
        ))
    problems += [Problem(message, fix)
                 for message, fix in project.revision_file_problems(manifest.revisions)]
    return problems


def require_integrity(project: Project, nothing_done: str) -> Manifest:
    """The manifest, or an error before anything is done: ``IntegrityError`` (exit 6) naming the
    first integrity problem, then ``nothing_done`` ("nothing was run")."""
    manifest = project.store.read_manifest()
    if manifest is None:
        raise SchemaToolError(f"no snapshot yet: run `tool snapshot -m MESSAGE` first; "
                              f"{nothing_done}")
    problems = integrity_problems(project, manifest)
    if problems:
        raise IntegrityError(f"{problems[0].describe()}; {nothing_done}")
    return manifest
