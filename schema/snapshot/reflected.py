"""A reflected table said the way models say it, for ``tool snapshot --from-db``.

Reflection reports what the database holds, in its own words: its type classes (``INTEGER()``
for ``Integer()``), autoincrement spelled out on every column, a SERIAL's sequence as a default,
options that are only how SQLAlchemy reflected the table (``postgresql_ignore_search_path``,
an empty ``postgresql_include``), and on MariaDB the display widths and table options it gives
when none are declared (``int(11)``, the server's engine and the database's character set).
Left in, each would be a difference from the models' snapshot that is none; each is taken out
only where the models' spelling means exactly the same there.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import CompileError
from sqlalchemy.types import Boolean, Enum, Integer, TypeEngine

from .expressions import text_to_type, type_to_text
from .serialize import TableDict

# How SQLAlchemy was asked to reflect, not what the table is.
REFLECTION_OPTIONS = frozenset({"postgresql_ignore_search_path"})


# Tables reflected per call: each can be a few calls deeper than the one before it.
REFLECT_BATCH = 50
# How MariaDB stores the types some generic ones compile to.
MARIADB_SYNONYMS = {"NUMERIC": "DECIMAL", "BOOL": "TINYINT(1)"}
# MariaDB shows the display width it gives an integer type by default: int(11), int(10) unsigned
DEFAULT_WIDTHS = {"INTEGER": (11, 10), "BIGINT": (20, 20), "MEDIUMINT": (9, 8),
                  "SMALLINT": (6, 5), "TINYINT": (4, 3)}


def reflect_tables(connection: Connection, skip: Collection[str]) -> MetaData:
    """Every table of the connection's database but ``skip``, with the tables of other schemas
    their keys refer to.  Reflecting a table reflects the tables its keys refer to first, one
    call deeper each; so tables are reflected referred first, a batch at a time, and a chain of
    keys 1,000 tables deep stays far from Python's recursion limit."""
    metadata = MetaData()
    names = [name for name, _ in inspect(connection).get_sorted_table_and_fkc_names()
             if name is not None and name not in skip]
    for start in range(0, len(names), REFLECT_BATCH):
        metadata.reflect(connection, only=names[start:start + REFLECT_BATCH])
    return metadata


def server_defaults(connection: Connection) -> dict[str, str]:
    """MariaDB/MySQL: the options a table of the connection's database gets when it declares
    none (the server's engine, the database's character set and collation); elsewhere none."""
    if connection.dialect.name != "mysql":
        return {}
    engine = connection.exec_driver_sql("SELECT @@default_storage_engine").scalar()
    charset, collate = connection.exec_driver_sql(
        "SELECT default_character_set_name, default_collation_name FROM "
        "information_schema.schemata WHERE schema_name = DATABASE()").one()
    return {"mysql_engine": str(engine), "mysql_default charset": str(charset),
            "mysql_collate": str(collate)}


def sqlite_autoincrement(connection: Connection) -> set[str]:
    """SQLite: the tables created with AUTOINCREMENT (``sqlite_autoincrement``), which
    SQLAlchemy does not reflect; they are the ones ``sqlite_sequence`` is kept for."""
    if connection.dialect.name != "sqlite":
        return set()
    rows = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL")
    return {name for name, sql in rows if _AUTOINCREMENT.search(sql)}


# AUTOINCREMENT as a word of the statement, not inside a name or a string literal
_AUTOINCREMENT = re.compile(r"""^(?:[^'"`\[]|'[^']*'|"[^"]*"|`[^`]*`|\[[^\]]*\])*?"""
                            r"\bAUTOINCREMENT\b", re.IGNORECASE | re.DOTALL)


def as_models_say(data: TableDict, dialect: Dialect, defaults: dict[str, str]) -> None:
    """Rewrite the snapshot dict of a table reflected from ``dialect`` in place (``defaults``:
    from :func:`server_defaults`)."""
    _drop_serial_default(data)
    _drop_reflection_options(data, {} if data.get("schema") else defaults)
    for column in data["columns"]:
        _generic_type(column, dialect)
    _drop_implied_autoincrement(data)
    if dialect.name == "mysql":
        _drop_key_indexes(data)


def _drop_serial_default(data: TableDict) -> None:
    """PostgreSQL reports a SERIAL column's sequence as its default; the column's
    autoincrement already says so (and the sequence name is the database's own)."""
    for column in data["columns"]:
        default = str(column.get("server_default", ""))
        if column.get("autoincrement") is True and default.startswith("text(\"nextval("):
            del column["server_default"]


def _drop_reflection_options(data: TableDict, defaults: dict[str, str]) -> None:
    """Reflection options of the table, table options that are the database's defaults, and
    index options reflected empty (no INCLUDE)."""
    for item in (data, *data.get("indexes", [])):
        options = item.get("dialect_options", {})
        for key in [key for key, value in options.items()
                    if key in REFLECTION_OPTIONS or value in ([], {}, None)
                    or str(value).lower() == defaults.get(key, "").lower()]:
            del options[key]
        if "dialect_options" in item and not options:
            del item["dialect_options"]


def _generic_type(column: dict[str, Any], dialect: Dialect) -> None:
    """``INTEGER()`` -> ``Integer()`` where the generic type makes the same DDL on ``dialect``
    (``mysql.INTEGER(display_width=11)`` stays).  ENUMs stay: their DDL does not show values."""
    reflected = _without_default_width(text_to_type(column["type"]))
    column["type"] = type_to_text(reflected)
    if isinstance(reflected, Enum):
        return
    try:
        generic: TypeEngine[Any] = (Boolean() if dialect.name == "mysql" and _ddl(
            reflected, dialect) == "TINYINT(1)" else reflected.as_generic())  # MariaDB's BOOL
        same = _ddl(generic, dialect) == _ddl(reflected, dialect)
    except (NotImplementedError, CompileError):  # no generic type, or none on this database
        return
    if same:
        column["type"] = type_to_text(generic)


def _without_default_width(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    """A MariaDB integer type without the display width MariaDB gives it anyway."""
    widths = DEFAULT_WIDTHS.get(type(type_).__name__)
    if widths is None or getattr(type_, "display_width", None) != widths[bool(
            getattr(type_, "unsigned", False))]:
        return type_
    return type(type_)(unsigned=type_.unsigned, zerofill=type_.zerofill)  # type: ignore[call-arg, attr-defined]


def _ddl(type_: TypeEngine[Any], dialect: Dialect) -> str:
    """The type's DDL on ``dialect``, as MariaDB stores it there (NUMERIC is DECIMAL, BOOL is
    TINYINT(1))."""
    ddl = str(dialect.type_compiler_instance.process(type_))
    if dialect.name == "mysql":
        name, parenthesis, rest = ddl.partition("(")
        ddl = MARIADB_SYNONYMS.get(name, name) + parenthesis + rest
    return ddl


def _drop_key_indexes(data: TableDict) -> None:
    """MariaDB gives a foreign key without an index of its own one named after the key."""
    keys = {(fk["name"], tuple(fk["columns"])) for fk in data.get("foreign_keys", [])}
    indexes = [index for index in data.get("indexes", []) if index.get("unique") or (
        index["name"], tuple(index.get("columns", []))) not in keys]
    if indexes:
        data["indexes"] = indexes
    else:
        data.pop("indexes", None)


def _drop_implied_autoincrement(data: TableDict) -> None:
    """Reflection gives every column ``autoincrement``; the models' default (``auto``) means
    what :func:`implied_autoincrement` says."""
    for column in data["columns"]:
        if "autoincrement" not in column or "identity" in column:
            continue
        if column["autoincrement"] is implied_autoincrement(data, column):
            del column["autoincrement"]


def implied_autoincrement(data: TableDict, column: dict[str, Any]) -> bool:
    """What ``autoincrement="auto"`` (the models' default) means for ``column`` of ``data``:
    true for a lone integer primary key without foreign key or default, false for the rest."""
    key_columns = data.get("primary_key", {}).get("columns", [])
    referring = {name for fk in data.get("foreign_keys", []) for name in fk["columns"]}
    return (key_columns == [column["name"]] and column["name"] not in referring
            and "server_default" not in column
            and isinstance(text_to_type(column["type"]), Integer))
