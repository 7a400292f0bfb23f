"""JSON documents of `tool apply`, `tool status` and `tool drift` (schema in the README)."""

from __future__ import annotations

import json
from typing import Any

from .dry_run import DryRun
from .run import ApplyResult
from .status import Drift, Status


def _dump(data: dict[str, Any]) -> str:
    return json.dumps({"ok": True, **data}, indent=2)


def apply_json(result: ApplyResult) -> str:
    """``tool apply --format json``."""
    return _dump({
        "url": result.url, "before": result.before, "after": result.after,
        "revisions": [{"revision": run.revision, "message": run.message,
                       "seconds": round(run.seconds, 3)} for run in result.revisions],
        "backup": str(result.backup) if result.backup else None,
        "drift": result.drift, "notes": result.notes,
    })


def dry_run_json(planned: DryRun) -> str:
    """``tool apply --dry-run --format json``."""
    return _dump({"url": planned.url, "before": planned.before, "head": planned.head,
                  "pending": planned.pending, "sql": planned.sql})


def drift_lines(found: Drift) -> list[str]:
    """The text of `tool drift`, also used by `tool status`."""
    at = found.revision or "base (no revision)"
    if not found.checked:
        return [f"cannot check {found.url}: no snapshot of revision {at} was found (not the "
                "head, not in git history)"]
    if not found.differences:
        return [f"no drift: {found.url} matches the snapshot at {at}"]
    return [f"drift: {found.url} differs from the snapshot at {at} "
            f"({len(found.differences)} difference(s)):",
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
    """`tool drift --format json`."""
    return _dump(_drift_data(found))


def status_json(current: Status) -> str:
    """`tool status --format json`."""
    return _dump({
        "url": current.url, "current": current.current, "head": current.head,
        "pending": [{"revision": p.revision, "message": p.message} for p in current.pending],
        "lock_holder": current.lock_holder, "partial": current.partial,
        "drift": _drift_data(current.drift),
    })


def status_lines(current: Status) -> list[str]:
    """`tool status` as text."""
    lines = [f"database: {current.url}",
             f"current:  {current.current or 'base (empty)'}",
             f"head:     {current.head or 'none (several heads or no revisions)'}"]
    if current.pending:
        lines.append(f"pending:  {len(current.pending)} revision(s)")
        lines += [f"  {p.revision}  {p.message}" for p in current.pending]
    else:
        lines.append("pending:  none")
    lines.append(f"lock:     {'held by ' + current.lock_holder if current.lock_holder else 'free'}")
    lines += [f"partial:  revision {revision} was partially applied; run `tool resolve`"
              for revision in current.partial]
    lines += drift_lines(current.drift)
    return lines
