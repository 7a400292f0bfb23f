"""The corpus: published packages whose SQLAlchemy models (and Alembic history) the tool is
tried on.  Nothing of theirs is copied here: each is installed from the package index into a
cached virtual environment (see ``venvs``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Database(Enum):
    """A database the corpus runs on; the value is the tool's name for it."""

    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"
    MARIADB = "mysql"

    @property
    def label(self) -> str:
        return "mariadb" if self is Database.MARIADB else self.value

    @classmethod
    def parse(cls, name: str) -> Database:
        """``sqlite``, ``postgresql``/``postgres`` or ``mariadb``/``mysql``."""
        aliases = {"postgres": "postgresql", "mariadb": "mysql"}
        return cls(aliases.get(name, name))


@dataclass(frozen=True)
class History:
    """A package's own Alembic history: where its scripts are (``package:folder``, as Alembic's
    ``script_location`` takes it), and how the package builds a database at its head: its own
    ``alembic.ini`` (``package:file``) for ``alembic upgrade head``, or ``upgrade``, a function
    of ``corpus.recipes`` taking the URL, where the package does more than that itself."""

    script_location: str
    ini: str | None = None
    upgrade: str | None = None
    # per database, where the version files are when not in <script_location>/versions
    version_locations: tuple[tuple[Database, str], ...] = ()


@dataclass(frozen=True)
class Package:
    """One corpus entry."""

    name: str
    requirement: str  # pinned, so a re-run tries the same models
    models: tuple[str, ...]  # modules to import (they define the tables)
    metadata: str  # module:attribute of the MetaData
    databases: tuple[Database, ...] = tuple(Database)
    history: History | None = None


PACKAGES: tuple[Package, ...] = (
    Package(
        name="optuna",
        requirement="optuna==5.1.0",
        models=("optuna.storages._rdb.models",),
        metadata="optuna.storages._rdb.models:BaseModel.metadata",
        history=History("optuna.storages._rdb:alembic", ini="optuna.storages._rdb:alembic.ini"),
    ),
    Package(
        name="celery",
        requirement="celery==5.7.0",
        models=("celery.backends.database.models",),
        metadata="celery.backends.database.models:ResultModelBase.metadata",
    ),
    Package(
        name="mlflow",
        requirement="mlflow-skinny==3.18.0",
        models=("mlflow.store.tracking.dbmodels.models",
                "mlflow.store.model_registry.dbmodels.models",
                "mlflow.store.workspace.dbmodels.models"),
        metadata="mlflow.store.db.base_sql_model:Base.metadata",
        history=History("mlflow.store:db_migrations", upgrade="mlflow"),
    ),
    Package(
        name="prefect",
        requirement="prefect==3.9.1",
        models=("prefect.server.database.orm_models", "prefect.server.utilities.database"),
        metadata="prefect.server.database.orm_models:Base.metadata",
        databases=(Database.SQLITE, Database.POSTGRESQL),  # Prefect supports no other
        history=History("prefect.server.database:_migrations", upgrade="prefect",
                        version_locations=(
                            (Database.SQLITE,
                             "prefect.server.database:_migrations/versions/sqlite"),
                            (Database.POSTGRESQL,
                             "prefect.server.database:_migrations/versions/postgresql"))),
    ),
    Package(
        name="flask-appbuilder",
        requirement="flask-appbuilder==5.3.0",
        models=("flask_appbuilder.security.sqla.models",),
        metadata="flask_appbuilder.models.sqla:Base.metadata",
    ),
    Package(
        name="apscheduler",
        requirement="apscheduler==3.11.3",
        models=("corpus.recipes",),
        metadata="corpus.recipes:apscheduler_metadata",
    ),
)

LIGHTEST = ("optuna", "celery")  # what CI runs (tests/test_corpus.py)


def by_name(names: list[str] | None) -> list[Package]:
    """The packages named (all when ``names`` is empty), in corpus order."""
    if not names:
        return list(PACKAGES)
    known = {package.name: package for package in PACKAGES}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"unknown package(s) {', '.join(unknown)}; the corpus has "
                         f"{', '.join(known)}")
    return [known[name] for name in names]
