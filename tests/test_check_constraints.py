"""CHECK constraints through the real CLI on every database: named and unnamed ones, the CHECKs
Boolean and Enum types make without a naming convention, and expressions built from Python
values are verified clean right after `tool apply`; a CHECK changed out of band (an operator
flipped, a bound or list changed, one dropped) is reported by `tool drift`."""

from __future__ import annotations

import textwrap

import pytest
import sqlalchemy as sa

from cultivar_schema.database import run_on_connection
from cultivar_schema.errors import DatabaseError

from .conftest import Project

# No "ck" convention: unnamed CHECKs stay unnamed, and the databases name them themselves.
MODELS = '''\
from sqlalchemy import (Boolean, CheckConstraint, Column, Enum, Integer, MetaData, Numeric,
                        String, Table, column)

metadata = MetaData(naming_convention={{"pk": "pk_%(table_name)s"}})

plants = Table(
    "plants", metadata,
    Column("id", Integer, primary_key=True),
    Column("height_cm", Integer),
    Column("n", Integer),
    Column("ratio", Numeric(5, 2)),
    Column("stage", String(10)),
    Column("indoor", Boolean(create_constraint=True)),
    Column("kind", Enum("herb", "tree", native_enum=False, create_constraint=True)),
    CheckConstraint("{height}", name="height_non_negative"),
    CheckConstraint("{n}"),
    CheckConstraint(column("stage").in_({stages}), name="stage_known"),
    CheckConstraint(column("ratio").between(0, 1)),
)
'''
RIGHT = {"height": "height_cm >= 0", "n": "n > 0", "stages": ["seed", "leaf"]}


def models(**changes: object) -> str:
    values = {**RIGHT, **changes}
    return MODELS.format(**values)


def rebuild_out_of_band(project: Project, source: str) -> None:
    """Replace the table in the database by the one ``source`` describes, behind the tool's
    back (SQLite cannot alter a CHECK in place, so every database gets the same treatment)."""
    namespace: dict[str, object] = {}
    exec(compile(source, "models.py", "exec"), namespace)
    metadata = namespace["metadata"]
    assert isinstance(metadata, sa.MetaData)

    def replace(connection: sa.Connection) -> None:
        connection.exec_driver_sql("DROP TABLE plants")
        metadata.create_all(connection)
        connection.commit()

    run_on_connection(project.url, replace)


def drift(project: Project) -> list[str]:
    result = project.invoke("drift", check=False)
    lines = [line.strip() for line in result.out.splitlines() if "check constraint" in line]
    assert (result.code == 1) == bool(lines), result.out
    return lines


@pytest.mark.parametrize(("change", "names"), [
    ({"height": "height_cm < 0"}, "height_non_negative"),  # the operator flipped
    ({"n": "n > 5"}, "CHECK (n > 0)"),  # an unnamed CHECK's bound changed
    ({"stages": ["seed", "bloom"]}, "stage_known"),  # a value of an IN list changed
])
def test_check_drift_both_ways(project: Project, change: dict[str, object], names: str) -> None:
    (project.root / "models.py").write_text(models(), encoding="utf-8")
    project.invoke("snapshot", "-m", "plants")
    applied = project.invoke("apply", "--no-backup")
    assert "verified" in applied.out
    assert drift(project) == []  # no false drift on a correct database

    rebuild_out_of_band(project, models(**change))
    found = drift(project)
    assert any(names in line for line in found), found

    rebuild_out_of_band(project, models())
    assert drift(project) == []


def test_dropped_unnamed_and_type_checks_are_drift(project: Project) -> None:
    (project.root / "models.py").write_text(models(), encoding="utf-8")
    project.invoke("snapshot", "-m", "plants")
    project.invoke("apply", "--no-backup")
    bare = textwrap.dedent(models()).replace(
        "create_constraint=True", "create_constraint=False").replace(
        '    CheckConstraint("n > 0"),\n', "")
    rebuild_out_of_band(project, bare)
    found = drift(project)
    assert any("CHECK (n > 0)" in line and "missing" in line for line in found), found
    backend = sa.engine.make_url(project.url).get_backend_name()
    # the types' CHECKs exist where the type is not native: both on SQLite and MariaDB (its
    # ENUM is native, but this one is not), the non-native Enum's on PostgreSQL
    expected = {"sqlite": 2, "mysql": 2, "postgresql": 1}[backend]
    assert sum(" IN (" in line and "missing" in line for line in found) == expected, found


def test_a_check_given_to_a_column_is_recorded(project: Project) -> None:
    """``Column("n", Integer, CheckConstraint(...))`` belongs to the table: the snapshot used to
    leave it out, and no database got it."""
    source = MODELS.split("plants = Table(")[0].format() + textwrap.dedent('''\
        trays = Table(
            "trays", metadata,
            Column("id", Integer, primary_key=True),
            Column("n", Integer, CheckConstraint("n > 0", name="n_positive")),
        )
        ''')
    (project.root / "models.py").write_text(source, encoding="utf-8")
    project.invoke("snapshot", "-m", "trays")
    assert "sqltext: n > 0" in (project.root / "snapshots" / "tables" / "trays.yaml").read_text()
    assert "verified" in project.invoke("apply", "--no-backup").out

    def insert(connection: sa.Connection) -> None:
        connection.exec_driver_sql("INSERT INTO trays (id, n) VALUES (1, -5)")

    with pytest.raises(DatabaseError, match="n_positive"):
        run_on_connection(project.url, insert)
