"""CHECK constraints that Boolean and Enum types make themselves (``create_constraint=True``).

The snapshot records them with their type, not as constraints, and the naming convention names
them (``ck_%(table_name)s_%(constraint_name)s``) when a table is built.  Databases keep such a
CHECK's name when its table is renamed, so the old side of a renamed table gets the names its
old table name gave them (``keep_type_check_names``), and the revision renames them
(``type_check_rename_ops``) where the database has them: SQLite for both types, MariaDB/MySQL
for Boolean (its ENUM is native), PostgreSQL for neither, unless the Enum is not native.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from alembic.operations import ops
from sqlalchemy import Boolean, CheckConstraint, Enum, MetaData, Table

from .diff import Action, Change, Kind
from .enums import TableLookup
from .expressions import type_on
from .load import build_table
from .operations import SetAsideOps, dialects_of
from .serialize import TableDict


def type_checks(table: Table, column: str) -> list[CheckConstraint]:
    """The named CHECKs the column's type makes."""
    return [c for c in table.constraints
            if isinstance(c, CheckConstraint) and getattr(c, "_type_bound", False)
            and c.name and column in c.columns]


def made_on(type_: Any, dialect: str) -> bool:
    """Whether this database gets the CHECK of a Boolean/Enum type (no native type there)."""
    type_ = type_on(type_, dialect)
    if isinstance(type_, Enum):
        return not type_.native_enum or dialect == "sqlite"
    return isinstance(type_, Boolean) and dialect != "postgresql"


def keep_type_check_names(table: Table, data: TableDict, old_name: str) -> None:
    """Name the type CHECKs of a renamed table (``data``, old side) as its old name did."""
    convention = dict(table.metadata.naming_convention)
    before = build_table({**data, "name": old_name}, MetaData(naming_convention=convention),
                         stored_types=True)
    for column in table.columns:
        name = str(column.name)
        for check, was in zip(type_checks(table, name), type_checks(before, name), strict=True):
            check.name = was.name


def type_check_rename_ops(
    changes: Iterable[Change], old_tables: TableLookup, new_tables: TableLookup,
    retyped: set[tuple[str, str]],
) -> Mapping[str, tuple[list[ops.MigrateOperation], list[ops.MigrateOperation]]]:
    """By table, drops (after the rename, under the old names) and adds (new names) of the type
    CHECKs of renamed tables whose names follow the table's.  Columns whose type changes
    (``retyped``) are left to the type change."""
    found: dict[str, tuple[list[ops.MigrateOperation], list[ops.MigrateOperation]]] = {}
    for change in changes:
        if change.action is not Action.RENAME or change.kind is not Kind.TABLE:
            continue
        key = change.table
        old, new = old_tables[key], new_tables[key]
        for column in new.columns:
            name = str(column.name)
            if name not in old.c or (key, name) in retyped:
                continue
            made = [d for d in ("sqlite", "postgresql", "mysql") if made_on(column.type, d)]
            for was, check in zip(type_checks(old, name), type_checks(new, name), strict=False):
                if was.name == check.name or not made:
                    continue
                drops, adds = found.setdefault(key, ([], []))
                add_old = ops.CreateCheckConstraintOp(was.name, new.name, check.sqltext,
                                                      schema=new.schema)
                pair = (ops.DropConstraintOp(was.name, new.name, type_="check", schema=new.schema,
                                             _reverse=add_old),
                        ops.AddConstraintOp.from_constraint(check))
                for items, op in zip((drops, adds), pair, strict=True):
                    items.append(op if len(made) == 3 else SetAsideOps(
                        op, dialects_of(made), "the CHECK of a Boolean/Enum type",
                        "the table rename"))
    return found
