"""Three-way combination of snapshots, for branches that changed the schema in parallel.

Two branches that started from snapshot ``base`` and reached ``ours`` and ``theirs`` combine
object by object: a table, column, key, constraint or index changed on one side only takes
that side's version; one changed on both sides (differently) is a conflict, which `tool rebase`
and `tool merge` refuse with the objects named.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..diff import Change, Kind, RenamedDiff, diff_with_renames
from ..diff.renames import Renames
from ..snapshot.serialize import TableDict

Snapshot = Mapping[str, TableDict]
# sections of a table file that list named objects; the others are single values
NAMED_SECTIONS = ("columns", "foreign_keys", "unique_constraints", "check_constraints",
                  "indexes")


@dataclass
class Combined:
    """The combined snapshot, and the objects both sides changed."""

    tables: dict[str, TableDict] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)


def diff_between(old: Snapshot, new: Snapshot, renames: Renames | None = None) -> RenamedDiff:
    """``old`` -> ``new`` with ``renames`` applied (only tables whose dicts differ)."""
    keys = sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))
    return diff_with_renames({key: old.get(key) for key in keys},
                             {key: new.get(key) for key in keys}, renames or Renames())


def changes_between(old: Snapshot, new: Snapshot) -> list[Change]:
    """The changes from ``old`` to ``new``."""
    return diff_between(old, new).changes


def object_of(change: Change) -> str:
    """What a change touches, as one name: two changes to the same object conflict."""
    if change.kind is Kind.TABLE and change.action.value == "alter":
        return f"table {change.table} ({change.attribute})"
    if change.kind is Kind.TABLE:
        return f"table {change.table}"
    if change.kind is Kind.COLUMN:
        return f"column {change.table}.{change.name}"
    return f"{change.kind.value} {change.name or '(unnamed)'} on {change.table}"


def combine(base: Snapshot, ours: Snapshot, theirs: Snapshot) -> Combined:
    """``theirs`` plus what ``ours`` changed since ``base`` (see module doc)."""
    result = Combined()
    touched_ours = {object_of(c) for c in changes_between(base, ours)}
    touched_theirs = {object_of(c) for c in changes_between(base, theirs)}
    result.conflicts = sorted(touched_ours & touched_theirs)
    for key in sorted(set(base) | set(ours) | set(theirs)):
        b, o, t = base.get(key), ours.get(key), theirs.get(key)
        if o == b:
            merged = t
        elif t == b or o == t:
            merged = o
        elif b is None or o is None or t is None:
            merged = t  # added twice, or dropped on one side and changed on the other: conflict
        else:
            merged = _combine_table(b, o, t)
        if merged is not None:
            result.tables[key] = merged
    return result


def _combine_table(base: TableDict, ours: TableDict, theirs: TableDict) -> TableDict:
    keys = [*theirs, *(k for k in ours if k not in theirs)]
    table: dict[str, Any] = {}
    for key in keys:
        b, o, t = base.get(key), ours.get(key), theirs.get(key)
        if key in NAMED_SECTIONS:
            value: Any = _combine_named(b or [], o or [], t or [], sort=key != "columns")
        else:
            value = t if o == b else o
        if value not in (None, []):
            table[key] = value
    return table  # type: ignore[return-value]


def _combine_named(base: list[dict[str, Any]], ours: list[dict[str, Any]],
                   theirs: list[dict[str, Any]], sort: bool) -> list[dict[str, Any]]:
    """Objects by name: theirs, with ours' removals, changes and additions applied."""
    def by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {str(item.get("name", item)): item for item in items}

    b, o, t = by_name(base), by_name(ours), by_name(theirs)
    merged = {name: (o[name] if name in o and name in b and o[name] != b[name] else item)
              for name, item in t.items() if not (name in b and name not in o)}
    merged.update({name: item for name, item in o.items() if name not in b and name not in t})
    items = list(merged.values())
    return sorted(items, key=lambda item: str(item.get("name"))) if sort else items
