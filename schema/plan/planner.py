"""Typed changes -> Alembic operation objects, in the order ``phases.Phase`` states.

Each change goes to the planner of its kind, which decides once what operations it needs (and
what wraps them: ENUM conversion, type CHECKs, autoincrement, set-asides) and adds them to the
``Plan`` under their phase.  Nothing is moved afterwards; ``_assemble`` only reads the plan in
phase order and puts each table's batch-phase operations into one ``batch_alter_table`` block
(with SQLite's set-asides around its table rebuild), so the same revision runs on SQLite.
Changes a target cannot make are collected, and refused all at once at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from alembic.operations import ops
from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Table, UniqueConstraint

from ..config import KNOWN_DATABASES
from ..dialects.on import index_on
from ..dialects.sequences import owned_sequence_column, sequences
from ..dialects.table_options import option_problems
from ..diff import Action, Change, Kind
from ..errors import PlanProblems, SchemaToolError
from ..snapshot.serialize import TableDict
from .columns import ColumnPlanner
from .enum_values import enum_value_ops
from .enums import enum_type_ops, enum_types
from .generated import generated_present
from .indexes import expression_indexes_present, on_expressions
from .keys import guard_index_op, rebuilt_reference_ops
from .ops.operations import (
    INDEX,
    AddForeignKeyOp,
    CreateSchemaOp,
    CreateTableWithIndexesOp,
    DropForeignKeyOp,
    DropTableWithIndexesOp,
    aside_for_rebuild,
    needs_implicit_index,
    only_on,
    runs_on_sqlite,
)
from .ops.postgresql_safe import concurrent_index, not_valid
from .ops.renames import RenameColumnInPlaceOp, RenameTableInPlaceOp
from .ops.sequences import sequence_ops
from .ops.table_options import TableOptionsOp
from .order import foreign_keys, table_order
from .phases import Phase, Plan, Step
from .tables import Tables
from .type_checks import same_name_problems, type_check_rename_ops
from .unnamed_checks import batch_block, unnamed_check_problems

_CONSTRAINT_TYPES: dict[Kind, type] = {
    Kind.FOREIGN_KEY: ForeignKeyConstraint,
    Kind.UNIQUE: UniqueConstraint,
    Kind.CHECK: CheckConstraint,
}


@dataclass
class _Planning:
    """What the planners of one revision share: both sides, the targets and the plan."""

    changes: list[Change]
    old: Mapping[str, TableDict | None]
    new: Mapping[str, TableDict | None]
    unchanged: Mapping[str, TableDict]
    old_tables: Tables
    new_tables: Tables
    databases: tuple[str, ...]
    safe_postgresql: bool
    plan: Plan = field(default_factory=Plan)
    problems: list[str] = field(default_factory=list)
    guarded: set[tuple[str, str, str]] = field(default_factory=set)  # (table, key, op)

    @property
    def postgresql(self) -> bool:
        return "postgresql" in self.databases


def plan_operations(
    changes: Iterable[Change],
    old: Mapping[str, TableDict | None],
    new: Mapping[str, TableDict | None],
    unchanged: Mapping[str, TableDict] | None = None,
    naming_convention: Mapping[str, str] | None = None,
    databases: Iterable[str] = KNOWN_DATABASES,
    safe_postgresql: bool = False,
) -> ops.UpgradeOps:
    """The upgrade operations that turn snapshot ``old`` into ``new`` for these changes.

    ``old`` and ``new`` hold the changed tables (``None`` where a side lacks one); ``unchanged``
    the others, needed only to know which ENUM types stay in use.  ``databases`` are the
    targets: every change one of them cannot make is refused, all at once (``PlanProblems``).
    ``safe_postgresql`` uses PostgreSQL's non-blocking forms (see ``postgresql_safe``).
    """
    unchanged = unchanged or {}
    planning = _Planning(
        list(changes), old, new, unchanged,
        Tables(old, unchanged, naming_convention=naming_convention),
        Tables(new, unchanged, naming_convention=naming_convention),
        tuple(databases), safe_postgresql)
    planning.problems += unnamed_check_problems(planning.changes, planning.old_tables,
                                                planning.new_tables, planning.databases)
    planning.problems += [problem for key, data in sorted(new.items()) if data is not None
                          for problem in same_name_problems(planning.new_tables[key],
                                                            planning.databases)]
    _plan_renames(planning)
    _plan_tables(planning)
    columns = ColumnPlanner(planning.changes, planning.old_tables, planning.new_tables,
                            planning.postgresql, planning.plan, planning.problems)
    for change in planning.changes:
        if change.kind is Kind.TABLE and change.attribute == "dialect_options":
            _plan_table_options(planning, change)
        elif change.kind is Kind.TABLE and change.action is Action.ALTER:
            _plan_table_comment(planning, change)
        elif change.kind is Kind.COLUMN and change.action in (Action.ADD, Action.DROP):
            columns.add_or_drop(change)
        elif change.kind in (Kind.INDEX, Kind.UNIQUE, Kind.CHECK, Kind.FOREIGN_KEY):
            _plan_constraint(planning, change)
    columns.primary_keys()
    _plan_rebuilt_references(planning)
    if planning.postgresql:
        columns.set_aside_generated_readers()
    for key, renamed in type_check_rename_ops(planning.changes, old, planning.old_tables).items():
        planning.plan.add(Phase.RENAME_TYPE_CHECKS, *renamed, table=key)
    columns.alter_all()
    _plan_enum_types(planning, columns.keeping)
    _plan_sequences(planning)
    if planning.problems:
        raise PlanProblems(list(dict.fromkeys(planning.problems)))
    return ops.UpgradeOps(ops=_assemble(planning))


def _plan_renames(planning: _Planning) -> None:
    """Tables, then columns, renamed in place, so later phases see the new names."""
    changes = planning.changes
    for change in changes:
        if change.action is not Action.RENAME:
            continue
        table = planning.old_tables[change.table]  # old columns, new name
        if change.kind is Kind.TABLE:
            serial = _serial_column(table)
            # the table is renamed before its columns: the sequence has the old column name
            serial = next((str(c.old) for c in changes if c.action is Action.RENAME
                           and c.kind is Kind.COLUMN and c.table == change.table
                           and c.name == serial), serial)
            planning.plan.add(Phase.RENAME_TABLES, RenameTableInPlaceOp(
                str(change.old).rsplit(".", 1)[-1], table.name, table.schema, serial))
        else:
            planning.plan.add(Phase.RENAME_COLUMNS, RenameColumnInPlaceOp(
                table, str(change.old), table.c[str(change.name)]))


def _plan_tables(planning: _Planning) -> None:
    """Tables created (referenced ones first) and dropped (referencing ones first), with the
    foreign keys that must be added after all of them, or dropped before, apart; and the
    schemas new tables need."""
    created = [c.table for c in planning.changes
               if c.kind is Kind.TABLE and c.action is Action.ADD]
    dropped = [c.table for c in planning.changes
               if c.kind is Kind.TABLE and c.action is Action.DROP]
    old, new, plan = planning.old, planning.new, planning.plan
    create_order, create_later = table_order(created, new, old, planning.problems)
    drop_order, drop_first = table_order(dropped, old, new, planning.problems)
    for key in create_order:
        table = planning.new_tables[key]
        plan.add(Phase.CREATE_TABLES,
                 CreateTableWithIndexesOp(table, foreign_keys(table, create_later.get(key, ()))))
        plan.add(Phase.ADD_FOREIGN_KEYS, *(  # and foreign keys that close a cycle
            AddForeignKeyOp(fk, needs_implicit_index(fk))
            for fk in foreign_keys(table, create_later.get(key, ()))), table=key)
    for key in reversed(drop_order):
        table = planning.old_tables[key]
        plan.add(Phase.DROP_FOREIGN_KEYS, *(
            DropForeignKeyOp(fk, needs_implicit_index(fk))
            for fk in foreign_keys(table, drop_first.get(key, ()))), table=key)
        plan.add(Phase.DROP_TABLES,
                 DropTableWithIndexesOp(table, foreign_keys(table, drop_first.get(key, ()))))
    schemas_before = {t.get("schema") for t in [*planning.unchanged.values(), *old.values()]
                      if t}
    plan.add(Phase.CREATE_SCHEMAS, *(CreateSchemaOp(schema) for schema in sorted(
        {t["schema"] for t in new.values() if t and t.get("schema")} - schemas_before)))


def _plan_table_options(planning: _Planning, change: Change) -> None:
    """MariaDB/MySQL options first among the table's alterations, so the columns it gives
    their declared types back are the old ones in both directions."""
    problems = option_problems(change.table, change.old, change.new, planning.databases)
    if problems:
        planning.problems.extend(problems)
        return
    renamed = {str(c.old): str(c.name) for c in planning.changes if c.action is Action.RENAME
               and c.kind is Kind.COLUMN and c.table == change.table}
    op = TableOptionsOp.between(planning.old_tables[change.table],
                                 planning.new_tables[change.table], renamed)
    if op.changes_anything():
        planning.plan.add(Phase.ALTER_TABLE_OPTIONS, op, table=change.table)


def _plan_table_comment(planning: _Planning, change: Change) -> None:
    table = planning.new_tables[change.table]
    planning.plan.add(Phase.COMMENT_TABLES, (
        ops.CreateTableCommentOp(table.name, table.comment, schema=table.schema,
                                 existing_comment=change.old)
        if change.new is not None
        else ops.DropTableCommentOp(table.name, schema=table.schema,
                                    existing_comment=change.old)), table=change.table)


def _serial_column(table: Table) -> str | None:
    """The name of the column whose sequence PostgreSQL named after the table (a SERIAL or
    an IDENTITY)."""
    column = owned_sequence_column(table)
    return None if column is None else str(column.name)


def _plan_constraint(planning: _Planning, change: Change) -> None:
    """One index or constraint added or dropped."""
    adding, key = change.action is Action.ADD, change.table
    table = (planning.new_tables if adding else planning.old_tables)[key]
    item = change.new if adding else change.old
    if change.kind is Kind.INDEX:
        _plan_index(planning, change, _find(table.indexes, item, "columns"))
        return
    candidates = [c for c in table.constraints if type(c) is _CONSTRAINT_TYPES[change.kind]]
    constraint = _find(candidates, item, "sqltext" if change.kind is Kind.CHECK else "columns")
    plan, safe = planning.plan, planning.safe_postgresql
    if isinstance(constraint, ForeignKeyConstraint):
        implicit = needs_implicit_index(constraint)
        if adding:
            plan.add(Phase.ADD_FOREIGN_KEYS, AddForeignKeyOp(constraint, implicit), table=key)
            if safe:
                plan.add(Phase.VALIDATE_CONSTRAINTS, not_valid(constraint))
        else:
            plan.add(Phase.DROP_FOREIGN_KEYS, DropForeignKeyOp(constraint, implicit),
                     table=key)
        return
    if adding and safe and isinstance(constraint, CheckConstraint):
        plan.add(Phase.VALIDATE_CONSTRAINTS, not_valid(constraint))
    op = (ops.AddConstraintOp.from_constraint(constraint) if adding
          else ops.DropConstraintOp.from_constraint(constraint))
    if isinstance(constraint, UniqueConstraint):  # an index too, on MariaDB
        op = guard_index_op(op, _sides(planning, key), [str(c.name) for c in constraint.columns],
                            planning.guarded)
    plan.add(Phase.ADD_INDEXES_AND_CONSTRAINTS if adding
             else Phase.DROP_INDEXES_AND_CONSTRAINTS, op, table=key)


def _plan_index(planning: _Planning, change: Change, index: Any) -> None:
    """An index: guarded where a MariaDB foreign key needs it, only where its ``ddl_if``
    allows, concurrently under PostgreSQL's safe forms, outside batch blocks when it is on
    expressions (batch mode cannot handle those)."""
    adding = change.action is Action.ADD
    op: ops.MigrateOperation = (
        ops.CreateIndexOp.from_index(index) if adding else ops.DropIndexOp.from_index(index))
    if index_on(index, "mysql"):  # else it serves no MariaDB foreign key
        op = guard_index_op(op, _sides(planning, change.table),
                            [str(c.name) for c in index.columns], planning.guarded)
    if adding and planning.safe_postgresql and isinstance(op, ops.CreateIndexOp):
        planning.plan.add(Phase.CREATE_INDEXES_CONCURRENTLY,
                          only_on(index, concurrent_index(index)))
    elif on_expressions(index):
        planning.plan.add(Phase.CREATE_EXPRESSION_INDEXES if adding
                          else Phase.DROP_EXPRESSION_INDEXES, only_on(index, op))
    else:
        planning.plan.add(Phase.ADD_INDEXES_AND_CONSTRAINTS if adding
                          else Phase.DROP_INDEXES_AND_CONSTRAINTS, only_on(index, op),
                          table=change.table)


def _sides(planning: _Planning, key: str) -> tuple[Table | None, Table | None]:
    return planning.old_tables.get(key), planning.new_tables.get(key)


def _plan_rebuilt_references(planning: _Planning) -> None:
    """Foreign keys set aside while what they refer through is re-created or retyped."""
    found = rebuilt_reference_ops(planning.changes, planning.old_tables, planning.new_tables)
    for key, (drops, adds) in found.items():
        planning.plan.add(Phase.SET_ASIDE_FOREIGN_KEYS, *drops, table=key)
        planning.plan.add(Phase.RESTORE_FOREIGN_KEYS, *adds, table=key)


def _plan_enum_types(planning: _Planning, keeping: Any) -> None:
    """Named ENUM types created before and dropped after everything that uses them, and the
    value changes of those that stay (see ``enum_values``)."""
    old, new, unchanged = planning.old, planning.new, planning.unchanged
    types_before = enum_types([*unchanged.values(), *old.values()])
    types_after = enum_types([*unchanged.values(), *new.values()])
    values = enum_value_ops(types_before, types_after, keeping,
                            (planning.old_tables, planning.new_tables), (
        [planning.old_tables[key] for key, data in old.items() if data is not None],
        [planning.new_tables[key] for key, data in new.items() if data is not None]),
        planning.postgresql, planning.problems)
    created, dropped = enum_type_ops(types_before, types_after)
    plan = planning.plan
    plan.add(Phase.OPEN_ENUM_VALUES, *values.opening)
    plan.add(Phase.CREATE_ENUM_TYPES, *created)
    plan.add(Phase.CONVERT_ENUM_VALUES, *values.converting)
    plan.add(Phase.DROP_ENUM_TYPES, *dropped)
    plan.add(Phase.CLOSE_ENUM_VALUES, *values.closing)


def _plan_sequences(planning: _Planning) -> None:
    unchanged = planning.unchanged.values()
    created, dropped = sequence_ops(sequences([*unchanged, *planning.old.values()]),
                                    sequences([*unchanged, *planning.new.values()]))
    planning.plan.add(Phase.DROP_SEQUENCES, *dropped)
    planning.plan.add(Phase.CREATE_SEQUENCES, *created)


def _assemble(planning: _Planning) -> list[ops.MigrateOperation]:
    """The plan's operations in phase order, each table's batch phases in one block."""
    upgrade: list[ops.MigrateOperation] = []
    for step in planning.plan.steps():
        if step.table is None:
            upgrade.extend(step.operations)
        else:
            upgrade.extend(_batch_block(planning, step))
    return upgrade


def _batch_block(planning: _Planning, step: Step) -> list[ops.MigrateOperation]:
    """One table's batch block; on SQLite, whose batch mode rebuilds the table, the generated
    columns and indexes on expressions it keeps are set aside around it."""
    key, operations = str(step.table), step.operations
    old, new = _sides(planning, key)
    table = new if new is not None else old
    assert table is not None
    generated: list[Any] = []
    indexes: list[Any] = []
    if any(runs_on_sqlite(op) for op in operations):  # else no table rebuild there
        generated = generated_present(planning.old_tables, planning.new_tables, key,
                                      step.phase, operations)
        indexes = expression_indexes_present(old, new, key, step.phase, planning.changes)
    aside = [aside_for_rebuild(ops.DropColumnOp.from_column_and_tablename(
        table.schema, table.name, column)) for column in generated]
    back = [aside_for_rebuild(ops.AddColumnOp.from_column_and_tablename(
        table.schema, table.name, column)) for column in generated]
    return [*(aside_for_rebuild(ops.DropIndexOp.from_index(ix), INDEX) for ix in indexes),
            batch_block(old, new, table, [*aside, *operations, *back]),
            *(aside_for_rebuild(ops.CreateIndexOp.from_index(ix), INDEX) for ix in indexes)]


def _find(candidates: Iterable[Any], item: dict[str, Any], field: str) -> Any:
    """The schema object a snapshot item describes: by name, or by definition when unnamed."""
    for candidate in candidates:
        name = candidate.name
        if item.get("name") is not None and name is not None and str(name) == item["name"]:
            return candidate
        if item.get("name") is None and name is None and field in item:
            value = (str(candidate.sqltext) if field == "sqltext"
                     else [str(c.name) for c in candidate.columns])
            if value == item[field]:
                return candidate
    raise SchemaToolError(f"internal error: no schema object for {item!r}")
