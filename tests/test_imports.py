"""Imports follow need (issue 22): a SQLite-only or PostgreSQL-only project's commands import
no other database's dialect, DDL or driver modules.

Each command runs in a fresh interpreter (one subprocess each) that prints ``sys.modules``
afterwards; the modules of every database the project does not target must be absent.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import Project, new_project, server_database

# `tool ARGS` as the console script runs it, then the names of every module it imported.
PROBE = """\
import sys
from cultivar_schema.cli.cli import main
sys.argv = ["tool", *sys.argv[1:]]
try:
    main()
except SystemExit as exit:
    print("EXIT", exit.code)
print("MODULES", *sorted(sys.modules))
"""
COMMANDS = (("snapshot", "-m", "initial"), ("check",), ("apply",), ("status",))
# No native Enum column: its revisions name postgresql.ENUM (which every database takes) and
# so import PostgreSQL's dialect by design.
MODELS = """
plants = Table("plants", metadata, Column("id", Integer, primary_key=True),
               Column("name", String(50), nullable=False, server_default="x"),
               Column("note", Text), Column("weight", Numeric(8, 2)),
               Column("ok", Boolean, nullable=False, server_default=sa.true()),
               Column("at", DateTime(timezone=True), server_default=func.now()),
               UniqueConstraint("name"), CheckConstraint("weight > 0", name="weight"))
Index("ix_plants_at", plants.c.at)
"""
# Every database's modules (SQLAlchemy's dialect, Alembic's DDL implementation, the drivers):
# a project must import only its own database's.
MODULES = {
    "sqlite": ("sqlalchemy.dialects.sqlite", "alembic.ddl.sqlite", "sqlite3", "aiosqlite"),
    "postgresql": ("sqlalchemy.dialects.postgresql", "alembic.ddl.postgresql", "psycopg",
                   "psycopg2", "asyncpg"),
    "mysql": ("sqlalchemy.dialects.mysql", "alembic.ddl.mysql", "pymysql", "MySQLdb",
              "aiomysql", "asyncmy"),
    "mssql": ("sqlalchemy.dialects.mssql", "alembic.ddl.mssql"),
    "oracle": ("sqlalchemy.dialects.oracle", "alembic.ddl.oracle"),
}


def foreign_modules(project: Project, database: str) -> dict[str, list[str]]:
    """Each command's imported modules that belong to a database other than ``database``."""
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + f'databases = ["{database}"]\n')
    project.write_models(MODELS)
    others = tuple(name for db, names in MODULES.items() if db != database for name in names)
    prefixes = tuple(f"{name}." for name in others)
    found = {}
    for command in COMMANDS:
        done = subprocess.run([sys.executable, "-c", PROBE, *command], cwd=project.root,
                              env=project.env(), capture_output=True, text=True, timeout=120)
        lines = dict(line.split(" ", 1) for line in done.stdout.splitlines()
                     if line.startswith(("EXIT ", "MODULES ")))
        assert lines.get("EXIT") == "0", f"tool {' '.join(command)}:\n{done.stdout}{done.stderr}"
        found[command[0]] = [name for name in lines["MODULES"].split()
                             if name in others or name.startswith(prefixes)]
    return found


def test_sqlite_project_imports_no_other_database(tmp_path: Path) -> None:
    project = new_project(tmp_path / "proj", f"sqlite:///{tmp_path / 'test.db'}")
    assert foreign_modules(project, "sqlite") == dict.fromkeys(
        (command[0] for command in COMMANDS), [])


@pytest.fixture
def postgres_project(tmp_path: Path) -> Iterator[Project]:
    for url in server_database("TEST_POSTGRES_URL", "PostgreSQL"):
        yield new_project(tmp_path / "proj", url)


def test_postgresql_project_imports_no_other_database(postgres_project: Project) -> None:
    # SQLite's modules included: nothing SQLAlchemy or the tool does for a PostgreSQL project
    # needs them (SQLite backups are taken only of SQLite databases).
    assert foreign_modules(postgres_project, "postgresql") == dict.fromkeys(
        (command[0] for command in COMMANDS), [])
