"""``[tool.schema.fleets.NAME]``: where a fleet's targets come from and how it rolls out.

Exactly one source of targets: ``urls`` (a list), ``sqlite_glob`` (files, relative to the
project folder) or ``query`` run on ``control_url`` (one column: URLs, or schema names with
``schema_per_tenant = true`` and ``base_url``; two columns: name and URL or schema).  URLs take
``${ENV}`` variables, expanded when the fleet is used and never written anywhere.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from enum import StrEnum

from ...errors import SchemaToolError

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
SOURCES = ("urls", "sqlite_glob", "query")
KEYS = {*SOURCES, "control_url", "schema_per_tenant", "base_url", "parallel", "on_error",
        "stages"}
STAGE_KEYS = {"name", "targets", "percent", "parallel"}


class OnError(StrEnum):
    """What a failed target does to the rest of the rollout."""

    STOP = "stop"  # the stage finishes what it started; no later stage starts
    CONTINUE = "continue"  # every stage runs; the run still fails


@dataclass(frozen=True)
class StageConfig:
    """One step of the rollout: named targets (fnmatch patterns) or the first ``percent`` of
    the fleet (counted from the start, so 10 then 100 is a tenth, then the other nine)."""

    name: str
    targets: tuple[str, ...] | None = None
    percent: float | None = None
    parallel: int | None = None


@dataclass(frozen=True)
class FleetConfig:
    """One ``[tool.schema.fleets.NAME]`` table, read."""

    name: str
    urls: tuple[str, ...] | None = None
    sqlite_glob: str | None = None
    query: str | None = None
    control_url: str | None = None
    schema_per_tenant: bool = False
    base_url: str | None = None
    parallel: int = 1
    on_error: OnError = OnError.STOP
    stages: tuple[StageConfig, ...] = ()


def expand(text: str, where: str) -> str:
    """``text`` with every ``${NAME}`` replaced by the environment's value; an unset variable
    is an error naming it and ``where`` (never the text, which may hold other secrets)."""

    def value(match: re.Match[str]) -> str:
        found = os.environ.get(match[1])
        if found is None:
            raise SchemaToolError(f"{where}: environment variable {match[1]} is not set")
        return found

    return _VARIABLE.sub(value, text)


def fleet_config(fleets: dict[str, dict[str, object]], name: str) -> FleetConfig:
    """The fleet ``name`` of ``[tool.schema.fleets]``, checked (its URLs not yet expanded)."""
    if name not in fleets:
        known = ", ".join(sorted(fleets)) or "none"
        raise SchemaToolError(f"fleet {name!r}: no [tool.schema.fleets.{name}] in "
                              f"pyproject.toml (fleets: {known})")
    table = fleets[name]
    where = f"[tool.schema.fleets.{name}]"
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise SchemaToolError(f"{where}: unknown key {unknown[0]!r}")
    sources = [key for key in SOURCES if key in table]
    if len(sources) != 1:
        raise SchemaToolError(f"{where}: give exactly one of {', '.join(SOURCES)}")
    urls = table.get("urls")
    if urls is not None and (not isinstance(urls, list) or not urls
                             or not all(isinstance(url, str) for url in urls)):
        raise SchemaToolError(f"{where}: urls must be a non-empty list of strings")
    strings = {key: _string(table, key, where)
               for key in ("sqlite_glob", "query", "control_url", "base_url")}
    schema_per_tenant = table.get("schema_per_tenant", False)
    if not isinstance(schema_per_tenant, bool):
        raise SchemaToolError(f"{where}: schema_per_tenant must be true or false")
    if strings["query"] is not None and strings["control_url"] is None:
        raise SchemaToolError(f"{where}: query needs control_url, the database it runs on")
    if schema_per_tenant and strings["query"] is None:
        raise SchemaToolError(f"{where}: schema_per_tenant takes its schema names from query")
    on_error = table.get("on_error", OnError.STOP.value)
    if on_error not in {policy.value for policy in OnError}:
        raise SchemaToolError(f"{where}: on_error must be 'stop' or 'continue'")
    return FleetConfig(
        name=name, urls=tuple(urls) if urls is not None else None,
        sqlite_glob=strings["sqlite_glob"], query=strings["query"],
        control_url=strings["control_url"], schema_per_tenant=schema_per_tenant,
        base_url=strings["base_url"], parallel=_parallel(table.get("parallel", 1), where),
        on_error=OnError(on_error), stages=_stages(table.get("stages", []), where))


def _string(table: dict[str, object], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise SchemaToolError(f"{where}: {key} must be a non-empty string")
    return value


def _parallel(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SchemaToolError(f"{where}: parallel must be a whole number of at least 1")
    return value


def _stages(value: object, where: str) -> tuple[StageConfig, ...]:
    if not isinstance(value, list) or not all(isinstance(stage, dict) for stage in value):
        raise SchemaToolError(f"{where}: stages must be a list of tables "
                              "({ name = ..., targets = [...] } or { name = ..., percent = N })")
    stages = []
    for number, stage in enumerate(value, 1):
        at = f"{where} stages[{number}]"
        unknown = sorted(set(stage) - STAGE_KEYS)
        if unknown:
            raise SchemaToolError(f"{at}: unknown key {unknown[0]!r}")
        name = stage.get("name")
        if not isinstance(name, str) or not name:
            raise SchemaToolError(f"{at}: name must be a non-empty string")
        if ("targets" in stage) == ("percent" in stage):
            raise SchemaToolError(f"{at} ({name}): give either targets or percent")
        targets, percent = stage.get("targets"), stage.get("percent")
        if targets is not None and (not isinstance(targets, list) or not targets
                                    or not all(isinstance(t, str) for t in targets)):
            raise SchemaToolError(f"{at} ({name}): targets must be a non-empty list of names")
        if percent is not None and (isinstance(percent, bool)
                                    or not isinstance(percent, int | float)
                                    or not 0 < percent <= 100):
            raise SchemaToolError(f"{at} ({name}): percent must be a number in (0, 100]")
        parallel = stage.get("parallel")
        stages.append(StageConfig(
            name, tuple(targets) if targets is not None else None,
            float(percent) if percent is not None else None,
            _parallel(parallel, at) if parallel is not None else None))
    if len({stage.name for stage in stages}) != len(stages):
        raise SchemaToolError(f"{where}: two stages have the same name")
    return tuple(stages)
