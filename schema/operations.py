"""Operations of our own, rendered with plain ``op``/``sa`` calls so revisions need no plugin.

``create_table`` is paired with its indexes so that the reverse drops only the table: its indexes
go with it, and MariaDB refuses to drop an index a foreign key still needs.  Dropping a table
also drops the named ENUM types no remaining table uses, which ``op.drop_table`` leaves behind on
PostgreSQL (``sa.Enum(...).drop`` does nothing on databases without such types).
"""

from __future__ import annotations

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op
from alembic.operations import ops
from sqlalchemy import Enum, Table


class CreateTableOps(ops.MigrateOperation):
    """``create_table`` and ``create_index`` for each of the table's indexes."""

    def __init__(self, table: Table, enum_types: tuple[Enum, ...] = ()) -> None:
        self.table = table
        self.enum_types = enum_types  # types to drop when the reverse drops the table

    def reverse(self) -> DropTableOps:
        return DropTableOps(self.table, self.enum_types)


class DropTableOps(ops.MigrateOperation):
    """``drop_table`` (its indexes go with it), then ENUM types nothing else uses."""

    def __init__(self, table: Table, enum_types: tuple[Enum, ...] = ()) -> None:
        self.table = table
        self.enum_types = enum_types

    def reverse(self) -> CreateTableOps:
        return CreateTableOps(self.table, self.enum_types)


@renderers.dispatch_for(CreateTableOps)
def _render_create(autogen_context: AutogenContext, op: CreateTableOps) -> list[str]:
    lines = render_op(autogen_context, ops.CreateTableOp.from_table(op.table))
    for index in sorted(op.table.indexes, key=lambda ix: str(ix.name)):
        lines.extend(render_op(autogen_context, ops.CreateIndexOp.from_index(index)))
    return lines


@renderers.dispatch_for(DropTableOps)
def _render_drop(autogen_context: AutogenContext, op: DropTableOps) -> list[str]:
    lines = render_op(autogen_context, ops.DropTableOp.from_table(op.table))
    for enum in op.enum_types:
        schema = f", schema={enum.schema!r}" if enum.schema else ""
        lines.append(f"sa.Enum(name={enum.name!r}{schema}).drop(op.get_bind(), checkfirst=False)")
    return lines
