"""Indexes meant for some databases only: ``Index(...).ddl_if(dialect="postgresql")``.

SQLAlchemy keeps the condition in a private attribute (read through ``compat``), honoured by its
own ``create_all`` only; Alembic's operations and comparison ignore it (they would create and
expect the index everywhere). This module is the one place that reads and sets it: the snapshot
records the dialect names (``dialects: [postgresql]``), and the target checks, the revision and
verification ask ``dialects.on.index_on`` whether a database has the index.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Constraint, Index

from ..compat import ddl_if_condition


class DdlIfError(ValueError):
    """A ``ddl_if`` that the snapshot cannot record (a callable decides)."""


def ddl_if_dialects(index: Index) -> list[str] | None:
    """The dialect names an index's ``ddl_if(dialect=...)`` restricts it to, sorted; None when
    it has none."""
    condition = ddl_if_condition(index)
    if condition is None:
        return None
    if condition.callable_ is not None:
        raise DdlIfError("ddl_if(callable_=...) cannot be recorded in a snapshot; use "
                         "ddl_if(dialect=...)")
    dialect = condition.dialect
    if dialect is None:
        return None
    return sorted({dialect} if isinstance(dialect, str) else {str(name) for name in dialect})


def constraint_ddl_if(constraint: Constraint) -> bool:
    """Whether a constraint has a ``ddl_if``: the snapshot records it for indexes only."""
    return ddl_if_condition(constraint) is not None


def restrict(index: Index, dialects: Sequence[str] | None) -> Index:
    """Give an index built from a snapshot its recorded ``ddl_if`` back."""
    if dialects:
        index.ddl_if(dialect=tuple(dialects))
    return index
