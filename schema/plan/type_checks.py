"""CHECK constraints that Boolean and Enum types make themselves (``create_constraint=True``).

The snapshot records them with their type, not as constraints, and the naming convention names
them (``ck_%(table_name)s_%(constraint_name)s``, or after their column) when a table is built.
Databases keep such a CHECK's name when its table or column is renamed, so right after the
renames the revision gives them the names the new names give them (``type_check_rename_ops``),
where the database has them: SQLite for both types, MariaDB/MySQL for Boolean (its ENUM is
native), PostgreSQL for neither, unless the Enum is not native.  Every later operation (a type
change, a column drop) then finds them under the names the plan's tables give them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from alembic.operations import ops
from sqlalchemy import Boolean, CheckConstraint, Enum, MetaData, Table

from ..compat import drop_constraint_op, given_name, is_type_bound
from ..dialects.on import dialect_names
from ..diff import Action, Change, Kind
from ..snapshot.expressions import type_on
from ..snapshot.load import build_table
from ..snapshot.serialize import TableDict
from .ops.operations import SetAsideOp
from .tables import Tables


def type_checks(table: Table, column: str) -> list[CheckConstraint]:
    """The named CHECKs the column's type makes."""
    return [c for c in table.constraints
            if isinstance(c, CheckConstraint) and is_type_bound(c)
            and c.name and column in c.columns]


def made_on(type_: Any, dialect: str) -> bool:
    """Whether this database gets the CHECK of a Boolean/Enum type (no native type there)."""
    type_ = type_on(type_, dialect)
    if isinstance(type_, Enum):
        return not type_.native_enum or dialect == "sqlite"
    return isinstance(type_, Boolean) and dialect != "postgresql"


def same_name_problems(table: Table, databases: Iterable[str]) -> list[str]:
    """CHECKs of one table that would share a name on a target database: the naming convention
    names a Boolean/Enum type's CHECK after the type (``ck_t_ce_kind``), so two columns of one
    such type make two.  SQLite's table rebuild then keeps only one, and PostgreSQL and MariaDB
    refuse the second."""
    databases = tuple(databases)
    by_name: dict[str, list[str]] = {}
    for constraint in table.constraints:
        if not isinstance(constraint, CheckConstraint) or given_name(constraint.name) is None or (
                is_type_bound(constraint) and not any(
                    made_on(column.type, database) for column in constraint.columns
                    for database in databases)):
            continue
        owners = [str(column.name) for column in constraint.columns] or ["its own CHECK"]
        by_name.setdefault(str(constraint.name), []).extend(owners)
    return [f"table {table.name}: check constraint {name} is made twice "
            f"(by {', '.join(sorted(owners))}): "
            "a Boolean/Enum type's CHECK is named after the type, so give the columns types of "
            "their own names, or name such CHECKs after their column in the naming convention "
            "(\"ck\": \"ck_%(table_name)s_%(column_0_name)s\")"
            for name, owners in sorted(by_name.items()) if len(owners) > 1]


def type_check_rename_ops(
    changes: Iterable[Change], old: Mapping[str, TableDict | None], old_tables: Tables,
) -> dict[str, list[ops.MigrateOperation]]:
    """By table renamed or with renamed columns, the type CHECKs of its old columns whose names
    follow those: dropped under the name the old names gave them, added under the new one."""
    renames = [c for c in changes if c.action is Action.RENAME]
    found: dict[str, list[ops.MigrateOperation]] = {}
    for key in sorted({c.table for c in renames if old.get(c.table) is not None}):
        data = old[key]
        assert data is not None
        table = old_tables[key]  # old columns under the new names
        was = {str(c.name): str(c.old) for c in renames if c.kind is Kind.COLUMN and c.table == key}
        name = next((str(c.old).rsplit(".", 1)[-1] for c in renames
                     if c.kind is Kind.TABLE and c.table == key), data["name"])
        # the types' CHECKs under the old names: the columns alone make them
        before = build_table(
            {"name": name, "schema": data.get("schema"), "columns": [
                {**column, "name": was.get(column["name"], column["name"])}
                for column in data["columns"]]},
            MetaData(naming_convention=dict(table.metadata.naming_convention)), stored_types=True)
        for column in table.columns:
            made = [d for d in ("sqlite", "postgresql", "mysql") if made_on(column.type, d)]
            new_name = str(column.name)
            for old_check, check in zip(type_checks(before, was.get(new_name, new_name)),
                                        type_checks(table, new_name), strict=True):
                if old_check.name == check.name or not made:
                    continue
                add_old = ops.CreateCheckConstraintOp(old_check.name, table.name, check.sqltext,
                                                      schema=table.schema)
                for op in (drop_constraint_op(old_check.name, table.name, "check",
                                              table.schema, add_old),
                           ops.AddConstraintOp.from_constraint(check)):
                    found.setdefault(key, []).append(op if len(made) == 3 else SetAsideOp(
                        op, dialect_names(made), "the CHECK of a Boolean/Enum type",
                        "the rename"))
    return found
