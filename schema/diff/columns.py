"""Columns: added, dropped, and altered attribute by attribute."""

from __future__ import annotations

from typing import Any

from ..snapshot.serialize import TableDict
from .changes import Action, Change, Kind

# Attributes a column change can alter in place, in the order they are listed.
ALTERABLE = ("type", "impl", "nullable", "server_default", "computed", "identity", "sequence",
             "comment", "autoincrement")


def compare_columns(key: str, old: TableDict, new: TableDict) -> list[Change]:
    """Changes to the columns of one table present in both snapshots."""
    old_columns = {column["name"]: column for column in old["columns"]}
    new_columns = {column["name"]: column for column in new["columns"]}
    changes = []
    for name, column in new_columns.items():
        if name not in old_columns:
            changes.append(Change(Action.ADD, Kind.COLUMN, key, name, new=column))
    for name, column in old_columns.items():
        if name not in new_columns:
            changes.append(Change(Action.DROP, Kind.COLUMN, key, name, old=column))
    for name, column in new_columns.items():  # model order, never set order
        if name in old_columns:
            changes.extend(_altered(key, old_columns[name], column))
    return changes


def _altered(key: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    if old == new:
        return []
    from deepdiff import DeepDiff  # only for altered columns: importing it costs 50 ms

    touched = DeepDiff(old, new).affected_root_keys
    return [
        Change(Action.ALTER, Kind.COLUMN, key, new["name"], attribute,
               old=old.get(attribute, _absent(attribute)),
               new=new.get(attribute, _absent(attribute)))
        for attribute in ALTERABLE
        if attribute in touched
    ]


def _absent(attribute: str) -> Any:
    """The value an omitted attribute stands for in a snapshot file."""
    return "auto" if attribute == "autoincrement" else None
