"""PostgreSQL's non-blocking forms, used when ``[tool.schema] postgresql_safe_forms = true``.

An index on an existing table is built ``CONCURRENTLY`` in an autocommit block (PostgreSQL
refuses it inside a transaction), outside any batch block; a foreign key or CHECK is added
``NOT VALID`` and then validated once every batch block ran, which checks existing rows
without blocking writes.  The
other databases run the same operations in their ordinary form.
"""

from __future__ import annotations

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op
from alembic.operations import ops
from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Index

from ...dialect_modules import dialect_named
from ...dialects.on import Database, on


class ConcurrentIndexOp(ops.MigrateOperation):
    """Create (or, reversed, drop) an index CONCURRENTLY on PostgreSQL."""

    def __init__(self, op: ops.CreateIndexOp | ops.DropIndexOp) -> None:
        self.op = op

    def reverse(self) -> ConcurrentIndexOp:
        return ConcurrentIndexOp(self.op.reverse())


def concurrent_index(index: Index) -> ConcurrentIndexOp:
    index.dialect_kwargs["postgresql_concurrently"] = True
    return ConcurrentIndexOp(ops.CreateIndexOp.from_index(index))


@renderers.dispatch_for(ConcurrentIndexOp)
def _render_concurrent(autogen_context: AutogenContext, op: ConcurrentIndexOp) -> list[str]:
    autogen_context.imports.add("import contextlib")
    [line] = render_op(autogen_context, op.op)
    block = (f"op.get_context().autocommit_block() if {on(Database.POSTGRESQL)} "
             "else contextlib.nullcontext()")
    return ["# PostgreSQL builds the index CONCURRENTLY, outside the revision's transaction.",
            f"with {block}: {line}"]


class ValidateConstraintOp(ops.MigrateOperation):
    """VALIDATE a constraint added NOT VALID, on PostgreSQL, after the batch blocks that add
    it (statements run at once, while a batch block's operations run at its end).  The
    downgrade drops the constraint as usual, so the reverse does nothing."""

    def __init__(self, constraint: ForeignKeyConstraint | CheckConstraint | None) -> None:
        self.constraint = constraint

    def reverse(self) -> ValidateConstraintOp:
        return ValidateConstraintOp(None)


def not_valid(constraint: ForeignKeyConstraint | CheckConstraint) -> ValidateConstraintOp:
    """Mark ``constraint`` NOT VALID (before its operation is built) and return its VALIDATE."""
    constraint.dialect_kwargs["postgresql_not_valid"] = True
    return ValidateConstraintOp(constraint)


@renderers.dispatch_for(ValidateConstraintOp)
def _render_validate(autogen_context: AutogenContext, op: ValidateConstraintOp) -> list[str]:
    if op.constraint is None:
        return []
    quote = dialect_named("postgresql").identifier_preparer
    sql = (f"ALTER TABLE {quote.format_table(op.constraint.table)} VALIDATE CONSTRAINT "
           f"{quote.quote(str(op.constraint.name))}")
    return ["# PostgreSQL checks the existing rows without blocking writes.",
            f"if {on(Database.POSTGRESQL)}: op.execute({sql!r})"]
