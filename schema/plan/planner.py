"""Typed changes -> Alembic operation objects, in phases that respect dependencies.

The upgrade runs in this order (the downgrade is Alembic's ``reverse()`` of it):

0. rename tables, then columns (in place, outside batch blocks: the databases rewrite the CHECKs
   and index expressions that name them, as the diff does), then drop foreign keys that go
   away or change, before any key or index they refer to (each for all tables, so the
   downgrade adds keys back while the new names hold);
1. drop constraints and indexes that go away or change, so columns and tables are free, then
   generated columns that go (before the columns they read change; on PostgreSQL also those
   re-created that read a column whose type changes);
2. create new tables (referenced tables first) with their indexes; the CHECKs Boolean and Enum
   types make take the new names of renamed tables and columns (``type_checks``);
3. add and alter columns, change table comments;
4. add primary keys, unique and check constraints and indexes;
5. add foreign keys, once every referenced table and column exists;
6. drop columns;
7. drop tables (referencing tables first).

Named ENUM types are created before step 1 and dropped after step 7.  A type whose values
change is re-created first, the columns that keep it move over between steps 1 and 2, and the
old type goes last (see ``enum_values``).

Column and constraint operations are grouped per table in ``ModifyTableOps`` so Alembic renders
them inside ``batch_alter_table`` and the same revision runs on SQLite.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from alembic.operations import ops
from sqlalchemy import (
    CheckConstraint,
    ForeignKeyConstraint,
    MetaData,
    Table,
    UniqueConstraint,
)

from ..config import KNOWN_DATABASES
from ..dialects.sequences import owned_sequence_column, sequence_ops, sequences
from ..dialects.table_options import TableOptionsOp, option_problems
from ..diff import Action, Change, Kind
from ..errors import SchemaToolError
from ..snapshot.index_dialects import index_on
from ..snapshot.load import InvalidSnapshotData, build_table
from ..snapshot.serialize import TableDict
from .columns import (
    alter_column_ops,
    column_op,
    drop_generated_first,
    generated_present,
    generated_reader_ops,
    primary_key_ops,
    recreated_readers_first,
)
from .enum_values import enum_value_ops
from .enums import enum_type_ops, enum_types, evolve_enum_columns
from .indexes import OutsideBatch, expression_indexes_present, on_expressions
from .keys import guard_index_op, rebuilt_reference_ops
from .ops.operations import (
    INDEX,
    AddForeignKeyOp,
    CreateSchemaOp,
    CreateTableWithIndexesOp,
    DropForeignKeyOp,
    DropTableWithIndexesOp,
    aside_for_rebuild,
    core,
    needs_implicit_index,
    only_on,
    runs_on_sqlite,
    with_core,
)
from .ops.postgresql_safe import SafeForms, concurrent_index, not_valid
from .ops.renames import RenameColumnInPlaceOp, RenameTableInPlaceOp
from .order import foreign_keys, table_order
from .type_checks import same_name_problems, type_check_rename_ops
from .unnamed_checks import batch_block, unnamed_check_problems

PHASES = 7
FOREIGN_KEY_DROPS = PHASES  # an extra phase, run first (as step 0)
_CONSTRAINT_TYPES: dict[Kind, type] = {
    Kind.FOREIGN_KEY: ForeignKeyConstraint,
    Kind.UNIQUE: UniqueConstraint,
    Kind.CHECK: CheckConstraint,
}


class _Tables:
    """SQLAlchemy tables built on demand from one side's snapshot dicts.

    Building a table also builds the tables its foreign keys refer to, so Alembic can resolve
    them while rendering.
    """

    def __init__(self, *sides: Mapping[str, TableDict | None],
                 naming_convention: Mapping[str, str] | None = None) -> None:
        self._sides = sides
        # the models' convention names the CHECKs Boolean/Enum types create, as at runtime
        self._metadata = MetaData(naming_convention=dict(naming_convention or {}) or None)
        self._built: dict[str, Table] = {}

    def __getitem__(self, key: str) -> Table:
        # a worklist, not recursion: a chain of keys 1,000 tables deep is a real schema
        pending = [key]
        while pending:
            wanted = pending.pop()
            if wanted in self._built:
                continue
            data = next(side[wanted] for side in self._sides if side.get(wanted) is not None)
            try:
                self._built[wanted] = build_table(data, self._metadata,  # type: ignore[arg-type]
                                                  stored_types=True)
            except InvalidSnapshotData as exc:
                raise SchemaToolError(f"table {wanted}: {exc.problem}") from None
            pending.extend(fk["referred_table"]
                           for fk in data.get("foreign_keys", [])  # type: ignore[union-attr]
                           if fk["referred_table"] in self)
        return self._built[key]

    def get(self, key: str) -> Table | None:
        """The table, or None when this side does not have it."""
        return self[key] if key in self else None

    def __contains__(self, key: object) -> bool:
        return any(side.get(key) is not None for side in self._sides)  # type: ignore[arg-type]

    def keys(self) -> list[str]:
        return sorted({key for side in self._sides for key, data in side.items()
                       if data is not None})


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
    targets: a change one of them cannot make is refused.  ``safe_postgresql`` uses
    PostgreSQL's non-blocking forms (see ``postgresql_safe``).
    """
    unchanged = unchanged or {}
    changes, databases = list(changes), tuple(databases)
    old_tables = _Tables(old, unchanged, naming_convention=naming_convention)
    new_tables = _Tables(new, unchanged, naming_convention=naming_convention)
    phases: list[dict[str, list[ops.MigrateOperation]]] = [
        defaultdict(list) for _ in range(PHASES + 1)]
    created: list[str] = []
    dropped: list[str] = []
    columns_altered: dict[tuple[str, str], list[Change]] = defaultdict(list)
    guarded: set[tuple[str, str, str]] = set()  # (table, foreign key, op) guarded
    renamed_tables: list[ops.MigrateOperation] = []
    renamed_columns: list[ops.MigrateOperation] = []  # in place, outside batch blocks
    safe = SafeForms() if safe_postgresql else None
    outside = OutsideBatch()
    problems = unnamed_check_problems(changes, old_tables, new_tables, databases)
    problems += [problem for key, data in sorted(new.items()) if data is not None
                 for problem in same_name_problems(new_tables[key], databases)]
    if problems:
        raise SchemaToolError("; ".join(problems))
    for change in changes:
        if change.action is Action.RENAME and change.kind is Kind.TABLE:
            table = old_tables[change.table]  # old columns, new name
            serial = _serial_column(table)
            # the table is renamed before its columns: the sequence has the old column name
            serial = next((str(c.old) for c in changes if c.action is Action.RENAME
                           and c.kind is Kind.COLUMN and c.table == change.table
                           and c.name == serial), serial)
            renamed_tables.append(RenameTableInPlaceOp(
                str(change.old).rsplit(".", 1)[-1], table.name, table.schema, serial))
        elif change.action is Action.RENAME:  # a column: first, so later steps see its name
            table = old_tables[change.table]
            renamed_columns.append(
                RenameColumnInPlaceOp(table, str(change.old), table.c[str(change.name)]))
        elif change.kind is Kind.TABLE and change.action is Action.ADD:
            created.append(change.table)
        elif change.kind is Kind.TABLE and change.action is Action.DROP:
            dropped.append(change.table)
        elif change.kind is Kind.TABLE and change.attribute == "dialect_options":
            _table_options_op(change, changes, old_tables, new_tables, phases, databases)
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
            column_op(change, old_tables, new_tables, phases)
        elif change.kind is Kind.PRIMARY_KEY:
            continue  # replaced as a whole, see columns.primary_key_ops
        else:
            _constraint_op(change, old_tables, new_tables, phases, guarded, safe, outside)
    primary_key_ops(changes, old_tables, new_tables, phases)
    drop_generated_first(phases)
    for key, (drops, adds) in rebuilt_reference_ops(changes, old_tables, new_tables).items():
        phases[FOREIGN_KEY_DROPS][key].extend(drops)
        phases[4][key].extend(adds)
    if "postgresql" in databases:
        for key, (drops, adds) in generated_reader_ops(changes, old_tables, new_tables).items():
            phases[0][key].extend(drops)
            phases[3][key][:0] = adds  # before anything new on them
    for key, renamed in type_check_rename_ops(changes, old, old_tables).items():
        phases[1][key].extend(renamed)
    for (key, name), column_changes in columns_altered.items():
        phases[2][key].extend(
            alter_column_ops(old_tables[key], new_tables[key], name, column_changes))
    if "postgresql" in databases:
        recreated_readers_first(changes, phases)
    # an alter_column may be wrapped (TypeCheckOp: a MariaDB CHECK of the old type goes first)
    alters = [(key, inner) for key, items in phases[2].items() for op in items
              for inner in [core(op)] if isinstance(inner, ops.AlterColumnOp)]
    types_before = enum_types([*unchanged.values(), *old.values()])
    types_after = enum_types([*unchanged.values(), *new.values()])
    enum_columns, keeping = evolve_enum_columns(alters, old_tables, new_tables,
                                                "postgresql" in databases)
    for items in phases[2].values():
        items[:] = [with_core(op, enum_columns[id(core(op))]) if id(core(op)) in enum_columns
                    else op for op in items]
    values = enum_value_ops(types_before, types_after, keeping, (old_tables, new_tables), (
        [old_tables[key] for key, data in old.items() if data is not None],
        [new_tables[key] for key, data in new.items() if data is not None]),
        "postgresql" in databases)

    create_order, create_later = table_order(created, new, old)
    drop_order, drop_first = table_order(dropped, old, new)
    for key, names in create_later.items():  # and foreign keys that close a cycle
        table = new_tables[key]
        phases[4][key].extend(AddForeignKeyOp(fk, needs_implicit_index(fk))
                              for fk in foreign_keys(table, names))
    for key, names in drop_first.items():
        table = old_tables[key]
        phases[FOREIGN_KEY_DROPS][key].extend(DropForeignKeyOp(fk, needs_implicit_index(fk))
                                              for fk in foreign_keys(table, names))

    # Named ENUM types are created before and dropped after everything that uses them.
    types_created, types_dropped = enum_type_ops(types_before, types_after)
    schemas_before = {t.get("schema") for t in [*unchanged.values(), *old.values()] if t}
    # first: PostgreSQL may have to add ENUM values outside the transaction, before all else
    upgrade: list[ops.MigrateOperation] = list(values.opening)
    upgrade.extend(CreateSchemaOp(schema) for schema in sorted(
        {t["schema"] for t in new.values() if t and t.get("schema")} - schemas_before))
    upgrade.extend(types_created)
    upgrade.extend([*renamed_tables, *renamed_columns])  # so later steps see the new names
    sequences_created, sequences_dropped = sequence_ops(
        sequences([*unchanged.values(), *old.values()]),
        sequences([*unchanged.values(), *new.values()]),
    )
    # dropped first: a sequence whose options change is re-created under the same name
    upgrade.extend([*sequences_dropped, *sequences_created])
    upgrade.extend(outside.drops)
    # foreign-key drops run as phase 0 does: before any other column change
    for index, phase in [(0, phases[FOREIGN_KEY_DROPS]), *enumerate(phases[:PHASES])]:
        if index == 1:
            upgrade.extend(values.converting)  # once renamed, and the old indexes dropped
            upgrade.extend(
                CreateTableWithIndexesOp(new_tables[key],
                               foreign_keys(new_tables[key], create_later.get(key, ())))
                for key in create_order
            )
        for key in sorted(phase):
            table = new_tables[key] if new.get(key) is not None else old_tables[key]
            generated: list[Any] = []
            expression_indexes: list[Any] = []
            if any(runs_on_sqlite(op) for op in phase[key]):  # else no table rebuild there
                generated = generated_present(old_tables, new_tables, key, index, phase[key])
                expression_indexes = expression_indexes_present(
                    old_tables.get(key), new_tables.get(key), key, index, changes)
            upgrade.extend(aside_for_rebuild(ops.DropIndexOp.from_index(ix), INDEX)
                           for ix in expression_indexes)
            upgrade.append(batch_block(old_tables.get(key), new_tables.get(key), table, [
                *(aside_for_rebuild(ops.DropColumnOp.from_column_and_tablename(
                    table.schema, table.name, column)) for column in generated),
                *phase[key],
                *(aside_for_rebuild(ops.AddColumnOp.from_column_and_tablename(
                    table.schema, table.name, column)) for column in generated),
            ]))
            upgrade.extend(aside_for_rebuild(ops.CreateIndexOp.from_index(ix), INDEX)
                           for ix in expression_indexes)
        if index == 3:
            upgrade.extend(outside.creates)
        if safe is not None and index == 3:  # outside batch blocks: they run in autocommit
            upgrade.extend(safe.indexes)
        if safe is not None and index == 4:  # once the constraints exist
            upgrade.extend(safe.validations)
    upgrade.extend(
        DropTableWithIndexesOp(old_tables[key],
                               foreign_keys(old_tables[key], drop_first.get(key, ())))
        for key in reversed(drop_order)
    )
    upgrade.extend(types_dropped)
    upgrade.extend(values.closing)  # last, so that the downgrade opens with it
    return ops.UpgradeOps(ops=upgrade)


def _table_options_op(change: Change, changes: list[Change], old_tables: _Tables,
                      new_tables: _Tables, phases: list[dict[str, list[ops.MigrateOperation]]],
                      databases: Iterable[str]) -> None:
    """MariaDB/MySQL options first among the table's alterations, so the columns it gives
    their declared types back are the old ones in both directions."""
    problems = option_problems(change.table, change.old, change.new, databases)
    if problems:
        raise SchemaToolError(problems[0])
    renamed = {str(c.old): str(c.name) for c in changes if c.action is Action.RENAME
               and c.kind is Kind.COLUMN and c.table == change.table}
    op = TableOptionsOp.between(old_tables[change.table], new_tables[change.table], renamed)
    if op.changes_anything():
        phases[2][change.table].insert(0, op)


def _serial_column(table: Table) -> str | None:
    """The name of the column whose sequence PostgreSQL named after the table (a SERIAL or
    an IDENTITY)."""
    column = owned_sequence_column(table)
    return None if column is None else str(column.name)


def _constraint_op(
    change: Change, old_tables: _Tables, new_tables: _Tables,
    phases: list[dict[str, list[ops.MigrateOperation]]], guarded: set[tuple[str, str, str]],
    safe: SafeForms | None, outside: OutsideBatch,
) -> None:
    """Route one constraint or index change to its phase; ``safe`` collects what PostgreSQL's
    safe forms run outside batch blocks (``None``: safe forms are off), ``outside`` the
    indexes on expressions, which batch mode cannot handle."""
    adding, key = change.action is Action.ADD, change.table
    table = (new_tables if adding else old_tables)[key]
    item = change.new if adding else change.old
    sides = (old_tables.get(key), new_tables.get(key))
    if change.kind is Kind.INDEX:
        index = _find(table.indexes, item, "columns")
        op: ops.MigrateOperation = (
            ops.CreateIndexOp.from_index(index) if adding else ops.DropIndexOp.from_index(index))
        if index_on(index, "mysql"):  # else it serves no MariaDB foreign key
            op = guard_index_op(op, sides, [str(c.name) for c in index.columns], guarded)
        if adding and safe is not None and isinstance(op, ops.CreateIndexOp):
            safe.indexes.append(only_on(index, concurrent_index(index)))
            return
        op = only_on(index, op)  # ddl_if(dialect=...): only where it allows
        if on_expressions(index):
            (outside.creates if adding else outside.drops).append(op)
        else:
            phases[3 if adding else 0][key].append(op)
        return
    candidates = [c for c in table.constraints if type(c) is _CONSTRAINT_TYPES[change.kind]]
    constraint = _find(candidates, item, "sqltext" if change.kind is Kind.CHECK else "columns")
    if isinstance(constraint, ForeignKeyConstraint):
        implicit = needs_implicit_index(constraint)
        if adding:
            if safe is not None:
                safe.validations.append(not_valid(constraint))
            phases[4][key].append(AddForeignKeyOp(constraint, implicit))
        else:
            phases[FOREIGN_KEY_DROPS][key].append(DropForeignKeyOp(constraint, implicit))
    else:
        if adding and safe is not None and isinstance(constraint, CheckConstraint):
            safe.validations.append(not_valid(constraint))
        op = (ops.AddConstraintOp.from_constraint(constraint) if adding
              else ops.DropConstraintOp.from_constraint(constraint))
        if isinstance(constraint, UniqueConstraint):  # an index too, on MariaDB
            op = guard_index_op(op, sides, [str(c.name) for c in constraint.columns], guarded)
        phases[3 if adding else 0][key].append(op)


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
