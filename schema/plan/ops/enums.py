"""Operations on named native ENUM types and the columns that use them, per dialect.

On PostgreSQL an ENUM is a type of its own: ``EnumTypeOp`` creates or drops it, ``EnumValuesOp``
runs one part of a change of its values (see ``plan/enum_values``) and ``EnumColumnOp`` runs the
statements that convert a column instead of Alembic's ``alter_column``.  On SQLite and MariaDB
the column definition itself changes.  The SQL they run is worked out by the planner
(``plan/enums``) and written into the revision for review.
"""

from __future__ import annotations

import enum
from typing import Protocol

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op
from alembic.operations import ops
from sqlalchemy import Enum

from ...dialects.enums import only_added
from ...dialects.on import Database, on
from ...source_text import comment as one_line


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


class Part(enum.Enum):
    """Where a part of a value change runs: see the module's docstring."""

    OPEN = "open"
    CONVERT = "convert"
    CLOSE = "close"


class ValueStatements(Protocol):
    """One direction of a change of an ENUM type's values (``plan/enum_values`` makes them):
    the type before and after, whether the revision uses an added value, and each part's
    statements, worked out when the revision is written."""

    old: Enum
    new: Enum
    uses_added: bool

    def statements(self, part: Part) -> list[str]: ...


class EnumValuesOp(ops.MigrateOperation):
    """One part of a PostgreSQL ENUM value change (nothing on other databases, where the
    columns' alter_column changes the values).  ``reverse()`` gives the part of the change the
    other way round that takes its place in the downgrade."""

    def __init__(self, forward: ValueStatements, backward: ValueStatements, part: Part) -> None:
        self.forward = forward
        self.backward = backward
        self.part = part

    def reverse(self) -> EnumValuesOp:
        part = {Part.OPEN: Part.CLOSE, Part.CLOSE: Part.OPEN}.get(self.part, self.part)
        return EnumValuesOp(self.backward, self.forward, part)


@renderers.dispatch_for(EnumValuesOp)
def _render_enum_values(autogen_context: AutogenContext, op: EnumValuesOp) -> list[str]:
    change = op.forward
    executes = [f"op.execute({statement!r})" for statement in change.statements(op.part)]
    if not executes:
        return []
    name = one_line(str(change.new.name))  # in comment lines: no line break may end them
    if change.uses_added and only_added(change.old, change.new):
        return [f"# PostgreSQL adds values to {name} outside the revision's transaction: the "
                "revision uses them, which it may not before they are committed.",
                f"if {on(Database.POSTGRESQL)}:", "with op.get_context().autocommit_block():",
                *executes, "", ""]
    comment = {
        Part.OPEN: f"# PostgreSQL changes the values of ENUM type {name}; other databases the "
                   "columns.",
        Part.CONVERT: f"# PostgreSQL moves the columns that keep {name} to its new values.",
        Part.CLOSE: f"# PostgreSQL drops {name}'s old type, now unused.",
    }[op.part]
    return [comment, *(f"if {on(Database.POSTGRESQL)}: {execute}" for execute in executes)]


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


