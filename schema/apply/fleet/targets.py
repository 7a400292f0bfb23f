"""A fleet's targets: listed from its source, picked by shard, and put into stages.

A target's identity is its name (a SQLite file's path relative to the project folder, a
schema's name, a name the query gives, else the URL with its secrets masked): shards hash it,
stages name it, reports show it.  The URL itself may hold a password and is never shown.
"""

from __future__ import annotations

import fnmatch
import glob
import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ...database import mask_url, parse_url, run_on_connection
from ...errors import SchemaToolError
from ..backup import is_backup
from .config import FleetConfig, StageConfig, expand


@dataclass(frozen=True)
class Target:
    """One database (or PostgreSQL schema) of a fleet."""

    name: str
    url: str  # may hold a secret: never shown, never written
    schema: str | None = None  # schema-per-tenant: the tenant's schema on ``url``


@dataclass(frozen=True)
class Stage:
    """A stage's targets (in fleet order) and how many run at once."""

    name: str
    targets: tuple[Target, ...]
    parallel: int


@dataclass(frozen=True)
class Shard:
    """``--shard I/N``: the I-th of N stable parts of a fleet (1-based)."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"2/3"``; a ValueError saying what is wrong otherwise."""
        index, _, count = text.partition("/")
        if not (index.isdigit() and count.isdigit()) or not 1 <= int(index) <= int(count):
            raise ValueError(f"{text!r} is not a shard: give I/N with 1 <= I <= N, e.g. 2/3")
        return cls(int(index), int(count))

    def holds(self, target: Target) -> bool:
        """True when ``target`` belongs to this shard: its name's hash, not its position, so
        adding a tenant moves no other between shards."""
        digest = hashlib.sha256(target.name.encode()).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1


def fleet_targets(fleet: FleetConfig, root: Path) -> list[Target]:
    """Every target of ``fleet``, in its order (a glob's files sorted by path)."""
    where = f"[tool.schema.fleets.{fleet.name}]"
    if fleet.urls is not None:
        targets = [_url_target(expand(url, f"{where} urls[{number}]"), None)
                   for number, url in enumerate(fleet.urls, 1)]
    elif fleet.sqlite_glob is not None:
        # named as matched: relative to the project folder, or absolute for an absolute glob;
        # the copies `tool apply` takes beside each file are not tenants
        matches = sorted(glob.glob(fleet.sqlite_glob, root_dir=root, recursive=True))
        targets = [Target(Path(match).as_posix(), f"sqlite:///{(root / match).resolve()}")
                   for match in matches
                   if (root / match).is_file() and not is_backup(root / match)]
    else:
        targets = _queried(fleet, where)
    names = [target.name for target in targets]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise SchemaToolError(f"{where}: target {twice[0]} is listed twice")
    if not targets:
        raise SchemaToolError(f"{where}: the fleet has no targets")
    return targets


def _url_target(url: str, name: str | None) -> Target:
    parse_url(url)  # a malformed one is refused here, masked
    return Target(name or mask_url(url), url)


def _queried(fleet: FleetConfig, where: str) -> list[Target]:
    """The targets ``query`` returns on ``control_url``: URLs or schema names, after a name."""
    assert fleet.query is not None and fleet.control_url is not None
    control = expand(fleet.control_url, f"{where} control_url")
    base = expand(fleet.base_url, f"{where} base_url") if fleet.base_url else control
    query = fleet.query

    def read(connection: Connection) -> list[tuple[str, ...]]:
        return [tuple(str(value) for value in row) for row in connection.execute(text(query))]

    rows = run_on_connection(control, read)
    if any(len(row) not in (1, 2) for row in rows):
        raise SchemaToolError(f"{where}: query must return one column (a URL or schema "
                              "name) or two (a name, then the URL or schema name)")
    if fleet.schema_per_tenant:
        if parse_url(base).get_backend_name() != "postgresql":
            raise SchemaToolError(f"{where}: schema_per_tenant needs a PostgreSQL base_url "
                                  f"(or control_url), not {mask_url(base)}")
        return [Target(row[0], base, row[-1]) for row in rows]
    return [_url_target(row[-1], row[0] if len(row) == 2 else None) for row in rows]


def stages(fleet: FleetConfig, targets: list[Target], parallel: int | None) -> list[Stage]:
    """The rollout's stages over ``targets`` (the whole fleet, before any shard): each target
    in the first stage that takes it; a last stage ``rest`` takes the targets no stage named.
    ``parallel`` (``--parallel``) stands for the fleet's own where a stage names none."""
    default = parallel or fleet.parallel
    left = list(targets)
    found = []
    for stage in fleet.stages:
        taken = _taken(stage, targets, left, fleet.name)
        left = [target for target in left if target not in taken]
        found.append(Stage(stage.name, tuple(taken), stage.parallel or default))
    if left or not found:
        found.append(Stage("rest" if found else "all", tuple(left), default))
    return found


def _taken(stage: StageConfig, targets: list[Target], left: list[Target],
           fleet: str) -> list[Target]:
    if stage.percent is not None:
        first = set(targets[:math.ceil(len(targets) * stage.percent / 100)])
        return [target for target in left if target in first]
    assert stage.targets is not None
    unmatched = [pattern for pattern in stage.targets
                 if not any(fnmatch.fnmatchcase(t.name, pattern) for t in targets)]
    if unmatched:
        raise SchemaToolError(f"[tool.schema.fleets.{fleet}] stage {stage.name}: no target "
                              f"named {unmatched[0]!r}")
    return [target for target in left
            if any(fnmatch.fnmatchcase(target.name, pattern) for pattern in stage.targets)]


def in_shard(found: list[Stage], shard: Shard | None) -> list[Stage]:
    """Each stage with only the targets of ``shard`` (all without one)."""
    if shard is None:
        return found
    return [Stage(stage.name, tuple(t for t in stage.targets if shard.holds(t)), stage.parallel)
            for stage in found]
