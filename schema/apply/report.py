"""`tool apply`, `tool status`, `tool drift` and `tool resolve` as text (coloured through a
:data:`~schema.output.Paint`), markdown and JSON documents (``docs/schemas/``)."""

from __future__ import annotations

from typing import Any

from ..output import Paint, document, plain
from .dry_run import DryRun
from .resolve import Resolved
from .run import ApplyResult
from .status import Drift, Status


def apply_json(result: ApplyResult) -> str:
    """``tool apply --format json``: ``tool.apply/1``."""
    return document("apply", {
        "url": result.url, "before": result.before, "after": result.after,
        "revisions": [{"revision": run.revision, "message": run.message,
                       "seconds": round(run.seconds, 3)} for run in result.revisions],
        "backup": str(result.backup) if result.backup else None,
        "drift": result.drift, "notes": result.notes,
    })


def apply_lines(result: ApplyResult, paint: Paint = plain) -> list[str]:
    """What `tool apply` says once the revisions ran: the backup, the upgrade, notes and the
    verification."""
    lines = [f"backup: {result.backup}"] if result.backup is not None else []
    if result.upgraded:
        lines.append(f"upgraded {result.url} from {result.before or 'an empty schema'} "
                     f"to {result.after}")
    else:
        lines.append(f"{result.url} is already at head {result.after}")
    lines += [f"note: {note}" for note in result.notes]
    if result.drift:
        lines.append(paint(f"drift: the database differs from the snapshot at {result.after}:",
                           "problem"))
        lines += [f"  {line}" for line in result.drift]
    else:
        lines.append(paint(f"verified: the database matches the snapshot at {result.after}",
                           "ok"))
    return lines


def dry_run_json(planned: DryRun) -> str:
    """``tool apply --dry-run --format json``: ``tool.apply-dry-run/1``."""
    return document("apply-dry-run", {"url": planned.url, "before": planned.before,
                                      "head": planned.head, "pending": planned.pending,
                                      "sql": planned.sql})


def drift_lines(found: Drift, paint: Paint = plain) -> list[str]:
    """The text of `tool drift`, also used by `tool status`."""
    at = found.revision or "base (no revision)"
    if not found.checked:
        return [paint(f"cannot check {found.url}: no snapshot of revision {at} was found (not "
                      "the head, not in git history)", "problem")]
    if not found.differences:
        return [paint(f"no drift: {found.url} matches the snapshot at {at}", "ok")]
    return [paint(f"drift: {found.url} differs from the snapshot at {at} "
                  f"({len(found.differences)} difference(s)):", "problem"),
            *(f"  {line}" for line in found.differences)]


def drift_markdown(found: Drift) -> str:
    """`tool drift --format markdown`: a heading, then one bullet per difference."""
    at = found.revision or "base"
    if not found.checked:
        return f"### Schema drift: not checked\n\nNo snapshot of revision `{at}` was found.\n"
    if not found.differences:
        return f"### Schema drift: none\n\n`{found.url}` matches the snapshot at `{at}`.\n"
    bullets = "".join(f"- `{line}`\n" for line in found.differences)
    return (f"### Schema drift: {len(found.differences)} difference(s)\n\n"
            f"`{found.url}` differs from the snapshot at `{at}`:\n\n{bullets}")


def _drift_data(found: Drift) -> dict[str, Any]:
    return {"url": found.url, "revision": found.revision, "snapshot": found.snapshot,
            "checked": found.checked, "differences": found.differences}


def drift_json(found: Drift) -> str:
    """`tool drift --format json`: ``tool.drift/1``."""
    return document("drift", _drift_data(found))


def status_json(current: Status) -> str:
    """`tool status --format json`: ``tool.status/1``."""
    return document("status", {
        "url": current.url, "current": current.current, "head": current.head,
        "pending": [{"revision": p.revision, "message": p.message} for p in current.pending],
        "lock_holder": current.lock_holder, "partial": current.partial,
        "drift": _drift_data(current.drift),
    })


def status_lines(current: Status, paint: Paint = plain) -> list[str]:
    """`tool status` as text."""
    lines = [f"database: {current.url}",
             f"current:  {current.current or 'base (empty)'}",
             f"head:     {current.head or 'none (several heads or no revisions)'}"]
    if current.pending:
        lines.append(paint(f"pending:  {len(current.pending)} revision(s)", "warning"))
        lines += [f"  {p.revision}  {p.message}" for p in current.pending]
    else:
        lines.append(f"pending:  {paint('none', 'ok')}")
    lines.append(f"lock:     {'held by ' + current.lock_holder if current.lock_holder else 'free'}")
    lines += [paint(f"partial:  revision {revision} was partially applied; run `tool resolve`",
                    "problem") for revision in current.partial]
    lines += drift_lines(current.drift, paint)
    return lines


def resolve_json(done: Resolved) -> str:
    """`tool resolve --format json`: ``tool.resolve/1``."""
    return document("resolve", {"url": done.url, "revision": done.revision,
                                "outcome": "applied" if done.applied else "rolled-back",
                                "at": done.at, "note": done.note})
