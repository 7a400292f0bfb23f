"""JSON documents of the commands whose results the engine does not render itself: `tool
check`, `tool snapshot`, the adoptions (``snapshot --baseline``, ``snapshot --from-db``,
``apply --baseline``), `tool init`, `revision`, `rehash` and the teamwork commands (`rebase`,
`merge`, `squash`).  Each carries its format (``schema/output.py``, ``docs/schemas/``); paths
are relative to the project folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cultivar_schema.cli.base import relative
from cultivar_schema.output import document
from cultivar_schema.review.report import change_json, summary_json

if TYPE_CHECKING:
    from cultivar_schema.author.init import InitResult
    from cultivar_schema.author.integrity import Problem
    from cultivar_schema.author.record import SnapshotResult
    from cultivar_schema.project import Project
    from cultivar_schema.snapshot.store import Manifest
    from cultivar_schema.team.adopt import Adopted
    from cultivar_schema.team.branches import Rewritten
    from cultivar_schema.team.squash import Squashed


def check_json(problems: list[Problem], manifest: Manifest | None) -> str:
    """`tool check --format json`: ``tool.check/1``; ``clean`` is the exit code's answer."""
    return document("check", {
        "clean": not problems,
        "problems": [{"message": problem.message, "fix": problem.fix} for problem in problems],
        "tables": len(manifest.tables) if manifest else None,
        "head": manifest.head if manifest else None,
    })


def snapshot_json(result: SnapshotResult, dry_run: bool, project: Project) -> str:
    """`tool snapshot --format json`: ``tool.snapshot/1``; ``revision`` is null when nothing
    was written (no change, or ``--dry-run``)."""
    return document("snapshot", {
        "dry_run": dry_run,
        "summary": summary_json(result.changes, result.risks),
        "changes": [change_json(change, [risk for risk in result.risks if risk.change is change])
                    for change in result.changes],
        "revision": result.revision,
        "revision_path": relative(result.revision_path, project) or None,
        "written": _paths(result.written, project),
    })


def adoption_json(command: str, done: Adopted, project: Project) -> str:
    """``tool.adoption/1`` of ``command`` (``snapshot --baseline``, ``snapshot --from-db``,
    ``apply --baseline``): ``adopted`` is false when the database differs (``differences``)."""
    return document("adoption", {
        "command": command, "adopted": not done.differences, "revision": done.revision,
        "tables": done.tables, "differences": done.differences,
        "written": _paths(done.written, project),
    })


def init_json(result: InitResult, directory: Path) -> str:
    """`tool init --format json`: ``tool.init/1``, the files by what happened to them (paths
    relative to ``directory``) and the notes (what to fill in when no models were found)."""
    def inside(paths: list[Path]) -> list[str]:
        return [str(path.relative_to(directory)) for path in paths]

    return document("init", {
        "directory": str(directory.resolve()), "created": inside(result.created),
        "extended": inside(result.extended), "kept": inside(result.kept), "notes": result.notes,
    })


def revision_json(result: SnapshotResult, project: Project) -> str:
    """`tool revision --format json`: ``tool.revision/1``, the empty revision written and the
    snapshot files carried forward to it."""
    return document("revision", {
        "revision": result.revision,
        "revision_path": relative(result.revision_path, project),
        "written": _paths(result.written, project),
    })


def rehash_json(manifest: Manifest) -> str:
    """`tool rehash --format json`: ``tool.rehash/1``, what the manifest now signs."""
    return document("rehash", {"tables": len(manifest.tables),
                               "revisions": len(manifest.revisions), "head": manifest.head})


def rebase_json(done: Rewritten, project: Project) -> str:
    """`tool rebase --format json`: ``tool.rebase/1``; ``revisions`` is empty when this branch's
    revisions already follow ``onto``."""
    return document("rebase", {"onto": done.onto, "revisions": done.revisions,
                               "written": _paths(done.paths, project)})


def merge_json(done: Rewritten, project: Project) -> str:
    """`tool merge --format json`: ``tool.merge/1``, the merge revision and the snapshot files
    recorded at it."""
    return document("merge", {"revision": done.revisions[0],
                              "revision_path": relative(done.paths[0], project),
                              "written": _paths(done.paths, project)})


def squash_json(done: Squashed, project: Project) -> str:
    """`tool squash --format json`: ``tool.squash/1``, the revision that replaced
    ``replaced`` (oldest first; the last is its own id)."""
    return document("squash", {"revision": done.revision,
                               "revision_path": relative(done.path, project),
                               "replaced": done.replaced})


def _paths(paths: list[Path], project: Project) -> list[str]:
    return [relative(path, project) for path in paths]
