"""Column changes -> operations: add and drop, alter attribute by attribute, primary keys.

``ColumnPlanner`` decides once per change what it needs: the phase (generated columns are added
after, and dropped before, the columns they may read), and what wraps it, in a fixed order:
the ENUM conversion (``enums.enum_column_op``), then the type CHECKs of MariaDB
(``TypeCheckOp``); autoincrement and IDENTITY changes go before or after the alter_column.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from alembic.operations import ops
from sqlalchemy import Column, Table

from ..dialects.on import Database, dialect_names
from ..dialects.sequences import serial_numbered
from ..diff import Action, Change, Kind
from ..snapshot.expressions import text_to_type
from ..snapshot.serialize import table_key
from .enums import Keeping, enum_column_op
from .generated import generated_reader_ops, reads_retyped, retyped_columns
from .ops.autoincrement import AutoincrementKeptOp, AutoincrementOp, IdentityOptionsOp
from .ops.operations import (
    POSTGRESQL,
    CheckedColumnOp,
    PrimaryKeyOp,
    SetAsideOp,
    TypeCheckOp,
)
from .phases import Phase, Plan
from .tables import Tables
from .type_checks import made_on, type_checks

_WHY_READER = "the type change of a column it reads"


class ColumnPlanner:
    """Plans one revision's column changes into ``plan``; ``problems`` collects refusals."""

    def __init__(self, changes: list[Change], old_tables: Tables, new_tables: Tables,
                 postgresql: bool, plan: Plan, problems: list[str]) -> None:
        self.changes = changes
        self.old_tables, self.new_tables = old_tables, new_tables
        self.postgresql = postgresql  # a target: generated readers are set aside for it
        self.plan = plan
        self.problems = problems
        self.keeping: Keeping = {}  # alter_columns of the columns keeping an ENUM type
        self.retyped = retyped_columns(changes)

    def add_or_drop(self, change: Change) -> None:
        """A column added (generated ones after the others: they may read them) or dropped
        (generated ones first: PostgreSQL and MariaDB refuse to drop or retype a column a
        generated column reads)."""
        adding = change.action is Action.ADD
        table = (self.new_tables if adding else self.old_tables)[change.table]
        column = table.c[change.name]
        op: ops.MigrateOperation = (
            ops.AddColumnOp.from_column_and_tablename(table.schema, table.name, column)
            if adding else
            ops.DropColumnOp.from_column_and_tablename(table.schema, table.name, column))
        checks = [str(c.name) for c in type_checks(table, str(column.name))]
        if checks:
            op = CheckedColumnOp(op, checks)  # type: ignore[arg-type]
        generated = column.computed is not None
        phase = ((Phase.ADD_GENERATED_COLUMNS if generated else Phase.ADD_COLUMNS) if adding
                 else Phase.DROP_GENERATED_COLUMNS if generated else Phase.DROP_COLUMNS)
        self.plan.add(phase, op, table=change.table)

    def alter_all(self) -> None:
        """Every altered column, its changes together, in the order of the changes."""
        altered: dict[tuple[str, str], list[Change]] = defaultdict(list)
        for change in self.changes:
            if change.kind is Kind.COLUMN and change.action is Action.ALTER:
                altered[(change.table, change.name or "")].append(change)
        for (key, name), changes in altered.items():
            self._alter(key, name, changes)

    def _alter(self, key: str, name: str, changes: list[Change]) -> None:
        old_table, new_table = self.old_tables[key], self.new_tables[key]
        new = new_table.c[name]
        touched = {change.attribute for change in changes}
        before: list[ops.MigrateOperation] = []  # IDENTITY options, autoincrement off
        if "identity" in touched:
            before += self._identity_op(old_table, new_table, name)
        touched -= {"identity", "sequence"}  # sequences are created and dropped on their own
        if any(change.ddl_free for change in changes):
            touched.discard("type")
        # A generated column cannot be altered in place (MariaDB's MODIFY would have to restate
        # the expression, SQLite's rebuild cannot copy it): re-create it; its values are
        # recomputed.
        if "computed" in touched or (touched and new.computed is not None):
            self._recreate_generated(key, old_table, new_table, name)
            return
        after: list[ops.MigrateOperation] = []  # autoincrement on, with the new type
        if "autoincrement" in touched:
            for op in _autoincrement_op(old_table, new_table, name):
                (after if op.op.kw["autoincrement"] else before).append(op)
        alter = _alter_column_op(old_table, new_table, name, touched, changes)
        operations = [*before, *([] if alter is None else [self._wrap(key, alter)]), *after]
        self.plan.add(Phase.ALTER_COLUMNS, *operations, table=key)

    def _wrap(self, key: str, alter: ops.AlterColumnOp) -> ops.MigrateOperation:
        """The alter_column with what it needs on each database, decided here once: a column
        that stays autoincrement restates it; an ENUM column is converted on PostgreSQL; a
        Boolean/Enum type's CHECK that MariaDB has goes first."""
        old_table, new_table = self.old_tables[key], self.new_tables[key]
        name = alter.column_name
        if (old_table.autoincrement_column is old_table.c[name]
                and new_table.autoincrement_column is new_table.c[name]):
            return AutoincrementKeptOp(alter, serial_numbered(new_table.c[name]))
        op = enum_column_op(key, alter, (old_table, new_table), self.postgresql, self.keeping,
                            self.problems)
        going, coming = _mysql_type_checks(old_table, name), _mysql_type_checks(new_table, name)
        if alter.modify_type is not None and set(going) != set(coming):
            return TypeCheckOp(op, [c for c in going if c not in coming],
                               [c for c in coming if c not in going])
        return op

    def _recreate_generated(self, key: str, old_table: Table, new_table: Table,
                            name: str) -> None:
        """Drop and add a generated column again.  PostgreSQL drops it first, with the other
        generated columns set aside, when it reads a column whose type changes."""
        drop = ops.DropColumnOp.from_column_and_tablename(old_table.schema, old_table.name,
                                                          old_table.c[name])
        add = ops.AddColumnOp.from_column_and_tablename(new_table.schema, new_table.name,
                                                        new_table.c[name])
        if self.postgresql and reads_retyped(old_table.c[name], key, self.retyped):
            self.plan.add(Phase.SET_ASIDE_GENERATED_READERS,
                          SetAsideOp(drop, POSTGRESQL, "generated column", _WHY_READER),
                          table=key)
            drop = SetAsideOp(drop, dialect_names([Database.SQLITE, Database.MYSQL]),
                              "generated column", "its new definition")
        self.plan.add(Phase.ALTER_COLUMNS, drop, add, table=key)

    def _identity_op(self, old_table: Table, new_table: Table,
                     name: str) -> list[ops.MigrateOperation]:
        """New IDENTITY options (``ALTER COLUMN ... SET ...``), where a database stores them.

        Only PostgreSQL has IDENTITY columns; SQLite and MariaDB use plain autoincrement and
        keep no options to change.  Adding or removing IDENTITY on an existing column would
        change how its values are made on every database, so that stays a new column."""
        old, new = old_table.c[name], new_table.c[name]
        if old.identity is None or new.identity is None:
            self.problems.append(
                f"column {new_table.name}.{name}: adding or removing IDENTITY on an existing "
                "column is not supported; add a new column instead")
            return []
        return [IdentityOptionsOp(ops.AlterColumnOp(
            new_table.name, name, schema=new_table.schema, existing_type=old.type,
            existing_nullable=old.nullable, existing_server_default=old.identity,
            modify_server_default=new.identity,
        ))]

    def set_aside_generated_readers(self) -> None:
        """PostgreSQL: unchanged generated columns that read a column whose type changes."""
        found = generated_reader_ops(self.changes, self.old_tables, self.new_tables,
                                     self.problems)
        for key, (drops, adds) in found.items():
            self.plan.add(Phase.SET_ASIDE_GENERATED_READERS, *drops, table=key)
            self.plan.add(Phase.RESTORE_GENERATED_READERS, *adds, table=key)

    def primary_keys(self) -> None:
        """One operation per table whose primary key changes, after its columns exist."""
        changes = self.changes
        for key in sorted({c.table for c in changes if c.kind is Kind.PRIMARY_KEY}):
            actions = {c.action for c in changes if c.table == key and c.kind is Kind.PRIMARY_KEY}
            old_table, new_table = self.old_tables[key], self.new_tables[key]
            old = old_table.primary_key if Action.DROP in actions else None
            new = new_table.primary_key if Action.ADD in actions else None
            before, after = _implied_autoincrement(changes, old_table, new_table)
            self.plan.add(Phase.REPLACE_PRIMARY_KEYS,
                          *before, PrimaryKeyOp(new_table, old, new), *after, table=key)


def _alter_column_op(old_table: Table, new_table: Table, name: str, touched: set[str | None],
                     changes: list[Change]) -> ops.AlterColumnOp | None:
    """The plain alter_column for the touched attributes (None: nothing left to alter)."""
    old, new = old_table.c[name], new_table.c[name]
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
    if not kw:
        return None
    return ops.AlterColumnOp(
        new_table.name, name, schema=new_table.schema,
        existing_type=existing_type, existing_nullable=old.nullable,
        # an IDENTITY is no default: MariaDB's MODIFY could not restate it (AUTO_INCREMENT is)
        existing_server_default=None if old.identity is not None else old.server_default,
        existing_comment=old.comment, **kw,
    )


def _mysql_type_checks(table: Table, column: str) -> list[str]:
    """Names of the CHECKs the column's type makes that MariaDB/MySQL have: a Boolean's, not a
    native ENUM's."""
    if not made_on(table.c[column].type, "mysql"):
        return []
    return [str(c.name) for c in type_checks(table, column)]


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


def _implied_autoincrement(changes: list[Change], old: Table, new: Table
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
