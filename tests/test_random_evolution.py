"""Random schemas, evolved by random edits, through the real CLI on SQLite, PostgreSQL and MariaDB.

Hypothesis draws an evolution (``tests/evolution/``): an initial schema of SQLAlchemy Core
tables, then steps of one to four edits each (tables, columns of many types and their type changes,
nullability, server defaults, comments, indexes, unique, foreign key and CHECK constraints, named
ENUM types shared by several columns, whose values are added, removed and reordered while columns
of the type come, go or take another type, stored generated columns whose expression changes,
IDENTITY keys whose options change, autoincrement turned off and on, Boolean columns with
true()/false() defaults, descending, lower(...) and partial indexes, mysql_length and
postgresql_using, DEFERRABLE foreign keys, types with per-dialect variants, the models' own
TypeDecorators and Sequences, composite primary keys, self-referencing and composite foreign keys,
cycles of keys between tables (use_alter), tables in a second PostgreSQL schema, MariaDB table
options: engine, character set, collation, row format, CHECKs written with Python values and,
in models without a "ck" naming convention, CHECKs and Boolean columns' CHECKs without names,
table and column renames, and odd names:
reserved words, capitals, quotes, spaces, non-ASCII letters). On SQLite and PostgreSQL the project
targets those two databases, so what MariaDB cannot do (indexes on expressions, DEFERRABLE) is
drawn too.
Each example gets a fresh project folder and an empty database, and for every step:

1. every table that can keep rows across the step and its downgrade gets two rows, valid under
   the old and the new schema (foreign keys, NOT NULL, unique, CHECK);
2. `tool snapshot` prints exactly the change lines worked out from the models;
3. `tool apply` upgrades and verifies; the rows are all there, unchanged in every column that
   both schemas have (a renamed one read under its new name);
4. `alembic downgrade -1` gives back exactly the previous snapshot, rows intact;
5. `alembic upgrade head` gives the new snapshot again, rows intact;

and `tool check` passes after the last step.  A table the project ignores (``legacy_*``) is in
the database with a row from the start and must be untouched after every step.  A failure
notes the failing step's edits, rows and models before and after: that is the reproduction.

CI runs a fixed, derandomized set of examples (at least 100 steps per database);
SCHEMA_EVOLUTION_EXAMPLES=N runs N examples instead.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, note, seed, settings
from sqlalchemy import pool
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url

from cultivar_schema.config import BOOKKEEPING_TABLES

from .conftest import ALLOW, MODELS_HEADER, Project, new_project
from .evolution.changes import expected_changes
from .evolution.choices import LEGACY_TABLE
from .evolution.model import (
    Renaming,
    Schema,
    TableModel,
    declared_renames,
    reaches,
    rename,
)
from .evolution.strategy import Evolution, Step, evolutions

EXAMPLES = int(os.environ.get("SCHEMA_EVOLUTION_EXAMPLES", "12"))
# another seed draws other evolutions (CI's run is derandomized: the same every time)
SEED = os.environ.get("SCHEMA_EVOLUTION_SEED")
MIN_STEPS = 100  # per database, in the default CI run
CHANGE_SIGNS = ("+ ", "- ", "~ ")

Row = dict[str, Any]


# --- databases -----------------------------------------------------------------------------

def fresh_database(server_url: str, folder: Path) -> str:
    """An empty database for one example: a new SQLite file, or the test's database emptied."""
    url = make_url(server_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{folder / 'test.db'}"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    with engine.connect() as connection:
        if url.get_backend_name() == "postgresql":
            connection.exec_driver_sql("DROP SCHEMA IF EXISTS s1 CASCADE")
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
        else:
            connection.exec_driver_sql(f"DROP DATABASE `{url.database}`")
            connection.exec_driver_sql(f"CREATE DATABASE `{url.database}`")
    engine.dispose()
    return server_url


# --- rows ----------------------------------------------------------------------------------

def parents_first(schema: Schema) -> list[str]:
    """Table names with every table after the tables its foreign keys point at, but for keys
    in a cycle (rows hold NULL there)."""
    done: list[str] = []
    while len(done) < len(schema):
        done += [name for name, table in schema.items() if name not in done
                 and all(parent in done or reaches(schema, parent, name)
                         for parent, _ in table.foreign_keys.values())]
    return done


def cyclic_keys(schema: Schema, name: str) -> list[str]:
    """Foreign-key columns of table ``name`` whose parent leads back to it (itself included)."""
    return [column for column, (parent, _) in schema[name].foreign_keys.items()
            if reaches(schema, parent, name)]


def can_hold_rows(old: TableModel, new: TableModel | None) -> bool:
    """Whether rows in ``old`` survive the step and its downgrade without a data problem.

    Not when the step adds a NOT NULL column without a server default, or a unique over a new
    column with a default (every row gets the same value); nor when the downgrade re-adds a
    dropped column so (NOT NULL without default, or a default under a unique).
    """
    if new is None:
        return True
    before = {column.name: column for column in old.columns}
    after = {column.name: column for column in new.columns}
    if any(not column.nullable and column.default is None
           for name, column in after.items() if name not in before):
        return False
    if any(after[name].default for columns in new.unique_sets() for name in columns
           if name in after.keys() - before.keys()):
        return False
    old_unique = {name for columns in old.unique_sets() for name in columns}
    return not any((not column.nullable and column.default is None)
                   or (column.default and name in old_unique)
                   for name, column in before.items() if name not in after)


def sample_value(family: str, i: int) -> Any:
    """Row ``i``'s value: fits every type of its family drawn, passes every CHECK drawn."""
    if family in ("int", "big", "uint", "seq", "small", "tiny"):
        return 10 + i
    if family in ("flt", "dbl"):
        return 10.0 + i
    if family == "uuid":
        return uuid.UUID(int=i)
    if family in ("time", "ttz"):
        return dt.time(12, 30, i)
    if family == "ival":
        return dt.timedelta(days=i, seconds=30)
    if family == "bin":
        return f"ab{i}".encode()
    if family == "num":
        return Decimal(10 + i)
    if family in ("dt", "dtz"):  # in UTC, PostgreSQL's session time zone here
        return datetime(2020, 1, i, 12, 30)
    if family == "enum":
        return "a"  # in every value list drawn
    if family in ("bool", "cbool", "ubool"):
        return i == 1
    if family == "arr":
        return [10 + i]
    if family == "net":
        return f"10.0.{i}.0/24"  # a network: valid as INET and CIDR
    if family == "tsv":
        return f"'ab{i}'"  # as PostgreSQL prints it back
    return f"ab{i}"


def plan_rows(old: Schema, new: Schema) -> dict[str, list[Row]]:
    """Rows for the tables of ``old`` that are valid under ``old`` and ``new`` and across the
    downgrade: foreign keys (of either side) point at row 1 of a parent that keeps its rows, or
    are NULL; values are distinct per row where either side has a unique; NOT NULL holds."""
    filled = {name for name, table in old.items() if can_hold_rows(table, new.get(name))}
    while True:
        rows = {name: _rows(name, old, new, filled) for name in filled}
        empty = {name for name, table_rows in rows.items() if table_rows is None}
        if not empty:
            return rows  # type: ignore[return-value]
        filled -= empty


def _rows(name: str, old_schema: Schema, new_schema: Schema, filled: set[str]
          ) -> list[Row] | None:
    old, new = old_schema[name], new_schema.get(name)
    sides = [old] + ([new] if new else [])
    # keys in a cycle on either side hold NULL, so rows need no order
    cyclic = {*cyclic_keys(old_schema, name), *(cyclic_keys(new_schema, name) if new else [])}
    unique = {n for table in sides for cols in table.unique_sets() for n in cols}
    rows = []
    for i in (1, 2):
        row: Row = {"id": i}
        for column in (c for c in old.columns if c.family != "calc"):
            targets = {table.foreign_keys[column.name][0] for table in sides
                       if column.name in table.foreign_keys}
            if any(column.name in cols for table in sides for cols in table.composite_keys):
                row[column.name] = None  # composite keys hold NULL
            elif not targets:
                row[column.name] = sample_value(column.family, i)
                continue
            else:
                keeps_rows = all(t in filled and t in new_schema for t in targets)
                row[column.name] = 1 if keeps_rows and column.name not in cyclic and (
                    i == 1 or column.name not in unique) else None
            not_null = [other for table in sides for other in table.columns
                        if other.name == column.name and not other.nullable]
            if row[column.name] is None and not_null:
                return None
        rows.append(row)
    return rows


class NetworkText(sa.types.TypeDecorator):
    """INET or CIDR values as text: drivers return ipaddress objects, of another class for
    each of the two types."""

    impl = postgresql.INET
    cache_ok = True

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> str | None:
        return None if value is None else str(value)


class NaiveUTC(sa.types.TypeDecorator):
    """Times and timestamps read back without their time zone (UTC, PostgreSQL's session time
    zone here), so rows compare equal whether the column has a time zone or not."""

    impl = sa.DateTime
    cache_ok = True

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.replace(tzinfo=None) if isinstance(value, dt.time) else value


class NaiveTime(NaiveUTC):
    impl = sa.Time
    cache_ok = True


def _data_type(type_: tuple) -> sa.types.TypeEngine:
    """The type rows are written and read with (the model's type tuple, see ColumnModel)."""
    family = type_[0]
    if family in ("dt", "dtz", "time", "ttz"):
        return NaiveUTC() if family.startswith("dt") else NaiveTime()
    if family in ("str", "cstr", "ustr"):
        return sa.String(type_[1])
    if family == "num":
        return sa.Numeric(type_[1], type_[2])
    if family == "own":
        return sa.String(type_[2])
    if family == "enum":
        return sa.Enum(*type_[2], name=type_[1], create_type=False)
    if family in ("arr", "net", "tsv"):
        return {"arr": postgresql.ARRAY(sa.BigInteger), "net": NetworkText(),
                "tsv": postgresql.TSVECTOR()}[family]
    return {"int": sa.Integer, "big": sa.BigInteger, "text": sa.Text,
            "small": sa.SmallInteger, "uuid": sa.Uuid, "bin": sa.LargeBinary,
            "flt": sa.Float, "ival": sa.Interval,
            "bool": sa.Boolean, "uint": sa.Integer, "mtext": sa.Text, "json": sa.JSON,
            "ltext": sa.Text, "tiny": sa.SmallInteger, "dbl": sa.Float, "cbool": sa.Boolean,
            "ubool": sa.Boolean,
            "seq": sa.Integer}[family]()


def data_table(table: TableModel, metadata: sa.MetaData,
               renaming: Renaming | None = None) -> sa.Table:
    """The table's columns that take values (not generated ones), for inserts and reads; with
    ``renaming``, under the names it gives them (columns keep their old names as keys)."""
    renaming = renaming or Renaming()
    schema, _, name = renaming.table(table.name).rpartition(".")
    columns = [sa.Column(renaming.column(table.name, column.name), _data_type(column.type),
                         key=column.name)
               for column in table.columns if column.family != "calc"]
    return sa.Table(name, metadata, sa.Column("id", sa.Integer, primary_key=True,
                                              autoincrement=False), *columns,
                    schema=schema or None)


def replace_rows(engine: sa.Engine, schema: Schema, rows: dict[str, list[Row]]) -> None:
    """Empty every table of ``schema``, then insert ``rows``."""
    metadata = sa.MetaData()
    tables = {name: data_table(table, metadata) for name, table in schema.items()}
    order = parents_first(schema)
    with engine.begin() as connection:
        # keys in a cycle first (rows of an earlier step may hold values there); MariaDB also
        # checks a self-referencing key row by row, even within one DELETE
        for name in order:
            if cyclic := cyclic_keys(schema, name):
                connection.execute(tables[name].update().values({c: None for c in cyclic}))
        for name in reversed(order):
            connection.execute(tables[name].delete())
        for name in order:
            if rows.get(name):
                connection.execute(tables[name].insert(), rows[name])


def read_rows(engine: sa.Engine, old: Schema, new: Schema,
              renaming: Renaming | None = None) -> dict[str, list[Row]]:
    """The rows of every table in both schemas (``new`` under the old names), in the columns
    both have, read under the names ``renaming`` gives them, keyed by the old names."""
    metadata = sa.MetaData()
    found = {}
    with engine.connect() as connection:
        for name in old.keys() & new.keys():
            table = data_table(old[name], metadata, renaming)
            keep = {"id"} | {c.name for c in new[name].columns}
            columns = [c.label(c.key) for c in table.columns if c.key in keep]
            result = connection.execute(sa.select(*columns).order_by(table.c.id))
            found[name] = [dict(row._mapping) for row in result]
    return found


def expected_rows(rows: dict[str, list[Row]], old: Schema, new: Schema) -> dict[str, list[Row]]:
    expected = {}
    for name in old.keys() & new.keys():
        keep = {"id"} | {c.name for c in new[name].columns}
        expected[name] = [{k: v for k, v in row.items() if k in keep}
                          for row in rows.get(name, [])]
    return expected


# --- one evolution -------------------------------------------------------------------------

def change_lines(output: str) -> list[str]:
    return sorted(line for line in output.splitlines() if line.startswith(CHANGE_SIGNS))


def under_old_names(old: Schema, new: Schema) -> tuple[Renaming, Schema]:
    """The renames from ``old`` to ``new``, and ``new`` under the old names (for the rows)."""
    renaming = declared_renames(old, new)
    return renaming, rename(new, renaming.inverse())


def run_step(project: Project, engine: sa.Engine, index: int, old: Schema, step: Step) -> None:
    new = step.schema
    renaming, back = under_old_names(old, new)
    rows = plan_rows(old, back)
    replace_rows(engine, old, rows)
    previous = project.root.parent / "previous"
    shutil.rmtree(previous, ignore_errors=True)
    if index:
        shutil.copytree(project.root / "snapshots", previous)

    project.write_models(step.models())
    out = project.invoke("snapshot", "-m", f"step {index}", *ALLOW).out
    assert change_lines(out) == expected_changes(old, new), f"tool snapshot printed:\n{out}"

    applied = project.invoke("apply", check=False)
    assert applied.code == 0, f"tool apply exited {applied.code}:\n{applied.out}{applied.err}"
    wanted = expected_rows(rows, old, back)
    assert read_rows(engine, old, back, renaming) == wanted, "rows changed by the upgrade"

    if index:
        project.migrate("downgrade", "-1")
        assert project.drift(previous) == [], "downgrade -1 is not the previous snapshot"
        assert read_rows(engine, old, back) == wanted, "rows changed by the downgrade"
    else:
        project.migrate("downgrade", "base")
        with engine.connect() as connection:
            assert set(sa.inspect(connection).get_table_names()) <= {*BOOKKEEPING_TABLES,
                                                                     LEGACY_TABLE}
    project.migrate("upgrade", "head")
    assert project.drift() == [], "upgrade head after the downgrade is not the snapshot"
    assert read_rows(engine, old, back, renaming) == wanted, "rows changed by downgrade + upgrade"


def run_evolution(root: Path, url: str, evolution: Evolution) -> None:
    project = new_project(root / "proj", url)
    # PostgreSQL runs target PostgreSQL alone (schemas, its types), SQLite runs SQLite and
    # PostgreSQL (expression indexes, DEFERRABLE), MariaDB runs SQLite and MariaDB (virtual columns)
    targets = {"postgresql": '["postgresql"]', "sqlite": '["sqlite", "postgresql"]',
               "mysql": '["sqlite", "mysql"]'}
    with (project.root / "pyproject.toml").open("a") as config:  # [tool.schema] is last
        config.write('ignore_tables = ["legacy_*"]\n')
        if backend := targets.get(make_url(url).get_backend_name()):
            config.write(f"databases = {backend}\n")
    engine = sa.create_engine(url, poolclass=pool.NullPool)
    legacy = sa.Table(LEGACY_TABLE, sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                      sa.Column("note", sa.String(20)))
    with engine.begin() as connection:  # others' table, with a row: the tool leaves it alone
        legacy.create(connection)
        connection.execute(legacy.insert(), [{"id": 1, "note": "theirs"}])
    previous = Step((), {}, {})
    try:
        for index, step in enumerate(evolution.steps):
            try:
                run_step(project, engine, index, previous.schema, step)
            except BaseException:
                _, back = under_old_names(previous.schema, step.schema)
                note(f"failing step {index} on {engine.dialect.name}: {'; '.join(step.edits)}\n"
                     f"rows inserted before it: {plan_rows(previous.schema, back)}\n"
                     f"--- models before ---\n{MODELS_HEADER}{previous.models()}\n"
                     f"--- models after ---\n{MODELS_HEADER}{step.models()}")
                raise
            previous = step
            with engine.connect() as connection:
                assert connection.execute(sa.select(legacy)).all() == [(1, "theirs")], (
                    f"step {index} touched the ignored table {LEGACY_TABLE}")
        checked = project.invoke("check", check=False)
        assert checked.code == 0, f"tool check after the last step:\n{checked.out}{checked.err}"
    finally:
        engine.dispose()


def test_random_schema_evolution(database_url: str,
                                 tmp_path_factory: pytest.TempPathFactory) -> None:
    steps: list[int] = []
    backend = make_url(database_url).get_backend_name()

    # no shrinking: the failure's note already holds the failing step's models, and shrinking
    # evolutions through real databases takes many minutes
    @settings(max_examples=EXAMPLES, derandomize=SEED is None, database=None, deadline=None,
              phases=(Phase.explicit, Phase.reuse, Phase.generate),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.large_base_example])
    @given(evolution=evolutions(mariadb=backend == "mysql", postgresql=backend == "postgresql"))
    def evolve(evolution: Evolution) -> None:
        root = tmp_path_factory.mktemp("evolution")
        run_evolution(root, fresh_database(database_url, root), evolution)
        steps.append(len(evolution.steps))

    if SEED is not None:
        evolve = seed(int(SEED))(evolve)

    start = time.monotonic()
    evolve()
    print(f"\n{make_url(database_url).get_backend_name()}: {len(steps)} examples, "
          f"{sum(steps)} steps in {time.monotonic() - start:.1f}s")
    if "SCHEMA_EVOLUTION_EXAMPLES" not in os.environ:
        assert sum(steps) >= MIN_STEPS
