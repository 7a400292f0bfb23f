"""Risk lint on typed changes: every change that can lose data, fail on existing rows, break the
running application or lock a table gets a stable code, a severity and a one-line reason.

Codes follow the spirit of Atlas's analyzers, squawk and strong_migrations.  They are read off
:class:`~schema.diff.Change` objects, never off SQL text.  Tables created or dropped in the same
revision appear as one ``+ table``/``- table`` change, so their contents are exempt by
construction.  Severities can be changed per code in ``[tool.schema] lint``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import types as sqltypes

from ..dialects.on import index_on
from ..dialects.table_options import mysql_options
from ..rules import RULES, Rule, Severity
from ..snapshot.expressions import compiled, text_to_type
from . import Action, Change, Kind


@dataclass(frozen=True)
class Risk:
    """One rule that one change triggers, with the severity the project gives it."""

    rule: Rule
    change: Change
    severity: Severity

    @property
    def code(self) -> str:
        return self.rule.code

    def describe(self) -> str:
        """``DS102 error: - column plants.note: dropping a column deletes its data``."""
        return f"{self.code} {self.severity.value}: {self.change.describe()}: {self.rule.reason}"

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.rule.name, "category": self.rule.category.value,
                "severity": self.severity.value, "reason": self.rule.reason}


def lint(changes: Iterable[Change], severities: Mapping[str, Severity] | None = None,
         safe_postgresql: bool = False) -> list[Risk]:
    """The risks of these changes, in change order; rules set to ``off`` are left out.

    ``safe_postgresql``: the revision creates indexes CONCURRENTLY and adds foreign keys and
    CHECKs NOT VALID then validates them, so PG101 (for indexes), PG102 and PG103 do not apply.
    """
    severities = severities or {}
    risks = []
    for change in changes:
        for code in _codes(change):
            if safe_postgresql and (code in ("PG102", "PG103") or (
                    code == "PG101" and change.kind is Kind.INDEX)):
                continue
            rule = RULES[code]
            severity = severities.get(code, rule.severity)
            if severity is not Severity.OFF:
                risks.append(Risk(rule, change, severity))
    return risks


def _codes(change: Change) -> list[str]:
    kind, action = change.kind, change.action
    if action is Action.RENAME:
        return ["BC101" if kind is Kind.TABLE else "BC102"]
    if kind is Kind.TABLE and change.attribute == "dialect_options":
        return ["MY102"] if _copying_options(change.old) != _copying_options(change.new) else []
    if kind is Kind.TABLE:
        return ["DS101"] if action is Action.DROP else []
    if kind is Kind.COLUMN:
        return _column_codes(change)
    if action is not Action.ADD:
        return []
    item = change.new or {}
    if kind is Kind.INDEX:
        return [*(["PG101"] if index_on(item, "postgresql") else []),  # ddl_if may keep it off
                *(["MF102"] if item.get("unique") else [])]
    return {Kind.UNIQUE: ["MF102", "PG101"], Kind.CHECK: ["MF103", "PG103"],
            Kind.FOREIGN_KEY: ["PG102"]}.get(kind, [])


def _copying_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """The MariaDB table options whose change re-writes every row (all but the comment and
    the next AUTO_INCREMENT value, which are changed in place)."""
    return {key: value for key, value in mysql_options(options).items()
            if key not in ("mysql_comment", "mysql_auto_increment")}


def _column_codes(change: Change) -> list[str]:
    if change.action is Action.DROP:
        return ["DS102"]
    if change.action is Action.ADD:
        column = change.new or {}
        if column.get("nullable") is False and column.get("server_default") is None and not (
                column.get("computed") or column.get("identity") or column.get("sequence")):
            return ["MF104"]
        return []
    if change.attribute == "nullable" and change.new is False:
        return ["MF101"]
    if change.attribute != "type":
        return []
    old, new = text_to_type(change.old), text_to_type(change.new)
    if _enum_values(old) is not None and _enum_values(new) is not None:
        return _enum_codes(_enum_values(old) or [], _enum_values(new) or [])
    if _narrower(old, new):
        codes = ["DS103"]
    elif _same_kind(old, new):
        codes = []  # wider: what the application reads and writes still fits
    else:
        codes = ["BC103"]
    return [*codes, *(["PG104"] if _rewrites(old, new) else [])]


def _same_kind(old: Any, new: Any) -> bool:
    """Both strings, both integers, or both numerics of one kind (only sizes differ)."""
    if isinstance(old, sqltypes.String) and isinstance(new, sqltypes.String):
        return True
    if _integer_rank(old) is not None or _integer_rank(new) is not None:
        return False  # Integer -> BigInteger changes the values' type in some drivers' hands
    return type(old) is type(new)


def _enum_values(type_: Any) -> list[str] | None:
    return list(type_.enums) if isinstance(type_, sqltypes.Enum) else None


def _enum_codes(old: list[str], new: list[str]) -> list[str]:
    codes = ["DS104"] if set(old) - set(new) else []
    if new[:len(old)] != old:  # not just appended: MariaDB rebuilds the table
        codes.append("MY101")
    if [value for value in new if value in old] != old:  # removed or reordered
        codes.append("PG104")  # PostgreSQL re-creates the type: ALTER COLUMN ... TYPE ... USING
    return codes


_INTEGER_RANK = {sqltypes.SmallInteger: 1, sqltypes.Integer: 2, sqltypes.BigInteger: 3}


def _integer_rank(type_: Any) -> int | None:
    for cls in type(type_).__mro__:
        if cls in _INTEGER_RANK:
            return _INTEGER_RANK[cls]
    return None


def _narrower(old: Any, new: Any) -> bool:
    """True when some value of ``old`` does not fit ``new``."""
    old_rank, new_rank = _integer_rank(old), _integer_rank(new)
    if old_rank is not None and new_rank is not None:
        return new_rank < old_rank
    if isinstance(old, sqltypes.String) and isinstance(new, sqltypes.String):
        old_length, new_length = old.length, new.length
        return new_length is not None and (old_length is None or new_length < old_length)
    if isinstance(old, sqltypes.Numeric) and isinstance(new, sqltypes.Numeric):
        if new.precision is None or old.precision is None:
            return new.precision is not None
        old_int = old.precision - (old.scale or 0)
        new_int = new.precision - (new.scale or 0)
        return new_int < old_int or (new.scale or 0) < (old.scale or 0)
    return type(old) is not type(new) and not (old_rank and new_rank)


def _rewrites(old: Any, new: Any) -> bool:
    """True when PostgreSQL rewrites the table for this type change: anything but making a
    string longer or unbounded, or a numeric wider at the same scale (the same PostgreSQL type,
    as Boolean -> Boolean(create_constraint=True), changes nothing)."""
    if compiled(old, "postgresql") == compiled(new, "postgresql") is not None:
        return False
    if isinstance(old, sqltypes.String) and isinstance(new, sqltypes.String):
        return not (new.length is None or (old.length is not None and new.length >= old.length))
    if isinstance(old, sqltypes.Numeric) and isinstance(new, sqltypes.Numeric) and (
            _integer_rank(old) is None and _integer_rank(new) is None):
        return (old.scale or 0) != (new.scale or 0) or (
            old.precision is not None and new.precision is not None
            and new.precision < old.precision)
    return True
