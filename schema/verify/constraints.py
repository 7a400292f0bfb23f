"""CHECK constraints of the live database against the snapshot, by name and by expression.

Each CHECK's stored text is compared with the snapshot's by shape (``sql_shapes``): operators
and structure, whatever each database adds when it stores it.  A CHECK without a name in the
snapshot (``CheckConstraint("n > 0")`` under a naming convention that does not name it, or the
CHECK a ``Boolean``/``Enum(create_constraint=True)`` type makes without one) gets a name from
the database (PostgreSQL ``t_n_check``, MariaDB ``CONSTRAINT_1``; SQLite reports none): it is
matched to a live CHECK by expression instead.  A type's CHECK is expected where the database
has no native type (``type_checks.made_on``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import CheckConstraint, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import TextClause

from ..compat import given_name, is_type_bound
from ..plan.type_checks import made_on
from ..snapshot.expressions import literal_sql
from ..snapshot.live import LiveSchema, TableSource
from .details import same_expression


@dataclass(frozen=True)
class Check:
    """One CHECK, expected or live: its name (None when unnamed) and SQL text."""

    name: str | None
    sqltext: str

    def label(self) -> str:
        return self.name if self.name else f"CHECK ({self.sqltext})"


def check_constraint_drift(inspector: LiveSchema, metadata: TableSource) -> list[str]:
    """CHECKs missing from the database, not in the snapshot, or checking something else."""
    dialect = inspector.dialect.name
    lines = []
    for table in metadata.tables.values():
        if not inspector.has_table(table.name, schema=table.schema):
            continue
        try:
            reflected = inspector.get_check_constraints(table.name, schema=table.schema)
        except NotImplementedError:
            continue
        live = [Check(item.get("name"), str(item["sqltext"])) for item in reflected]
        columns = {str(column.name) for column in table.columns}
        lines.extend(f"check constraint {label} on {table.name}: {state}" for label, state
                     in _differences(expected_checks(table, inspector.dialect), live, dialect,
                                     columns))
    return lines


def expected_checks(table: Table, dialect: Dialect) -> list[Check]:
    """The table's CHECKs on this database: its own, and those its types make there (written
    as the database's DDL writes them: quoting differs)."""
    found = []
    for constraint in table.constraints:
        if not isinstance(constraint, CheckConstraint):
            continue
        if is_type_bound(constraint):
            if not any(made_on(column.type, dialect.name) for column in constraint.columns):
                continue
        sqltext = constraint.sqltext  # text from the snapshot, or a type's expression
        found.append(Check(given_name(constraint.name), sqltext.text if isinstance(
            sqltext, TextClause) else literal_sql(sqltext, dialect)))
    return found


def _differences(expected: list[Check], live: list[Check], dialect: str,
                 columns: set[str]) -> list[tuple[str, str]]:
    """(CHECK, what is wrong with it) for each difference.  Named CHECKs are matched by name
    (SQLite lets two share one: then by expression among them), then unnamed ones by
    expression among the live CHECKs left."""
    lines = []
    unmatched = list(live)
    for check in sorted(expected, key=lambda item: item.name is None):
        candidates = [item for item in unmatched if item.name == check.name or not check.name]
        found = next((item for item in candidates
                      if same_expression(item.sqltext, check.sqltext, dialect)), None)
        if found is not None:
            unmatched.remove(found)
        elif check.name and candidates:
            unmatched.remove(candidates[0])
            lines.append((check.label(), f"the database checks {candidates[0].sqltext!r}, the "
                                         f"snapshot says {check.sqltext!r}"))
        else:
            lines.append((check.label(), "missing from the database"))
    # MariaDB adds a CHECK (json_valid(col)) named after each JSON column by itself.
    lines.extend((check.label(), f"not in the snapshot (it checks {check.sqltext!r})")
                 for check in unmatched if check.name not in columns)
    return lines

