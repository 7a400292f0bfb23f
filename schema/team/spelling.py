"""A reflected table spelled as the models spell it, for ``tool snapshot --from-db``.

``snapshot.reflected`` takes out what is only how SQLAlchemy reflects; what remains is the
database's own words for things the models say another way, and on a database the tool built
``tool diff`` against the models' snapshot listed them as changes that are none:

* a default: MariaDB keeps ``CURRENT_DATE`` as ``curdate()`` and ``false()`` as ``0``,
  PostgreSQL ``'x'`` as ``'x'::character varying``, SQLite ``(1.50)`` as ``1.50``;
* the name of a key or CHECK: MariaDB calls every primary key ``PRIMARY``; PostgreSQL names
  unnamed ones ``<table>_pkey``, ``<table>_<columns>_key``, ``<table>_<columns>_fkey`` and
  ``<table>_<column>_check``, MariaDB ``<table>_ibfk_<n>`` and ``CONSTRAINT_<n>``; MariaDB
  keeps a unique constraint as a unique index, and gives a foreign key an index of its own,
  named after the first column when unnamed;
* a CHECK's text (PostgreSQL: ``id >= 1 AND id <= 9`` for ``id BETWEEN 1 AND 9``) and a type
  stored under another name (``Float(precision=53)`` is PostgreSQL's DOUBLE PRECISION);
* what this database cannot hold at all: a type's variant or a table's or index's options for
  another database, a column numbered from a ``Sequence`` by SQLAlchemy (the database sees a
  plain column, and the sequence on its own where it has sequences).

Each is spelled as the models' table does only where both mean the same on that database
(defaults, CHECKs and stored types as verification compares them, other types by their DDL
there), so a real difference still shows.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import CompileError
from sqlalchemy.types import Enum, TypeEngine

from ..dialects.on import Database
from ..snapshot.default_variants import RecordedDefault, build_default
from ..snapshot.expressions import default_to_sql, text_to_type
from ..snapshot.reflected import implied_autoincrement
from ..snapshot.serialize import TableDict
from ..verify.defaults import normalize_default
from ..verify.details import same_expression
from ..verify.types import same_stored

# Dialect-option prefixes of each database (MariaDB reads mysql_ and mariadb_ options).
_OWN_PREFIXES = {"mysql": ("mysql_", "mariadb_")}


def spelled_as(data: TableDict, models: TableDict | None, dialect: Dialect,
               sequences: Collection[str] = ()) -> None:
    """Spell the reflected table ``data`` as the models' ``models`` do wherever they mean the
    same on ``dialect`` (``sequences``: the database's sequence names).  Without the models'
    table, the name the database gives an unnamed key is dropped (what models that name none
    record)."""
    _key_name(data, (models or {}).get("primary_key"), dialect)
    if models is None:
        return
    _unique_names(data, models, dialect)
    _foreign_key_names(data, models, dialect)
    _checks(data, models, dialect)
    _other_options(data, models, dialect)
    theirs = {column["name"]: column for column in models["columns"]}
    for column in data["columns"]:
        their = theirs.get(column["name"])
        if their is not None:
            _column(column, their, dialect, sequences)
            _autoincrement(data, column, their, dialect)


def _key_name(data: TableDict, wanted: dict[str, Any] | None, dialect: Dialect) -> None:
    key = data.get("primary_key")
    if key is None:
        return
    unnamed = {"postgresql": f"{data['name']}_pkey"}.get(dialect.name)
    if wanted is not None and wanted["columns"] == key["columns"] and (
            Database.MYSQL.matches(dialect) or key["name"] in (wanted["name"], unnamed)):
        key["name"] = wanted["name"]  # MariaDB keeps no name to compare
    elif key["name"] == unnamed:
        key["name"] = None


def _unique_names(data: TableDict, models: TableDict, dialect: Dialect) -> None:
    """PostgreSQL's name for an unnamed unique constraint; MariaDB's unique index for one."""
    for wanted in models.get("unique_constraints", []):
        columns = wanted["columns"]
        if Database.POSTGRESQL.matches(dialect) and wanted["name"] is None:
            default = f"{data['name']}_{'_'.join(columns)}_key"
            for unique in data.get("unique_constraints", []):
                if unique["columns"] == columns and unique["name"] == default:
                    unique["name"] = None
        elif Database.MYSQL.matches(dialect):
            _mariadb_unique(data, wanted)


def _foreign_key_names(data: TableDict, models: TableDict, dialect: Dialect) -> None:
    """The name a database gives an unnamed foreign key (PostgreSQL ``<table>_<columns>_fkey``,
    MariaDB ``<table>_ibfk_<n>``) where the models' key on the same columns has none."""
    table = re.escape(data["name"])
    for key in data.get("foreign_keys", []):
        columns = "_".join(key["columns"])
        automatic = {"postgresql": rf"{table}_{re.escape(columns)}_fkey\d*",
                     "mysql": rf"{table}_ibfk_\d+"}.get(dialect.name)
        if automatic and re.fullmatch(automatic, key["name"] or "") and any(
                wanted["name"] is None and all(wanted[field] == key[field] for field in (
                    "columns", "referred_table", "referred_columns"))
                for wanted in models.get("foreign_keys", [])):
            key["name"] = None
            if dialect.name == "mysql":
                _drop_key_index(data, models, key["columns"])


def _drop_key_index(data: TableDict, models: TableDict, columns: list[str]) -> None:
    """The index MariaDB makes for an unnamed foreign key without one, named after its first
    column (``_2``... when taken), unless the models have an index of that name."""
    theirs = {index["name"] for index in models.get("indexes", [])}
    for index in data.get("indexes", []):
        if (_named_after(index["name"], columns[0]) and index["columns"] == columns
                and not index.get("unique") and index["name"] not in theirs):
            data["indexes"].remove(index)
            if not data["indexes"]:
                del data["indexes"]
            return


def _named_after(name: str, column: str) -> bool:
    """MariaDB's name for an index it names after ``column``: the column's, or with _2, _3..."""
    return name == column or (name.startswith(f"{column}_") and name[len(column) + 1:].isdigit())


def _checks(data: TableDict, models: TableDict, dialect: Dialect) -> None:
    """A CHECK as the database stores it, for the models' CHECK it checks the same as (by
    shape): the models' text, and no name where the models give none and the database named it
    (PostgreSQL ``<table>_<column>_check``, MariaDB ``CONSTRAINT_<n>``)."""
    automatic = {"postgresql": rf"{re.escape(data['name'])}(?:_\w+)?_check\d*",
                 "mysql": r"CONSTRAINT_\d+"}.get(dialect.name, "(?!)")
    wanted = list(models.get("check_constraints", []))
    for check in data.get("check_constraints", []):
        match = next((their for their in wanted if (their["name"] == check["name"] or (
            their["name"] is None and re.fullmatch(automatic, check["name"] or "")))
            and same_expression(check["sqltext"], their["sqltext"], dialect.name)), None)
        if match is not None:
            wanted.remove(match)
            check.update(match)


def _mariadb_unique(data: TableDict, wanted: dict[str, Any]) -> None:
    """The unique index MariaDB keeps for the models' unique constraint ``wanted`` (named as
    it is, or after its first column, ``_2``... when taken), recorded as that constraint."""
    first = wanted["columns"][0]
    for index in data.get("indexes", []):
        name = index["name"]
        if (index.get("unique") and index["columns"] == wanted["columns"]
                and set(index) == {"name", "columns", "unique"}
                and (name == wanted["name"] or (wanted["name"] is None
                                                and _named_after(name, first)))):
            data["indexes"].remove(index)
            if not data["indexes"]:
                del data["indexes"]
            data.setdefault("unique_constraints", []).append(dict(wanted))
            return


def _other_options(data: TableDict, models: TableDict, dialect: Dialect) -> None:
    """The models' table and index options for other databases (this one cannot hold them),
    and their own index options where the database respells them."""
    own = _OWN_PREFIXES.get(dialect.name, (f"{dialect.name}_",))
    indexes = {index["name"]: index for index in models.get("indexes", [])}
    pairs = [(data, models)] + [(index, indexes[index["name"]])
                                for index in data.get("indexes", []) if index["name"] in indexes]
    for reflected, their in pairs:
        options = reflected.get("dialect_options", {})
        kept = {key: value for key, value in their.get("dialect_options", {}).items()
                if not key.startswith(own) or (key in options and _same_option(
                    key, options[key], value, reflected.get("columns", []), dialect))}
        if kept:
            reflected["dialect_options"] = {**options, **kept}


def _same_option(key: str, reflected: Any, models: Any, columns: list[str],
                 dialect: Dialect) -> bool:
    """A partial index's condition as the database stores it (PostgreSQL adds parentheses and
    casts); MariaDB's prefix length per column for the models' one length of all."""
    if key.endswith("_where"):
        return same_expression(str(reflected), str(models), dialect.name)
    if key.endswith("_length") and isinstance(models, int):
        return reflected == dict.fromkeys(columns, models)
    return False


def _column(column: dict[str, Any], their: dict[str, Any], dialect: Dialect,
            sequences: Collection[str]) -> None:
    """The models' default and type where they mean the same here, and their sequence where
    SQLAlchemy numbers the column from it (invisible to the database as the column's)."""
    default = column.get("server_default")
    if default is not None and "server_default" in their and _same_default(
            default, their["server_default"], dialect):
        column["server_default"] = their["server_default"]
    if column["type"] != their["type"] and _same_type(column["type"], their["type"], dialect):
        column["type"] = their["type"]
    sequence = their.get("sequence")
    if sequence is not None and "sequence" not in column and (
            not dialect.supports_sequences or sequence["name"] in sequences):
        column["sequence"] = sequence
        if "autoincrement" in their:
            column["autoincrement"] = their["autoincrement"]


def _autoincrement(data: TableDict, column: dict[str, Any], their: dict[str, Any],
                   dialect: Dialect) -> None:
    """The models' explicit ``autoincrement`` where it says what the reflection implies, or
    where the database cannot tell: SQLite numbers a lone INTEGER primary key by its rowid
    either way (unless the table has AUTOINCREMENT)."""
    if "autoincrement" not in their or "autoincrement" in column:
        return
    implied = implied_autoincrement(data, column)
    rowid = Database.SQLITE.matches(dialect) and implied and not data.get(
        "dialect_options", {}).get("sqlite_autoincrement")
    if their["autoincrement"] is implied or (rowid and isinstance(their["autoincrement"], bool)):
        column["autoincrement"] = their["autoincrement"]


def _same_default(reflected: str, models: RecordedDefault, dialect: Dialect) -> bool:
    """Whether two recorded defaults are one on ``dialect``, as verification compares them
    (the models' may be one per database)."""
    return normalize_default(default_to_sql(build_default(reflected), dialect)) == \
        normalize_default(default_to_sql(build_default(models), dialect))


def _same_type(reflected: str, models: str, dialect: Dialect) -> bool:
    """Whether two recorded types make the same DDL on ``dialect`` (a variant for another
    database, a non-native Enum's VARCHAR, say).  Types that make a CHECK of their own are not
    judged by their DDL; PostgreSQL's ENUMs by name and values (their DDL is only the name)."""
    types = [text_to_type(text) for text in (reflected, models)]
    if any(getattr(type_, "create_constraint", False) for type_ in types):
        return False
    if Database.POSTGRESQL.matches(dialect) and any(isinstance(type_, Enum) for type_ in types):
        return all(isinstance(type_, Enum) for type_ in types) and len({
            (type_.native_enum, type_.name, type_.schema, tuple(type_.enums))  # type: ignore[attr-defined]
            for type_ in types}) == 1
    try:
        return types[0].compile(dialect=dialect) == types[1].compile(dialect=dialect) or \
            _same_stored(types[0], types[1], dialect)
    except CompileError:
        return False


def _same_stored(reflected: TypeEngine[Any], models: TypeEngine[Any], dialect: Dialect) -> bool:
    """Whether the database stores the models' type as the reflected one, under another name
    (``Float(precision=53)`` is PostgreSQL's DOUBLE PRECISION: verification's ``same_stored``,
    given the database's own type for the reflected DDL)."""
    name = str(reflected.compile(dialect=dialect)).partition("(")[0].strip().lower()
    live = dialect.ischema_names.get(name)
    return live is not None and same_stored(dialect.name, live(), models)
