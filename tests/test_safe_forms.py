"""``postgresql_safe_forms = true``: indexes CONCURRENTLY and constraints NOT VALID + VALIDATE on
PostgreSQL; the same revision runs in ordinary form on SQLite and MariaDB."""

from __future__ import annotations

import shutil

import sqlalchemy as sa
from sqlalchemy import pool

from .conftest import Project

BEFORE = """
growers = Table("growers", metadata, Column("id", Integer, primary_key=True))
plants = Table(
    "plants", metadata,
    Column("id", Integer, primary_key=True),
    Column("grower_id", Integer),
    Column("height", Integer),
)
"""

AFTER = """
growers = Table("growers", metadata, Column("id", Integer, primary_key=True))
plants = Table(
    "plants", metadata,
    Column("id", Integer, primary_key=True),
    Column("grower_id", Integer, ForeignKey("growers.id")),
    Column("height", Integer),
    CheckConstraint("height >= 0", name="height_positive"),
    Index(None, "height"),
)
# for PostgreSQL only: CONCURRENTLY there, nothing elsewhere
Index("ix_plants_height_grower", plants.c.height, plants.c.grower_id).ddl_if(dialect="postgresql")
"""


def test_safe_forms_run_on_every_database(project: Project) -> None:
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(
        "[tool.schema]\n", "[tool.schema]\npostgresql_safe_forms = true\n"))
    project.write_models(BEFORE)
    project.invoke("snapshot", "-m", "before")
    project.invoke("apply")
    engine = sa.create_engine(project.url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO growers (id) VALUES (1)")
        connection.exec_driver_sql("INSERT INTO plants (id, grower_id, height) VALUES (1, 1, 5)")
    engine.dispose()
    previous = project.root.parent / "previous"
    shutil.copytree(project.root / "snapshots", previous)

    project.write_models(AFTER)
    out = project.invoke("snapshot", "-m", "safe").out
    risks = {line.split()[0] for line in out.splitlines() if line.startswith("    ")}
    assert risks == {"MF103"}, out  # PG101-PG103 are taken care of
    [revision] = [p for p in project.revision_files() if p.name.endswith("_safe.py")]
    text = revision.read_text()
    assert "postgresql_concurrently=True" in text and "autocommit_block()" in text
    assert text.count("postgresql_concurrently=True") == 4, text  # up and down, ddl_if too
    assert text.count("VALIDATE CONSTRAINT") == 2 and "postgresql_not_valid=True" in text

    applied = project.invoke("apply", check=False)
    assert applied.code == 0 and "verified" in applied.out, applied.out
    project.migrate("downgrade", "-1")
    assert project.drift(previous) == []
    project.migrate("upgrade", "head")
    assert project.drift() == []
