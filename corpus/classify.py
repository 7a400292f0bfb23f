"""An independent look at each difference adoption lists: is it true?

``tool snapshot --baseline --url`` compares a database built by the package's own history with
its models, through the tool's verification.  Here each listed line is checked again another
way: SQLAlchemy's inspector on the live database against the package's MetaData (never the
tool's snapshot), and for what each database spells its own way (defaults, primary-key names)
the catalog's reading of the live table against its reading of the models' column or key
created on the same database (``corpus.probe``), so a difference the tool invents is caught as
a false alarm.  Lines of a kind this module does not know, or whose probe could not be built,
are ``unchecked``: the corpus report shows them for a human to judge.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Constraint,
    ForeignKeyConstraint,
    MetaData,
    UniqueConstraint,
    create_engine,
    inspect,
    pool,
)
from sqlalchemy.engine import Inspector
from sqlalchemy.exc import SQLAlchemyError

from .probe import Probe, same_reading


class Verdict(Enum):
    TRUE = "true"
    FALSE = "false alarm"
    UNCHECKED = "unchecked"


@dataclass(frozen=True)
class Classified:
    line: str
    verdict: Verdict
    evidence: str

    def to_dict(self) -> dict[str, str]:
        return {**asdict(self), "verdict": self.verdict.value}


PRESENCE = re.compile(r"^(?P<kind>table|column|index|constraint|unique constraint|foreign key|"
                      r"check constraint|enum type) "
                      r"(?P<name>.+?)(?: on (?P<table>\S+))?: "
                      r"(?P<state>missing from the database|not in the snapshot)"
                      r"(?: \(it checks .*\))?$", re.DOTALL)
ENUM_VALUES = re.compile(r"^enum type (?P<name>\S+): values are (?P<live>\[.*\]) in the database, "
                         r"the snapshot says (?P<expected>\[.*\])$")
ATTRIBUTE = re.compile(r"^column (?P<table>[^.]+)\.(?P<column>\S+): (?P<attr>\w+) is "
                       r"(?P<live>.*) in the database, the snapshot says (?P<expected>.*)$",
                       re.DOTALL)  # a default may span lines
GIVEN_TWICE = re.compile(r"^error: models: table (?P<table>\S+): (?P<kind>[a-z ]+?) name "
                         r"(?P<name>\S+) is given twice; ")
PARTIAL_INDEX = re.compile(r"^index (?P<name>\S+) on (?P<table>\S+): the database indexes "
                           r"(?:every row|rows where .+), the snapshot says "
                           r"(?:every row|rows where .+)$", re.DOTALL)
PRIMARY_KEY = re.compile(r"^primary key of (?P<table>\S+): (?:named (?P<live_name>.+)|"
                         r"(?P<live>\[.*\])) in the database, the snapshot says (?P<expected>.*)$")


Names = Counter[tuple[str, str, str | None]]


# The tool's word for each kind of constraint (a CHECK's __visit_name__ is not check_constraint
# in SQLAlchemy 2: the kinds are told apart by class).
KINDS = ((CheckConstraint, "check constraint"), (UniqueConstraint, "unique constraint"),
         (ForeignKeyConstraint, "foreign key"))


def _kind(constraint: Constraint) -> str | None:
    return next((word for kind, word in KINDS if isinstance(constraint, kind)), None)


def name_counts(metadata: MetaData) -> Names:
    """How often each (table, kind, name) of a constraint or index occurs in ``metadata``."""
    counts: Names = Counter()
    for key, table in metadata.tables.items():
        counts.update((key, kind, c.name) for c in table.constraints
                      if (kind := _kind(c)) is not None)
        counts.update((key, "index", index.name) for index in table.indexes)
    return counts


class Look:
    """The live database and the models, side by side (``before``: the models' names before
    the package's history was imported, where it was)."""

    def __init__(self, inspector: Inspector, metadata: MetaData, probe: Probe,
                 before: Names | None = None) -> None:
        self.inspector = inspector
        self.metadata = metadata
        self.probe = probe
        self.before = before

    def live_names(self, kind: str, table: str) -> set[str | None]:
        if not self.inspector.has_table(table):
            return set()
        readers = {
            "index": self.inspector.get_indexes,
            "unique constraint": self.inspector.get_unique_constraints,
            "foreign key": self.inspector.get_foreign_keys,
            "check constraint": self.inspector.get_check_constraints,
        }
        if kind == "constraint":
            names: set[str | None] = set()
            for key in ("unique constraint", "check constraint"):
                names |= {item["name"] for item in readers[key](table)}
            if self.inspector.dialect.name == "mysql":  # a unique constraint is an index there
                names |= {item["name"] for item in readers["index"](table)}
            return names
        return {item["name"] for item in readers[kind](table)}

    def model_names(self, kind: str, table: str) -> set[str | None]:
        model = self.metadata.tables.get(table)
        if model is None:
            return set()
        if kind == "index":
            return {index.name for index in model.indexes}
        kinds = ("unique constraint", "check constraint") if kind == "constraint" else (kind,)
        return {c.name for c in model.constraints if _kind(c) in kinds}

    def presence(self, match: re.Match[str]) -> tuple[bool, str]:
        """(the line is true, what was seen)."""
        kind, name, table = match["kind"], match["name"], match["table"]
        missing = match["state"] == "missing from the database"
        if kind == "table":
            live = self.inspector.has_table(name)
            model = name in self.metadata.tables
        elif kind == "column":
            table, _, column = name.rpartition(".")
            live = self.inspector.has_table(table) and column in {
                c["name"] for c in self.inspector.get_columns(table)}
            model = table in self.metadata.tables and any(
                c.name == column for c in self.metadata.tables[table].columns)
        elif kind == "enum type":
            live = name in self.live_enums()
            model = name in self.model_enums()
        elif kind == "check constraint" and name.startswith("CHECK (") and name.endswith(")"):
            return self.unnamed_check(name[len("CHECK ("):-1], table, missing)
        else:
            live = name in self.live_names(kind, table)
            model = name in self.model_names(kind, table)
            body = self.live_check_body(name, table) if live and not model and \
                kind.endswith("constraint") else None
            if body is not None:  # a name the database gave a CHECK the models leave unnamed
                return self.unnamed_check(body, table, missing)
        seen = f"in the database: {'yes' if live else 'no'}; in the models: " \
               f"{'yes' if model else 'no'}"
        return ((model and not live) if missing else (live and not model)), seen

    def unnamed_check(self, body: str, table: str, missing: bool) -> tuple[bool, str]:
        """A CHECK the models declare without a name, told by its body: how many CHECKs of that
        body the database holds (unnamed on SQLite, named by PostgreSQL and MariaDB; those the
        models name left aside) against how many the models declare without a name."""
        model = self.metadata.tables.get(table)
        named = {c.name for c in model.constraints if isinstance(c.name, str)} \
            if model is not None else set()
        live = [_body(c["sqltext"]) for c in self.inspector.get_check_constraints(table)
                if c.get("name") not in named] if self.inspector.has_table(table) else []
        ours = [_body(_literal(c.sqltext)) for c in model.constraints
                if isinstance(c, CheckConstraint) and not isinstance(c.name, str)] \
            if model is not None else []
        theirs_n, ours_n = live.count(_body(body)), ours.count(_body(body))
        return (ours_n > theirs_n) if missing else (theirs_n > ours_n), \
            f"CHECKs of this body without a name in the models: {theirs_n} in the database, " \
            f"{ours_n} in the models"

    def live_check_body(self, name: str, table: str) -> str | None:
        """The body of the database's CHECK of this name."""
        return next((c["sqltext"] for c in self.inspector.get_check_constraints(table)
                     if c["name"] == name), None)

    def live_enums(self) -> dict[str, list[str]]:
        reader = getattr(self.inspector, "get_enums", None)
        return {e["name"]: list(e["labels"]) for e in reader()} if reader else {}

    def model_enums(self) -> dict[str, list[str]]:
        found = {}
        for table in self.metadata.tables.values():
            for column in table.columns:
                kind = column.type
                if getattr(kind, "native_enum", False) and getattr(kind, "name", None):
                    found[kind.name] = list(kind.enums)
        return found

    def enum_values(self, match: re.Match[str]) -> tuple[bool, str]:
        live = self.live_enums().get(match["name"])
        model = self.model_enums().get(match["name"])
        return live != model, f"database labels {live}, models {model}"

    def attribute(self, match: re.Match[str]) -> tuple[bool, str] | None:
        table, column, attr = match["table"], match["column"], match["attr"]
        live = {c["name"]: c for c in self.inspector.get_columns(table)}.get(column)
        model = self.metadata.tables[table].c.get(column) if table in self.metadata.tables \
            else None
        if live is None or model is None:
            return None
        if attr == "nullable":
            return live["nullable"] != model.nullable, \
                f"database nullable={live['nullable']}, models nullable={model.nullable}"
        if attr == "type":
            dialect = self.inspector.dialect
            ours = model.type.compile(dialect=dialect)
            theirs = live["type"].compile(dialect=dialect)
            return _spelling(ours) != _spelling(theirs), \
                f"database {theirs}, models compile to {ours} on {dialect.name}"
        if attr == "default":
            theirs, ours = self.probe.defaults(model.table, column, live["type"])
            return not same_reading(theirs, ours), f"{self.inspector.dialect.name}'s catalog " \
                f"reads the database's default as {theirs!r}, the models' as {ours!r}"
        return None

    def given_twice(self, match: re.Match[str]) -> tuple[bool, str]:
        """A name the models give two objects of one table: counted in the MetaData."""
        key = (match["table"], match["kind"], match["name"])
        now = name_counts(self.metadata)[key]
        seen = f"the MetaData holds {now} {match['kind']}(s) named {match['name']} on " \
               f"{match['table']}"
        if self.before is not None:
            seen += f" ({self.before[key]} before the package's history was imported)"
        return now >= 2, seen

    def partial_index(self, match: re.Match[str]) -> tuple[bool, str] | None:
        """The condition of a partial index: the inspector's reading against the models'
        ``<dialect>_where``, compared without case, spaces and parentheses."""
        model = self.metadata.tables.get(match["table"])
        index = next((ix for ix in model.indexes if ix.name == match["name"]), None) \
            if model is not None else None
        live = next((ix for ix in self.inspector.get_indexes(match["table"])
                     if ix["name"] == match["name"]), None) \
            if self.inspector.has_table(match["table"]) else None
        if index is None or live is None:
            return None
        key = f"{self.inspector.dialect.name}_where"
        theirs = live.get("dialect_options", {}).get(key)
        ours = index.dialect_kwargs.get(key)
        seen = f"database {key}={theirs}, models {key}={ours}"
        if theirs is None or ours is None:
            return (theirs is None) != (ours is None), seen
        return _body(str(theirs)) != _body(str(ours)), seen

    def primary_key(self, match: re.Match[str]) -> tuple[bool, str] | None:
        """Names: the catalog's reading of the live key and of the models' key created on the
        same database.  Columns: the inspector's against the models'."""
        model = self.metadata.tables.get(match["table"])
        if model is None or not self.inspector.has_table(model.name, schema=model.schema):
            return None
        live = {c["name"]: c["type"] for c in self.inspector.get_columns(
            model.name, schema=model.schema)}
        if match["live_name"] is None:
            theirs = self.inspector.get_pk_constraint(model.name, schema=model.schema)
            columns = list(theirs.get("constrained_columns") or [])
            ours = [str(column.name) for column in model.primary_key.columns]
            return columns != ours, f"database key on {columns}, models' key on {ours}"
        if any(str(column.name) not in live for column in model.primary_key.columns):
            return None
        named, ours = self.probe.key_names(model, live)
        return named != ours, f"{self.inspector.dialect.name}'s catalog names the database's " \
            f"key {named!r}, the models' {ours!r}"


def _body(sqltext: str) -> str:
    """A CHECK body without the spelling databases add: case, spaces, parentheses, quotes
    around names (MariaDB's `is_nan`), PostgreSQL's ``= ANY (ARRAY[...])`` for ``IN``."""
    body = re.sub(r"[\s()`\"]", "", sqltext.lower())
    return re.sub(r"=anyarray\[([^\]]*)\]", r"in\1", body)


def _literal(sqltext: Any) -> str:
    """A models' CHECK as SQL, its Python values written out (a Boolean's ``IN (0, 1)``)."""
    return str(sqltext.compile(compile_kwargs={"literal_binds": True, "include_table": False}))


def _spelling(ddl: str) -> str:
    return re.sub(r"\s+", " ", ddl.upper()).strip()


def classify(url: str, metadata: MetaData, lines: list[str],
             before: Names | None = None) -> list[Classified]:
    """Each line with its verdict and what the independent look saw (``before``:
    :func:`name_counts` of the models before their history was imported)."""
    engine = create_engine(url, poolclass=pool.NullPool)
    verdicts = []
    try:
        with engine.connect() as connection:
            look = Look(inspect(connection), metadata, Probe(engine), before)
            for line in lines:
                verdicts.append(_one(look, line))
    finally:
        engine.dispose()
    return verdicts


def _one(look: Look, line: str) -> Classified:
    checks = ((PRESENCE, look.presence), (ENUM_VALUES, look.enum_values),
              (ATTRIBUTE, look.attribute), (PRIMARY_KEY, look.primary_key),
              (PARTIAL_INDEX, look.partial_index),
              (GIVEN_TWICE, look.given_twice))
    found: tuple[bool, str] | None = None
    try:
        for pattern, check in checks:
            if (match := pattern.match(line)) is not None:
                found = check(match)
                break
    except SQLAlchemyError as exc:  # a probe's table could not be built there
        first = str(exc).splitlines()[0]
        return Classified(line, Verdict.UNCHECKED, f"the probe failed: {first}")
    if found is None:
        return Classified(line, Verdict.UNCHECKED, "no independent check for this kind")
    true, seen = found
    return Classified(line, Verdict.TRUE if true else Verdict.FALSE, seen)


def summary(verdicts: list[dict[str, Any]]) -> dict[str, int]:
    """How many lines got each verdict."""
    counts = {verdict.value: 0 for verdict in Verdict}
    for item in verdicts:
        counts[item["verdict"]] += 1
    return counts
