"""The catalogue of review rules: each risk code with its name, category, default severity and
reason.  Configuration (``[tool.schema] lint``) and the lint of changes both read it, so it sits
below both.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.Enum):
    """How much a risk matters: ``error`` blocks `tool snapshot` unless allowed."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    OFF = "off"


class Category(enum.Enum):
    DESTRUCTIVE = "destructive"
    DATA_DEPENDENT = "data-dependent"
    BACKWARD_INCOMPATIBLE = "backward-incompatible"
    LOCKING = "locking (PostgreSQL)"
    TABLE_COPY = "table copy (MariaDB/MySQL)"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    category: Category
    severity: Severity
    reason: str
    # the code of the same check in Atlas's analyzers (atlasgo.io/lint/analyzers), if it has one
    atlas: str | None = None


RULES: dict[str, Rule] = {rule.code: rule for rule in (
    Rule("DS101", "drop-table", Category.DESTRUCTIVE, Severity.ERROR,
         "dropping a table deletes all its rows", atlas="DS102"),
    Rule("DS102", "drop-column", Category.DESTRUCTIVE, Severity.ERROR,
         "dropping a column deletes its data", atlas="DS103"),
    Rule("DS103", "narrow-type", Category.DESTRUCTIVE, Severity.ERROR,
         "a narrower type or length fails on, or truncates, existing values"),
    Rule("DS104", "drop-enum-value", Category.DESTRUCTIVE, Severity.ERROR,
         "rows holding a removed ENUM value can no longer be stored"),
    Rule("MF101", "set-not-null", Category.DATA_DEPENDENT, Severity.WARNING,
         "NOT NULL fails if existing rows hold NULL", atlas="MF104"),
    Rule("MF102", "add-unique", Category.DATA_DEPENDENT, Severity.WARNING,
         "a new unique constraint or index fails if existing rows hold duplicates",
         atlas="MF101, MF102"),
    Rule("MF103", "add-check", Category.DATA_DEPENDENT, Severity.WARNING,
         "a new CHECK fails if existing rows violate it"),
    Rule("MF104", "add-not-null-column", Category.DATA_DEPENDENT, Severity.WARNING,
         "a NOT NULL column without a server default cannot be added to a table with rows",
         atlas="MF103"),
    Rule("BC101", "rename-table", Category.BACKWARD_INCOMPATIBLE, Severity.WARNING,
         "the running application still uses the old table name during a rolling deploy",
         atlas="BC101"),
    Rule("BC102", "rename-column", Category.BACKWARD_INCOMPATIBLE, Severity.WARNING,
         "the running application still uses the old column name during a rolling deploy",
         atlas="BC102"),
    Rule("BC103", "change-type", Category.BACKWARD_INCOMPATIBLE, Severity.WARNING,
         "the running application may read or write values of the old type"),
    Rule("PG101", "index-not-concurrently", Category.LOCKING, Severity.WARNING,
         "CREATE INDEX without CONCURRENTLY blocks writes to the table while it builds",
         atlas="PG101"),
    Rule("PG102", "foreign-key-not-valid", Category.LOCKING, Severity.WARNING,
         "adding a foreign key without NOT VALID locks both tables while every row is checked"),
    Rule("PG103", "check-not-valid", Category.LOCKING, Severity.WARNING,
         "adding a CHECK without NOT VALID locks the table while every row is checked"),
    Rule("PG104", "type-rewrite", Category.LOCKING, Severity.WARNING,
         "this type change rewrites the whole table under an exclusive lock"),
    Rule("MY101", "enum-table-copy", Category.TABLE_COPY, Severity.WARNING,
         "changing ENUM values other than appending makes MariaDB/MySQL copy the table"),
    Rule("MY102", "table-options-copy", Category.TABLE_COPY, Severity.WARNING,
         "new table options (engine, character set, row format, ...) make MariaDB/MySQL copy "
         "the table; characters a new character set cannot hold fail or are lost"),
)}
