"""Indexes on expressions (``sa.desc(column("x"))``, ``func.lower(...)``) and batch mode.

Alembic's batch rebuild cannot take such an index (it looks its elements up as column names),
and SQLite cannot reflect one, so a rebuild would silently lose it.  They are therefore created
and dropped outside batch blocks, and on SQLite set aside before each table rebuild and created
again after it, from the snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Column, Index, Table

from ..dialects.on import index_on
from ..diff import Action, Change, Kind
from ..snapshot.index_dialects import ddl_if_dialects
from .phases import Phase


def index_shape(index: Index) -> tuple[object, ...]:
    """What defines an index: name, uniqueness, elements, dialect options (a partial index's
    condition among them) and the databases it is for.  Two sides with the same shape have the
    same index."""
    return (index.name, bool(index.unique), tuple(str(e) for e in index.expressions),
            tuple(sorted((k, str(v)) for k, v in index.dialect_kwargs.items())),
            tuple(ddl_if_dialects(index) or ()))


def on_expressions(index: Index) -> bool:
    """True when some element of the index is not a plain column."""
    return any(not isinstance(element, Column) for element in index.expressions)


def _on_sqlite_expressions(index: Index) -> bool:
    """An index on expressions that SQLite has (its ``ddl_if`` allows it there)."""
    return on_expressions(index) and index_on(index, "sqlite")


def expression_indexes_present(old: Table | None, new: Table | None, key: str, phase: Phase,
                               changes: Iterable[Change]) -> list[Index]:
    """The table's indexes on expressions on SQLite while ``phase``'s batch block runs: the ones
    this step keeps, plus (once created: after ``Phase.CREATE_EXPRESSION_INDEXES``, or with a
    new table) the ones it adds."""
    touched = {(change.action, change.name) for change in changes
               if change.kind is Kind.INDEX and change.table == key}
    kept = [index for index in (old.indexes if old is not None else ())
            if _on_sqlite_expressions(index) and (Action.DROP, index.name) not in touched]
    if new is not None and (old is None and phase > Phase.CREATE_TABLES
                            or phase > Phase.CREATE_EXPRESSION_INDEXES):
        added = [index for index in new.indexes if _on_sqlite_expressions(index)
                 and (old is None or (Action.ADD, index.name) in touched)]
        kept += added
    return sorted(kept, key=lambda index: str(index.name))
