"""JSON documents of the commands whose results the engine does not render itself: `tool
check`, `tool snapshot` and the adoptions (``snapshot --baseline``, ``snapshot --from-db``,
``apply --baseline``).  Each carries its format (``schema/output.py``, ``docs/schemas/``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cultivar_schema.cli.base import relative
from cultivar_schema.output import document
from cultivar_schema.review.report import change_json, summary_json

if TYPE_CHECKING:
    from cultivar_schema.author.integrity import Problem
    from cultivar_schema.author.record import SnapshotResult
    from cultivar_schema.project import Project
    from cultivar_schema.snapshot.store import Manifest
    from cultivar_schema.team.adopt import Adopted


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


def _paths(paths: list[Path], project: Project) -> list[str]:
    return [relative(path, project) for path in paths]
