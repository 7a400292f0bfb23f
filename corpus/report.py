"""The corpus's results: a terminal table, and ``docs/realworld.md``."""

from __future__ import annotations

import datetime
from pathlib import Path

from .packages import PACKAGES
from .steps import STEPS, Outcome, Status


def table(outcomes: list[Outcome]) -> str:
    """package x database x step: ok / refused / FAIL / - (not run)."""
    header = ["package", "database", *STEPS, "seconds"]
    rows = [[o.package, o.database.label, *(o.step(s).status.value for s in STEPS),
             f"{o.seconds:.0f}"] for o in outcomes]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in [header, *rows]]
    return "\n".join(lines)


def details(outcomes: list[Outcome]) -> list[str]:
    """One line per step that has something to say (a failure, a refusal, a finding)."""
    lines = []
    for outcome in outcomes:
        for step in outcome.steps:
            if step.detail:
                lines.append(f"{outcome.package} / {outcome.database.label} / {step.name}: "
                             f"{step.status.value}: {step.detail}")
    return lines


def markdown(outcomes: list[Outcome], findings: str) -> str:
    """``docs/realworld.md``: how to run, the last results, what they found."""
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = "| package | database | " + " | ".join(STEPS) + " | s |"
    rule = "|" + "---|" * (len(STEPS) + 3)
    rows = [f"| {o.package} | {o.database.label} | "
            + " | ".join(_cell(o.step(s).status) for s in STEPS) + f" | {o.seconds:.0f} |"
            for o in outcomes]
    packages = "\n".join(
        f"| `{p.requirement}` | `{p.metadata}` | "
        f"{', '.join(d.label for d in p.databases)} | "
        f"{'`' + p.history.script_location + '`' if p.history else 'none'} |"
        for p in PACKAGES)
    notes = "\n".join(f"- {line}" for line in details(outcomes)) or "- none"
    return f"""# Real-world corpus

`python -m corpus run` tries the tool on the SQLAlchemy models (and Alembic histories) of
published packages, each installed from the package index into a cached virtual environment
(`~/.cache/cultivar-corpus/`, or `$CORPUS_CACHE`); nothing of theirs is copied into this
repository. Every step goes through the real CLI in a throwaway project folder against a fresh
database; the steps are described in `corpus/steps.py`; [corpus.md](corpus.md) gives the
options.

## Packages

| requirement | MetaData | databases | own Alembic history |
|---|---|---|---|
{packages}

## Last results ({when})

`ok`: the step did what it should; `refused`: `tool snapshot` refused the models, naming each
problem (see the findings for why that is right); `upstream`: the package's own code failed
(its history does not build on that database: a finding about the package); `FAIL`: the tool
did something wrong (the cause is below); `-`: not run (an earlier step of the flow stopped,
or the package has no history of its own). `s`: wall-clock seconds of the row (`--jobs 3`
runs at a time).

{head}
{rule}
{chr(10).join(rows)}

## What each step reported

{notes}

## Findings

{findings}
"""


def _cell(status: Status) -> str:
    return "**FAIL**" if status is Status.FAIL else status.value


def write(path: Path, outcomes: list[Outcome]) -> None:
    """Write the results, keeping the hand-written findings section of an existing file."""
    findings = "None recorded yet."
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if "\n## Findings\n" in text:
            findings = text.split("\n## Findings\n", 1)[1].strip()
    path.write_text(markdown(outcomes, findings), encoding="utf-8")


