"""Column operations for the plan: add and drop, alter attribute by attribute, and what a
generated column needs around SQLite's batch rebuilds.

``plan`` routes each column change here; the rest of a table's changes stay in ``plan``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from alembic.operations import ops
from sqlalchemy import CheckConstraint, Column, Constraint, Index, Table, UniqueConstraint

from ..dialects.sequences import serial_numbered
from ..diff import Action, Change, Kind
from ..errors import SchemaToolError
from ..snapshot.expressions import mentions, text_to_type
from ..snapshot.serialize import table_key
from .indexes import index_shape
from .ops.autoincrement import AutoincrementKeptOp, AutoincrementOp, IdentityOptionsOp
from .ops.operations import (
    POSTGRESQL,
    CheckedColumnOp,
    PrimaryKeyOp,
    SetAsideOp,
    TypeCheckOp,
    dialects_of,
    runs_on_sqlite,
)
from .type_checks import made_on, type_checks


class TableLookup(Protocol):
    """One side's tables by key (``plan._Tables``)."""

    def __getitem__(self, key: str) -> Table: ...

    def __contains__(self, key: object) -> bool: ...


def column_op(
    change: Change, old_tables: TableLookup, new_tables: TableLookup,
    phases: list[dict[str, list[ops.MigrateOperation]]],
) -> None:
    adding = change.action is Action.ADD
    table = (new_tables if adding else old_tables)[change.table]
    column = table.c[change.name]
    op: ops.MigrateOperation = (
        ops.AddColumnOp.from_column_and_tablename(table.schema, table.name, column) if adding
        else ops.DropColumnOp.from_column_and_tablename(table.schema, table.name, column)
    )
    checks = _type_checks(table, str(column.name))
    if checks:
        op = CheckedColumnOp(op, checks)  # type: ignore[arg-type]
    # generated columns are added after the columns they may read (and dropped first, see
    # drop_generated_first)
    found = phases[2 if adding else 5][change.table]
    generated = [i for i, other in enumerate(found) if isinstance(other, ops.AddColumnOp)
                 and other.column.computed is not None]
    if adding and column.computed is None and generated:
        found.insert(generated[0], op)
    else:
        found.append(op)


def drop_generated_first(phases: list[dict[str, list[ops.MigrateOperation]]]) -> None:
    """Move the drops of generated columns from the column drops (phase 5) to the end of phase 0,
    after the indexes and constraints on them: PostgreSQL and MariaDB refuse to drop, or to
    change the type of, a column a generated column reads."""
    for key, items in phases[5].items():
        generated = [op for op in items if isinstance(op, ops.DropColumnOp)
                     and op.to_column().computed is not None]
        if generated:
            items[:] = [op for op in items if op not in generated]
            phases[0][key].extend(generated)


def alter_column_ops(
    old_table: Table, new_table: Table, name: str, changes: list[Change],
) -> list[ops.MigrateOperation]:
    old, new = old_table.c[name], new_table.c[name]
    touched = {change.attribute for change in changes}
    identity: list[ops.MigrateOperation] = []
    if "identity" in touched:
        identity.append(_identity_op(old_table, new_table, name))
        touched.discard("identity")
    touched.discard("sequence")  # sequences are created and dropped on their own
    if any(change.ddl_free for change in changes):
        touched.discard("type")
    # A generated column cannot be altered in place (MariaDB's MODIFY would have to restate the
    # expression, SQLite's rebuild cannot copy it): re-create it; its values are recomputed.
    if "computed" in touched or (touched and new.computed is not None):
        return [
            ops.DropColumnOp.from_column_and_tablename(old_table.schema, old_table.name, old),
            ops.AddColumnOp.from_column_and_tablename(new_table.schema, new_table.name, new),
        ]
    kw: dict[str, Any] = {}
    existing_type = old.type
    if "type" in touched:
        kw["modify_type"] = new.type
    if "impl" in touched:  # an own TypeDecorator whose database type changed
        impl = next(change for change in changes if change.attribute == "impl")
        existing_type = text_to_type(impl.old) if impl.old else old.type
        kw["modify_type"] = text_to_type(impl.new) if impl.new else new.type
    if "nullable" in touched:
        kw["modify_nullable"] = new.nullable
    if "server_default" in touched:
        kw["modify_server_default"] = new.server_default
    if "comment" in touched:
        kw["modify_comment"] = new.comment
    turned_on: list[ops.MigrateOperation] = []  # after the other changes, with the new type
    if "autoincrement" in touched:
        for op in _autoincrement_op(old_table, new_table, name):
            (turned_on if op.op.kw["autoincrement"] else identity).append(op)
    if not kw:
        return [*identity, *turned_on]
    alter = ops.AlterColumnOp(
        new_table.name, name, schema=new_table.schema,
        existing_type=existing_type, existing_nullable=old.nullable,
        # an IDENTITY is no default: MariaDB's MODIFY could not restate it (AUTO_INCREMENT is)
        existing_server_default=None if old.identity is not None else old.server_default,
        existing_comment=old.comment, **kw,
    )
    if old_table.autoincrement_column is old and new_table.autoincrement_column is new:
        return [*identity, AutoincrementKeptOp(alter, serial_numbered(new))]
    going, coming = _mysql_type_checks(old_table, name), _mysql_type_checks(new_table, name)
    if "modify_type" in kw and set(going) != set(coming):
        return [*identity, TypeCheckOp(alter, [c for c in going if c not in coming],
                                        [c for c in coming if c not in going]), *turned_on]
    return [*identity, alter, *turned_on]


def _type_checks(table: Table, column: str) -> list[str]:
    """Names of the CHECKs the column's type makes (Boolean, Enum with create_constraint)."""
    return [str(c.name) for c in type_checks(table, column)]


def _mysql_type_checks(table: Table, column: str) -> list[str]:
    """The type's CHECKs that MariaDB/MySQL have: a Boolean's, not a native ENUM's."""
    return _type_checks(table, column) if made_on(table.c[column].type, "mysql") else []


def _autoincrement_op(old_table: Table, new_table: Table, name: str) -> list[AutoincrementOp]:
    """AUTO_INCREMENT on or off when the column's effective autoincrement changes ("auto" and
    True are the same for a lone integer primary key).  Turned off, it goes before the column's
    other changes; turned on, after them, with the column as it is then: MariaDB's MODIFY
    restates the column's type, and a SERIAL's new sequence takes it."""
    old, new = old_table.c[name], new_table.c[name]
    now = new_table.autoincrement_column is new
    if (old_table.autoincrement_column is old) == now:
        return []
    return [AutoincrementOp.of(new_table, new if now else old, now)]


def _identity_op(old_table: Table, new_table: Table, name: str) -> ops.MigrateOperation:
    """New IDENTITY options (``ALTER COLUMN ... SET ...``), where a database stores them.

    Only PostgreSQL has IDENTITY columns; SQLite and MariaDB use plain autoincrement and keep no
    options to change.  Adding or removing IDENTITY on an existing column would change how its
    values are made on every database, so that stays a new column."""
    old, new = old_table.c[name], new_table.c[name]
    if old.identity is None or new.identity is None:
        raise SchemaToolError(
            f"column {new_table.name}.{name}: adding or removing IDENTITY on an existing column "
            "is not supported; add a new column instead"
        )
    return IdentityOptionsOp(ops.AlterColumnOp(
        new_table.name, name, schema=new_table.schema, existing_type=old.type,
        existing_nullable=old.nullable, existing_server_default=old.identity,
        modify_server_default=new.identity,
    ))


def generated_present(old_tables: TableLookup, new_tables: TableLookup, key: str,
                      phase: int, operations: list[ops.MigrateOperation]) -> list[Column]:
    """Generated columns of the table when ``phase`` starts that its operations keep.

    Columns are added and altered in phase 2 and dropped in phase 5 (generated ones at the end
    of phase 0), so before phase 2 the table has the old columns, up to phase 5 the new ones and
    those still to be dropped, after it the new ones."""
    old = old_tables[key].columns if key in old_tables else []
    new = new_tables[key].columns if key in new_tables else []
    kept = {str(c.name) for c in new}
    going = [c for c in old if str(c.name) not in kept and (phase == 0 or c.computed is None)]
    if phase <= 2:
        present = [*(c for c in old if str(c.name) in kept), *going]
    else:
        present = [*new, *(going if phase <= 5 else [])]
    # on SQLite (the only database that sets them aside): what its operations drop
    dropped = {inner.column_name for op in operations if runs_on_sqlite(op)
               for inner in [op.op if isinstance(op, SetAsideOp) else op]
               if isinstance(inner, ops.DropColumnOp)}
    return [c for c in present if c.computed is not None and str(c.name) not in dropped]


def retyped_columns(changes: Iterable[Change]) -> set[tuple[str, str]]:
    """(table, column) of the columns whose database type changes (ENUM values included)."""
    return {(c.table, str(c.name)) for c in changes if c.kind is Kind.COLUMN
            and c.action is Action.ALTER and c.attribute in ("type", "impl") and not c.ddl_free}


def generated_reader_ops(changes: list[Change], old_tables: TableLookup,
                         new_tables: TableLookup) -> dict[str, tuple[list[ops.MigrateOperation],
                                                                     list[ops.MigrateOperation]]]:
    """By table, PostgreSQL operations that set aside the generated columns (unchanged) that
    read a column whose type changes, before the change, and add them back after it with the
    indexes and constraints on them (PostgreSQL drops those with the column): PostgreSQL will
    not change the type of a column a generated column reads.  Added back, such a column comes
    last in the table and its values are computed again."""
    retyped = retyped_columns(changes)
    altered = {(c.table, str(c.name)) for c in changes if c.kind is Kind.COLUMN}
    found = {}
    for key in sorted({table for table, _ in retyped}):
        old, new = old_tables[key], new_tables[key]
        readers = [column for column in new.columns if column.computed is not None
                   and (key, str(column.name)) not in altered and str(column.name) in old.c
                   and any(mentions(str(column.computed.sqltext), name)
                           for table, name in retyped if table == key)]
        if not readers:
            continue
        drops: list[ops.MigrateOperation] = []
        adds: list[ops.MigrateOperation] = []
        for column in readers:
            on_it = _on_column(old, new, str(column.name))
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


def recreated_readers_first(changes: list[Change],
                            phases: list[dict[str, list[ops.MigrateOperation]]]) -> None:
    """PostgreSQL: a generated column re-created in the step (phase 2) that reads a column whose
    type changes is dropped at the end of phase 0 instead, before that change, as PostgreSQL
    will not change the type of a column a generated column reads (ENUM conversions too)."""
    retyped = retyped_columns(changes)
    why = "the type change of a column it reads"
    for key, items in phases[2].items():
        for i, op in enumerate(items):
            column = op.to_column() if isinstance(op, ops.DropColumnOp) else None
            if column is not None and column.computed is not None and any(
                    mentions(str(column.computed.sqltext), name)
                    for table, name in retyped if table == key and name != column.name):
                phases[0][key].append(SetAsideOp(op, POSTGRESQL, "generated column", why))
                items[i] = SetAsideOp(op, dialects_of(["sqlite", "mysql"]), "generated column",
                                       "its new definition")


def _on_column(old: Table, new: Table, column: str) -> list[Index | Constraint]:
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
                raise SchemaToolError(
                    f"table {new.name}: a constraint on generated column {column}, which "
                    "PostgreSQL drops and adds back around a type change, needs a name")
            found.append(constraint)
    return found


def primary_key_ops(
    changes: Iterable[Change], old_tables: TableLookup, new_tables: TableLookup,
    phases: list[dict[str, list[ops.MigrateOperation]]],
) -> None:
    """One operation per table whose primary key changes, after its columns exist."""
    keys = {change.table for change in changes if change.kind is Kind.PRIMARY_KEY}
    for key in sorted(keys):
        dropped = any(c.table == key and c.kind is Kind.PRIMARY_KEY and c.action is Action.DROP
                      for c in changes)
        added = any(c.table == key and c.kind is Kind.PRIMARY_KEY and c.action is Action.ADD
                    for c in changes)
        old = old_tables[key].primary_key if dropped else None
        new = new_tables[key].primary_key if added else None
        before, after = _implied_autoincrement(changes, old_tables[key], new_tables[key])
        phases[3][key].extend([*before, PrimaryKeyOp(new_tables[key], old, new), *after])


def _implied_autoincrement(changes: Iterable[Change], old: Table, new: Table
                           ) -> tuple[list[AutoincrementOp], list[AutoincrementOp]]:
    """MariaDB's AUTO_INCREMENT off before, and on after, a primary-key change that moves it:
    ``autoincrement="auto"`` means a lone integer key, so (id) -> (id, code) turns it off for id
    although the column's own setting did not change (when it did, its ALTER does this).  Off
    first, as MariaDB wants an AUTO_INCREMENT column to lead a key."""
    was, now = old.autoincrement_column, new.autoincrement_column
    if was is not None and now is not None and was.name == now.name:
        return [], []
    altered = {str(c.name) for c in changes
               if c.kind is Kind.COLUMN and c.table == table_key(new.schema, new.name)
               and c.attribute == "autoincrement"}

    def toggle(column: Column[Any] | None, on: bool) -> list[AutoincrementOp]:
        if column is None or column.name in altered or column.name not in (
                old.c if on else new.c):
            return []
        return [AutoincrementOp.of(new, column, on)]
    return toggle(was, False), toggle(now, True)
