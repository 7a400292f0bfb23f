"""Typed changes -> Alembic operation objects, in phases that respect dependencies.

The upgrade runs in this order (the downgrade is Alembic's ``reverse()`` of it):

1. drop constraints and indexes that go away or change, so columns and tables are free;
2. create new tables (referenced tables first) and their indexes;
3. add and alter columns, change table comments;
4. add primary keys, unique and check constraints and indexes;
5. add foreign keys, once every referenced table and column exists;
6. drop columns;
7. drop tables (referencing tables first) with their indexes.

Column and constraint operations are grouped per table in ``ModifyTableOps`` so Alembic renders
them inside ``batch_alter_table`` and the same revision runs on SQLite.
"""

from __future__ import annotations

import graphlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from alembic.operations import ops
from sqlalchemy import CheckConstraint, ForeignKeyConstraint, MetaData, Table
from sqlalchemy import UniqueConstraint
from sqlalchemy.sql.schema import Constraint, Index

from .diff import Action, Change, Kind
from .errors import SchemaToolError
from .load import build_table
from .serialize import TableDict

PHASES = 7
_CONSTRAINT_TYPES: dict[Kind, type] = {
    Kind.FOREIGN_KEY: ForeignKeyConstraint,
    Kind.UNIQUE: UniqueConstraint,
    Kind.CHECK: CheckConstraint,
}


class _Tables:
    """SQLAlchemy tables built on demand from one side's snapshot dicts."""

    def __init__(self, dicts: Mapping[str, TableDict | None]) -> None:
        self._dicts = dicts
        self._metadata = MetaData()
        self._built: dict[str, Table] = {}

    def __getitem__(self, key: str) -> Table:
        if key not in self._built:
            data = self._dicts[key]
            assert data is not None, key
            self._built[key] = build_table(data, self._metadata)
        return self._built[key]


def plan_operations(
    changes: Iterable[Change],
    old: Mapping[str, TableDict | None],
    new: Mapping[str, TableDict | None],
) -> ops.UpgradeOps:
    """The upgrade operations that turn snapshot ``old`` into ``new`` for these changes."""
    old_tables, new_tables = _Tables(old), _Tables(new)
    phases: list[dict[str, list[ops.MigrateOperation]]] = [defaultdict(list) for _ in range(PHASES)]
    created: list[str] = []
    dropped: list[str] = []
    columns_altered: dict[tuple[str, str], list[Change]] = defaultdict(list)
    for change in changes:
        if change.kind is Kind.TABLE and change.action is Action.ADD:
            created.append(change.table)
        elif change.kind is Kind.TABLE and change.action is Action.DROP:
            dropped.append(change.table)
        elif change.kind is Kind.TABLE:
            table = new_tables[change.table]
            phases[2][change.table].append(
                ops.CreateTableCommentOp(table.name, table.comment, schema=table.schema,
                                         existing_comment=change.old)
                if change.new is not None
                else ops.DropTableCommentOp(table.name, schema=table.schema,
                                            existing_comment=change.old)
            )
        elif change.kind is Kind.COLUMN and change.action is Action.ALTER:
            columns_altered[(change.table, change.name or "")].append(change)
        elif change.kind is Kind.COLUMN:
            _column_op(change, old_tables, new_tables, phases)
        else:
            _constraint_op(change, old_tables, new_tables, phases)
    for (key, name), column_changes in columns_altered.items():
        op = _alter_column(old_tables[key], new_tables[key], name, column_changes)
        if op is not None:
            phases[2][key].append(op)

    upgrade: list[ops.MigrateOperation] = []
    for index, phase in enumerate(phases):
        if index == 1:
            for key in _dependency_order(created, new):
                table = new_tables[key]
                upgrade.append(ops.CreateTableOp.from_table(table))
                upgrade.extend(ops.CreateIndexOp.from_index(ix) for ix in _indexes(table))
        for key in sorted(phase):
            table = new_tables[key] if new.get(key) is not None else old_tables[key]
            upgrade.append(ops.ModifyTableOps(table.name, phase[key], schema=table.schema))
    for key in reversed(_dependency_order(dropped, old)):
        table = old_tables[key]
        upgrade.extend(ops.DropIndexOp.from_index(ix) for ix in _indexes(table))
        upgrade.append(ops.DropTableOp.from_table(table))
    return ops.UpgradeOps(ops=upgrade)


def _indexes(table: Table) -> list[Index]:
    return sorted(table.indexes, key=lambda ix: str(ix.name))


def _column_op(
    change: Change, old_tables: _Tables, new_tables: _Tables,
    phases: list[dict[str, list[ops.MigrateOperation]]],
) -> None:
    if change.action is Action.ADD:
        table = new_tables[change.table]
        phases[2][change.table].append(
            ops.AddColumnOp.from_column_and_tablename(table.schema, table.name,
                                                      table.c[change.name])
        )
    else:
        table = old_tables[change.table]
        phases[5][change.table].append(
            ops.DropColumnOp.from_column_and_tablename(table.schema, table.name,
                                                       table.c[change.name])
        )


def _alter_column(
    old_table: Table, new_table: Table, name: str, changes: list[Change]
) -> ops.AlterColumnOp | None:
    old, new = old_table.c[name], new_table.c[name]
    touched = {change.attribute for change in changes}
    kw: dict[str, Any] = {}
    if "type" in touched:
        kw["modify_type"] = new.type
    if "nullable" in touched:
        kw["modify_nullable"] = new.nullable
    if "server_default" in touched:
        kw["modify_server_default"] = new.server_default
    if "comment" in touched:
        kw["modify_comment"] = new.comment
    if not kw:  # autoincrement alone has no DDL of its own
        return None
    return ops.AlterColumnOp(
        new_table.name, name, schema=new_table.schema,
        existing_type=old.type, existing_nullable=old.nullable,
        existing_server_default=old.server_default, existing_comment=old.comment, **kw,
    )


def _constraint_op(
    change: Change, old_tables: _Tables, new_tables: _Tables,
    phases: list[dict[str, list[ops.MigrateOperation]]],
) -> None:
    adding = change.action is Action.ADD
    table = (new_tables if adding else old_tables)[change.table]
    item = change.new if adding else change.old
    if change.kind is Kind.INDEX:
        index = _find(table.indexes, item, "columns")
        op: ops.MigrateOperation = (
            ops.CreateIndexOp.from_index(index) if adding else ops.DropIndexOp.from_index(index)
        )
        phases[3 if adding else 0][change.table].append(op)
        return
    if change.kind is Kind.PRIMARY_KEY:
        constraint: Constraint = table.primary_key
    else:
        candidates = [c for c in table.constraints if type(c) is _CONSTRAINT_TYPES[change.kind]]
        constraint = _find(candidates, item, "sqltext" if change.kind is Kind.CHECK else "columns")
    if adding:
        phase = 4 if change.kind is Kind.FOREIGN_KEY else 3
        phases[phase][change.table].append(ops.AddConstraintOp.from_constraint(constraint))
    else:
        phases[0][change.table].append(ops.DropConstraintOp.from_constraint(constraint))


def _find(candidates: Iterable[Any], item: dict[str, Any], field: str) -> Any:
    """The schema object a snapshot item describes: by name, or by definition when unnamed."""
    for candidate in candidates:
        name = candidate.name
        if item.get("name") is not None and name is not None and str(name) == item["name"]:
            return candidate
        if item.get("name") is None and name is None:
            value = (str(candidate.sqltext) if field == "sqltext"
                     else [str(c.name) for c in candidate.columns])
            if value == item[field]:
                return candidate
    raise SchemaToolError(f"internal error: no schema object for {item!r}")


def _dependency_order(keys: list[str], dicts: Mapping[str, TableDict | None]) -> list[str]:
    """``keys`` with referenced tables before the tables whose foreign keys point at them."""
    wanted = set(keys)
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for key in sorted(wanted):
        data = dicts[key] or {}
        targets = {fk["referred_table"] for fk in data.get("foreign_keys", [])}
        sorter.add(key, *sorted((targets & wanted) - {key}))
    try:
        return list(sorter.static_order())
    except graphlib.CycleError as exc:
        raise SchemaToolError(
            f"foreign keys form a cycle between new or dropped tables {exc.args[1]}; "
            "cycles are not supported yet"
        ) from None
