"""A table's batch block that passes its CHECKs without a name to SQLite's table rebuild
(``plan/unnamed_checks`` says which and why)."""

from __future__ import annotations

from collections.abc import Sequence

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op
from alembic.operations import ops

from ...compat import within_batch


class KeptChecksModifyTableOps(ops.ModifyTableOps):
    """A table's batch block whose SQLite rebuild re-creates ``checks`` (SQL texts); the
    reverse block re-creates ``reverse_checks``."""

    def __init__(self, table_name: str, items: Sequence[ops.MigrateOperation], *,
                 schema: str | None, checks: list[str], reverse_checks: list[str]) -> None:
        super().__init__(table_name, items, schema=schema)
        self.checks = checks
        self.reverse_checks = reverse_checks

    def reverse(self) -> KeptChecksModifyTableOps:
        return KeptChecksModifyTableOps(
            self.table_name, list(reversed([op.reverse() for op in self.ops])),
            schema=self.schema, checks=self.reverse_checks, reverse_checks=self.checks)


@renderers.dispatch_for(KeptChecksModifyTableOps)
def _render_kept_checks(autogen_context: AutogenContext, op: KeptChecksModifyTableOps
                        ) -> list[str]:
    if not op.ops:
        return []
    checks = "".join(f"sa.CheckConstraint({text!r}), " for text in op.checks)
    if not autogen_context.opts.get("render_as_batch", False):
        return [line for item in op.ops for line in render_op(autogen_context, item)]
    lines = ["# table_args: the CHECKs without a name, which SQLite's table rebuild would lose",
             f"with op.batch_alter_table({op.table_name!r}, schema={op.schema!r}, "
             f"table_args=({checks.rstrip(' ')})) as batch_op:"]
    with within_batch(autogen_context):
        for item in op.ops:
            lines.extend(render_op(autogen_context, item))
    lines.append("")
    return lines
