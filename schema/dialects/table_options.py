"""Table options of MariaDB/MySQL (``mysql_engine``, ``mysql_charset``, ``mysql_collate``,
``mysql_row_format``, ...): which are migrated on an existing table (``plan/ops/table_options``
writes the ALTER TABLE), what a removed one goes back to, and their verification.
PostgreSQL and SQLite table options (tablespace, partitioning, rowid) cannot be changed in
place here; ``option_problems`` refuses such a change when that database is a target.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import text

from ..snapshot.live import LiveSchema, TableSource
from ..snapshot.serialize import TableDict
from .on import Database

CHARSET_OPTIONS = ("mysql_charset", "mysql_default_charset", "mysql_character_set",
                   "mysql_default_character_set")
COLLATE_OPTIONS = ("mysql_collate", "mysql_default_collate")
# What ALTER TABLE sets an option back to when the models drop it (engine and character set:
# the server's and database's defaults); changing any other option is refused (MariaDB would
# keep it on downgrade).
RESETS = {"mysql_row_format": "DEFAULT", "mysql_pack_keys": "DEFAULT",
           "mysql_stats_auto_recalc": "DEFAULT", "mysql_stats_persistent": "DEFAULT",
           "mysql_stats_sample_pages": "DEFAULT", "mysql_checksum": "0",
           "mysql_delay_key_write": "0", "mysql_key_block_size": "0", "mysql_min_rows": "0",
           "mysql_max_rows": "0", "mysql_avg_row_length": "0", "mysql_auto_increment": "1",
           "mysql_comment": ""}
MIGRATED_OPTIONS = {*CHARSET_OPTIONS, *COLLATE_OPTIONS, "mysql_engine", *RESETS}
# The next AUTO_INCREMENT value changes by itself; a table comment is compared by Alembic.
_UNVERIFIED = {"mysql_auto_increment", "mysql_comment"}
_PLAIN = re.compile(r"^\w+$")
_QUOTED_BY_SQLALCHEMY = {"mysql_comment", "mysql_data_directory", "mysql_index_directory",
                         "mysql_password", "mysql_connection"}


def mysql_options(options: Mapping[str, Any] | None) -> dict[str, str]:
    """The MariaDB/MySQL options among a table's dialect options, values as text."""
    return {key: str(value) for key, value in (options or {}).items()
            if key.startswith("mysql_")}


def charset_of(options: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The character set and collation these options declare (None where they do not)."""
    charset = next((options[key] for key in CHARSET_OPTIONS if key in options), None)
    collate = next((options[key] for key in COLLATE_OPTIONS if key in options), None)
    return charset, collate


def option_problems(change_table: str, old: Mapping[str, Any] | None,
                    new: Mapping[str, Any] | None, databases: Iterable[str]) -> list[str]:
    """One message per changed option of an existing table that a target database cannot
    change in place and back (every option but the MariaDB/MySQL ones migrated here)."""
    old, new = dict(old or {}), dict(new or {})
    targets = set(databases)
    problems = []
    for key in sorted(old.keys() | new.keys()):
        if old.get(key) == new.get(key):
            continue
        database = key.split("_", 1)[0]
        if key in MIGRATED_OPTIONS:
            continue
        if database in targets or (database == "mariadb" and "mysql" in targets):
            verb = "removing" if key not in new else "adding" if key not in old else "changing"
            target = "mysql" if database == "mariadb" else database
            problems.append(
                f"table {change_table}: {verb} {key} of an existing table is not migrated "
                "(the database cannot change it in place); re-create the table, or remove "
                f"\"{target}\" from [tool.schema] databases if you do not deploy to it")
    return problems


def value_problems(tables: Iterable[tuple[str, TableDict]]) -> list[str]:
    """MariaDB/MySQL option values that are not one plain word: SQLAlchemy writes them into
    CREATE and ALTER TABLE as they are."""
    return [f"table {key}: {option} {value!r} is not a plain word (letters, digits, _)"
            for key, data in tables
            for option, value in mysql_options(data.get("dialect_options")).items()
            if option not in _QUOTED_BY_SQLALCHEMY and not _PLAIN.match(value)]


def option_drift(inspector: LiveSchema, metadata: TableSource) -> list[str]:
    """Engine, character set, collation and the other declared MariaDB/MySQL options; where
    the models declare no engine or character set, the server's and database's defaults."""
    if not Database.MYSQL.matches(inspector.dialect):
        return []
    connection = inspector.bind
    engine = connection.exec_driver_sql("SELECT @@default_storage_engine").scalar()
    # each database's default character set and collation, read once (bound: names are data)
    # (a database not there yet has no row; its tables are skipped below)
    defaults = {schema: connection.execute(text(
        "SELECT default_character_set_name, default_collation_name FROM "
        "information_schema.schemata WHERE schema_name = COALESCE(:s, DATABASE())"),
        {"s": schema}).first() for schema in {table.schema for table in metadata.tables.values()}}
    lines = []
    for table in metadata.tables.values():
        if not inspector.has_table(table.name, schema=table.schema):
            continue
        declared = mysql_options(table.dialect_kwargs)
        live = inspector.get_table_options(table.name, schema=table.schema)
        charset, collate = charset_of(declared)
        wanted = {key: value for key, value in declared.items()
                  if key not in (*CHARSET_OPTIONS, *COLLATE_OPTIONS, *_UNVERIFIED)}
        wanted.setdefault("mysql_engine", engine)
        if charset is None and collate is None:
            charset, collate = defaults[table.schema]  # type: ignore[misc]
        wanted["mysql_default charset"] = charset or str(collate).split("_")[0]
        if collate:
            wanted["mysql_collate"] = collate
        for key, value in sorted(wanted.items()):
            found = live.get(key)
            if found is not None and str(found).lower() != str(value).lower():
                lines.append(f"table {table.name}: {key.removeprefix('mysql_')} is {found} in "
                             f"the database, the snapshot says {value}")
    return lines
