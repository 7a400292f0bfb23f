"""Find a project's ``[tool.schema]`` table in ``pyproject.toml`` and read it as typed config."""

from __future__ import annotations

import fnmatch
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SchemaToolError
from .rules import RULES, Severity

PYPROJECT = "pyproject.toml"
DEFAULTS: dict[str, object] = {
    "snapshots": "snapshots",
    "alembic_config": "alembic.ini",
    "databases": ["sqlite", "postgresql", "mysql"],
    "ignore_tables": [],
    "lint": {},
    "postgresql_safe_forms": False,
    "keep_backups": 3,
    "fleets": {},
}
KNOWN_DATABASES = ("sqlite", "postgresql", "mysql")
# Tables the tool and Alembic keep for themselves: never part of a snapshot or of drift.
HISTORY_TABLE = "tool_schema_history"
BOOKKEEPING_TABLES = frozenset({"alembic_version", HISTORY_TABLE})
REQUIRED = ("models", "metadata")


@dataclass(frozen=True)
class ProjectConfig:
    """Where a project's models, snapshots and Alembic configuration live."""

    root: Path
    models: tuple[str, ...]
    metadata: str
    snapshots_dir: Path
    alembic_ini: Path
    databases: tuple[str, ...] = KNOWN_DATABASES
    ignore_tables: tuple[str, ...] = ()
    severities: dict[str, Severity] = field(default_factory=dict)  # [tool.schema] lint
    postgresql_safe_forms: bool = False
    keep_backups: int = 3  # SQLite backups `tool apply` keeps per database file
    # [tool.schema.fleets.NAME] tables as written; apply/fleet/config.py reads one when it is
    # used, so an unset ${ENV} of one fleet never stops a command that does not use it
    fleets: dict[str, dict[str, object]] = field(default_factory=dict)

    def ignores(self, table_key: str) -> bool:
        """True when ``[tool.schema] ignore_tables`` excludes this table (fnmatch patterns)."""
        return any(fnmatch.fnmatchcase(table_key, pattern) for pattern in self.ignore_tables)

    @property
    def pyproject(self) -> Path:
        return self.root / PYPROJECT


def find_project(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` whose pyproject.toml has ``[tool.schema]``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / PYPROJECT
        if candidate.is_file() and "schema" in read_toml(candidate).get("tool", {}):
            return folder
    raise SchemaToolError(
        f"no pyproject.toml with a [tool.schema] table found in {here} or above; "
        "run `tool init` or pass --project DIR"
    )


def load_config(project: Path | None = None) -> ProjectConfig:
    """Read ``[tool.schema]`` from ``project`` (or the nearest project above the cwd)."""
    if project is not None:
        root = project.resolve()
        if not (root / PYPROJECT).is_file():
            raise SchemaToolError(f"{root / PYPROJECT}: no such file; run `tool init {project}`")
    else:
        root = find_project()
    path = root / PYPROJECT
    table = read_toml(path).get("tool", {}).get("schema")
    if not isinstance(table, dict):
        raise SchemaToolError(f"{path}: no [tool.schema] table; run `tool init`")
    return _parse_table(root, path, table)


def _parse_table(root: Path, path: Path, table: dict[str, object]) -> ProjectConfig:
    unknown = sorted(set(table) - set(DEFAULTS) - set(REQUIRED))
    if unknown:
        raise SchemaToolError(f"{path}: [tool.schema] has unknown key {unknown[0]!r}")
    for key in REQUIRED:
        if key not in table:
            raise SchemaToolError(f"{path}: [tool.schema] is missing {key!r}")
    values = {**DEFAULTS, **table}
    models = values["models"]
    if isinstance(models, str):
        models = [models]
    if not isinstance(models, list) or not models or not all(isinstance(m, str) for m in models):
        raise SchemaToolError(f"{path}: [tool.schema] models must be a list of module names")
    for key in ("databases", "ignore_tables"):
        value = values[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SchemaToolError(f"{path}: [tool.schema] {key} must be a list of strings")
    unknown_databases = sorted(set(values["databases"]) - set(KNOWN_DATABASES))  # type: ignore[arg-type]
    if unknown_databases:
        raise SchemaToolError(
            f"{path}: [tool.schema] databases: unknown database {unknown_databases[0]!r} "
            f"(known: {', '.join(KNOWN_DATABASES)})"
        )
    for key in ("metadata", "snapshots", "alembic_config"):
        if not isinstance(values[key], str) or not values[key]:
            raise SchemaToolError(f"{path}: [tool.schema] {key} must be a non-empty string")
    if ":" not in str(values["metadata"]):
        raise SchemaToolError(
            f"{path}: [tool.schema] metadata must look like 'package.module:Base.metadata'"
        )
    if not isinstance(values["postgresql_safe_forms"], bool):
        raise SchemaToolError(f"{path}: [tool.schema] postgresql_safe_forms must be true or false")
    keep = values["keep_backups"]
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise SchemaToolError(f"{path}: [tool.schema] keep_backups must be a whole number of at "
                              "least 1 (the backups of a SQLite file `tool apply` keeps)")
    fleets = values["fleets"]
    if not isinstance(fleets, dict) or not all(isinstance(v, dict) for v in fleets.values()):
        raise SchemaToolError(f"{path}: [tool.schema] fleets must be tables "
                              "([tool.schema.fleets.NAME], docs/fleets.md)")
    return ProjectConfig(
        root=root,
        models=tuple(models),
        metadata=str(values["metadata"]),
        snapshots_dir=root / str(values["snapshots"]),
        alembic_ini=root / str(values["alembic_config"]),
        databases=tuple(values["databases"]),  # type: ignore[arg-type]
        ignore_tables=tuple(values["ignore_tables"]),  # type: ignore[arg-type]
        severities=_severities(path, values["lint"]),
        postgresql_safe_forms=bool(values["postgresql_safe_forms"]),
        keep_backups=keep,
        fleets=fleets,
    )


def _severities(path: Path, table: object) -> dict[str, Severity]:
    """``[tool.schema] lint = { DS102 = "warning", PG101 = "off" }``, checked."""
    if not isinstance(table, dict):
        raise SchemaToolError(f"{path}: [tool.schema] lint must map risk codes to severities")
    severities = {}
    names = [severity.value for severity in Severity]
    for code, value in table.items():
        if code not in RULES:
            raise SchemaToolError(f"{path}: [tool.schema] lint: unknown risk code {code!r} "
                                  f"(known: {', '.join(RULES)})")
        if value not in names:
            raise SchemaToolError(f"{path}: [tool.schema] lint: {code} = {value!r} is not a "
                                  f"severity (one of {', '.join(names)})")
        severities[code] = Severity(value)
    return severities


def read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise SchemaToolError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise SchemaToolError(f"{path}: cannot read: {exc.strerror}") from None


def database_url(ini_url: str | None, override: str | None = None) -> str | None:
    """The URL to use: an explicit override, else ``DATABASE_URL``, else alembic.ini's."""
    return override or os.environ.get("DATABASE_URL") or ini_url
