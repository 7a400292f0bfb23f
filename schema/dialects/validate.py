"""Model problems that would only fail at deploy time, all found at once before anything is written.

`tool snapshot` and `tool check` both call :func:`model_problems`: besides what ``targets`` says a
target database cannot express, it finds names that clash where a database needs them distinct
(or folds their case), foreign keys to tables or columns the models do not define, indexes and
tables without columns, and tables named like the migration machinery's own.  Each problem is one
line naming its table and object, so one run lists everything there is to fix.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..config import BOOKKEEPING_TABLES
from ..snapshot.serialize import TableDict
from .targets import (
    describe_foreign_key,
    feature_problems,
    identifiers,
    name_problems,
    reference_problems,
)

EVERY_DATABASE = frozenset({"sqlite", "postgresql", "mysql"})
# Kinds of objects several columns may share: the same name twice is the same object.
SHARED_KINDS = frozenset({"sequence", "ENUM type"})


@dataclass(frozen=True)
class Namespace:
    """Identifiers of these kinds must differ within one table, or within one schema, on these
    databases (compared in lower case where the database folds case)."""

    databases: frozenset[str]
    kinds: frozenset[str]
    per_table: bool
    folds_case: bool
    reason: str


def _namespace(databases: Collection[str], kinds: Collection[str], per_table: bool,
               folds_case: bool, reason: str) -> Namespace:
    return Namespace(frozenset(databases), frozenset(kinds), per_table, folds_case, reason)


# In the order their reasons are given: a clash several of them see is reported once, first.
NAMESPACES = (
    *(_namespace(EVERY_DATABASE, {kind}, True, False,
                 f"the snapshot tells a table's {label} apart by name")
      for kind, label in (("index", "indexes"), ("unique constraint", "unique constraints"),
                          ("foreign key", "foreign keys"),
                          ("check constraint", "check constraints"))),
    _namespace({"postgresql"}, {"table", "sequence", "index", "primary key", "unique constraint"},
               False, False, "PostgreSQL needs the names of tables, sequences, indexes, primary "
               "keys and unique constraints (which are indexes) distinct in a schema"),
    _namespace({"postgresql"}, {"table", "ENUM type"}, False, False,
               "PostgreSQL gives every table a type of its name, so an ENUM type cannot have it"),
    _namespace({"postgresql"}, {"primary key", "unique constraint", "foreign key",
                                "check constraint"}, True, False,
               "PostgreSQL needs a table's constraint names distinct"),
    _namespace({"sqlite"}, {"table", "index"}, False, True,
               "SQLite needs table and index names distinct in a database, ignoring case"),
    _namespace({"sqlite"}, {"column"}, True, True,
               "SQLite needs a table's column names distinct, ignoring case"),
    _namespace({"mysql"}, {"column"}, True, True,
               "MariaDB/MySQL needs a table's column names distinct, ignoring case"),
    _namespace({"mysql"}, {"index", "unique constraint"}, True, True,
               "MariaDB/MySQL needs a table's index and unique constraint names distinct, "
               "ignoring case"),
    _namespace({"mysql"}, {"check constraint"}, True, True,
               "MariaDB/MySQL needs a table's check constraint names distinct, ignoring case"),
    _namespace({"mysql"}, {"foreign key"}, False, True,
               "MariaDB/MySQL needs foreign key names distinct in a database, ignoring case "
               "(errno 121)"),
    _namespace({"mysql"}, {"table"}, False, True,
               "MariaDB/MySQL folds table names to lower case where lower_case_table_names is "
               "1 or 2 (Windows, macOS)"),
)


@dataclass(frozen=True)
class _Named:
    """One identifier of the models: its table, kind and name."""

    table: str
    kind: str
    name: str

    def describe(self, of: str) -> str:
        if self.kind == "table":
            return "the table" if self.table == of else f"table {self.name}"
        return f"{self.kind} {self.name}" + ("" if self.table == of else f" of table {self.table}")


@dataclass(frozen=True, order=True)
class ModelProblem:
    """One problem of the models: the table it belongs to, and the line that says it."""

    table: str
    text: str


def model_problems(tables: Mapping[str, TableDict], databases: Collection[str],
                   defined: Mapping[str, Collection[str]]) -> list[ModelProblem]:
    """Every problem of the models' snapshot dicts, sorted by table.

    ``defined``: the column names of every table the models define, ``ignore_tables`` included
    (a foreign key may refer to a table someone else manages, but not to one nobody defines).
    """
    problems = [ModelProblem(table, text) for table, text in clashes(tables, databases)]
    for key, data in tables.items():
        texts = name_problems([(key, data)], databases)
        texts += feature_problems([(key, data)], databases)
        texts += reference_problems(key, data, tables, databases)
        texts += _shape_problems(key, data, databases, defined)
        problems += (ModelProblem(key, text) for text in texts)
    return sorted(set(problems))


def clashes(tables: Mapping[str, TableDict],
            databases: Collection[str]) -> list[tuple[str, str]]:
    """The table and message of each identifier whose name another one of its namespace has
    already."""
    named = [_Named(key, kind, name) for key, data in tables.items()
             for kind, name in identifiers(data)]
    reported: set[tuple[_Named, _Named]] = set()
    problems = []
    for namespace in NAMESPACES:
        if not namespace.databases & set(databases):
            continue
        seen: dict[tuple[str | None, str], _Named] = {}
        for item in named:
            if item.kind not in namespace.kinds:
                continue
            scope = item.table if namespace.per_table else tables[item.table].get("schema")
            name = item.name.lower() if namespace.folds_case else item.name
            first = seen.setdefault((scope, name), item)
            if first is item or (first, item) in reported or (
                    first.kind == item.kind in SHARED_KINDS and first.name == item.name):
                continue
            reported.add((first, item))
            if first == item:  # Column(index=True) plus an Index of the name it gets, say
                problems.append((item.table, f"table {item.table}: {item.kind} name {item.name} "
                                 f"is given twice; {namespace.reason}"))
                continue
            similar = " but for case" if first.name != item.name else ""
            problems.append((item.table, f"table {item.table}: {item.describe(item.table)} has "
                             f"the name of {first.describe(item.table)}{similar}; "
                             f"{namespace.reason}"))
    return problems


def _shape_problems(key: str, data: TableDict, databases: Collection[str],
                    defined: Mapping[str, Collection[str]]) -> Iterator[str]:
    """Tables and indexes without columns, bookkeeping table names, dangling foreign keys."""
    if not data["columns"]:
        yield f"table {key} has no columns; add one (SQLite and MariaDB cannot create it)"
    folds = bool({"sqlite", "mysql"} & set(databases))
    if (key.lower() if folds else key) in BOOKKEEPING_TABLES:
        yield (f"table {key}: the name of a table the migrations keep for themselves "
               f"({', '.join(sorted(BOOKKEEPING_TABLES))}); rename the table")
    for index in data.get("indexes", []):
        if not index.get("columns") and not index.get("expressions"):
            yield f"table {key}: index {index['name']} has no columns"
    for fk in data.get("foreign_keys", []):
        yield from _dangling(key, fk, defined)


def _dangling(key: str, fk: dict[str, Any], defined: Mapping[str, Collection[str]]) -> \
        Iterator[str]:
    referred = fk["referred_table"]
    if referred not in defined:
        yield (f"table {key}: {describe_foreign_key(fk)} refers to table {referred}, which the "
               "models do not define (define it, with ignore_tables if others manage it)")
        return
    for column in fk["referred_columns"]:
        if column not in defined[referred]:
            yield (f"table {key}: {describe_foreign_key(fk)} refers to column "
                   f"{referred}.{column}, which table {referred} does not have")
