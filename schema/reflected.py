"""A reflected table said the way models say it, for ``tool snapshot --from-db``.

Reflection reports what the database holds, in its own words: its type classes (``INTEGER()``
for ``Integer()``), autoincrement spelled out on every column, a SERIAL's sequence as a default,
and options that are only how SQLAlchemy reflected the table (``postgresql_ignore_search_path``,
an empty ``postgresql_include``).  Left in, each would be a difference from the models' snapshot
that is none; each is taken out only where the models' spelling means exactly the same there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import CompileError
from sqlalchemy.types import Enum, Integer, TypeEngine

from .expressions import text_to_type, type_to_text
from .serialize import TableDict

# How SQLAlchemy was asked to reflect, not what the table is.
REFLECTION_OPTIONS = frozenset({"postgresql_ignore_search_path"})


def as_models_say(data: TableDict, dialect: Dialect) -> None:
    """Rewrite the snapshot dict of a table reflected from ``dialect`` in place."""
    _drop_serial_default(data)
    _drop_reflection_options(data)
    for column in data["columns"]:
        _generic_type(column, dialect)
    _drop_implied_autoincrement(data)


def _drop_serial_default(data: TableDict) -> None:
    """PostgreSQL reports a SERIAL column's sequence as its default; the column's
    autoincrement already says so (and the sequence name is the database's own)."""
    for column in data["columns"]:
        default = str(column.get("server_default", ""))
        if column.get("autoincrement") is True and default.startswith("text(\"nextval("):
            del column["server_default"]


def _drop_reflection_options(data: TableDict) -> None:
    """Reflection options of the table, and index options reflected empty (no INCLUDE)."""
    for item in (data, *data.get("indexes", [])):
        options = item.get("dialect_options", {})
        for key in [key for key, value in options.items()
                    if key in REFLECTION_OPTIONS or value in ([], {}, None)]:
            del options[key]
        if "dialect_options" in item and not options:
            del item["dialect_options"]


def _generic_type(column: dict[str, Any], dialect: Dialect) -> None:
    """``INTEGER()`` -> ``Integer()`` where the generic type makes the same DDL on ``dialect``
    (``mysql.INTEGER(display_width=11)`` stays).  ENUMs stay: their DDL does not show values."""
    reflected = text_to_type(column["type"])
    if isinstance(reflected, Enum):
        return
    try:
        generic: TypeEngine[Any] = reflected.as_generic()
        same = _ddl(generic, dialect) == _ddl(reflected, dialect)
    except (NotImplementedError, CompileError):  # no generic type, or none on this database
        return
    if same:
        column["type"] = type_to_text(generic)


def _ddl(type_: TypeEngine[Any], dialect: Dialect) -> str:
    return str(dialect.type_compiler_instance.process(type_))


def _drop_implied_autoincrement(data: TableDict) -> None:
    """Reflection gives every column ``autoincrement``; the models' default (``auto``) means
    true for a lone integer primary key without foreign key or default, false for the rest."""
    key_columns = data.get("primary_key", {}).get("columns", [])
    referring = {name for fk in data.get("foreign_keys", []) for name in fk["columns"]}
    for column in data["columns"]:
        if "autoincrement" not in column or "identity" in column:
            continue
        implied = (key_columns == [column["name"]] and column["name"] not in referring
                   and "server_default" not in column
                   and isinstance(text_to_type(column["type"]), Integer))
        if column["autoincrement"] is implied:
            del column["autoincrement"]
