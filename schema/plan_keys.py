"""Foreign keys through index changes: MariaDB needs an index for every foreign key, and
PostgreSQL will not drop the unique constraint or index a foreign key refers through.

``guard_index_op`` keeps a MariaDB key served while an index on its columns is dropped and
created again; ``rebuilt_references`` lists the keys of other tables to drop before, and add back
after, the unique constraint or index they refer through is re-created.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Protocol

from alembic.operations import ops
from sqlalchemy import ForeignKeyConstraint, Table, UniqueConstraint

from .diff import Action, Change, Kind
from .operations import ForeignKeyIndexGuardOps
from .plan_indexes import index_shape


class Tables(Protocol):
    """One side's tables, built on demand (``plan._Tables``)."""

    def __getitem__(self, key: str) -> Table: ...

    def __contains__(self, key: object) -> bool: ...

    def keys(self) -> list[str]: ...


def rebuilt_references(changes: list[Change], old_tables: Tables, new_tables: Tables
                       ) -> dict[str, list[ForeignKeyConstraint]]:
    """Foreign keys of tables that keep them, by table, whose referred unique constraint or
    unique index is dropped (and added again, under a new name, say): PostgreSQL will not
    drop what a foreign key depends on, MariaDB not the index it refers through, so the key
    is dropped first and added back once the new one exists."""
    found: dict[str, list[ForeignKeyConstraint]] = defaultdict(list)
    keys_changed = {(c.table, (c.old or c.new or {}).get("name")) for c in changes
                    if c.kind is Kind.FOREIGN_KEY}
    for change in changes:
        if change.action is not Action.DROP or change.table not in new_tables or not (
                change.kind is Kind.UNIQUE or change.kind is Kind.INDEX
                and change.old.get("unique")):
            continue
        columns = set(change.old.get("columns") or ())
        parent = new_tables[change.table]
        for child in new_tables.keys():
            if child not in old_tables:
                continue
            before = {str(fk.name) for fk in old_tables[child].foreign_key_constraints}
            found[child] += [
                fk for fk in new_tables[child].foreign_key_constraints
                if fk.referred_table is parent and str(fk.name) in before
                and (child, str(fk.name)) not in keys_changed and fk not in found[child]
                and {e.column.name for e in fk.elements} == columns]
    return found


def guard_index_op(op: ops.MigrateOperation, sides: tuple[Table | None, Table | None],
                   columns: list[str], guarded: set[tuple[str, str, str]]
                   ) -> ops.MigrateOperation:
    """Wrap an index operation on the leading columns of a MariaDB foreign key that no index
    lasting through the step (in both ``sides``, unchanged) serves: while it runs, the foreign
    key may have no other index (see ForeignKeyIndexGuardOps).  The reverse operation is
    wrapped too, so the downgrade is guarded the same way.  Only the first drop and the first
    create per foreign key are wrapped: the foreign key's own index serves in between."""
    old, new = sides
    if old is None or new is None:
        return op
    lasting = _lasting_index_columns(old, new)
    direction = "drop" if isinstance(op, (ops.DropIndexOp, ops.DropConstraintOp)) else "create"
    old_keys = {str(fk.name) for fk in old.foreign_key_constraints}
    own = [(str(fk.name), [str(c.name) for c in fk.columns])
           for fk in new.foreign_key_constraints if fk.name and str(fk.name) in old_keys]
    guards = []
    for name, fk_columns in sorted(own):
        key = (str(new.name), name, direction)
        if (columns[: len(fk_columns)] == fk_columns
                and not any(lead[: len(fk_columns)] == fk_columns for lead in lasting)
                and key not in guarded):
            guarded.add(key)
            guards.append((name, fk_columns))
    return ForeignKeyIndexGuardOps(op, guards) if guards else op


def _lasting_index_columns(old: Table, new: Table) -> list[list[str]]:
    """Column lists of the indexes, unique constraints and primary key that both sides have
    unchanged: they serve foreign keys all through a step.  An index whose dialect options
    change (a partial index's condition, ignored by MariaDB) is dropped and created again, so
    it does not last."""
    def shapes(table: Table) -> dict[tuple[object, ...], tuple[str, ...]]:
        """Each index, unique constraint and primary key by its shape, with its columns."""
        found = {("index", *index_shape(index)): tuple(str(c.name) for c in index.columns)
                 for index in table.indexes}
        found.update({("unique", c.name, *(str(col.name) for col in c.columns)):
                      tuple(str(col.name) for col in c.columns)
                      for c in table.constraints if isinstance(c, UniqueConstraint)})
        key = tuple(str(c.name) for c in table.primary_key.columns)
        found[("pk", *key)] = key
        return found
    before = shapes(old)
    return [list(columns) for shape, columns in shapes(new).items() if shape in before]
