"""Alembic environment for a project managed by `tool`.

The target metadata comes from the project's ``[tool.schema]`` table (one source of truth with
`tool`), the URL from ``DATABASE_URL`` or alembic.ini.  Sync and async URLs both work (async ones
through Alembic's async pattern), revisions render in batch mode so they also run on SQLite, and
``alembic upgrade --sql`` works offline.
"""

from __future__ import annotations

import asyncio
import os
import warnings
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection, create_engine, make_url
from sqlalchemy.exc import SAWarning

from cultivar_schema.config import find_project, load_config
from cultivar_schema.snapshot.models import load_metadata
from cultivar_schema.verify.drift import include_object_filter
from cultivar_schema.verify.types import compare_type

config = context.config
# SQLite's batch rebuild reflects the table, and SQLAlchemy cannot reflect an index on an
# expression; the revisions set such indexes aside and re-create them from the snapshot.
warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index",
                        SAWarning)
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

project = load_config(find_project(Path(config.config_file_name or "alembic.ini").resolve().parent))
if "target_metadata" in config.attributes:
    target_metadata = config.attributes["target_metadata"]
else:
    target_metadata = load_metadata(project)

URL = (
    config.attributes.get("url")
    or os.environ.get("DATABASE_URL")
    or config.get_main_option("sqlalchemy.url")
)
# the backend, so autogenerate leaves out indexes whose ddl_if keeps them off it
BACKEND = make_url(URL).get_backend_name() if URL else None
OPTIONS = dict(target_metadata=target_metadata, render_as_batch=True, compare_type=compare_type,
               include_object=include_object_filter(project.ignores, BACKEND))


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``alembic upgrade head --sql``) without connecting."""
    context.configure(url=URL, literal_binds=True, dialect_opts={"paramstyle": "named"}, **OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    # `tool apply` passes a transaction per revision and a callback recording each one
    context.configure(connection=connection, **OPTIONS,
                      **config.attributes.get("tool_configure", {}))
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    from sqlalchemy.ext.asyncio import create_async_engine  # only an async URL needs it

    engine = create_async_engine(URL, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
    elif make_url(URL).get_dialect().is_async:
        asyncio.run(run_async_migrations())
    else:
        engine = create_engine(URL, poolclass=pool.NullPool)
        try:
            with engine.connect() as connection:
                do_run_migrations(connection)
        finally:
            engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
