"""``tool init``: scaffold Alembic and the snapshot folder in a project, never overwriting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..config import PYPROJECT, read_toml
from ..errors import SchemaToolError
from ..files import FileSet
from ..journal import recover
from ..project import alembic_config_at, is_resource, script_location
from .find_models import FoundModels, find_models

DEFAULT_MODELS = ("app.models",)


@dataclass
class InitResult:
    """Files created, and files that already existed and were left alone."""

    created: list[Path] = field(default_factory=list)
    extended: list[Path] = field(default_factory=list)  # pyproject.toml given [tool.schema]
    kept: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _template(name: str) -> str:
    templates = resources.files("cultivar_schema").joinpath("templates")
    return templates.joinpath(name).read_text(encoding="utf-8")


def schema_table(models: list[str], metadata: str) -> str:
    """The ``[tool.schema]`` TOML table for these options."""
    listed = ", ".join(f'"{module}"' for module in models)
    return (
        "[tool.schema]\n"
        f"models = [{listed}]\n"
        f'metadata = "{metadata}"\n'
        'snapshots = "snapshots"\n'
        'alembic_config = "alembic.ini"\n'
    )


def _dotted(name: str) -> bool:
    return all(part.isidentifier() for part in name.split("."))


def _require_names(models: list[str], metadata: str) -> None:
    """Module and attribute names only: they are written into pyproject.toml as they are."""
    module, colon, attribute = metadata.partition(":")
    problems = [f"--models {name!r} is not a module name" for name in models
                if not _dotted(name)]
    if not (colon and _dotted(module) and _dotted(attribute)):
        problems.append(f"--metadata {metadata!r} is not module:attribute "
                        "(e.g. app.models:Base.metadata)")
    if problems:
        raise SchemaToolError("; ".join(problems))


# picks one of several MetaData found (asks, in a terminal)
Chooser = Callable[[list[FoundModels]], FoundModels]


def _found_models(directory: Path, choose: Chooser | None,
                  notes: list[str]) -> tuple[list[str] | None, str | None]:
    """The models and MetaData found in ``directory``, with a note saying what was taken and
    what to edit if it is wrong; (None, None) with a note saying what to fill in."""
    edit = f"set models and metadata in [tool.schema] of {directory / PYPROJECT}"
    found = find_models(directory)
    if not found:
        notes.append(f"no SQLAlchemy models found under {directory}: {edit} (e.g. models = "
                     '["myapp.models"], metadata = "myapp.models:Base.metadata"); '
                     f"it names {DEFAULT_MODELS[0]} until then")
        return None, None
    chosen = choose(found) if choose and len(found) > 1 else found[0]
    others = [item for item in found if item is not chosen]
    notes.append(f"models found: {', '.join(chosen.models)}, MetaData {chosen.metadata} "
                 f"({chosen.path.relative_to(directory)})"
                 + (f"; also found {', '.join(item.metadata for item in others)}" if others
                    else "") + f": if that is not right, {edit}")
    return list(chosen.models), chosen.metadata


def scripts_folder(ini: Path) -> Path | None:
    """The scripts folder an existing ``alembic.ini`` or ``[tool.alembic]`` beside it points at,
    as ``Project.alembic`` reads it; None where neither names one (``alembic/`` then)."""
    pyproject = ini.parent / PYPROJECT
    toml = read_toml(pyproject) if pyproject.is_file() else {}
    if not ini.is_file() and "script_location" not in toml.get("tool", {}).get("alembic", {}):
        return None
    location = script_location(alembic_config_at(ini))
    if is_resource(location):
        raise SchemaToolError(f"{ini}: script_location {location!r} is a package resource; "
                              "tool init scaffolds a folder (give its path)")
    return ini.parent / location


def init_project(directory: Path, models: list[str] | None = None,
                 metadata: str | None = None, choose: Chooser | None = None) -> InitResult:
    """Create whatever of the project layout is missing in ``directory``.  Without ``models``,
    the models are looked for (``choose`` picks among several, where someone can be asked)."""
    result = InitResult()
    pyproject = directory / PYPROJECT
    has_table = pyproject.exists() and "schema" in read_toml(pyproject).get("tool", {})
    if not models and metadata:
        models = [metadata.partition(":")[0]]
    elif not models and not has_table:
        models, metadata = _found_models(directory, choose, result.notes)
    models = list(models or DEFAULT_MODELS)
    metadata = metadata or f"{models[0]}:Base.metadata"
    _require_names(models, metadata)
    recovered = recover(directory)  # an interrupted init has no project for others to open
    if recovered is not None:
        result.notes.append(recovered.describe())
    files = FileSet(directory, "`tool init`")
    scripts = scripts_folder(directory / "alembic.ini")
    ini = _template("alembic.ini")
    if scripts is None:
        scripts = directory / "alembic"
    else:  # [tool.alembic] names it; an ini line would win over it
        ini = ini.replace("script_location = alembic\n", "")
    database = "".join(c if c.isalnum() else "_" for c in directory.resolve().name) or "app"
    wanted = {
        directory / "alembic.ini": ini.replace(
            "sqlite:///./cultivar_async.db", f"sqlite:///./{database}.db"
        ),
        scripts / "env.py": _template("env.py"),
        scripts / "script.py.mako": _template("script.py.mako"),
        scripts / "versions" / ".gitkeep": "",
        directory / "snapshots" / "tables" / ".gitkeep": "",
    }
    for path, content in wanted.items():
        if path.exists():
            result.kept.append(path)
        else:
            files.write(path, content)
            result.created.append(path)
    if has_table:
        result.kept.append(pyproject)
    else:
        existing = pyproject.read_text(encoding="utf-8") if pyproject.exists() else ""
        separator = "\n" if existing and not existing.endswith("\n\n") else ""
        if existing and not existing.endswith("\n"):
            separator = "\n\n"
        files.write(pyproject, existing + separator + schema_table(models, metadata))
        (result.extended if existing else result.created).append(pyproject)
    files.commit()
    env_py = scripts / "env.py"
    if env_py in result.kept and "tool_configure" not in env_py.read_text(encoding="utf-8"):
        result.notes.append(
            f"{env_py}: kept as it is; for `tool apply`, run_migrations_online() must use "
            "config.attributes['connection'] when given and pass "
            "**config.attributes.get('tool_configure', {}) to context.configure() "
            "(README, Adopting an existing project)")
    return result
