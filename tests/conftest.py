"""Shared fixtures: throwaway project folders driven through the real CLI, and databases.

PostgreSQL and MariaDB tests read TEST_POSTGRES_URL / TEST_MYSQL_URL (server URLs); each test
gets a database of its own, created here and dropped afterwards.  Without the variables those
tests skip with the reason.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from cultivar_schema.cli.cli import cli
from cultivar_schema.config import load_config
from cultivar_schema.database import run_on_connection
from cultivar_schema.project import Project as SchemaProject
from cultivar_schema.snapshot.store import SnapshotStore
from cultivar_schema.verify.drift import schema_drift, snapshot_metadata

REPO = Path(__file__).resolve().parent.parent
# The command line as a user's shell runs it, in this interpreter.
TOOL = (sys.executable, "-m", "cultivar_schema.cli")
# In-process runs re-import edited models: a .pyc with the same size and mtime second as the
# new source would be taken for it, so none are written.
sys.dont_write_bytecode = True

# The async driver of each backend, for tests that run the same revisions through it.
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg",
                 "mysql": "mysql+aiomysql"}


def async_url(url: str) -> str:
    """``url`` through its backend's async driver, without PyMySQL-only options (aiomysql
    refuses ``ssl_disabled``, which .ci/run's server URL carries)."""
    parsed = make_url(url)
    parsed = parsed.set(drivername=ASYNC_DRIVERS[parsed.get_backend_name()])
    return parsed.difference_update_query(["ssl_disabled"]).render_as_string(hide_password=False)

# These tests are about migrating every change; the additive-only policy has tests of its own.
ALLOW = ("--allow-destructive", "reviewed: a test of migrating every change")

MODELS_HEADER = '''\
import sqlalchemy as sa
from sqlalchemy import (Boolean, CheckConstraint, Column, Computed, DateTime, Enum, ForeignKey,
                        Identity, Index, Integer, MetaData, Numeric, String, Table, Text,
                        UniqueConstraint, column, func)

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})
'''


@dataclass
class Result:
    """A finished CLI run."""

    code: int
    out: str
    err: str


class Project:
    """A throwaway project folder with ``models.py`` and the tool's scaffolding."""

    def __init__(self, root: Path, url: str) -> None:
        self.root = root
        self.url = url

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env["DATABASE_URL"] = self.url
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env

    def write_models(self, body: str) -> None:
        (self.root / "models.py").write_text(MODELS_HEADER + textwrap.dedent(body))

    def run(self, *args: str, check: bool = True) -> Result:
        """``tool ARGS`` in the project folder."""
        return self._run([*TOOL, *args], check)

    def invoke(self, *args: str, check: bool = True,
               environ: dict[str, str | None] | None = None) -> Result:
        """The same CLI in this process (much faster): ``tool --project ROOT ARGS``, with
        ``environ`` set in os.environ while it runs (None: unset).

        Modules named like the project's own are forgotten first, so edited models (or another
        test's project with the same module names) are imported afresh.
        """
        local = {path.stem for path in self.root.glob("*.py")}
        local |= {path.parent.name for path in self.root.glob("*/__init__.py")}
        for name in list(sys.modules):
            if name.split(".")[0] in local:
                del sys.modules[name]
        importlib.invalidate_caches()
        done = CliRunner().invoke(cli, ["--project", str(self.root), *args],
                                  env={"DATABASE_URL": self.url, **(environ or {})},
                                  catch_exceptions=False)
        result = Result(done.exit_code, done.stdout, done.stderr)
        if check and result.code != 0:
            raise AssertionError(f"tool {' '.join(args)} exited {result.code}:\n"
                                 f"{result.out}\n{result.err}")
        return result

    def migrate(self, direction: str, target: str) -> None:
        """``alembic upgrade|downgrade TARGET`` in this process."""
        config = SchemaProject.open(self.root).alembic
        config.attributes["url"] = self.url
        getattr(command, direction)(config, target)

    def drift(self, snapshots: Path | None = None) -> list[str]:
        """Differences between the database and a snapshot folder (default: the project's),
        skipping the tables ``ignore_tables`` leaves to others, as ``tool apply`` does."""
        ignores = load_config(self.root).ignores
        store = SnapshotStore(snapshots or self.root / "snapshots")
        manifest = store.read_manifest()
        assert manifest is not None
        metadata = snapshot_metadata(store, manifest)
        return run_on_connection(self.url,
                                 lambda connection: schema_drift(connection, metadata, ignores))

    def alembic(self, *args: str, check: bool = True) -> Result:
        """Plain ``python -m alembic ARGS`` in the project folder."""
        return self._run([sys.executable, "-m", "alembic", *args], check)

    def _run(self, argv: list[str], check: bool) -> Result:
        done = subprocess.run(argv, cwd=self.root, env=self.env(), capture_output=True,
                              text=True, timeout=300)
        result = Result(done.returncode, done.stdout, done.stderr)
        if check and result.code != 0:
            raise AssertionError(f"{' '.join(argv[2:])} exited {result.code}:\n"
                                 f"{result.out}\n{result.err}")
        return result

    def snapshot_files(self) -> dict[str, bytes]:
        base = self.root / "snapshots"
        return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*.yaml"))}

    def revision_files(self) -> list[Path]:
        return sorted((self.root / "alembic" / "versions").glob("*.py"))


def server_database(env_var: str, kind: str) -> Iterator[str]:
    server = os.environ.get(env_var)
    if not server:
        pytest.skip(f"{env_var} is not set: no {kind} server to test against")
    name = f"schema_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    quote = admin.dialect.identifier_preparer.quote
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {quote(name)}")
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            if kind == "PostgreSQL":
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote(name)} WITH (FORCE)")
            else:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote(name)}")
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each supported backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
    elif request.param == "postgresql":
        yield from server_database("TEST_POSTGRES_URL", "PostgreSQL")
    else:
        yield from server_database("TEST_MYSQL_URL", "MariaDB/MySQL")


LONG_TESTS = ("test_random_evolution", "test_slice_on_oldest_alembic_and_sqlalchemy")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The random evolutions and the run on the oldest versions take minutes each: start them
    first, so parallel workers share out the short tests around them instead of waiting on one
    at the end."""
    items.sort(key=lambda item: not any(name in item.nodeid for name in LONG_TESTS))


def live_tables(url: str) -> set[str]:
    """The table names a live database has now."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return set(sa.inspect(connection).get_table_names())
    finally:
        engine.dispose()


def git(root: Path, *args: str) -> None:
    """Run git in ``root`` with a fixed author, failing the test on an error."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)


def new_project(root: Path, url: str) -> Project:
    """``tool init`` a folder for a ``models`` module with a ``metadata`` attribute."""
    root.mkdir(parents=True, exist_ok=True)
    project = Project(root, url)
    project.invoke("init", "--models", "models", "--metadata", "models:metadata")
    return project


@pytest.fixture
def project(tmp_path: Path, database_url: str) -> Project:
    return new_project(tmp_path / "proj", database_url)


@pytest.fixture
def sqlite_project(tmp_path: Path) -> Project:
    return new_project(tmp_path / "proj", f"sqlite:///{tmp_path / 'test.db'}")


@pytest.fixture
def repo_copy(tmp_path: Path) -> Project:
    """A copy of this repository's CultivAR project (models, alembic, snapshots)."""
    root = tmp_path / "cultivar"
    root.mkdir()
    for name in ("app", "alembic", "snapshots"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("alembic.ini", "pyproject.toml"):
        shutil.copy(REPO / name, root / name)
    return Project(root, f"sqlite:///{tmp_path / 'cultivar.db'}")
