"""A fleet command's outcome: a summary table as text or markdown, and ``tool.fleet/1``.

Targets are shown by name only (their URLs may hold passwords); errors went through the same
masking as a single apply's.
"""

from __future__ import annotations

from ...output import Paint, document, plain
from .rollout import FleetRun, Outcome, TargetResult

COLUMNS = ("target", "stage", "from", "to", "seconds", "result")
_ROLES = {Outcome.UPGRADED: "ok", Outcome.AT_HEAD: "ok", Outcome.NO_DRIFT: "ok",
          Outcome.BEHIND: "warning", Outcome.NOT_RUN: "warning"}


def _cells(result: TargetResult) -> tuple[str, ...]:
    """A row: "-" where nothing ran, "?" for what a failure leaves unknown."""
    if result.outcome is Outcome.NOT_RUN:
        before = after = "-"
    elif result.outcome is Outcome.FAILED:
        before, after = "?", (result.after or "base") if result.after_known else "?"
    else:
        before, after = result.before or "base", result.after or "base"
    return (result.target, result.stage, before, after, f"{result.seconds:.2f}",
            result.outcome.value)


def summary(run: FleetRun) -> str:
    """``12 targets: 10 upgraded, 1 at head, 1 failed; stopped after stage canary``."""
    counts = [f"{run.count(outcome)} {outcome.value}" for outcome in Outcome
              if run.count(outcome)]
    line = f"fleet {run.fleet}: {len(run.results)} target(s): {', '.join(counts)}"
    if run.stopped_at is not None:
        line += f"; stopped in stage {run.stopped_at} (on_error = \"stop\"): later ones not run"
    return line


def fleet_lines(run: FleetRun, paint: Paint = plain) -> list[str]:
    """The summary table, then each target's error, drift and notes, then the summary."""
    rows = [COLUMNS, *(_cells(result) for result in run.results)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
             .rstrip() for row in rows[:1]]
    for result, row in zip(run.results, rows[1:], strict=True):
        line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        lines.append(paint(line.rstrip(), _ROLES.get(result.outcome, "problem")))
    for result in run.results:
        if result.error:
            lines.append(paint(f"{result.target}: error: {result.error}", "problem"))
        lines += [f"{result.target}: drift: {line}" for line in result.drift]
        if result.pending:
            lines.append(f"{result.target}: pending: {len(result.pending)} revision(s)")
    lines += _notes(run)
    lines.append(paint(summary(run), "ok" if not int(run.exit_code) else "problem"))
    return lines


def _notes(run: FleetRun) -> list[str]:
    """Each note once, with the targets it is about (a fleet's targets often share one)."""
    targets: dict[str, list[str]] = {}
    for result in run.results:
        for note in result.notes:
            targets.setdefault(note, []).append(result.target)
    return [f"note ({names[0] if len(names) == 1 else f'{len(names)} targets'}): {note}"
            for note, names in targets.items()]


def fleet_markdown(run: FleetRun) -> str:
    """The summary table in markdown (a CI job summary or a PR comment)."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [f"### Fleet {cell(run.fleet)}: {cell(run.work.value)}", "",
             f"{cell(summary(run))}", "",
             "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(f"`{cell(text)}`" if number in (0, 2, 3) else cell(text)
                                for number, text in enumerate(_cells(result))) + " |"
              for result in run.results]
    problems = [f"- `{cell(result.target)}`: {cell(result.error)}" for result in run.results
                if result.error]
    problems += [f"- `{cell(result.target)}`: drift: `{cell(line)}`" for result in run.results
                 for line in result.drift]
    return "\n".join(lines + ([""] + problems if problems else [])) + "\n"


def fleet_json(run: FleetRun) -> str:
    """``tool apply|status|drift --fleet --format json``: ``tool.fleet/1``."""
    return document("fleet", {
        "fleet": run.fleet, "command": run.work.value, "exit_code": int(run.exit_code),
        "stopped_at": run.stopped_at,
        "counts": {outcome.value: run.count(outcome) for outcome in Outcome},
        "targets": [{"target": result.target, "stage": result.stage,
                     "result": result.outcome.value, "from": result.before,
                     "to": result.after, "seconds": round(result.seconds, 3),
                     "error": result.error, "exit_code": result.exit_code,
                     "drift": result.drift, "pending": result.pending,
                     "notes": result.notes} for result in run.results],
    })
