"""Operations of our own, rendered with plain ``op``/``sa`` calls so revisions need no plugin.

``create_table`` is paired with its indexes so that the reverse drops only the table: its indexes
go with it, and MariaDB refuses to drop an index a foreign key still needs.  Dropping a foreign
key also drops the index MariaDB/MySQL made for it, so downgrades restore the schema exactly.
"""

from __future__ import annotations

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op
from alembic.operations import ops
from sqlalchemy import (
    ForeignKeyConstraint,
    Index,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)

from ...compat import in_batch
from ...dialect_modules import dialect_named
from ...dialects.on import Database, dialect_names, index_on, labels_of, on
from ...snapshot.index_dialects import ddl_if_dialects
from ...source_text import comment as one_line


class WrappingOp(ops.MigrateOperation):
    """An operation of ours that runs another one, ``op``, with statements around it or on some
    databases only.  The planner decides the wrapping when it creates the operation; nothing
    looks inside it afterwards."""

    op: ops.MigrateOperation


class CreateTableWithIndexesOp(ops.MigrateOperation):
    """``create_table`` and ``create_index`` for each of the table's indexes.

    ``later_foreign_keys`` are left out of ``create_table`` because separate operations add them
    once their targets exist.
    """

    def __init__(self, table: Table,
                 later_foreign_keys: tuple[ForeignKeyConstraint, ...] = ()) -> None:
        self.table = table
        self.later_foreign_keys = later_foreign_keys

    def reverse(self) -> DropTableWithIndexesOp:
        return DropTableWithIndexesOp(self.table, self.later_foreign_keys)


class DropTableWithIndexesOp(ops.MigrateOperation):
    """``drop_table``: its indexes go with it."""

    def __init__(self, table: Table,
                 later_foreign_keys: tuple[ForeignKeyConstraint, ...] = ()) -> None:
        self.table = table
        self.later_foreign_keys = later_foreign_keys

    def reverse(self) -> CreateTableWithIndexesOp:
        return CreateTableWithIndexesOp(self.table, self.later_foreign_keys)


@renderers.dispatch_for(CreateTableWithIndexesOp)
def _render_create(autogen_context: AutogenContext, op: CreateTableWithIndexesOp) -> list[str]:
    create = ops.CreateTableOp.from_table(op.table)
    later = {id(fk) for fk in op.later_foreign_keys}  # by identity: columns overload ==
    create.columns = [item for item in create.columns if id(item) not in later]
    lines = render_op(autogen_context, create)
    for index in sorted(op.table.indexes, key=lambda ix: str(ix.name)):
        lines.extend(render_op(autogen_context,
                               only_on(index, ops.CreateIndexOp.from_index(index))))
    return lines


@renderers.dispatch_for(DropTableWithIndexesOp)
def _render_drop(autogen_context: AutogenContext, op: DropTableWithIndexesOp) -> list[str]:
    return render_op(autogen_context, ops.DropTableOp.from_table(op.table))


class AddForeignKeyOp(ops.MigrateOperation):
    """Add a foreign key; the reverse also drops the index MariaDB/MySQL created for it.

    MySQL creates an index named after a foreign key when no index can serve it, and keeps that
    index when the foreign key is dropped; ``implicit_index`` says whether that happens here.
    """

    def __init__(self, constraint: ForeignKeyConstraint, implicit_index: bool) -> None:
        self.constraint = constraint
        self.implicit_index = implicit_index

    def reverse(self) -> DropForeignKeyOp:
        return DropForeignKeyOp(self.constraint, self.implicit_index)


class DropForeignKeyOp(ops.MigrateOperation):
    """Drop a foreign key, and on MariaDB/MySQL the index it implicitly created."""

    def __init__(self, constraint: ForeignKeyConstraint, implicit_index: bool) -> None:
        self.constraint = constraint
        self.implicit_index = implicit_index

    def reverse(self) -> AddForeignKeyOp:
        return AddForeignKeyOp(self.constraint, self.implicit_index)


@renderers.dispatch_for(AddForeignKeyOp)
def _render_add_fk(autogen_context: AutogenContext, op: AddForeignKeyOp) -> list[str]:
    return render_op(autogen_context, ops.AddConstraintOp.from_constraint(op.constraint))


@renderers.dispatch_for(DropForeignKeyOp)
def _render_drop_fk(autogen_context: AutogenContext, op: DropForeignKeyOp) -> list[str]:
    lines = render_op(autogen_context, ops.DropConstraintOp.from_constraint(op.constraint))
    if op.implicit_index:
        target = "batch_op" if in_batch(autogen_context) else "op"
        table = "" if in_batch(autogen_context) else f", table_name={op.constraint.table.name!r}"
        lines.append(
            "# MariaDB/MySQL keep the index they created for the foreign key: drop it too."
        )
        lines.append(
            f"if {on(Database.MYSQL)}: {target}.drop_index({str(op.constraint.name)!r}{table})"
        )
    return lines


def needs_implicit_index(constraint: ForeignKeyConstraint) -> bool:
    """True when MySQL would create an index for this foreign key: none of the table's indexes,
    unique constraints or primary key starts with the foreign key's columns."""
    table = constraint.table
    wanted = [str(column.name) for column in constraint.columns]
    candidates = [list(index.columns) for index in table.indexes if index_on(index, "mysql")]
    candidates += [list(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)]
    candidates.append(list(table.primary_key.columns))
    return not any(
        [str(column.name) for column in columns[: len(wanted)]] == wanted
        for columns in candidates
    )


class CreateSchemaOp(ops.MigrateOperation):
    """``CREATE SCHEMA IF NOT EXISTS`` for a schema the snapshot starts using.

    The reverse leaves the schema in place: it may hold objects the snapshot does not manage.
    """

    def __init__(self, schema: str, create: bool = True) -> None:
        self.schema = schema
        self.create = create

    def reverse(self) -> CreateSchemaOp:
        return CreateSchemaOp(self.schema, not self.create)


@renderers.dispatch_for(CreateSchemaOp)
def _render_create_schema(autogen_context: AutogenContext, op: CreateSchemaOp) -> str:
    if op.create:
        return f"op.execute(sa.schema.CreateSchema({op.schema!r}, if_not_exists=True))"
    return f"# schema {op.schema!r} is left in place: it may hold objects of other owners"


class PrimaryKeyOp(ops.MigrateOperation):
    """Replace a table's primary key (``old``/``new`` may be None: only add, or only drop).

    Alembic's renderer has no primary-key operations, so they are written here.  MariaDB refuses
    to drop a primary key a foreign key still needs in between two statements, so there both
    happen in one ALTER TABLE, with names quoted by SQLAlchemy's MySQL dialect.
    """

    def __init__(self, table: Table, old: PrimaryKeyConstraint | None,
                 new: PrimaryKeyConstraint | None) -> None:
        self.table = table
        self.old = old
        self.new = new

    def reverse(self) -> PrimaryKeyOp:
        return PrimaryKeyOp(self.table, self.new, self.old)


def _columns(constraint: PrimaryKeyConstraint) -> list[str]:
    return [str(column.name) for column in constraint.columns]


@renderers.dispatch_for(PrimaryKeyOp)
def _render_primary_key(autogen_context: AutogenContext, op: PrimaryKeyOp) -> list[str]:
    target = "batch_op" if in_batch(autogen_context) else "op"
    table = "" if in_batch(autogen_context) else f"{op.table.name!r}, "
    lines = []
    if op.old is not None and op.new is not None:
        preparer = dialect_named("mysql").identifier_preparer
        sql = (f"ALTER TABLE {preparer.format_table(op.table)} DROP PRIMARY KEY, ADD CONSTRAINT "
               f"{preparer.quote(str(op.new.name))} PRIMARY KEY "
               f"({', '.join(preparer.quote(c) for c in _columns(op.new))})")
        lines.append("# MariaDB/MySQL: one statement, so foreign keys keep an index throughout.")
        lines.append(f"if {on(Database.MYSQL)}: op.execute({sql!r})")
        prefix = f"if {on(Database.MYSQL, negate=True)}: "
    else:
        prefix = ""
    if op.old is not None:
        lines.append(f"{prefix}{target}.drop_constraint({str(op.old.name)!r}, {table}"
                     "type_='primary')")
    if op.new is not None:
        lines.append(f"{prefix}{target}.create_primary_key({str(op.new.name)!r}, {table}"
                     f"{_columns(op.new)!r})")
    return lines


class CheckedColumnOp(WrappingOp):
    """Add or drop a column whose Boolean/Enum type makes a CHECK constraint (``checks``).

    Dropping it on SQLite drops that CHECK first: the batch rebuild would otherwise copy a CHECK
    that names the dropped column.  Elsewhere the database drops it with the column, or never
    had it (native types).
    """

    def __init__(self, op: ops.AddColumnOp | ops.DropColumnOp, checks: list[str]) -> None:
        self.op = op
        self.checks = checks

    def reverse(self) -> CheckedColumnOp:
        return CheckedColumnOp(self.op.reverse(), self.checks)


@renderers.dispatch_for(CheckedColumnOp)
def _render_checked_column(autogen_context: AutogenContext, op: CheckedColumnOp) -> list[str]:
    if isinstance(op.op, ops.AddColumnOp):
        return render_op(autogen_context, op.op)
    target = "batch_op" if in_batch(autogen_context) else "op"
    table = "" if in_batch(autogen_context) else f"{op.op.table_name!r}, "
    lines = [f"if {on(Database.SQLITE)}: "
             f"{target}.drop_constraint({target}.f({name!r}), {table}type_='check')"
             for name in op.checks]
    return [*lines, *render_op(autogen_context, op.op)]


class TypeCheckOp(WrappingOp):
    """A column's type change where a CHECK its old type made (``Boolean``/``Enum`` with
    ``create_constraint``) goes: ``going`` (by name), ``coming`` the other way round.

    Alembic adds the new type's CHECK on MariaDB/MySQL but never drops the old one there (it
    takes such CHECKs for ones MySQL did not make), so the revision drops it first itself.
    """

    def __init__(self, op: ops.AlterColumnOp, going: list[str], coming: list[str]) -> None:
        self.op = op
        self.going = going
        self.coming = coming

    def reverse(self) -> TypeCheckOp:
        return TypeCheckOp(self.op.reverse(), self.coming, self.going)


@renderers.dispatch_for(TypeCheckOp)
def _render_type_check(autogen_context: AutogenContext, op: TypeCheckOp) -> list[str]:
    target = "batch_op" if in_batch(autogen_context) else "op"
    table = "" if in_batch(autogen_context) else f"{op.op.table_name!r}, "
    lines = [f"if {on(Database.MYSQL)}: "
             f"{target}.drop_constraint({target}.f({name!r}), {table}type_='check')"
             for name in op.going]
    return [*(["# MariaDB/MySQL: the old type's CHECK goes first."] if lines else []), *lines,
            *render_op(autogen_context, op.op)]


class ForeignKeyIndexGuardOp(WrappingOp):
    """An index (or unique constraint) change that a MariaDB foreign key depends on.

    MariaDB needs an index for every foreign key: it refuses to drop the only index that serves
    one, and silently drops the index it made itself once another can serve.  So before the
    wrapped operation drops such an index, MariaDB gets the foreign key's own index
    (``guards``: foreign key name and columns); after it creates one, that index goes if it is
    still there (one we made; MariaDB drops its own).
    """

    def __init__(self, op: ops.MigrateOperation, guards: list[tuple[str, list[str]]]) -> None:
        self.op = op
        self.guards = guards

    def reverse(self) -> ForeignKeyIndexGuardOp:
        return ForeignKeyIndexGuardOp(self.op.reverse(), self.guards)


@renderers.dispatch_for(ForeignKeyIndexGuardOp)
def _render_guarded(autogen_context: AutogenContext, op: ForeignKeyIndexGuardOp) -> list[str]:
    target = "batch_op" if in_batch(autogen_context) else "op"
    table = "" if in_batch(autogen_context) else f", table_name={op.op.table_name!r}"
    on_mysql = f"if {on(Database.MYSQL)}: "
    inner = render_op(autogen_context, op.op)
    if isinstance(op.op, (ops.DropIndexOp, ops.DropConstraintOp)):
        table_arg = "" if in_batch(autogen_context) else f"{op.op.table_name!r}, "
        before = [f"{on_mysql}{target}.create_index({name!r}, {table_arg}{columns!r})"
                  for name, columns in op.guards]
        return ["# MariaDB/MySQL: the foreign key keeps an index of its own.", *before, *inner]
    after = [f"{on_mysql}{target}.drop_index({name!r}{table}, if_exists=True)"
             for name, _ in op.guards]
    return [*inner, "# MariaDB/MySQL: the foreign key's own index is not needed any more.",
            *after]



class SetAsideOp(WrappingOp):
    """An object set aside before a change and added back after it, on some databases only.

    On SQLite, around a batch table rebuild: generated columns (Alembic's rebuild copies every
    column with ``INSERT ... SELECT``, which SQLite refuses for a generated column, and
    SQLAlchemy reads generated columns back from the CREATE TABLE text, which an earlier ``ADD
    COLUMN`` can garble) and indexes on expressions (SQLite cannot reflect them, so the rebuilt
    table would come back without them).  On PostgreSQL, around a column's type change:
    generated columns that read it, which PostgreSQL will not convert under them.  On
    PostgreSQL and MariaDB, around the type change of a foreign key's column, which they refuse
    under the key.  Added back, the object is defined from the snapshot (a generated column's
    values are computed again).
    """

    def __init__(self, op: ops.MigrateOperation, dialects: tuple[str, ...], what: str,
                 why: str) -> None:
        self.op = op
        self.dialects = dialects
        self.what = what
        self.why = why

    def reverse(self) -> SetAsideOp:
        return SetAsideOp(self.op.reverse(), self.dialects, self.what, self.why)


SQLITE = dialect_names([Database.SQLITE])
POSTGRESQL = dialect_names([Database.POSTGRESQL])
NOT_SQLITE = dialect_names([Database.POSTGRESQL, Database.MYSQL])


def runs_on_sqlite(op: ops.MigrateOperation) -> bool:
    """Whether SQLite runs ``op`` (one set aside for other databases it does not)."""
    return not isinstance(op, SetAsideOp) or "sqlite" in op.dialects


INDEX = "index on expressions"


def aside_for_rebuild(op: ops.MigrateOperation, what: str = "generated column") -> SetAsideOp:
    """``op`` setting a generated column or an index on expressions aside for SQLite's table
    rebuild, or adding it back after."""
    return SetAsideOp(op, SQLITE, what, "the table rebuild")


@renderers.dispatch_for(SetAsideOp)
def _render_set_aside(autogen_context: AutogenContext, op: SetAsideOp) -> list[str]:
    adding = isinstance(op.op, (ops.AddColumnOp, ops.CreateIndexOp, ops.AddConstraintOp,
                                AddForeignKeyOp))
    verb = "re-created after" if adding else "set aside for"
    labels = " and ".join(labels_of(op.dialects))
    return _on_dialects(render_op(autogen_context, op.op), op.dialects,
                        f"# {labels}: {op.what} {verb} {op.why}.")


class OnlyOnOp(WrappingOp):
    """An index created or dropped only on the databases its ``ddl_if(dialect=...)`` names
    (``dialects``: dialect names, as SQLAlchemy compares them)."""

    def __init__(self, op: ops.MigrateOperation, dialects: tuple[str, ...]) -> None:
        self.op = op
        self.dialects = dialects

    def reverse(self) -> OnlyOnOp:
        return OnlyOnOp(self.op.reverse(), self.dialects)


def only_on(index: Index, op: ops.MigrateOperation) -> ops.MigrateOperation:
    """``op`` (creating or dropping ``index``) run only where the index's ``ddl_if`` allows."""
    dialects = ddl_if_dialects(index)
    return op if not dialects else OnlyOnOp(op, dialect_names(dialects))


@renderers.dispatch_for(OnlyOnOp)
def _render_only_on(autogen_context: AutogenContext, op: OnlyOnOp) -> list[str]:
    return _on_dialects(render_op(autogen_context, op.op), op.dialects,
                        f"# only on {', '.join(op.dialects)} (the index's ddl_if)")


def _on_dialects(lines: list[str], dialects: tuple[str, ...], comment: str) -> list[str]:
    """Rendered ``lines`` run on these dialects only, after ``comment``."""
    comment = one_line(comment)  # it may hold names: dialect names from a snapshot
    condition = f"if {on(*dialects)}:"
    if len(lines) == 1:  # one statement
        return [comment, f"{condition} {lines[0]}"]
    return [comment, condition, *lines, ""]  # a block (an empty line ends it)
