"""Primary keys, foreign keys, unique and check constraints and indexes.

They have no in-place alteration: a changed definition is a drop of the old one and an add of
the new one, matched by name (or by definition when a constraint has no name).
"""

from __future__ import annotations

from typing import Any

from ..snapshot.serialize import TableDict
from .changes import Action, Change, Kind

SECTIONS = {
    Kind.FOREIGN_KEY: "foreign_keys",
    Kind.UNIQUE: "unique_constraints",
    Kind.CHECK: "check_constraints",
    Kind.INDEX: "indexes",
}


def compare_constraints(key: str, old: TableDict, new: TableDict) -> list[Change]:
    """Drops and adds of constraints and indexes between two versions of one table."""
    changes = _compare_items(key, Kind.PRIMARY_KEY, _list(old.get("primary_key")),
                             _list(new.get("primary_key")))
    for kind, section in SECTIONS.items():
        changes.extend(_compare_items(key, kind, old.get(section, []), new.get(section, [])))
    return changes


def _list(item: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [] if item is None else [item]


def _identity(item: dict[str, Any]) -> str:
    return item["name"] if item.get("name") else repr(sorted(item.items()))


def _compare_items(
    key: str, kind: Kind, old: list[dict[str, Any]], new: list[dict[str, Any]]
) -> list[Change]:
    old_by_id = {_identity(item): item for item in old}
    new_by_id = {_identity(item): item for item in new}
    changes = []
    for identity, item in old_by_id.items():
        if new_by_id.get(identity) != item:
            changes.append(Change(Action.DROP, kind, key, item.get("name"), old=item))
    for identity, item in new_by_id.items():
        if old_by_id.get(identity) != item:
            changes.append(Change(Action.ADD, kind, key, item.get("name"), new=item))
    return changes
