"""Generated-column expressions and partial-index conditions through the real CLI on every
database: each database's respelling (PostgreSQL's casts and parentheses, MariaDB's backquotes
and octet_length) is no drift right after `tool apply`; an operator changed out of band is.
They were compared by the terms they mention, so ``price * 2`` replaced by ``price / 2``, or
``qty > 0`` by ``qty < 0``, gave "no drift"."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from cultivar_schema.database import run_on_connection

from .conftest import Project

MODELS = '''\
from sqlalchemy import Column, Computed, Index, Integer, MetaData, String, Table, text

metadata = MetaData(naming_convention={{"pk": "pk_%(table_name)s"}})

items = Table(
    "items", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(20)),
    Column("status", String(10)),
    Column("price", Integer),
    Column("qty", Integer),
    Column("total", Integer, Computed("{computed}", persisted=True)),
    Index("ix_items_active", "name", postgresql_where=text("{where}"),
          sqlite_where=text("{where}")),
)
'''
RIGHT = {"computed": "price * 2 + coalesce(qty, 0) + length(name)",
         "where": "status IN ('active', 'held') AND qty > 0 AND name IS NOT NULL"}


def models(**changes: str) -> str:
    return MODELS.format(**{**RIGHT, **changes})


def rebuild_out_of_band(project: Project, source: str) -> None:
    """Replace the table by the one ``source`` describes, behind the tool's back."""
    namespace: dict[str, object] = {}
    exec(compile(source, "models.py", "exec"), namespace)  # noqa: S102 - test models
    metadata = namespace["metadata"]
    assert isinstance(metadata, sa.MetaData)

    def replace(connection: sa.Connection) -> None:
        connection.exec_driver_sql("DROP TABLE items")
        metadata.create_all(connection)
        connection.commit()

    run_on_connection(project.url, replace)


@pytest.mark.parametrize(("change", "kind", "verified_on"), [
    ({"computed": "price / 2 + coalesce(qty, 0) + length(name)"}, "generated as",
     ("postgresql", "mysql")),
    ({"where": "status IN ('active', 'held') AND qty < 0 AND name IS NOT NULL"},
     "the database indexes", ("postgresql", "sqlite")),
])
def test_expression_drift_both_ways(project: Project, change: dict[str, str], kind: str,
                                    verified_on: tuple[str, ...]) -> None:
    (project.root / "models.py").write_text(models(), encoding="utf-8")
    project.invoke("snapshot", "-m", "items")
    applied = project.invoke("apply", "--no-backup")
    assert "verified" in applied.out, applied.out
    assert project.invoke("drift").code == 0
    rebuild_out_of_band(project, models(**change))
    result = project.invoke("drift", check=False)
    lines = [line.strip() for line in result.out.splitlines() if kind in line]
    if project.url.split(":")[0].split("+")[0] in verified_on:
        assert result.code == 1 and len(lines) == 1, result.out
    else:  # SQLite does not report generated expressions, MariaDB has no partial indexes
        assert result.code == 0 and not lines, result.out


def test_a_literal_default_is_one_value_of_its_type_on_postgresql() -> None:
    """PostgreSQL keeps an INTERVAL default '0' as '00:00:00'::interval (Prefect's
    flow_run.total_run_time): the same value, no drift; '00:00:05' out of band is drift."""
    from cultivar_schema.snapshot.live import LiveSchema
    from cultivar_schema.verify.defaults import default_drift

    from .conftest import server_database

    for url in server_database("TEST_POSTGRES_URL", "PostgreSQL"):
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.connect() as connection:
            connection.exec_driver_sql("CREATE TABLE runs (id serial PRIMARY KEY, "
                                       "total interval DEFAULT '00:00:05', "
                                       "other interval DEFAULT '0')")
            models = sa.MetaData()
            sa.Table("runs", models, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("total", sa.Interval, server_default="0"),
                     sa.Column("other", sa.Interval, server_default="0 seconds"))
            lines = default_drift(LiveSchema(sa.inspect(connection), models), models)
        engine.dispose()
        assert lines == ["column runs.total: default is '00:00:05'::interval in the database, "
                         "the snapshot says '0'"]
