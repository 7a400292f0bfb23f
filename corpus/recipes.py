"""How a package builds its own database at its Alembic head, where it does more than
``alembic upgrade head`` (run inside its venv by ``corpus.inside upgrade``), and MetaData that a
package makes at run time.  Each calls the package's own code, as its users do."""

from __future__ import annotations

import os
import tempfile

from sqlalchemy import MetaData, create_engine, pool
from sqlalchemy.engine import make_url


def mlflow(url: str) -> None:
    """What MLflow's tracking server does on an empty database: its initial tables, then its
    Alembic history to head (``mlflow.store.db.utils._initialize_tables``)."""
    from mlflow.store.db.utils import _initialize_tables

    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        _initialize_tables(engine)
    finally:
        engine.dispose()


ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def prefect(url: str) -> None:
    """``prefect server database upgrade``: Prefect's migrations for the URL's dialect, through
    its async settings."""
    parsed = make_url(url)
    async_url = parsed.set(drivername=ASYNC_DRIVERS[parsed.get_backend_name()])
    os.environ["PREFECT_API_DATABASE_CONNECTION_URL"] = async_url.render_as_string(
        hide_password=False)
    os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="corpus-prefect-"))
    import asyncio

    from prefect.server.database import provide_database_interface

    asyncio.run(provide_database_interface().run_migrations_upgrade())


def apscheduler_metadata() -> MetaData:
    """APScheduler's job store defines its table when it is made (``SQLAlchemyJobStore``)."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    store = SQLAlchemyJobStore(engine=create_engine("sqlite://"))
    return store.jobs_t.metadata
