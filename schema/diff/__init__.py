"""Compare two snapshots table by table and list typed :class:`Change` objects.

Only tables whose file fingerprints differ are handed in, so the work grows with the number of
changed tables, not with the size of the schema.  Each kind of object has its own comparator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..snapshot.serialize import TableDict
from .changes import Action, Change, Kind
from .columns import compare_columns
from .constraints import compare_constraints
from .renames import Renames, applicable, rename_old_side

__all__ = ["Action", "Change", "Kind", "RenamedDiff", "diff_snapshots", "diff_with_renames"]

Comparator = Callable[[str, TableDict, TableDict], list[Change]]


def compare_table_options(key: str, old: TableDict, new: TableDict) -> list[Change]:
    """Table-level attributes: the comment, and dialect options (recorded, no DDL)."""
    return [
        Change(Action.ALTER, Kind.TABLE, key, None, attribute,
               old=old.get(attribute), new=new.get(attribute))
        for attribute in ("comment", "dialect_options")
        if old.get(attribute) != new.get(attribute)
    ]


COMPARATORS: tuple[Comparator, ...] = (compare_table_options, compare_columns, compare_constraints)


def diff_snapshots(
    old: Mapping[str, TableDict | None], new: Mapping[str, TableDict | None]
) -> list[Change]:
    """Changes that turn ``old`` into ``new``; a key missing or ``None`` on one side is absent."""
    changes: list[Change] = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before is None and after is not None:
            changes.append(Change(Action.ADD, Kind.TABLE, key, new=after))
        elif after is None and before is not None:
            changes.append(Change(Action.DROP, Kind.TABLE, key, old=before))
        elif before is not None and after is not None and before != after:
            for comparator in COMPARATORS:
                changes.extend(comparator(key, before, after))
    return changes


@dataclass(frozen=True)
class RenamedDiff:
    """Changes with renames first; ``old`` is the old side with the renames already run."""

    changes: list[Change]
    old: dict[str, TableDict | None]
    renames: Renames


def diff_with_renames(old: Mapping[str, TableDict | None], new: Mapping[str, TableDict | None],
                      hints: Renames) -> RenamedDiff:
    """Apply the ``hints`` that fit ``old`` -> ``new`` as renames, then diff what remains."""
    renames = applicable(hints, old, new)
    renamed = rename_old_side(old, renames)
    return RenamedDiff(renames.changes() + diff_snapshots(renamed, new), renamed, renames)
