"""Which tables a revision creates (or drops) first, and which of their foreign keys are added
after all of them (or dropped before): ``use_alter`` keys, one key per remaining cycle, and keys
that need a unique constraint their existing parent gains (or loses) in the same step, or refer
to columns whose type changes in it (MariaDB wants the types of a key's two sides to match).
"""

from __future__ import annotations

import graphlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ForeignKeyConstraint, Table

from ..dialects.targets import unique_key_items
from ..snapshot.serialize import TableDict

# A key added or dropped apart from its table is found by its name.
NEEDS_A_NAME = ('needs a name: ForeignKey(..., name="...") or ForeignKeyConstraint(..., '
                'name="..."), or a naming convention for "fk"')


def table_order(keys: list[str], tables: Mapping[str, TableDict | None],
                other: Mapping[str, TableDict | None], problems: list[str]
                ) -> tuple[list[str], dict[str, list[str]]]:
    """``keys`` (tables created from ``tables``, or dropped, ``other`` being the other side)
    with referenced tables first, and the names of the foreign keys to handle apart, by table.
    Such a key without a name is a problem for ``problems`` (it is added or dropped by name)."""
    order, apart = _dependency_order(keys, tables, problems)
    for key, names in _keys_not_in(keys, tables, other, problems).items():
        apart.setdefault(key, []).extend(name for name in names if name not in apart[key])
    return order, apart


def foreign_keys(table: Table, names: Iterable[str]) -> tuple[ForeignKeyConstraint, ...]:
    """The foreign keys of ``table`` with these names, sorted by name."""
    wanted = set(names)
    return tuple(sorted((fk for fk in table.foreign_key_constraints if str(fk.name) in wanted),
                        key=lambda fk: str(fk.name)))


def _keys_not_in(keys: list[str], tables: Mapping[str, TableDict | None],
                 other: Mapping[str, TableDict | None], problems: list[str]
                 ) -> dict[str, list[str]]:
    """Foreign keys of the tables ``keys`` (created or dropped) that refer to columns of a
    changed table that are not a key there, the same, on both sides: the primary key or unique
    constraint they need is added (or dropped, or re-created under a new name) in this step
    too, or their type changes in it, so they come after (or go before) that."""
    found: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        for fk in (tables[key] or {}).get("foreign_keys", []):
            parent = other.get(fk["referred_table"])
            after = tables.get(fk["referred_table"])
            if fk["referred_table"] not in keys and parent is not None and (
                    set(fk["referred_columns"]) not in _lasting_keys(parent, after)
                    or _retyped(parent, after, fk["referred_columns"])):
                if fk["name"] is None:
                    problems.append(
                        f"table {key}: the foreign key on ({', '.join(fk['columns'])}) to "
                        f"{fk['referred_table']} ({', '.join(fk['referred_columns'])}), whose "
                        f"unique constraint or type changes in the same step, {NEEDS_A_NAME}")
                found[key].append(fk["name"])
    return found


def _lasting_keys(one: TableDict, other: TableDict | None) -> list[set[str]]:
    """The column sets of the keys a foreign key may refer to that both sides have, the same."""
    kept = unique_key_items(other or {})
    return [set(item.get("columns", [])) for item in unique_key_items(one) if item in kept]


def _retyped(one: TableDict, other: TableDict | None, names: list[str]) -> bool:
    """Whether a column of ``names`` has another type on the other side."""
    def types(data: TableDict | None) -> list[tuple[str, str | None] | None]:
        found = {c["name"]: (c["type"], c.get("impl")) for c in (data or {}).get("columns", [])}
        return [found.get(name) for name in names]
    return types(one) != types(other)


def _dependency_order(
    keys: list[str], dicts: Mapping[str, TableDict | None], problems: list[str]
) -> tuple[list[str], dict[str, list[str]]]:
    """``keys`` with referenced tables first, and the foreign keys to add separately.

    Foreign keys marked ``use_alter``, and one foreign key per remaining cycle, are left out of
    the order: they are added after all tables exist (and dropped before any is dropped).
    """
    wanted = set(keys)
    edges: dict[str, dict[str, list[dict[str, Any]]]] = {key: defaultdict(list) for key in wanted}
    apart: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for key in sorted(wanted):
        for fk in (dicts[key] or {}).get("foreign_keys", []):
            target = fk["referred_table"]
            if fk.get("use_alter"):
                apart[key].append(fk)
            elif target in wanted and target != key:
                edges[key][target].append(fk)
    while True:
        sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
        for key in sorted(wanted):
            sorter.add(key, *sorted(edges[key]))
        try:
            order = list(sorter.static_order())
            break
        except graphlib.CycleError as exc:
            cycle = exc.args[1]  # each node precedes the next: cycle[1] refers to cycle[0]
            apart[cycle[1]].extend(edges[cycle[1]].pop(cycle[0]))
    # added after the tables and dropped before them by name
    problems.extend(
        f"table {key}: the foreign key on ({', '.join(fk['columns'])}) to "
        f"{fk['referred_table']} is {'use_alter' if fk.get('use_alter') else 'in a cycle'}, "
        f"so it is added after the tables and {NEEDS_A_NAME}"
        for key, fks in sorted(apart.items()) for fk in fks if fk["name"] is None)
    return order, {key: [fk["name"] for fk in fks] for key, fks in apart.items()}
