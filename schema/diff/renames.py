"""Renames: tables and columns that keep their data under a new name.

A rename is declared, never guessed: ``info={"renamed_from": "old"}`` on a model's Table or
Column, or ``--rename-table OLD=NEW`` / ``--rename-column TABLE.OLD=NEW`` on `tool snapshot`.
The old snapshot is rewritten under the new names before the ordinary diff, so what remains
(constraint names that follow the table name, say) shows up as ordinary changes.  SQL texts
that name a renamed column (CHECKs, generated columns, index expressions and conditions) are
rewritten too, as PostgreSQL, SQLite 3.25+ and MariaDB 10.5+ rewrite them on RENAME COLUMN: a
CHECK is not dropped and added only because its column was renamed.  Drops and adds
that look alike are reported by :func:`look_alikes` so `tool snapshot` can refuse to lose data
silently.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.engine import default

from ..snapshot.serialize import TableDict, table_key
from .changes import Action, Change, Kind


@dataclass
class Renames:
    """``tables``: new key -> old key; ``columns``: table key (new) -> {new name: old name}."""

    tables: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.tables or self.columns)

    def to_data(self) -> dict[str, Any]:
        """The manifest's record: ``{tables: {new: old}, columns: {table.new: old}}``."""
        data: dict[str, Any] = {}
        if self.tables:
            data["tables"] = dict(sorted(self.tables.items()))
        if self.columns:
            data["columns"] = {f"{table}.{new}": old for table, names in sorted(
                self.columns.items()) for new, old in sorted(names.items())}
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Renames:
        renames = cls(dict(data.get("tables") or {}))
        for qualified, old in (data.get("columns") or {}).items():
            table, new = qualified.rsplit(".", 1)
            renames.columns.setdefault(table, {})[new] = old
        return renames

    def merge(self, other: Renames) -> None:
        self.tables.update(other.tables)
        for table, names in other.columns.items():
            self.columns.setdefault(table, {}).update(names)

    def changes(self) -> list[Change]:
        """One RENAME change per table and column (``old`` holds the old name)."""
        found = [Change(Action.RENAME, Kind.TABLE, new, old=old)
                 for new, old in sorted(self.tables.items())]
        found += [Change(Action.RENAME, Kind.COLUMN, table, new, old=old)
                  for table, names in sorted(self.columns.items())
                  for new, old in sorted(names.items())]
        return found


def renames_in(metadata: MetaData) -> Renames:
    """``info={"renamed_from": "old"}`` on the tables and columns of ``metadata``."""
    hints = Renames()
    for table in metadata.tables.values():
        key = table_key(table.schema, table.name)
        old = table.info.get("renamed_from")
        if old:
            hints.tables[key] = table_key(table.schema, old)
        for column in table.columns:
            if column.info.get("renamed_from"):
                hints.columns.setdefault(key, {})[str(column.name)] = column.info["renamed_from"]
    return hints


def applicable(renames: Renames, old: Mapping[str, TableDict | None],
               new: Mapping[str, TableDict | None]) -> Renames:
    """The renames that apply between ``old`` and ``new``: the old name exists only in ``old``
    and the new name only in ``new`` (a hint left in the models after its revision is moot)."""
    found = Renames()
    for new_key, old_key in renames.tables.items():
        if old.get(old_key) is not None and new.get(old_key) is None and \
                new.get(new_key) is not None and old.get(new_key) is None:
            found.tables[new_key] = old_key
    for key, names in renames.columns.items():
        after = new.get(key)
        before = old.get(found.tables.get(key, key))
        if before is None or after is None:
            continue
        old_names = {c["name"] for c in before["columns"]}
        new_names = {c["name"] for c in after["columns"]}
        for new_name, old_name in names.items():
            if old_name in old_names - new_names and new_name in new_names - old_names:
                found.columns.setdefault(key, {})[new_name] = old_name
    return found


def rename_old_side(old: Mapping[str, TableDict | None],
                    renames: Renames) -> dict[str, TableDict | None]:
    """``old`` as it is once the renames ran: tables under new keys and names, columns renamed
    in the table and in every index, constraint and foreign key that names them.  (A table
    whose foreign key points at a renamed table changed too, so it is in ``old``.)"""
    result: dict[str, TableDict | None] = {key: copy.deepcopy(data) for key, data in old.items()}
    for new_key, old_key in renames.tables.items():
        data = result.pop(old_key)
        assert data is not None
        data["name"] = new_key.rsplit(".", 1)[-1]
        result[new_key] = data
        result[old_key] = None
    for key, names in renames.columns.items():
        data = result[key]
        assert data is not None
        to_new = {old: new for new, old in names.items()}
        for column in data["columns"]:
            column["name"] = to_new.get(column["name"], column["name"])
        for section in ("primary_key", "foreign_keys", "unique_constraints", "indexes"):
            items = data.get(section)
            for item in ([items] if isinstance(items, dict) else items or []):
                if "columns" in item:
                    item["columns"] = type(item["columns"])(
                        to_new.get(c, c) for c in item["columns"])
        _rename_in_texts(data, to_new)
    for data in result.values():
        for fk in (data or {}).get("foreign_keys", []):
            _follow(fk, renames)
    return result


# SQL text as tokens: string literals, quoted identifiers, bare words, any other character
_TOKENS = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|[^\W\d]\w*|.""", re.S)
_QUOTE = default.DefaultDialect().identifier_preparer


def rename_in_sql(text: str, to_new: Mapping[str, str]) -> str:
    """``text`` with the column names in ``to_new`` (old -> new) replaced, quoted as SQLAlchemy
    writes them; string literals, function names (a word before ``(``) and PostgreSQL casts
    (``::text``) stay."""
    out, tokens = [], [m.group() for m in _TOKENS.finditer(text)]
    for i, token in enumerate(tokens):
        name = token
        if token[0] in "\"`" and len(token) > 1:
            name = token[1:-1].replace(token[0] * 2, token[0])
        elif not (token[0].isalpha() or token[0] == "_"):
            name = None
        after = "".join(tokens[i + 1:i + 3]).lstrip()
        cast = "".join(tokens[max(i - 2, 0):i]) == "::"
        if name in to_new and not after.startswith("(") and not cast:
            token = _QUOTE.quote(to_new[name])
        out.append(token)
    return "".join(out)


def _rename_in_texts(data: TableDict, to_new: Mapping[str, str]) -> None:
    """Column names in a table's SQL texts and in the index options that name columns
    (``*_where`` conditions, ``postgresql_include``, ``mysql_length``/``postgresql_ops`` keys),
    renamed in place."""
    for column in data["columns"]:
        if "computed" in column:
            column["computed"]["sqltext"] = rename_in_sql(column["computed"]["sqltext"], to_new)
    for check in data.get("check_constraints") or []:
        check["sqltext"] = rename_in_sql(check["sqltext"], to_new)
    for index in data.get("indexes") or []:
        if "expressions" in index:
            # a plain column among expressions is its bare name, whatever characters it has
            index["expressions"] = [to_new.get(e) or rename_in_sql(e, to_new)
                                    for e in index["expressions"]]
        options = index.get("dialect_options") or {}
        for key, value in options.items():
            if key.endswith("_where") and isinstance(value, str):
                options[key] = rename_in_sql(value, to_new)
            elif key.endswith("_include") and isinstance(value, list):
                options[key] = type(value)(to_new.get(v, v) for v in value)
            elif isinstance(value, dict):
                options[key] = {to_new.get(k, k): v for k, v in value.items()}


def _follow(fk: dict[str, Any], renames: Renames) -> None:
    """Point a foreign key at the new table and column names."""
    old_to_new = {old: new for new, old in renames.tables.items()}
    target = old_to_new.get(fk["referred_table"], fk["referred_table"])
    fk["referred_table"] = target
    names = renames.columns.get(target, {})
    old_names = {old: new for new, old in names.items()}
    fk["referred_columns"] = type(fk["referred_columns"])(
        old_names.get(c, c) for c in fk["referred_columns"])


@dataclass(frozen=True)
class LookAlike:
    """A drop and an add that could be one rename."""

    kind: Kind
    table: str  # the new table key (for a table: the added one)
    old: str
    new: str

    def flag(self) -> str:
        if self.kind is Kind.TABLE:
            return f"--rename-table {self.old}={self.new}"
        return f"--rename-column {self.table}.{self.old}={self.new}"

    def describe(self) -> str:
        if self.kind is Kind.TABLE:
            return f"table {self.new} looks like table {self.old} renamed"
        return f"column {self.table}.{self.new} looks like column {self.table}.{self.old} renamed"


def look_alikes(changes: list[Change]) -> list[LookAlike]:
    """Dropped and added tables (or columns of one table) that are equal apart from the name."""
    found = []
    dropped = [c for c in changes if c.action is Action.DROP and c.kind is Kind.TABLE]
    added = [c for c in changes if c.action is Action.ADD and c.kind is Kind.TABLE]
    for drop in dropped:
        for add in added:
            if _without_names(drop.old) == _without_names(add.new):
                found.append(LookAlike(Kind.TABLE, add.table, drop.table, add.table))
    for drop in (c for c in changes if c.action is Action.DROP and c.kind is Kind.COLUMN):
        for add in changes:
            if (add.action is Action.ADD and add.kind is Kind.COLUMN and add.table == drop.table
                    and {**drop.old, "name": ""} == {**add.new, "name": ""}):
                found.append(LookAlike(Kind.COLUMN, add.table, str(drop.name), str(add.name)))
    return found


def _without_names(table: TableDict) -> dict[str, Any]:
    """A table's columns and their types, the part a rename keeps."""
    return {"columns": table["columns"], "schema": table.get("schema")}
