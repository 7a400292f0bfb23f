"""Sequences a revision creates, alters and drops, on databases that have them (PostgreSQL,
MariaDB; SQLite skips them).  Alembic's renderer has no sequence operations, so they are here.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops


class SequenceOp(ops.MigrateOperation):
    """Create (or drop) a sequence, on databases that have sequences (PostgreSQL, MariaDB)."""

    def __init__(self, sequence: dict[str, Any], create: bool) -> None:
        self.sequence = sequence
        self.create = create

    def reverse(self) -> SequenceOp:
        return SequenceOp(self.sequence, not self.create)


@renderers.dispatch_for(SequenceOp)
def _render_sequence(autogen_context: AutogenContext, op: SequenceOp) -> str:
    options = "".join(f", {key}={value!r}" for key, value in op.sequence.items() if key != "name")
    construct = "CreateSequence" if op.create else "DropSequence"
    return (f"if op.get_bind().dialect.supports_sequences: op.execute(sa.schema.{construct}("
            f"sa.Sequence({op.sequence['name']!r}{options})))")


class AlterSequenceOp(ops.MigrateOperation):
    """New options for an existing sequence (``ALTER SEQUENCE``), which keeps its current value:
    re-creating it would restart the numbering and hand out values already used."""

    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old = old
        self.new = new

    def reverse(self) -> AlterSequenceOp:
        return AlterSequenceOp(self.new, self.old)


# ALTER SEQUENCE clauses PostgreSQL and MariaDB share, and each option's value when unset.
_SEQUENCE_CLAUSES = {
    "increment": lambda v: f"INCREMENT BY {int(1 if v is None else v)}",
    "minvalue": lambda v: "NO MINVALUE" if v is None else f"MINVALUE {int(v)}",
    "maxvalue": lambda v: "NO MAXVALUE" if v is None else f"MAXVALUE {int(v)}",
    "start": lambda v: f"START WITH {int(1 if v is None else v)}",
    "cache": lambda v: f"CACHE {int(1 if v is None else v)}",
}


@renderers.dispatch_for(AlterSequenceOp)
def _render_alter_sequence(autogen_context: AutogenContext, op: AlterSequenceOp) -> list[str]:
    clauses = " ".join(clause(op.new.get(key)) for key, clause in _SEQUENCE_CLAUSES.items()
                       if op.old.get(key) != op.new.get(key))
    schema = f", schema={op.new['schema']!r}" if op.new.get("schema") else ""
    name = (f"op.get_bind().dialect.identifier_preparer.format_sequence("
            f"sa.Sequence({op.new['name']!r}{schema}))")
    return ["# ALTER SEQUENCE keeps its current value (re-creating it would restart it).",
            f"if op.get_bind().dialect.supports_sequences: "
            f"op.execute('ALTER SEQUENCE ' + {name} + {' ' + clauses!r})"]


def sequence_ops(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]
                 ) -> tuple[list[ops.MigrateOperation], list[SequenceOp]]:
    """Sequences to create (or alter) first and to drop last.  Changed options that ALTER
    SEQUENCE can set are altered in place; other changes re-create the sequence."""
    altered = {key for key in before.keys() & after.keys() if before[key] != after[key]
               and {k for k in before[key].keys() | after[key].keys()
                    if before[key].get(k) != after[key].get(k)} <= _SEQUENCE_CLAUSES.keys()}
    created: list[ops.MigrateOperation] = [
        AlterSequenceOp(before[key], after[key]) if key in altered
        else SequenceOp(after[key], create=True)
        for key in sorted(after) if before.get(key) != after[key]]
    dropped = [SequenceOp(before[key], create=False) for key in sorted(before)
               if after.get(key) != before[key] and key not in altered]
    return created, dropped
