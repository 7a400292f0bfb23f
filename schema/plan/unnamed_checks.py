"""CHECKs without a name: kept through SQLite's table rebuilds, refused where no revision could
address them.

A CHECK without a name gets one from the database (PostgreSQL ``plants_n_check``, MariaDB
``CONSTRAINT_1``; SQLite none), which no revision can know: one added to or dropped from an
existing table, or made by the type of a column added to, dropped from or retyped on one, could
be created but never dropped again (the downgrade would fail), so such changes are refused at
snapshot time with what to do (``unnamed_check_problems``).  Tables created or dropped whole
take their CHECKs with them.

Alembic's batch mode rebuilds a SQLite table from its reflected definition and leaves out every
reflected CHECK without a name (it cannot tell a type's own CHECK from the others), and the
reflected ``BOOLEAN`` of a ``Boolean(create_constraint=True)`` column makes none: a rebuild
silently dropped ``CheckConstraint("n > 0")`` and the CHECKs Boolean and Enum types make
without a naming convention.  So a table's batch block passes them to the rebuild
(``batch_alter_table(..., table_args=(sa.CheckConstraint('n > 0'),))``), which only a rebuild
reads: PostgreSQL and MariaDB alter in place and keep them.

The CHECKs given are those of the state the block leads to (the new table in the upgrade, the
old one in the downgrade) on columns the table has before and after, so each names only columns
the table has whenever the block runs; a type's CHECK only where the column keeps its type (a
type change makes or drops it).
"""

from __future__ import annotations

from collections.abc import Iterable

from alembic.operations import ops
from sqlalchemy import CheckConstraint, Table
from sqlalchemy.sql.elements import TextClause

from ..compat import given_name, is_type_bound
from ..diff import Action, Change, Kind
from ..snapshot.expressions import literal_sql, mentions, type_to_text
from .ops.rebuild import KeptOnRebuildModifyTableOps
from .tables import Tables
from .type_checks import made_on


def unnamed_check_problems(changes: Iterable[Change], old_tables: Tables,
                           new_tables: Tables, databases: Iterable[str]) -> list[str]:
    """Every change to a CHECK without a name on a table that stays, one line each."""
    problems = []
    databases = tuple(databases)
    for change in changes:
        old, new = old_tables.get(change.table), new_tables.get(change.table)
        if old is None or new is None:
            continue
        if change.kind is Kind.CHECK and (change.new or change.old or {}).get("name") is None:
            sqltext = (change.new or change.old)["sqltext"]
            problems.append(
                f"table {change.table}: CHECK ({sqltext}) has no name, so it cannot be added "
                "to or dropped from an existing table (each database names it its own way, "
                "and the downgrade could not drop it): name it (CheckConstraint(..., "
                "name=...)) or give the MetaData a naming convention for \"ck\"")
        elif change.kind is Kind.COLUMN and change.action is not Action.RENAME and (
                change.action is not Action.ALTER or change.attribute == "type"):
            column = str(change.name)
            before, after = _type_checks(old, column, databases), _type_checks(new, column,
                                                                            databases)
            if before != after:
                problems.append(
                    f"column {change.table}.{column}: the CHECK its Boolean/Enum type makes "
                    "has no name, so the column cannot be added, dropped or change type on an "
                    "existing table (each database names the CHECK its own way, and the "
                    "downgrade could not drop it): give the MetaData a naming convention for "
                    "\"ck\" such as \"ck_%(table_name)s_%(column_0_name)s\"")
    return problems


def _type_checks(table: Table, column: str, databases: tuple[str, ...]) -> list[str]:
    """SQL of the unnamed CHECKs the column's type makes on any of ``databases``."""
    if column not in table.columns or not any(
            made_on(table.columns[column].type, database) for database in databases):
        return []
    return sorted(literal_sql(constraint.sqltext) for constraint in table.constraints
                  if isinstance(constraint, CheckConstraint) and given_name(constraint.name) is None
                  and is_type_bound(constraint) and column in constraint.columns)


def batch_block(old: Table | None, new: Table | None, table: Table,
                items: list[ops.MigrateOperation]) -> ops.ModifyTableOps:
    """The batch block of ``items`` on ``table``, keeping its unnamed CHECKs and its SQLite
    table options where a rebuild would lose them."""
    if old is None or new is None:
        return ops.ModifyTableOps(table.name, items, schema=table.schema)
    checks, reverse_checks = unnamed_checks(new, old), unnamed_checks(old, new)
    options, reverse_options = rebuilt_options(new), rebuilt_options(old)
    if not (checks or reverse_checks or options or reverse_options):
        return ops.ModifyTableOps(table.name, items, schema=table.schema)
    return KeptOnRebuildModifyTableOps(table.name, items, schema=table.schema, checks=checks,
                                    reverse_checks=reverse_checks, options=options,
                                    reverse_options=reverse_options)


def rebuilt_options(table: Table) -> dict[str, object]:
    """The table's options SQLite's rebuild must be given again (Alembic's batch mode copies
    columns and constraints, not ``sqlite_autoincrement``: AUTOINCREMENT was silently lost)."""
    return {key: value for key, value in table.dialect_kwargs.items()
            if key == "sqlite_autoincrement" and value}


def unnamed_checks(table: Table, other: Table) -> list[str]:
    """SQL of the table's CHECKs without a name that SQLite has and that only name columns
    ``other`` (the table on the revision's other side) has too: its own, and those its
    Boolean/Enum types make there when ``other`` gives the column the same type; sorted, so
    revisions are stable."""
    found = []
    for constraint in table.constraints:
        if not isinstance(constraint, CheckConstraint) or given_name(constraint.name) is not None:
            continue
        if is_type_bound(constraint):
            made = [column for column in constraint.columns if made_on(column.type, "sqlite")]
            if made and all(column.name in other.columns and type_to_text(column.type)
                            == type_to_text(other.columns[column.name].type) for column in made):
                found.append(literal_sql(constraint.sqltext))
            continue
        sqltext = constraint.sqltext
        text = sqltext.text if isinstance(sqltext, TextClause) else literal_sql(sqltext)
        if all(column.name in other.columns for column in table.columns
               if mentions(text, str(column.name))):
            found.append(text)
    return sorted(found)

