"""A table's batch block that passes what SQLite's table rebuild would lose to it: CHECKs
without a name (``plan/unnamed_checks`` says which and why) and table options such as
``sqlite_autoincrement``."""

from __future__ import annotations

from collections.abc import Sequence

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op
from alembic.operations import ops

from ...compat import within_batch


class KeptOnRebuildModifyTableOps(ops.ModifyTableOps):
    """A table's batch block whose SQLite rebuild re-creates ``checks`` (SQL texts) and the
    table ``options``; the reverse block re-creates ``reverse_checks`` and ``reverse_options``."""

    def __init__(self, table_name: str, items: Sequence[ops.MigrateOperation], *,
                 schema: str | None, checks: list[str], reverse_checks: list[str],
                 options: dict[str, object] | None = None,
                 reverse_options: dict[str, object] | None = None) -> None:
        super().__init__(table_name, items, schema=schema)
        self.checks = checks
        self.reverse_checks = reverse_checks
        self.options = options or {}
        self.reverse_options = reverse_options or {}

    def reverse(self) -> KeptOnRebuildModifyTableOps:
        return KeptOnRebuildModifyTableOps(
            self.table_name, list(reversed([op.reverse() for op in self.ops])),
            schema=self.schema, checks=self.reverse_checks, reverse_checks=self.checks,
            options=self.reverse_options, reverse_options=self.options)


@renderers.dispatch_for(KeptOnRebuildModifyTableOps)
def _render_kept_on_rebuild(autogen_context: AutogenContext, op: KeptOnRebuildModifyTableOps
                        ) -> list[str]:
    if not op.ops:
        return []
    if not autogen_context.opts.get("render_as_batch", False):
        return [line for item in op.ops for line in render_op(autogen_context, item)]
    arguments, kept = "", []
    if op.checks:
        checks = "".join(f"sa.CheckConstraint({text!r}), " for text in op.checks)
        arguments += f", table_args=({checks.rstrip(' ')})"
        kept.append("table_args: the CHECKs without a name")
    if op.options:
        arguments += f", table_kwargs={op.options!r}"
        kept.append("table_kwargs: the table's options")
    lines = [f"# {'; '.join(kept)}, which SQLite's table rebuild would lose",
             f"with op.batch_alter_table({op.table_name!r}, schema={op.schema!r}"
             f"{arguments}) as batch_op:"]
    with within_batch(autogen_context):
        for item in op.ops:
            lines.extend(render_op(autogen_context, item))
    lines.append("")
    return lines
