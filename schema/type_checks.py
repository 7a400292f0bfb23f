"""CHECK constraints that Boolean and Enum types make themselves (``create_constraint=True``).

The snapshot records them with their type, not as constraints, and the naming convention names
them (``ck_%(table_name)s_%(constraint_name)s``) when a table is built.  Databases keep such a
CHECK's name when its table is renamed, so right after a table rename the revision gives them
the names the new table name gives them (``type_check_rename_ops``), where the database has
them: SQLite for both types, MariaDB/MySQL for Boolean (its ENUM is native), PostgreSQL for
neither, unless the Enum is not native.  Every later operation (a type change, a column drop)
then finds them under the names the plan's tables give them.
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


def type_check_rename_ops(
    changes: Iterable[Change], old: Mapping[str, TableDict | None], old_tables: TableLookup,
) -> dict[str, list[ops.MigrateOperation]]:
    """By renamed table, the type CHECKs of its old columns whose names follow the table's:
    dropped under the name the old table name gave them, added under the new one."""
    found: dict[str, list[ops.MigrateOperation]] = {}
    for change in changes:
        data = old.get(change.table)
        if change.action is not Action.RENAME or change.kind is not Kind.TABLE or data is None:
            continue
        table = old_tables[change.table]  # old columns under the new name
        before = build_table({**data, "name": str(change.old).rsplit(".", 1)[-1]},
                             MetaData(naming_convention=dict(table.metadata.naming_convention)),
                             stored_types=True)
        for column in table.columns:
            name = str(column.name)
            made = [d for d in ("sqlite", "postgresql", "mysql") if made_on(column.type, d)]
            for was, check in zip(type_checks(before, name), type_checks(table, name),
                                  strict=True):
                if was.name == check.name or not made:
                    continue
                add_was = ops.CreateCheckConstraintOp(was.name, table.name, check.sqltext,
                                                      schema=table.schema)
                for op in (ops.DropConstraintOp(was.name, table.name, type_="check",
                                                schema=table.schema, _reverse=add_was),
                           ops.AddConstraintOp.from_constraint(check)):
                    found.setdefault(change.table, []).append(
                        op if len(made) == 3 else SetAsideOps(
                            op, dialects_of(made), "the CHECK of a Boolean/Enum type",
                            "the table rename"))
    return found
