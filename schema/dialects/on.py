"""One way to say "on this database": the test a revision renders and the one Python makes.

A revision branches per database on ``op.get_bind().dialect.name``.  MariaDB/MySQL answers to
two dialect names (``mysql``; ``mariadb`` for a ``mariadb://`` URL), so every test for it names
both.  ``on`` writes the revision's test; ``Database.matches`` asks the same of a live dialect;
``index_on`` whether a database gets an index kept to some databases by its ``ddl_if``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from sqlalchemy import Index
from sqlalchemy.engine import Dialect

from ..snapshot.index_dialects import ddl_if_dialects


class Database(enum.Enum):
    """A database a project deploys to, as ``[tool.schema] databases`` names it."""

    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"
    MYSQL = "mysql"

    @property
    def dialect_names(self) -> tuple[str, ...]:
        """The names SQLAlchemy's dialects for this database go by."""
        return ("mysql", "mariadb") if self is Database.MYSQL else (self.value,)

    @property
    def label(self) -> str:
        """The database's name in comments and messages."""
        return {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MariaDB/MySQL"}[
            self.value]

    def matches(self, dialect: Dialect | str) -> bool:
        """Whether ``dialect`` (or a dialect name) is one of this database's."""
        return (dialect if isinstance(dialect, str) else dialect.name) in self.dialect_names

    @classmethod
    def of(cls, name: str) -> Database | None:
        """The database a dialect name (or ``[tool.schema] databases`` entry) is, if ours."""
        return next((database for database in cls if name in database.dialect_names), None)


def dialect_names(databases: Iterable[Database | str]) -> tuple[str, ...]:
    """The dialect names of ``databases``: ours by every name they go by, any other name (from
    an index's ``ddl_if``) as it is."""
    names: list[str] = []
    for item in databases:
        database = item if isinstance(item, Database) else Database.of(item)
        new = database.dialect_names if database is not None else (str(item),)
        names += [name for name in new if name not in names]
    return tuple(names)


def labels_of(names: Iterable[str]) -> list[str]:
    """The labels of our databases among these dialect names, each once, in their order."""
    found = [Database.of(name) for name in names]
    return [database.label for index, database in enumerate(found)
            if database is not None and database not in found[:index]]


def on(*databases: Database | str, negate: bool = False) -> str:
    """The revision's Python test that it runs on one of ``databases`` (``negate``: on none
    of them), e.g. ``op.get_bind().dialect.name in ('mysql', 'mariadb')``."""
    names = dialect_names(databases)
    subject = "op.get_bind().dialect.name"
    if len(names) == 1:
        return f"{subject} {'!=' if negate else '=='} {names[0]!r}"
    return f"{subject} {'not in' if negate else 'in'} {names!r}"


def index_on(index: Index | dict[str, object], database: Database | str) -> bool:
    """Whether a database (or dialect name) gets the index: an ``Index`` built from a snapshot,
    or a snapshot's index dict, kept off the others by its recorded ``ddl_if`` dialects."""
    if isinstance(index, Index):
        dialects = ddl_if_dialects(index)
    else:
        dialects = index.get("dialects")  # type: ignore[assignment]
    return not dialects or any(name in dialects for name in dialect_names([database]))
