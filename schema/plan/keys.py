"""Foreign keys through index and type changes: MariaDB needs an index for every foreign key,
refuses to change the type of a key's column, and PostgreSQL will not drop the unique constraint
or primary key a foreign key refers through.

``guard_index_op`` keeps a MariaDB key served while an index on its columns is dropped and
created again; ``rebuilt_reference_ops`` drops keys before, and adds them back after, the primary
key, unique constraint or index they refer through is re-created or a column of theirs changes
type.
"""

from __future__ import annotations

from collections import defaultdict

from alembic.operations import ops
from sqlalchemy import ForeignKeyConstraint, Table, UniqueConstraint

from ..dialects.on import index_on
from ..diff import Action, Change, Kind
from .generated import retyped_columns
from .indexes import index_shape
from .ops.operations import (
    NOT_SQLITE,
    AddForeignKeyOp,
    DropForeignKeyOp,
    ForeignKeyIndexGuardOp,
    SetAsideOp,
    needs_implicit_index,
)
from .tables import Tables


def rebuilt_reference_ops(changes: list[Change], old_tables: Tables, new_tables: Tables
                          ) -> dict[str, tuple[list[ops.MigrateOperation],
                                               list[ops.MigrateOperation]]]:
    """By table, operations that drop foreign keys both sides have unchanged first, and add
    them back at the end of the step:

    - keys whose referred primary key, unique constraint or unique index is dropped (and added
      again, under a new name, say): PostgreSQL will not drop what a foreign key depends on,
      MariaDB not the index it refers through;
    - on PostgreSQL and MariaDB, keys with a column, on either side, whose type changes:
      MariaDB refuses to change it under the key (errors 1832/1833), PostgreSQL to convert one
      side of a key to an ENUM type the other side does not have yet.  (Django's schema editor
      does the same.)  SQLite checks keys by value only.
    """
    found: dict[str, tuple[list[ops.MigrateOperation], list[ops.MigrateOperation]]] = {}
    through = _dropped_unique_columns(changes, new_tables)
    retyped = retyped_columns(changes)
    if not through and not retyped:
        return found  # the common case: no need to build every table
    keys_changed = {(c.table, (c.old or c.new or {}).get("name")) for c in changes
                    if c.kind is Kind.FOREIGN_KEY}
    # parents by full name, from the keys' own text: the other tables are never built
    parents = {new_tables[key].fullname: key for key in {*through, *(t for t, _ in retyped)}
               if key in new_tables}
    for child in new_tables.keys():
        if child not in old_tables:
            continue
        before = {str(fk.name): fk for fk in old_tables[child].foreign_key_constraints}
        for fk in new_tables[child].foreign_key_constraints:
            if str(fk.name) not in before or (child, str(fk.name)) in keys_changed:
                continue
            parent_name, _, _ = fk.elements[0].target_fullname.rpartition(".")
            parent = parents.get(parent_name)
            referred = {e.target_fullname.rpartition(".")[2] for e in fk.elements}
            if not ((parent is not None and referred in through.get(parent, []))
                    or any((child, str(c.name)) in retyped for c in fk.columns)
                    or any((parent, name) in retyped for name in referred)):
                continue
            old = before[str(fk.name)]
            drop: ops.MigrateOperation = DropForeignKeyOp(old, needs_implicit_index(old))
            add: ops.MigrateOperation = AddForeignKeyOp(fk, needs_implicit_index(fk))
            if parent is None or referred not in through.get(parent, []):
                drop, add = (SetAsideOp(op, NOT_SQLITE, "foreign key",
                                         "the type change of its columns") for op in (drop, add))
            drops, adds = found.setdefault(child, ([], []))
            drops.append(drop)
            adds.append(add)
    return found


def _dropped_unique_columns(changes: list[Change], new_tables: Tables
                            ) -> dict[str, list[set[str]]]:
    """The columns of each primary key, unique constraint or unique index dropped from a table
    that stays (and perhaps added again: a name that follows the table's, say)."""
    found: dict[str, list[set[str]]] = defaultdict(list)
    for change in changes:
        if change.action is Action.DROP and change.table in new_tables and (
                change.kind in (Kind.UNIQUE, Kind.PRIMARY_KEY) or change.kind is Kind.INDEX
                and change.old.get("unique")):
            found[change.table].append(set(change.old.get("columns") or ()))
    return found


def guard_index_op(op: ops.MigrateOperation, sides: tuple[Table | None, Table | None],
                   columns: list[str], guarded: set[tuple[str, str, str]]
                   ) -> ops.MigrateOperation:
    """Wrap an index operation on the leading columns of a MariaDB foreign key that no index
    lasting through the step (in both ``sides``, unchanged) serves: while it runs, the foreign
    key may have no other index (see ForeignKeyIndexGuardOp).  The reverse operation is
    wrapped too, so the downgrade is guarded the same way.  Only the first drop and the first
    create per foreign key are wrapped: the foreign key's own index serves in between."""
    old, new = sides
    if old is None or new is None:
        return op
    lasting = _lasting_index_columns(old, new)
    direction = "drop" if isinstance(op, (ops.DropIndexOp, ops.DropConstraintOp)) else "create"
    old_keys = {_identity(fk) for fk in old.foreign_key_constraints}
    own = [(_own_index_name(fk), [str(c.name) for c in fk.columns])
           for fk in new.foreign_key_constraints if _identity(fk) in old_keys]
    guards = []
    for name, fk_columns in sorted(own):
        key = (str(new.name), name, direction)
        if (columns[: len(fk_columns)] == fk_columns
                and not any(lead[: len(fk_columns)] == fk_columns for lead in lasting)
                and key not in guarded):
            guarded.add(key)
            guards.append((name, fk_columns))
    return ForeignKeyIndexGuardOp(op, guards) if guards else op


def _identity(fk: ForeignKeyConstraint) -> object:
    """A foreign key on both sides of a step: by name, or by columns and target if unnamed
    (the database named it: ``plants_ibfk_1`` on MariaDB)."""
    return str(fk.name) if fk.name else (tuple(str(c.name) for c in fk.columns),
                                         tuple(e.target_fullname for e in fk.elements))


def _own_index_name(fk: ForeignKeyConstraint) -> str:
    """The name MariaDB gives the index it makes for a foreign key: the key's own, or for an
    unnamed key its first column's."""
    return str(fk.name) if fk.name else str(fk.columns[0].name)


def _lasting_index_columns(old: Table, new: Table) -> list[list[str]]:
    """Column lists of the indexes, unique constraints and primary key that both sides have
    unchanged: they serve foreign keys all through a step.  An index whose dialect options
    change (a partial index's condition, ignored by MariaDB) is dropped and created again, so
    it does not last."""
    def shapes(table: Table) -> dict[tuple[object, ...], tuple[str, ...]]:
        """Each index, unique constraint and primary key by its shape, with its columns."""
        found = {("index", *index_shape(index)): tuple(str(c.name) for c in index.columns)
                 for index in table.indexes if index_on(index, "mysql")}
        found.update({("unique", c.name, *(str(col.name) for col in c.columns)):
                      tuple(str(col.name) for col in c.columns)
                      for c in table.constraints if isinstance(c, UniqueConstraint)})
        key = tuple(str(c.name) for c in table.primary_key.columns)
        found[("pk", *key)] = key
        return found
    before = shapes(old)
    return [list(columns) for shape, columns in shapes(new).items() if shape in before]
