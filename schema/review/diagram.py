"""Entity-relationship pictures of a schema (`tool diagram`) or of a change (the diagram in
`tool diff --format markdown`).

A :class:`Diagram` is built from snapshot table dicts and holds names as they are; the
renderers (:mod:`.mermaid`, :mod:`.graphviz`) make them safe for their syntax.  Tables one
foreign key away from the ones asked for are drawn as neighbours: a box without columns, so the
reviewer sees where the change connects without reading the whole schema.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..diff import Action, Change, Kind
from ..errors import SchemaToolError
from ..snapshot.serialize import TableDict

# How much of a change one picture holds; the rest is named in the legend.
MAX_CHANGED, MAX_NEIGHBOURS = 30, 15
_KEY_KINDS = {Kind.PRIMARY_KEY: "PK", Kind.FOREIGN_KEY: "FK", Kind.UNIQUE: "UK"}
# The marks of a change.  A change is "*", not the change listing's tilde: mermaid's lexer
# reads a tilde as the start of a generic type even inside quotes (and mermaid 10 then
# backtracks for minutes).
CHANGED = "*"
_SIGNS = {Action.ADD: "+", Action.DROP: "-"}


@dataclass(frozen=True)
class TypeName:
    """A column type as a diagram shows it: the class name and its integer arguments
    (``Numeric(precision=10, scale=2)`` is ``Numeric`` with ``(10, 2)``)."""

    name: str
    sizes: tuple[int, ...] = ()

    @classmethod
    def of(cls, text: str) -> TypeName:
        """The snapshot's type text (``String(length=100)``, ``Uuid().with_variant(...)``,
        ``mypackage.types.Money(...)``) in short."""
        head, _, rest = text.partition("(")
        arguments, depth, current = [], 0, ""
        for char in rest:
            if depth == 0 and char in ",)":
                arguments.append(current.strip())
                current = ""
                if char == ")":
                    break
                continue
            depth += char in "([{"
            depth -= char in ")]}"
            current += char
        sizes = [value.rpartition("=")[2].strip() for value in arguments]
        return cls(head.rpartition(".")[2].strip() or head,
                   tuple(int(size) for size in sizes if re.fullmatch(r"\d+", size)))


@dataclass(frozen=True)
class Attribute:
    """One column: name, type, keys (``PK``, ``FK``, ``UK``) and what the change did to it."""

    name: str
    type: TypeName
    keys: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # "+ added", "* renamed from x", "+ FK", ...


@dataclass(frozen=True)
class Entity:
    """One table; a neighbour is drawn for context only, without columns."""

    key: str
    attributes: tuple[Attribute, ...] = ()
    notes: tuple[str, ...] = ()  # "+ added", "- dropped", "* renamed from x", "* index"
    neighbour: bool = False


@dataclass(frozen=True)
class Relation:
    """A foreign key of ``child`` to ``parent``."""

    child: str
    parent: str
    columns: tuple[str, ...]
    optional: bool  # a nullable column: a child row may have no parent
    unique: bool  # the columns are a key of the child: one child per parent at most
    mark: str = ""  # "+" added, "-" dropped, "*" changed by the change drawn


@dataclass(frozen=True)
class Diagram:
    """What a picture draws, and what it had to leave out to stay readable."""

    entities: tuple[Entity, ...]
    relations: tuple[Relation, ...]
    left_out: tuple[str, ...] = ()  # changed tables not drawn
    neighbours_left_out: tuple[str, ...] = ()


def schema_diagram(tables: Mapping[str, TableDict], names: Sequence[str] = (),
                   where: str = "the schema") -> Diagram:
    """Every table of ``tables``, or the tables ``names`` with their direct neighbours."""
    unknown = [name for name in dict.fromkeys(names) if name not in tables]
    if unknown:
        raise SchemaToolError(f"no such table in {where}: {', '.join(map(repr, unknown))}")
    chosen = list(dict.fromkeys(names)) or sorted(tables)
    neighbours = _neighbours(chosen, [tables[key] for key in chosen], tables) if names else []
    entities = [Entity(key, _attributes(tables[key])) for key in chosen]
    entities += [Entity(key, neighbour=True) for key in neighbours]
    drawn = chosen + neighbours
    relations = [relation for key in drawn for relation in _relations(key, tables[key], drawn)]
    return Diagram(tuple(entities), tuple(relations))


def change_diagram(changes: Sequence[Change], before: Mapping[str, TableDict | None],
                   after: Mapping[str, TableDict | None], head: Mapping[str, TableDict],
                   max_changed: int = MAX_CHANGED,
                   max_neighbours: int = MAX_NEIGHBOURS) -> Diagram:
    """The tables ``changes`` touch, with marks, and their direct neighbours in ``head``.

    ``before`` holds the changed tables with the renames already run (as the diff compares
    them), ``after`` the same tables on the new side; a dropped table is drawn as it was.
    """
    changed = sorted({change.table for change in changes})
    drawn_changed = changed[:max_changed]
    sources = [table for key in drawn_changed for table in (before.get(key), after.get(key))
               if table is not None]
    # a changed table left out is named as such, not drawn as a neighbour
    candidates = [key for key in _neighbours(drawn_changed, sources, head)
                  if key not in changed]
    neighbours = candidates[:max_neighbours]
    entities = [_changed_entity(key, [c for c in changes if c.table == key],
                                before.get(key), after.get(key)) for key in drawn_changed]
    entities += [Entity(key, neighbour=True) for key in neighbours]
    drawn = drawn_changed + neighbours
    relations = [relation for key in drawn_changed
                 for relation in _changed_relations(key, changes, before.get(key),
                                                    after.get(key), drawn)]
    relations += [relation for key in neighbours
                  for relation in _relations(key, head[key], drawn)]
    return Diagram(tuple(entities), tuple(relations), tuple(changed[max_changed:]),
                   tuple(candidates[max_neighbours:]))


def _neighbours(keys: Sequence[str], sources: Iterable[TableDict],
                others: Mapping[str, TableDict]) -> list[str]:
    """Tables of ``others`` one foreign key away from ``keys``: referred to by the foreign keys
    of ``sources`` (the versions of those tables) or referring to them; the most connected
    first."""
    chosen = set(keys)
    links: Counter[str] = Counter()
    for table in sources:
        for fk in table.get("foreign_keys", []):
            links[fk["referred_table"]] += 1
    for key, table in others.items():
        links[key] += sum(fk["referred_table"] in chosen for fk in table.get("foreign_keys", []))
    return sorted((key for key, count in links.items()
                   if count and key not in chosen and key in others),
                  key=lambda key: (-links[key], key))


def _keys(table: TableDict) -> dict[str, list[str]]:
    """Column name -> its keys in ``table``."""
    keys: dict[str, list[str]] = {}

    def add(columns: Iterable[str], key: str) -> None:
        for column in columns:
            if key not in keys.setdefault(column, []):
                keys[column].append(key)

    add((table.get("primary_key") or {}).get("columns", []), "PK")
    for fk in table.get("foreign_keys", []):
        add(fk["columns"], "FK")
    for unique in table.get("unique_constraints", []):
        add(unique["columns"], "UK")
    for index in table.get("indexes", []):
        if index.get("unique"):
            add(index.get("columns", []), "UK")
    return keys


def _attributes(table: TableDict, notes: Mapping[str, list[str]] | None = None,
                dropped: Sequence[dict[str, Any]] = (),
                old: TableDict | None = None) -> tuple[Attribute, ...]:
    """The columns of ``table`` (then the ``dropped`` ones, with ``old``'s keys)."""
    notes = notes or {}
    keys, old_keys = _keys(table), _keys(old) if old else {}
    found = [Attribute(column["name"], TypeName.of(str(column["type"])),
                       tuple(keys.get(column["name"], ())), tuple(notes.get(column["name"], ())))
             for column in table["columns"]]
    found += [Attribute(column["name"], TypeName.of(str(column["type"])),
                        tuple(old_keys.get(column["name"], ())),
                        ("- dropped", *notes.get(column["name"], ())))
              for column in dropped]
    return tuple(found)


def _changed_entity(key: str, changes: list[Change], old: TableDict | None,
                    new: TableDict | None) -> Entity:
    """A changed table with the change's marks on it and on its columns."""
    notes: list[str] = []
    columns: dict[str, list[str]] = {}
    for change in changes:
        sign = _SIGNS.get(change.action, CHANGED)
        if change.kind is Kind.TABLE:
            notes.append({Action.ADD: "+ added", Action.DROP: "- dropped",
                          Action.RENAME: f"* renamed from {change.old}"}.get(
                change.action, f"* {change.attribute}"))
        elif change.kind is Kind.COLUMN and change.action is not Action.DROP:
            columns.setdefault(str(change.name), []).append(_column_note(change))
        elif change.kind in _KEY_KINDS or _unique_index(change):
            key_kind = _KEY_KINDS.get(change.kind, "UK")
            for column in (change.new or change.old or {}).get("columns", []):
                columns.setdefault(column, []).append(f"{sign} {key_kind}")
        elif change.kind is not Kind.COLUMN:
            notes.append(f"{sign} {change.kind.value}")
    if new is None:
        assert old is not None
        return Entity(key, _attributes(old), tuple(dict.fromkeys(notes)))
    present = {column["name"] for column in new["columns"]}
    dropped = [column for column in (old or {}).get("columns", [])
               if column["name"] not in present]
    merged = {name: _merge_key_notes(items) for name, items in columns.items()}
    return Entity(key, _attributes(new, merged, dropped, old), tuple(dict.fromkeys(notes)))


def _unique_index(change: Change) -> bool:
    """A unique index is drawn as the key it is (UK on its columns)."""
    return change.kind is Kind.INDEX and bool((change.new or change.old or {}).get("unique"))


def _column_note(change: Change) -> str:
    if change.action is Action.ADD:
        return "+ added"
    if change.action is Action.RENAME:
        return f"* renamed from {change.old}"
    if change.attribute == "type":
        old, new = TypeName.of(str(change.old)), TypeName.of(str(change.new))
        return f"* type {_short(old)} → {_short(new)}"
    return f"* {change.attribute}"


def _short(type_name: TypeName) -> str:
    sizes = ", ".join(map(str, type_name.sizes))
    return f"{type_name.name}({sizes})" if sizes else type_name.name


def _merge_key_notes(notes: list[str]) -> list[str]:
    """A key dropped and added again (another name or ON DELETE) reads as changed: ``* FK``."""
    merged = []
    for note in dict.fromkeys(notes):
        sign, _, key = note.partition(" ")
        if sign == "-" and f"+ {key}" in notes and key in _KEY_KINDS.values():
            merged.append(f"* {key}")
        elif not (sign == "+" and f"- {key}" in notes and key in _KEY_KINDS.values()):
            merged.append(note)
    return merged


def _relations(key: str, table: TableDict, drawn: Sequence[str], mark: str = "",
               only: Iterable[dict[str, Any]] | None = None) -> list[Relation]:
    """The foreign keys of ``table`` to tables in ``drawn``."""
    nullable = {column["name"]: column.get("nullable", True) for column in table["columns"]}
    keys = [set((table.get("primary_key") or {}).get("columns", []))]
    keys += [set(unique["columns"]) for unique in table.get("unique_constraints", [])]
    return [Relation(key, fk["referred_table"], tuple(fk["columns"]),
                     any(nullable.get(column, True) for column in fk["columns"]),
                     set(fk["columns"]) in keys, mark)
            for fk in (table.get("foreign_keys", []) if only is None else only)
            if fk["referred_table"] in drawn]


def _changed_relations(key: str, changes: Sequence[Change], old: TableDict | None,
                       new: TableDict | None, drawn: Sequence[str]) -> list[Relation]:
    """The foreign keys of a changed table, marked as the change adds, drops or replaces them
    (dropped and added again on the same columns: another name, ON DELETE, ...)."""
    if new is None:
        assert old is not None
        return _relations(key, old, drawn, "-")
    if old is None:
        return _relations(key, new, drawn, "+")
    fk_changes = [c for c in changes if c.table == key and c.kind is Kind.FOREIGN_KEY]
    added = [c.new for c in fk_changes if c.action is Action.ADD]
    dropped = [c.old for c in fk_changes if c.action is Action.DROP]
    added_ids = {(fk["referred_table"], tuple(fk["columns"])) for fk in added}
    dropped_ids = {(fk["referred_table"], tuple(fk["columns"])) for fk in dropped}
    kept = [fk for fk in new.get("foreign_keys", []) if fk not in added]
    return (_relations(key, new, drawn, only=kept)
            + [replace(relation, mark="*" if (relation.parent, relation.columns) in dropped_ids
                       else "+") for relation in _relations(key, new, drawn, only=added)]
            + [relation for relation in _relations(key, old, drawn, "-", only=dropped)
               if (relation.parent, relation.columns) not in added_ids])
