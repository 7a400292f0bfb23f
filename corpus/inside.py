"""What the corpus runs inside a package's venv (it imports the package):
``python -m corpus.inside COMMAND JSON`` prints a JSON answer.

* ``plan``: the edit's targets (``corpus.edit``);
* ``seed``: one row in each edited table (and the rows its foreign keys need);
* ``rows``: that the seeded rows are still there, the renamed column's value included;
* ``upgrade``: the package's own Alembic history to head on an empty database;
* ``classify``: each difference ``tool snapshot --baseline --url`` listed, checked against the
  database (``corpus.classify``), and each name it says the models give twice, counted in the
  MetaData once the package's history is imported as the tool imports it.
"""

from __future__ import annotations

import datetime
import decimal
import importlib
import importlib.resources
import json
import sys
import uuid
from typing import Any

from sqlalchemy import Column, MetaData, Table, create_engine, func, pool, select
from sqlalchemy.engine import Connection

from .classify import classify, name_counts
from .edit import Target, load, plan

SEED_TEXT = "corpus"


def _value(column: Column) -> Any:
    """A value ``column`` accepts (only its type is known)."""
    enums = getattr(column.type, "enums", None)
    if enums:
        return enums[0]
    try:
        kind = column.type.python_type
    except NotImplementedError:
        impl = getattr(column.type, "impl_instance", None)
        kind = impl.python_type if impl is not None else str
    values: dict[type, Any] = {
        bool: False, int: 1, float: 1.0, decimal.Decimal: decimal.Decimal(1),
        datetime.datetime: datetime.datetime(2024, 1, 2, 3, 4, 5),
        datetime.date: datetime.date(2024, 1, 2), datetime.time: datetime.time(3, 4, 5),
        datetime.timedelta: datetime.timedelta(seconds=1), bytes: b"corpus", dict: {},
        list: [], uuid.UUID: uuid.UUID(int=1),
    }
    if kind is str:
        length = getattr(column.type, "length", None)
        return SEED_TEXT[:length] if length else SEED_TEXT
    return values.get(kind, SEED_TEXT)


def _insert(connection: Connection, table: Table, done: dict[str, dict[str, Any]]) -> dict:
    """Insert one row into ``table`` (after its parents), returning its values."""
    if table.key in done:
        return done[table.key]
    done[table.key] = {}  # a self-reference or cycle: the key stays NULL when it may
    row: dict[str, Any] = {}
    for column in table.columns:
        if column.computed is not None or (column.primary_key and column.autoincrement is True):
            continue
        if column.primary_key and column.autoincrement == "auto" and len(
                table.primary_key.columns) == 1 and column.type._type_affinity is int:
            continue
        keys = list(column.foreign_keys)
        if keys:
            parent = keys[0].column.table
            if parent.key != table.key and parent.key not in done:
                _insert(connection, parent, done)
            value = done.get(parent.key, {}).get(keys[0].column.name)
            if value is not None or column.nullable:
                row[column.name] = value
                continue
        row[column.name] = _value(column)
    result = connection.execute(table.insert().values(**row))
    for column, value in zip(table.primary_key.columns,
                             result.inserted_primary_key or (), strict=False):
        row[column.name] = value
    done[table.key] = row
    return row


def seed(url: str, metadata: MetaData) -> dict[str, Any]:
    """One row in each table the edit touches; returns the rows and the edit plan."""
    edit = plan(metadata)
    targets = [edit.added, edit.indexed, edit.renamed]
    engine = create_engine(url, poolclass=pool.NullPool)
    done: dict[str, dict[str, Any]] = {}
    with engine.begin() as connection:
        for target in filter(None, targets):
            _insert(connection, metadata.tables[target.table], done)
    engine.dispose()
    renamed = None
    if edit.renamed is not None:
        renamed = done[edit.renamed.table].get(edit.renamed.column)
    return {"plan": edit.to_dict(), "tables": sorted(done), "renamed_value": _json(renamed)}


def _json(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def rows(url: str, models: MetaData, seeded: dict[str, Any], edited: bool) -> list[str]:
    """Problems with the seeded rows now: tables that lost them, a renamed value changed."""
    metadata = MetaData()
    engine = create_engine(url, poolclass=pool.NullPool)
    problems = []
    edit = plan(models)
    with engine.connect() as connection:
        for key in seeded["tables"]:
            schema, _, name = key.rpartition(".")
            table = Table(name, metadata, schema=schema or None, autoload_with=connection)
            count = connection.execute(select(func.count()).select_from(table)).scalar_one()
            if count < 1:
                problems.append(f"table {key}: its seeded row is gone")
        target: Target | None = edit.renamed
        if target is not None and seeded["renamed_value"] is not None:
            table = metadata.tables[target.table]
            column = edit.renamed_to if edited else target.column
            values = [_json(v) for v in connection.execute(select(table.c[column])).scalars()]
            if seeded["renamed_value"] not in values:
                problems.append(f"column {target.table}.{column}: the seeded value "
                                f"{seeded['renamed_value']!r} is gone ({values!r})")
    engine.dispose()
    return problems


def resource(location: str) -> str:
    """``package:path`` -> the absolute path (Alembic's ``script_location`` form)."""
    package, _, path = location.partition(":")
    return str(importlib.resources.files(package).joinpath(path))


def upgrade(url: str, script_location: str, ini: str | None, function: str | None) -> None:
    """Build the package's schema at its Alembic head on an empty database, its own way."""
    if function:
        getattr(importlib.import_module("corpus.recipes"), function)(url)
        return
    from alembic import command
    from alembic.config import Config

    config = Config(resource(ini) if ini else None)
    config.set_main_option("script_location", resource(script_location))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")


def import_history(folder: str, version_locations: list[str]) -> None:
    """Import every revision of an Alembic history, as Alembic (and so the tool) does: a
    revision may change the models' MetaData as it is imported."""
    from alembic.script import ScriptDirectory

    list(ScriptDirectory(folder, version_locations=version_locations or None).walk_revisions())


def main(argv: list[str]) -> None:
    command, args = argv[0], json.loads(argv[1])
    if command == "resource":
        answer: Any = resource(args["location"])
    elif command == "upgrade":
        upgrade(args["url"], args["script_location"], args.get("ini"), args.get("function"))
        answer = "ok"
    else:
        metadata = load(args["spec"], tuple(args["models"]))
        if command == "plan":
            answer = plan(metadata).to_dict()
        elif command == "seed":
            answer = seed(args["url"], metadata)
        elif command == "rows":
            answer = rows(args["url"], metadata, args["seeded"], args["edited"])
        elif command == "classify":
            before = name_counts(metadata)
            if args.get("history"):
                import_history(*args["history"])
            answer = [verdict.to_dict() for verdict in
                      classify(args["url"], metadata, args["differences"], before)]
        else:
            raise SystemExit(f"unknown command {command}")
    print(json.dumps(answer))


if __name__ == "__main__":
    main(sys.argv[1:])
