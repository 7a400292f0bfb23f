"""What the databases a project targets can express, checked at `tool snapshot` time.

A name PostgreSQL would truncate (63 bytes) or MariaDB would refuse (64 characters), or a
construct a target database cannot create, is reported with the table it belongs to before any
revision is written, not at deploy time.  ``[tool.schema] databases`` lists the targets.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..snapshot.expressions import index_column, text_length, text_to_type
from ..snapshot.serialize import TableDict
from .enums import native_enum
from .on import index_on
from .table_options import value_problems


@dataclass(frozen=True)
class NameLimit:
    """How long an identifier may be on one database."""

    database: str
    label: str
    maximum: int
    in_bytes: bool

    def measure(self, name: str) -> int:
        return len(name.encode("utf-8")) if self.in_bytes else len(name)


LIMITS = {
    "postgresql": NameLimit("postgresql", "PostgreSQL", 63, in_bytes=True),
    "mysql": NameLimit("mysql", "MariaDB/MySQL", 64, in_bytes=False),
}


def identifiers(data: TableDict) -> Iterator[tuple[str, str]]:
    """``(kind, name)`` of every named object of a table, the table itself first."""
    yield "table", data["name"]
    for column in data["columns"]:
        yield "column", column["name"]
        if "Enum(" in column["type"] and (enum := native_enum(text_to_type(column["type"]))):
            yield "ENUM type", str(enum.name)
        if column.get("sequence"):
            yield "sequence", column["sequence"]["name"]
    if data.get("primary_key", {}).get("name"):
        yield "primary key", data["primary_key"]["name"]
    for section, label in (("foreign_keys", "foreign key"), ("unique_constraints", "unique "
                           "constraint"), ("check_constraints", "check constraint"),
                           ("indexes", "index")):
        for item in data.get(section, []):
            if item.get("name"):
                yield label, item["name"]


def name_problems(tables: Iterable[tuple[str, TableDict]], databases: Iterable[str]) -> list[str]:
    """One message per identifier too long for one of ``databases``."""
    limits = [LIMITS[database] for database in databases if database in LIMITS]
    problems = []
    for key, data in tables:
        for kind, name in identifiers(data):
            for limit in limits:
                length = limit.measure(name)
                if length > limit.maximum:
                    unit = "bytes" if limit.in_bytes else "characters"
                    problems.append(
                        f"table {key}: {kind} name {name!r} is {length} {unit}; "
                        f"{limit.label} allows {limit.maximum}"
                    )
    return problems


def feature_problems(
    tables: Iterable[tuple[str, TableDict]], databases: Iterable[str]
) -> list[str]:
    """One message per construct that one of ``databases`` cannot create."""
    targets = set(databases)
    problems = []
    for key, data in tables:
        if "sqlite" in targets and data.get("schema"):  # first: it rules out the rest
            problems.append(
                f"table {key}: SQLite has no schemas (remove \"sqlite\" from [tool.schema] "
                "databases if you do not deploy to SQLite)"
            )
        if "mysql" in targets:
            problems += value_problems([(key, data)])
            for index in data.get("indexes", []):
                names = [column["name"] for column in data.get("columns", [])]
                if index_on(index, "mysql") and any(
                        index_column(e, names) is None for e in index.get("expressions", [])):
                    problems.append(
                        f"table {key}: index {index['name']} indexes an expression, which "
                        "MariaDB cannot do (remove \"mysql\" from [tool.schema] databases if you "
                        "do not deploy to MariaDB/MySQL, or keep the index off it with "
                        ".ddl_if(dialect=...))"
                    )
            for fk in data.get("foreign_keys", []):
                if data.get("schema") and "." not in fk["referred_table"]:
                    problems.append(
                        f"table {key}: {describe_foreign_key(fk)} refers to {fk['referred_table']} "
                        f"in the default schema, which MariaDB would look for in {data['schema']}"
                        " (there a schema is a database, and names resolve in the table's own); "
                        "give the referred table a schema, or remove \"mysql\" from "
                        "[tool.schema] databases if you do not deploy to MariaDB/MySQL"
                    )
                if fk.get("deferrable") or fk.get("initially"):
                    problems.append(
                        f"table {key}: {describe_foreign_key(fk)} is DEFERRABLE, which MariaDB "
                        "cannot do (remove \"mysql\" from [tool.schema] databases if you do not "
                        "deploy to MariaDB/MySQL)"
                    )
        if "postgresql" in targets:
            for column in data["columns"]:
                if column.get("computed", {}).get("persisted") is False:
                    problems.append(
                        f"table {key}: column {column['name']} is a virtual computed column, "
                        "which PostgreSQL before 18 cannot create; use persisted=True"
                    )
                if "Text(length=" in column["type"] and (
                        length := text_length(text_to_type(column["type"]), "postgresql")):
                    problems.append(
                        f"table {key}: column {column['name']} is a TEXT of length {length}, "
                        "which PostgreSQL cannot create (its TEXT takes no length); use Text() "
                        "there, e.g. .with_variant(Text(), \"postgresql\")"
                    )
    return problems


def describe_foreign_key(fk: dict[str, Any]) -> str:
    """``foreign key NAME``, or ``foreign key (COLUMNS)`` for one without a name."""
    return f"foreign key {fk['name'] or '(' + ', '.join(fk['columns']) + ')'}"


def unique_keys(data: TableDict) -> list[set[str]]:
    """Column sets a foreign key may refer to: the primary key, unique constraints and unique
    indexes that cover every row (not partial ones)."""
    return [set(key.get("columns", [])) for key in unique_key_items(data)]


def unique_key_items(data: TableDict) -> list[dict[str, Any]]:
    """The snapshot items of ``unique_keys``: primary key, unique constraints and indexes."""
    items = [data.get("primary_key", {}), *data.get("unique_constraints", [])]
    items += [index for index in data.get("indexes", []) if index.get("unique") and not any(
        option.endswith("_where") for option in index.get("dialect_options", {}))]
    return items


def reference_problems(key: str, data: TableDict, tables: Mapping[str, TableDict],
                       databases: Iterable[str]) -> list[str]:
    """One message per foreign key of table ``key`` whose referred columns are neither the
    referred table's primary key nor unique: PostgreSQL refuses to create it and SQLite fails at
    the first write ("foreign key mismatch"); MariaDB only wants an index, so it is not checked
    for MariaDB."""
    if not {"postgresql", "sqlite"} & set(databases):
        return []
    problems = []
    for fk in data.get("foreign_keys", []):
        referred = tables.get(fk["referred_table"])
        if referred is None:  # not managed by the snapshot: the database decides
            continue
        columns = {column["name"] for column in referred["columns"]}
        # a column the referred table lacks is a problem of its own (dialects/validate.py)
        if set(fk["referred_columns"]) <= columns and \
                set(fk["referred_columns"]) not in unique_keys(referred):
            problems.append(
                f"table {key}: {describe_foreign_key(fk)} refers to {fk['referred_table']} "
                f"({', '.join(fk['referred_columns'])}), which is neither its primary key "
                "nor unique; PostgreSQL and SQLite need one of them"
            )
    return problems
