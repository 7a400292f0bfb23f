"""Named native ENUM types: which ones a schema uses, creating and dropping them, and columns
that switch to, from or between them, per dialect.

On PostgreSQL an ENUM is a type of its own, created before and dropped after the columns that
use it, and a column switching type is converted through text; changes of a type's values are
in ``enum_values``.  On SQLite and MariaDB the column definition itself changes.
The SQL is rendered into the revision with identifiers and literals quoted by SQLAlchemy's
PostgreSQL dialect, so reviewers read exactly what will run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op
from alembic.operations import ops
from sqlalchemy import CheckConstraint, Column, DefaultClause, Enum, Index, String, Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

from ..dialects.enums import EnumKey, enum_key, native_enum
from ..dialects.on import Database, index_on, on
from ..snapshot.expressions import default_to_sql, mentions, text_to_type
from ..snapshot.serialize import TableDict
from .indexes import index_shape
from .type_checks import made_on, type_checks

_PG = postgresql.dialect()


def enum_types(dicts: Iterable[TableDict | None]) -> dict[EnumKey, Enum]:
    """Named native ENUM types used by these snapshot tables (parsing only Enum columns)."""
    types = {}
    for data in dicts:
        for column in (data or {}).get("columns", []):
            if "Enum(" in column["type"] and (enum := native_enum(text_to_type(column["type"]))):
                types[enum_key(enum)] = enum
    return types


def render_enum(enum: Enum, autogen_context: AutogenContext) -> str:
    """A native ENUM column type that never creates its type: the revision does that itself."""
    autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
    arguments = [repr(value) for value in enum.enums] + [f"name={str(enum.name)!r}"]
    if enum.schema:
        arguments.append(f"schema={enum.schema!r}")
    if enum.create_constraint:  # the CHECK of databases without ENUM types (SQLite)
        arguments.append("create_constraint=True")
    return f"postgresql.ENUM({', '.join(arguments)}, create_type=False)"


class EnumTypeOp(ops.MigrateOperation):
    """Create (or drop) a named ENUM type: a no-op on databases without such types."""

    def __init__(self, enum: Enum, create: bool) -> None:
        self.enum = enum
        self.create = create

    def reverse(self) -> EnumTypeOp:
        return EnumTypeOp(self.enum, not self.create)


@renderers.dispatch_for(EnumTypeOp)
def _render_enum_type(autogen_context: AutogenContext, op: EnumTypeOp) -> str:
    schema = f", schema={op.enum.schema!r}" if op.enum.schema else ""
    if op.create:
        values = "".join(f"{value!r}, " for value in op.enum.enums)
        return (f"sa.Enum({values}name={str(op.enum.name)!r}{schema})"
                ".create(op.get_bind(), checkfirst=False)")
    return f"sa.Enum(name={str(op.enum.name)!r}{schema}).drop(op.get_bind(), checkfirst=False)"


def enum_type_ops(before: dict[EnumKey, Enum], after: dict[EnumKey, Enum]
                  ) -> tuple[list[EnumTypeOp], list[EnumTypeOp]]:
    """Operations to run first (types that appear) and last (types that go)."""
    created = [EnumTypeOp(after[key], create=True) for key in sorted(after.keys() - before.keys(),
                                                                       key=str)]
    dropped = [EnumTypeOp(before[key], create=False)
               for key in sorted(before.keys() - after.keys(), key=str)]
    return created, dropped


def type_name(enum: Enum, suffix: str = "", qualified: bool = True) -> str:
    """The type's name for PostgreSQL's SQL, quoted and (if ``qualified``) with its schema;
    with ``suffix``, the name is shortened first so that the whole fits in 63 bytes, as
    PostgreSQL would otherwise cut the suffix off."""
    base = str(enum.name).encode()[: 63 - len(suffix.encode())].decode(errors="ignore")
    name = _PG.identifier_preparer.quote(f"{base}{suffix}")
    if enum.schema and qualified:
        return f"{_PG.identifier_preparer.quote_schema(enum.schema)}.{name}"
    return name


def literal(value: str) -> str:
    """A string literal for PostgreSQL's SQL."""
    processor = String().literal_processor(_PG)
    assert processor is not None
    return str(processor(value))


def only_added(old: Enum, new: Enum) -> bool:
    """Whether ``new`` is ``old`` with values added (in any place), none removed or moved."""
    return [value for value in new.enums if value in old.enums] == list(old.enums)


def default_sql(table: Table, column: str) -> str | None:
    """The SQL of the column's server default in ``table``, as PostgreSQL's DDL writes it."""
    default = table.c[column].server_default
    return default_to_sql(default, _PG) if isinstance(default, DefaultClause) else None


def convert(table: Table, column: str, enum: Enum | None = None,
            current: Table | None = None) -> list[str]:
    """Statements that give ``table.column`` its type in ``table`` on PostgreSQL, converting
    through text: into ENUM type ``enum``, or out of an ENUM when ``enum`` is None.  A default
    (the one the column has now, in ``current``, or will have) is dropped first and set again,
    as it is typed too."""
    quote = _PG.identifier_preparer
    name = quote.quote(column)
    target = type_name(enum) if enum is not None else str(
        table.c[column].type.compile(dialect=_PG))
    alter = f"ALTER TABLE {quote.format_table(table)} ALTER COLUMN {name}"
    default = default_sql(table, column)
    had_default = current is not None and current.c[column].server_default is not None
    statements = [f"{alter} DROP DEFAULT"] if default is not None or had_default else []
    statements.append(f"{alter} TYPE {target} USING {name}::text::{target}")
    if default is not None:
        statements.append(f"{alter} SET DEFAULT {default}")
    return statements


Dependent = CheckConstraint | Index


def dependents(table: Table, current: Table, column: str, postgresql: bool,
               problems: list[str]) -> list[Dependent]:
    """CHECK constraints and indexes of ``table``, the same in ``current``, whose condition or
    expressions name ``column``.  PostgreSQL stores their ENUM literals with the old type, so a
    conversion would fail on them: they are dropped before it and created again after.  An
    unnamed CHECK cannot be dropped: a problem for ``problems`` if ``postgresql`` is a target,
    else left out."""
    found: list[Dependent] = []
    checks = {(c.name, str(c.sqltext)) for c in current.constraints
              if isinstance(c, CheckConstraint)}
    # not the CHECKs Boolean and Enum types make where they are emulated: never on PostgreSQL
    for check in sorted((c for c in table.constraints if isinstance(c, CheckConstraint)
                         and not getattr(c, "_type_bound", False)), key=lambda c: str(c.name)):
        if mentions(str(check.sqltext), column) and (check.name, str(check.sqltext)) in checks:
            if check.name is None and postgresql:
                problems.append(
                    f"table {table.name}: a CHECK constraint on column {column}, which "
                    "PostgreSQL converts to another ENUM type or values, needs a name (it is "
                    "dropped and re-created around the conversion)")
            if check.name is not None:
                found.append(check)
    indexes = {index_shape(index) for index in current.indexes}
    for index in sorted((ix for ix in table.indexes if index_on(ix, "postgresql")),
                        key=lambda index: str(index.name)):
        conditions = [str(e) for e in index.expressions if not isinstance(e, Column)]
        where = index.dialect_options["postgresql"].get("where")
        conditions.append("" if where is None else str(where))
        if mentions(" ".join(conditions), column) and index_shape(index) in indexes:
            found.append(index)
    return found


def around(statements: list[str], items: Iterable[Dependent]) -> list[str]:
    """``statements`` for PostgreSQL, between dropping ``items`` and creating them again."""
    items = list(items)
    return _ddl(items, create=False) + statements + _ddl(items, create=True)


def _ddl(items: Sequence[Dependent], create: bool) -> list[str]:
    """PostgreSQL's statements that create (or drop) these CHECKs and indexes."""
    if create:
        made = [AddConstraint(item) if isinstance(item, CheckConstraint) else CreateIndex(item)
                for item in items]
    else:
        made = [DropConstraint(item) if isinstance(item, CheckConstraint) else DropIndex(item)
                for item in items]
    return [str(ddl.compile(dialect=_PG)).strip() for ddl in made]


def converting(table: Table, current: Table, column: str, enum: Enum | None,
               postgresql: bool, problems: list[str]) -> list[str]:
    """PostgreSQL's statements that convert ``current.column`` to its type in ``table`` (into
    ``enum``, or out of an ENUM): those of ``convert``, the CHECKs and indexes that name the
    column set aside around them, and the CHECK a non-native Enum makes dropped before (the
    type it leaves) or added after (the type it takes), which the raw conversion would not."""
    going, coming = (_postgresql_type_checks(t, column) for t in (current, table))
    return (_ddl(going, create=False)
            + around(convert(table, column, enum, current),
                     dependents(table, current, column, postgresql, problems))
            + _ddl(coming, create=True))


def _postgresql_type_checks(table: Table, column: str) -> list[CheckConstraint]:
    """The CHECKs the column's type makes on PostgreSQL: a non-native Enum's."""
    return type_checks(table, column) if made_on(table.c[column].type, "postgresql") else []


class EnumColumnOp(ops.MigrateOperation):
    """alter_column of a column whose type is or becomes a native ENUM.

    ``postgresql`` holds the statements PostgreSQL runs instead of changing the type (none for
    a column that keeps its type, which the type's value change handles), ``reverse_postgresql``
    the same for the downgrade; ``converted``: whether the column is converted, which sets its
    default too, on the way up and on the way down.
    """

    def __init__(self, alter: ops.AlterColumnOp, postgresql: list[str],
                 reverse_postgresql: list[str], converted: tuple[bool, bool]) -> None:
        self.alter = alter
        self.postgresql = postgresql
        self.reverse_postgresql = reverse_postgresql
        self.converted = converted

    def reverse(self) -> EnumColumnOp:
        return EnumColumnOp(self.alter.reverse(), self.reverse_postgresql, self.postgresql,
                             (self.converted[1], self.converted[0]))


@renderers.dispatch_for(EnumColumnOp)
def _render_enum_column(autogen_context: AutogenContext, op: EnumColumnOp) -> list[str]:
    alter = render_op(autogen_context, op.alter)
    lines = []
    if op.postgresql:
        lines.append("# PostgreSQL changes the ENUM type itself; other databases the column.")
    lines.extend(f"if {on(Database.POSTGRESQL)}: op.execute({statement!r})"
                 for statement in op.postgresql)
    rest = _without_type(op.alter, keep_default=not op.converted[0])
    if rest is not None:  # nullability, comment (and default) change as usual
        rendered = render_op(autogen_context, rest)
        lines.extend([f"if {on(Database.POSTGRESQL)}: {rendered[0]}", *rendered[1:]])
    return [*lines, f"if {on(Database.POSTGRESQL, negate=True)}: {alter[0]}", *alter[1:]]


def _without_type(alter: ops.AlterColumnOp, keep_default: bool) -> ops.AlterColumnOp | None:
    """The rest of ``alter`` on PostgreSQL: nullability, comment, and the default unless a
    conversion sets it (a column keeping its type may still have the old type here in a
    downgrade, see ``enum_values``, which may lack the new default's value)."""
    default = alter.modify_server_default if keep_default else False
    if alter.modify_nullable is None and alter.modify_comment is False and default is False:
        return None
    return ops.AlterColumnOp(
        alter.table_name, alter.column_name, schema=alter.schema,
        existing_type=alter.modify_type or alter.existing_type,
        existing_server_default=alter.existing_server_default,  # unused by PostgreSQL
        existing_nullable=alter.existing_nullable, existing_comment=alter.existing_comment,
        modify_nullable=alter.modify_nullable, modify_comment=alter.modify_comment,
        modify_server_default=default,
    )


Keeping = dict[EnumKey, list[tuple[str, ops.AlterColumnOp]]]


def enum_column_op(key: str, alter: ops.AlterColumnOp, tables: tuple[Table, Table],
                   postgresql: bool, keeping: Keeping, problems: list[str]
                   ) -> ops.MigrateOperation:
    """``alter`` (on table ``key``, ``tables`` its old and new side) as it must run when its
    type is or becomes a native ENUM; else ``alter`` itself.

    A column keeping its type leaves the type to the value change on PostgreSQL (see
    ``enum_values``; the alter is recorded in ``keeping``, by type) and carries its
    alter_column for the databases where the ENUM is in the column.  A column switching to or
    from an ENUM is converted through text on PostgreSQL, CHECK constraints and indexes that
    name it re-created around (``postgresql``: whether PostgreSQL is a target; an unnamed
    CHECK it would have to re-create is a problem for ``problems``).
    """
    old = native_enum(alter.existing_type)
    new = native_enum(alter.modify_type) if alter.modify_type is not None else old
    if old is not None and new is not None and enum_key(old) == enum_key(new):
        keeping.setdefault(enum_key(new), []).append((key, alter))
        return EnumColumnOp(alter, [], [], (not only_added(old, new), not only_added(new, old)))
    if old is None and new is None:
        return alter
    name, (old_table, new_table) = alter.column_name, tables
    return EnumColumnOp(
        alter, converting(new_table, old_table, name, new, postgresql, problems),
        converting(old_table, new_table, name, old, postgresql, problems), (True, True))
