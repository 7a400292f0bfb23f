"""Generated columns around changes they cannot stay through.

SQLite's batch mode rebuilds a table by copying its columns, which it refuses for a generated
column: ``generated_present`` says which ones a table's batch block must set aside first and
add back after.  PostgreSQL will not change the type of a column a generated column reads:
``generated_reader_ops`` sets such readers aside around the change.
"""

from __future__ import annotations

from collections.abc import Iterable

from alembic.operations import ops
from sqlalchemy import CheckConstraint, Column, Constraint, Index, Table, UniqueConstraint

from ..diff import Action, Change, Kind
from ..snapshot.expressions import mentions
from .indexes import index_shape
from .ops.operations import POSTGRESQL, SetAsideOp, runs_on_sqlite
from .phases import Phase
from .tables import Tables

SetAside = dict[str, tuple[list[ops.MigrateOperation], list[ops.MigrateOperation]]]


def generated_present(old_tables: Tables, new_tables: Tables, key: str, phase: Phase,
                      operations: list[ops.MigrateOperation]) -> list[Column]:
    """Generated columns of the table when the batch block of ``phase`` starts that its
    operations keep.

    Generated columns that go are dropped in ``Phase.DROP_GENERATED_COLUMNS``, the others up
    to ``Phase.DROP_COLUMNS``; columns are added and altered in ``Phase.ALTER_COLUMNS``'s
    block.  So until that block the table has the old columns, then the new ones and those
    still to be dropped."""
    old = old_tables[key].columns if key in old_tables else []
    new = new_tables[key].columns if key in new_tables else []
    kept = {str(c.name) for c in new}
    going = [c for c in old if str(c.name) not in kept
             and (phase <= Phase.DROP_GENERATED_COLUMNS or c.computed is None)]
    if phase <= Phase.ALTER_COLUMNS:
        present = [*(c for c in old if str(c.name) in kept), *going]
    else:
        present = [*new, *(going if phase <= Phase.DROP_COLUMNS else [])]
    # on SQLite (the only database that sets them aside): what its operations drop
    dropped = {inner.column_name for op in operations if runs_on_sqlite(op)
               for inner in [op.op if isinstance(op, SetAsideOp) else op]
               if isinstance(inner, ops.DropColumnOp)}
    return [c for c in present if c.computed is not None and str(c.name) not in dropped]


def retyped_columns(changes: Iterable[Change]) -> set[tuple[str, str]]:
    """(table, column) of the columns whose database type changes (ENUM values included)."""
    return {(c.table, str(c.name)) for c in changes if c.kind is Kind.COLUMN
            and c.action is Action.ALTER and c.attribute in ("type", "impl") and not c.ddl_free}


def reads_retyped(column: Column, key: str, retyped: set[tuple[str, str]]) -> bool:
    """Whether generated ``column`` of table ``key`` reads another column whose type changes."""
    assert column.computed is not None
    return any(mentions(str(column.computed.sqltext), name)
               for table, name in retyped if table == key and name != column.name)


def generated_reader_ops(changes: list[Change], old_tables: Tables, new_tables: Tables,
                         problems: list[str]) -> SetAside:
    """By table, PostgreSQL operations that set aside the generated columns (unchanged) that
    read a column whose type changes, before the change, and add them back after it with the
    indexes and constraints on them (PostgreSQL drops those with the column): PostgreSQL will
    not change the type of a column a generated column reads.  Added back, such a column comes
    last in the table and its values are computed again.  An unnamed constraint on one cannot
    be re-created: a problem for ``problems``."""
    retyped = retyped_columns(changes)
    altered = {(c.table, str(c.name)) for c in changes if c.kind is Kind.COLUMN}
    found = {}
    for key in sorted({table for table, _ in retyped}):
        old, new = old_tables[key], new_tables[key]
        readers = [column for column in new.columns if column.computed is not None
                   and (key, str(column.name)) not in altered and str(column.name) in old.c
                   and reads_retyped(column, key, retyped)]
        if not readers:
            continue
        drops: list[ops.MigrateOperation] = []
        adds: list[ops.MigrateOperation] = []
        for column in readers:
            on_it = _on_column(old, new, str(column.name), problems)
            drops += [ops.DropIndexOp.from_index(item) if isinstance(item, Index)
                      else ops.DropConstraintOp.from_constraint(item) for item in on_it]
            drops.append(ops.DropColumnOp.from_column_and_tablename(
                old.schema, old.name, old.c[str(column.name)]))
            adds.append(ops.AddColumnOp.from_column_and_tablename(new.schema, new.name, column))
            adds += [ops.CreateIndexOp.from_index(item) if isinstance(item, Index)
                     else ops.AddConstraintOp.from_constraint(item) for item in on_it]
        why = "the type change of a column it reads"
        found[key] = ([SetAsideOp(op, POSTGRESQL, "generated column", why) for op in drops],
                      [SetAsideOp(op, POSTGRESQL, "generated column", why) for op in adds])
    return found


def _on_column(old: Table, new: Table, column: str,
               problems: list[str]) -> list[Index | Constraint]:
    """Indexes, unique and CHECK constraints of ``new``, the same in ``old``, on ``column``."""
    found: list[Index | Constraint] = []
    for index in sorted(new.indexes, key=lambda index: str(index.name)):
        texts = " ".join(str(e) for e in index.expressions if not isinstance(e, Column))
        if ((column in index.columns or mentions(texts, column))
                and index_shape(index) in {index_shape(ix) for ix in old.indexes}):
            found.append(index)
    kept = {(type(c), c.name, str(getattr(c, "sqltext", "")), tuple(c.columns.keys()))
            for c in old.constraints}
    for constraint in sorted(new.constraints, key=lambda c: str(c.name)):
        on = (mentions(str(constraint.sqltext), column) if isinstance(constraint, CheckConstraint)
              else isinstance(constraint, UniqueConstraint) and column in constraint.columns)
        if on and (type(constraint), constraint.name, str(getattr(constraint, "sqltext", "")),
                   tuple(constraint.columns.keys())) in kept:
            if constraint.name is None:
                problems.append(
                    f"table {new.name}: a constraint on generated column {column}, which "
                    "PostgreSQL drops and adds back around a type change, needs a name")
            else:
                found.append(constraint)
    return found
