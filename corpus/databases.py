"""Throwaway databases for corpus runs: a SQLite file, or a database created on the PostgreSQL
or MariaDB server named by ``TEST_POSTGRES_URL`` / ``TEST_MYSQL_URL`` and dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from .packages import Database

SERVER_VARIABLES = {Database.POSTGRESQL: "TEST_POSTGRES_URL", Database.MARIADB: "TEST_MYSQL_URL"}


def unavailable(database: Database) -> str | None:
    """Why ``database`` cannot be used here, or None."""
    variable = SERVER_VARIABLES.get(database)
    if variable and not os.environ.get(variable):
        return f"{variable} is not set"
    return None


@contextmanager
def fresh(database: Database, folder: Path, label: str) -> Iterator[str]:
    """A new empty database's URL (password included: it is only passed to commands)."""
    if database is Database.SQLITE:
        yield f"sqlite:///{folder / f'{label}.db'}"
        return
    server = os.environ[SERVER_VARIABLES[database]]
    name = f"corpus_{label}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    quote = admin.dialect.identifier_preparer.quote
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {quote(name)}")
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        force = " WITH (FORCE)" if database is Database.POSTGRESQL else ""
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote(name)}{force}")
        admin.dispose()
