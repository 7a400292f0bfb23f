"""Named native ENUM types: which ones a schema uses, and changing their values per dialect.

On PostgreSQL an ENUM is a type of its own: adding values is ``ALTER TYPE ... ADD VALUE`` (never
a rewrite); removing or reordering values rewrites the type explicitly (rename the old one,
create the new one, convert every column that uses it, drop the old one), which fails loudly if
rows still hold a removed value.  On SQLite and MariaDB the column definition itself changes.
The SQL is rendered into the revision with identifiers and literals quoted by SQLAlchemy's
PostgreSQL dialect, so reviewers read exactly what will run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op
from alembic.operations import ops
from sqlalchemy import Enum, String, Table
from sqlalchemy.dialects import postgresql

from .expressions import text_to_type
from .serialize import TableDict

EnumKey = tuple[str | None, str]
_PG = postgresql.dialect()
_IS_PG = "op.get_bind().dialect.name == 'postgresql'"


def native_enum(type_: object) -> Enum | None:
    """The type if it is a named ENUM that PostgreSQL creates as a type of its own."""
    if isinstance(type_, Enum) and type_.native_enum and type_.name:
        return type_
    return None


def enum_key(enum: Enum) -> EnumKey:
    return (enum.schema, str(enum.name))


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
    return f"postgresql.ENUM({', '.join(arguments)}, create_type=False)"


class EnumTypeOps(ops.MigrateOperation):
    """Create (or drop) a named ENUM type: a no-op on databases without such types."""

    def __init__(self, enum: Enum, create: bool) -> None:
        self.enum = enum
        self.create = create

    def reverse(self) -> EnumTypeOps:
        return EnumTypeOps(self.enum, not self.create)


@renderers.dispatch_for(EnumTypeOps)
def _render_enum_type(autogen_context: AutogenContext, op: EnumTypeOps) -> str:
    schema = f", schema={op.enum.schema!r}" if op.enum.schema else ""
    if op.create:
        values = "".join(f"{value!r}, " for value in op.enum.enums)
        return (f"sa.Enum({values}name={str(op.enum.name)!r}{schema})"
                ".create(op.get_bind(), checkfirst=False)")
    return f"sa.Enum(name={str(op.enum.name)!r}{schema}).drop(op.get_bind(), checkfirst=False)"


def enum_type_ops(before: dict[EnumKey, Enum], after: dict[EnumKey, Enum]
                  ) -> tuple[list[EnumTypeOps], list[EnumTypeOps]]:
    """Operations to run first (types that appear) and last (types that go)."""
    created = [EnumTypeOps(after[key], create=True) for key in sorted(after.keys() - before.keys(),
                                                                       key=str)]
    dropped = [EnumTypeOps(before[key], create=False)
               for key in sorted(before.keys() - after.keys(), key=str)]
    return created, dropped


def _type_name(enum: Enum, suffix: str = "") -> str:
    name = _PG.identifier_preparer.quote(f"{enum.name}{suffix}")
    if enum.schema:
        return f"{_PG.identifier_preparer.quote_schema(enum.schema)}.{name}"
    return name


def _literal(value: str) -> str:
    processor = String().literal_processor(_PG)
    assert processor is not None
    return str(processor(value))


def _convert(table: Table, column: str, enum: Enum | None = None,
             current: Table | None = None) -> list[str]:
    """Statements that give ``table.column`` its type in ``table`` on PostgreSQL, converting
    through text: into ENUM type ``enum``, or out of an ENUM when ``enum`` is None.  A default
    (the one the column has now, in ``current``, or will have) is dropped first and set again,
    as it is typed too."""
    quote = _PG.identifier_preparer
    name = quote.quote(column)
    target = _type_name(enum) if enum is not None else str(
        table.c[column].type.compile(dialect=_PG))
    alter = f"ALTER TABLE {quote.format_table(table)} ALTER COLUMN {name}"
    default = table.c[column].server_default
    had_default = current is not None and current.c[column].server_default is not None
    statements = [f"{alter} DROP DEFAULT"] if default is not None or had_default else []
    statements.append(f"{alter} TYPE {target} USING {name}::text::{target}")
    if default is not None and isinstance(default.arg, str):
        statements.append(f"{alter} SET DEFAULT {_literal(default.arg)}")
    return statements


def _change_values(old: Enum, new: Enum, columns: list[tuple[Table, str, Table]]) -> list[str]:
    """SQL that turns PostgreSQL type ``old`` into ``new``; ``columns`` use it: (table on the new
    side, column name, table on the old side)."""
    old_values, new_values = list(old.enums), list(new.enums)
    if [v for v in new_values if v in old_values] == old_values:  # only additions
        statements = []
        for index, value in enumerate(new_values):
            if value not in old_values:
                anchor = (f"AFTER {_literal(new_values[index - 1])}" if index
                          else f"BEFORE {_literal(new_values[1])}")
                statements.append(f"ALTER TYPE {_type_name(new)} ADD VALUE IF NOT EXISTS "
                                  f"{_literal(value)} {anchor}")
        return statements
    statements = [
        f"ALTER TYPE {_type_name(old)} RENAME TO "
        f"{_PG.identifier_preparer.quote(f'{old.name}__old')}",
        f"CREATE TYPE {_type_name(new)} AS ENUM "
        f"({', '.join(_literal(value) for value in new_values)})",
    ]
    for table, column, current in columns:
        statements.extend(_convert(table, column, new, current))
    statements.append(f"DROP TYPE {_type_name(old, '__old')}")
    return statements


class EnumColumnOps(ops.MigrateOperation):
    """alter_column of a column whose type is or becomes a native ENUM.

    ``postgresql`` holds the statements PostgreSQL runs instead of the alter_column (``None``:
    PostgreSQL runs the alter_column like the other databases); ``reverse_postgresql`` the same
    for the downgrade.
    """

    def __init__(self, alter: ops.AlterColumnOp, postgresql: list[str] | None,
                 reverse_postgresql: list[str] | None) -> None:
        self.alter = alter
        self.postgresql = postgresql
        self.reverse_postgresql = reverse_postgresql

    def reverse(self) -> EnumColumnOps:
        return EnumColumnOps(self.alter.reverse(), self.reverse_postgresql, self.postgresql)


@renderers.dispatch_for(EnumColumnOps)
def _render_enum_column(autogen_context: AutogenContext, op: EnumColumnOps) -> list[str]:
    alter = render_op(autogen_context, op.alter)
    if op.postgresql is None:
        return alter
    lines = []
    if op.postgresql:
        lines.append("# PostgreSQL changes the ENUM type itself; other databases the column.")
    lines.extend(f"if {_IS_PG}: op.execute({statement!r})" for statement in op.postgresql)
    rest = _without_type(op.alter)
    if rest is not None:  # nullability, default and comment change as usual
        rendered = render_op(autogen_context, rest)
        lines.extend([f"if {_IS_PG}: {rendered[0]}", *rendered[1:]])
    return [*lines, f"if not {_IS_PG}: {alter[0]}", *alter[1:]]


def _without_type(alter: ops.AlterColumnOp) -> ops.AlterColumnOp | None:
    """The rest of ``alter`` once PostgreSQL's statements changed the type (setting a default
    they already set again is harmless)."""
    if (alter.modify_nullable is None and alter.modify_comment is False
            and alter.modify_server_default is False):
        return None
    return ops.AlterColumnOp(
        alter.table_name, alter.column_name, schema=alter.schema,
        existing_type=alter.modify_type or alter.existing_type,
        existing_server_default=alter.existing_server_default,
        existing_nullable=alter.existing_nullable, existing_comment=alter.existing_comment,
        modify_nullable=alter.modify_nullable, modify_comment=alter.modify_comment,
        modify_server_default=alter.modify_server_default,
    )


class TableLookup(Protocol):
    def __getitem__(self, key: str) -> Table: ...


def evolve_enum_columns(
    alters: list[tuple[str, ops.AlterColumnOp]], old_tables: TableLookup,
    new_tables: TableLookup,
) -> dict[int, EnumColumnOps]:
    """Wrap alter_column operations whose type is or becomes a native ENUM, by ``id(op)``.

    When a type's values change, its PostgreSQL SQL goes with the first of its columns; the
    others carry only their alter_column for databases where the ENUM is in the column.  A column
    switching to or from an ENUM is converted through text on PostgreSQL.
    """
    same_type: dict[EnumKey, list[tuple[str, ops.AlterColumnOp]]] = {}
    wrapped = {}
    for key, alter in alters:
        old, new = native_enum(alter.existing_type), native_enum(alter.modify_type)
        if old is not None and new is not None and enum_key(old) == enum_key(new):
            same_type.setdefault(enum_key(new), []).append((key, alter))
        elif old is not None or new is not None:
            name = alter.column_name
            wrapped[id(alter)] = EnumColumnOps(
                alter, _convert(new_tables[key], name, new, old_tables[key]),
                _convert(old_tables[key], name, old, new_tables[key]),
            )
    for entries in same_type.values():
        old = native_enum(entries[0][1].existing_type)
        new = native_enum(entries[0][1].modify_type)
        assert old is not None and new is not None
        new_columns = [(new_tables[key], alter.column_name, old_tables[key])
                       for key, alter in entries]
        old_columns = [(old_tables[key], alter.column_name, new_tables[key])
                       for key, alter in entries]
        for index, (_, alter) in enumerate(entries):
            wrapped[id(alter)] = EnumColumnOps(
                alter,
                _change_values(old, new, new_columns) if index == 0 else [],
                _change_values(new, old, old_columns) if index == 0 else [],
            )
    return wrapped
