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
from dataclasses import dataclass, field
from typing import Protocol

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op
from alembic.operations import ops
from sqlalchemy import DefaultClause, Enum, String, Table
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


def _default_sql(table: Table, column: str) -> str | None:
    """The SQL of the column's server default in ``table``, as PostgreSQL's DDL writes it."""
    default = table.c[column].server_default
    if not isinstance(default, DefaultClause):
        return None
    if isinstance(default.arg, str):
        return _literal(default.arg)
    return str(default.arg.compile(dialect=_PG))


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
    default = _default_sql(table, column)
    had_default = current is not None and current.c[column].server_default is not None
    statements = [f"{alter} DROP DEFAULT"] if default is not None or had_default else []
    statements.append(f"{alter} TYPE {target} USING {name}::text::{target}")
    if default is not None:
        statements.append(f"{alter} SET DEFAULT {default}")
    return statements


def _only_added(old: Enum, new: Enum) -> bool:
    """Whether ``new`` is ``old`` with values added (in any place), none removed or moved."""
    return [value for value in new.enums if value in old.enums] == list(old.enums)


def _add_values(old: Enum, new: Enum) -> list[str]:
    """``ALTER TYPE ... ADD VALUE`` for each value ``new`` adds, each placed after the value
    before it (added already, as they go in order) or, first, before the first old one."""
    statements = []
    for index, value in enumerate(new.enums):
        if value not in old.enums:
            anchor = (f" AFTER {_literal(new.enums[index - 1])}" if index
                      else f" BEFORE {_literal(old.enums[0])}" if old.enums else "")
            statements.append(f"ALTER TYPE {_type_name(new)} ADD VALUE IF NOT EXISTS "
                              f"{_literal(value)}{anchor}")
    return statements


@dataclass(frozen=True)
class ValuesChange:
    """One direction of a change of an ENUM type's values: the type before and after, the
    columns that keep the type (table after, column name, table before), and whether the
    revision uses an added value (then PostgreSQL must add it outside the transaction)."""

    old: Enum
    new: Enum
    columns: tuple[tuple[Table, str, Table], ...]
    uses_added: bool

    def opening(self) -> list[str]:
        """What runs first: add the values, or create the new type and move the columns that
        keep it over; those that leave it or go away stay with ``<name>__old`` meanwhile."""
        if _only_added(self.old, self.new):
            return _add_values(self.old, self.new)
        statements = [
            f"ALTER TYPE {_type_name(self.old)} RENAME TO "
            f"{_PG.identifier_preparer.quote(f'{self.old.name}__old')}",
            f"CREATE TYPE {_type_name(self.new)} AS ENUM "
            f"({', '.join(_literal(value) for value in self.new.enums)})",
        ]
        for table, column, current in self.columns:
            statements.extend(_convert(table, column, self.new, current))
        return statements

    def closing(self) -> list[str]:
        """What runs last, once no column uses the old type any more."""
        if _only_added(self.old, self.new):
            return []
        return [f"DROP TYPE {_type_name(self.old, '__old')}"]


class EnumValuesOps(ops.MigrateOperation):
    """Change a PostgreSQL ENUM type's values, in two parts around the rest of the revision:
    ``opening`` (first) and not (last).  Both do nothing on other databases, where the columns'
    own alter_column changes the values.  The downgrade runs the change the other way round:
    ``reverse()`` swaps the directions and the parts."""

    def __init__(self, forward: ValuesChange, backward: ValuesChange, opening: bool) -> None:
        self.forward = forward
        self.backward = backward
        self.opening = opening

    def reverse(self) -> EnumValuesOps:
        return EnumValuesOps(self.backward, self.forward, not self.opening)


@renderers.dispatch_for(EnumValuesOps)
def _render_enum_values(autogen_context: AutogenContext, op: EnumValuesOps) -> list[str]:
    change = op.forward
    statements = change.opening() if op.opening else change.closing()
    if not statements:
        return []
    executes = [f"op.execute({statement!r})" for statement in statements]
    name = str(change.new.name)
    if op.opening and change.uses_added and _only_added(change.old, change.new):
        return [f"# PostgreSQL adds values to {name} outside the revision's transaction: the "
                "revision uses them, which it may not before they are committed.",
                f"if {_IS_PG}:", "with op.get_context().autocommit_block():", *executes, "", ""]
    comment = (f"# PostgreSQL changes the values of ENUM type {name} here; other databases the "
               "columns." if op.opening else f"# PostgreSQL drops {name}'s old type, now unused.")
    return [comment,
            *(f"if {_IS_PG}: {execute}" for execute in executes)]


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


@dataclass
class EnumEvolution:
    """How a revision changes native ENUM columns and types: wrapped alter_column operations
    (by ``id`` of the original), and the value changes' opening and closing parts."""

    columns: dict[int, EnumColumnOps] = field(default_factory=dict)
    opening: list[EnumValuesOps] = field(default_factory=list)
    closing: list[EnumValuesOps] = field(default_factory=list)


def evolve_enums(
    alters: list[tuple[str, ops.AlterColumnOp]], old_tables: TableLookup,
    new_tables: TableLookup, before: dict[EnumKey, Enum], after: dict[EnumKey, Enum],
    changed: tuple[Iterable[Table], Iterable[Table]],
) -> EnumEvolution:
    """Wrap alter_column operations whose type is or becomes a native ENUM, and change the
    values of types (``before`` -> ``after``) that keep their name.

    A column keeping its type leaves the type to the value change on PostgreSQL and carries its
    alter_column for the databases where the ENUM is in the column.  A column switching to or
    from an ENUM is converted through text on PostgreSQL.  ``changed``: the changed tables
    before and after, which may use a value a change adds.
    """
    keeping: dict[EnumKey, list[tuple[str, ops.AlterColumnOp]]] = {}
    evolution = EnumEvolution()
    for key, alter in alters:
        old = native_enum(alter.existing_type)
        new = native_enum(alter.modify_type) if alter.modify_type is not None else old
        if old is not None and new is not None and enum_key(old) == enum_key(new):
            keeping.setdefault(enum_key(new), []).append((key, alter))
            evolution.columns[id(alter)] = EnumColumnOps(alter, [], [])
        elif old is not None or new is not None:
            name = alter.column_name
            evolution.columns[id(alter)] = EnumColumnOps(
                alter, _convert(new_tables[key], name, new, old_tables[key]),
                _convert(old_tables[key], name, old, new_tables[key]),
            )
    for type_key in sorted(before.keys() & after.keys(), key=str):
        old, new = before[type_key], after[type_key]
        if list(old.enums) == list(new.enums):
            continue
        entries = keeping.get(type_key, [])
        forward = ValuesChange(
            old, new, tuple((new_tables[key], alter.column_name, old_tables[key])
                            for key, alter in entries),
            _uses_values(changed[1], type_key, set(new.enums) - set(old.enums)))
        backward = ValuesChange(
            new, old, tuple((old_tables[key], alter.column_name, new_tables[key])
                            for key, alter in entries),
            _uses_values(changed[0], type_key, set(old.enums) - set(new.enums)))
        evolution.opening.append(EnumValuesOps(forward, backward, opening=True))
        evolution.closing.append(EnumValuesOps(forward, backward, opening=False))
    return evolution


def _uses_values(tables: Iterable[Table], type_key: EnumKey, values: set[str]) -> bool:
    """Whether a server default of a column of this type names one of ``values``."""
    literals = {_literal(value) for value in values}
    for table in tables:
        for column in table.columns:
            enum = native_enum(column.type)
            if enum is not None and enum_key(enum) == type_key:
                default = _default_sql(table, str(column.name))
                if default is not None and any(literal in default for literal in literals):
                    return True
    return False
