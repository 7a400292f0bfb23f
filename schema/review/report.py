"""A :class:`~schema.review.compare.Review` as text for a terminal, markdown for a pull request
comment, or JSON for scripts.

The JSON document is ``tool.diff/1`` (``docs/schemas/diff.json``; see ``output.py``)::

    {"format": "tool.diff/1", "ok": true, "base": "...", "head": "...",
     "summary": {"changes": 3, "added": 1, "dropped": 1, "altered": 1,
                 "risks": {"error": 1, "warning": 1, "info": 0}},
     "changes": [{"action": "drop", "kind": "column", "table": "plants", "name": "note",
                  "attribute": null, "old": ..., "new": ..., "description": "- column ...",
                  "risks": [{"code": "DS102", "name": "drop-column", "category": "destructive",
                             "severity": "error", "reason": "..."}]}],
     "operations": "op.drop_column(...)", "blocked": null}

``blocked`` says why no revision can be written for the changes (what `tool snapshot` would
refuse), and ``operations`` is then empty.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..author.record import change_counts, summary
from ..diff import Change
from ..diff.lint import Risk
from ..output import Paint, document, plain
from ..rules import Severity
from .diagram import MAX_CHANGED, MAX_NEIGHBOURS, change_diagram
from .mermaid import MERMAID_MAX_TEXT, to_mermaid

if TYPE_CHECKING:  # `tool snapshot` prints changes without importing the review's comparison
    from .compare import Review

# Fewer and fewer changed tables, until the diagram fits what mermaid renders.
_LIMITS = (MAX_CHANGED, 15, 8, 4, 2, 1)


def risk_summary(review: Review) -> str:
    """``1 error, 3 warnings`` or ``none``."""
    counts = risk_counts(review.risks)
    return ", ".join(f"{n} {severity}{'s' if n != 1 else ''}"
                     for severity, n in counts.items() if n) or "none"


def risk_counts(risks: list[Risk]) -> dict[str, int]:
    """How many risks of each severity: ``{"error": 1, "warning": 3, "info": 0}``."""
    counts = Counter(risk.severity.value for risk in risks)
    return {severity.value: counts[severity.value] for severity in Severity
            if severity is not Severity.OFF}


def summary_json(changes: list[Change], risks: list[Risk]) -> dict[str, Any]:
    """``summary`` of a JSON document: the changes by action and the risks by severity."""
    return {"changes": len(changes), **change_counts(changes), "risks": risk_counts(risks)}


def to_text(review: Review, paint: Paint = plain) -> str:
    """One line per change, its risks indented below it."""
    if not review.changes:
        return f"No changes: {review.head} and {review.base} are the same schema.\n"
    lines = change_lines(review.changes, review.risks, paint)
    lines.append(f"{summary(review.changes)}; risks: {risk_summary(review)}")
    if review.blocked:
        lines.append(f"no revision can be written for these changes: {review.blocked}")
    return "\n".join(lines) + "\n"


def change_lines(changes: Sequence[Change], risks: Sequence[Risk],
                 paint: Paint = plain) -> list[str]:
    """Each change on a line, its risks indented below it: how `tool diff` and `tool snapshot`
    both show changes (painted by sign and severity)."""
    lines = []
    for change in changes:
        lines.append(paint(change.describe(), change.action.sign))
        lines += [f"    {paint(f'{risk.code} {risk.severity.value}', risk.severity.value)}: "
                  f"{risk.rule.reason}" for risk in risks if risk.change is change]
    return lines


def to_markdown(review: Review) -> str:
    """A pull-request comment: summary, a table of changes with their risks, the operations."""
    if not review.changes:
        return (f"### Schema diff\n\nNo changes: `{review.head}` and `{review.base}` are the "
                "same schema.\n")
    risk_line = risk_summary(review)
    out = [
        "### Schema diff",
        "",
        f"`{review.base}` → `{review.head}`: **{summary(review.changes)}**; risks: {risk_line}",
        "",
        "| | Change | Risks |",
        "|---|---|---|",
    ]
    for change in review.changes:
        text = change.describe()[2:]
        risks = "<br>".join(_cell(f"**{risk.code}** {risk.severity.value}: {risk.rule.reason}")
                            for risk in review.risks_of(change))
        out.append(f"| `{change.action.sign}` | {_cell(text)} | {risks or '–'} |")
    out += _diagram_section(review)
    if review.blocked:
        out += ["", f"**No revision can be written for these changes:** {review.blocked}", ""]
    else:
        fence = _fence(review.operations)
        out += ["", "<details><summary>Upgrade operations</summary>", "", f"{fence}python",
                review.operations.strip(), fence, "", "</details>", ""]
    return "\n".join(out)


def _diagram_section(review: Review) -> list[str]:
    """The changed tables and their neighbours as a mermaid diagram, as many tables as fit in
    what mermaid renders (fewer tables until the text fits), with a legend."""
    head = review.neighbourhood()
    for limit in _LIMITS:
        drawn = change_diagram(review.changes, review.before, review.after, head,
                               max_changed=limit, max_neighbours=min(limit, MAX_NEIGHBOURS))
        text = to_mermaid(drawn)
        if len(text) <= MERMAID_MAX_TEXT:
            break
    else:
        return ["", f"_No diagram: one changed table alone is more than mermaid's "
                f"{MERMAID_MAX_TEXT:,} characters._"]
    legend = ("Changed tables with their columns, and the tables one foreign key away "
              "(without columns). Marks in names and column comments: `+` added, `-` dropped "
              "(a dropped foreign key is dashed), `*` renamed or altered.")
    left_out = [f"{len(names)} {what} ({_names(names)})" for names, what in
                ((drawn.left_out, "changed tables"),
                 (drawn.neighbours_left_out, "tables one foreign key away")) if names]
    if left_out:
        legend += f" Not drawn, to stay readable: {'; '.join(left_out)}."
    return ["", legend, "", "```mermaid", text.rstrip("\n"), "```"]


def _names(names: tuple[str, ...], shown: int = 10) -> str:
    """Table names as markdown code spans (backticks in a name cannot end them), the first
    ``shown`` of them."""
    def code(name: str) -> str:
        name = "".join(char if char.isprintable() else "?" for char in name)
        fence = "`" * (max((len(run) for run in re.findall("`+", name)), default=0) + 1)
        return f"{fence} {name} {fence}" if "`" in name else f"`{name}`"

    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(code(name) for name in names[:shown]) + more


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in ``text`` (names may hold them)."""
    return "`" * max([3, *(len(run) + 1 for run in re.findall("`+", text))])


def _cell(text: str) -> str:
    """Table cell text: a name's ``|``, ``<`` or ``&`` is text, not the table's or HTML's."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace("|", "\\|")
            .replace("\n", " "))


def change_json(change: Change, risks: list[Risk]) -> dict[str, Any]:
    """One change and its risks in JSON (``tool diff`` and ``tool snapshot``)."""
    return {"action": change.action.value, "kind": change.kind.value, "table": change.table,
            "name": change.name, "attribute": change.attribute, "old": change.old,
            "new": change.new, "description": change.describe(),
            "risks": [risk.to_json() for risk in risks]}


def to_json(review: Review) -> str:
    """The ``tool.diff/1`` document described in the module docstring."""
    return document("diff", {
        "base": review.base,
        "head": review.head,
        "summary": summary_json(review.changes, review.risks),
        "changes": [change_json(change, review.risks_of(change)) for change in review.changes],
        "operations": review.operations.strip(),
        "blocked": review.blocked,
    })
