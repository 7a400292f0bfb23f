"""Random schemas and random edits of them, for ``test_random_evolution``.

A Hypothesis strategy that draws a whole evolution (an initial schema, then steps of several
edits each) of the schema model in ``tests/evolution_schema.py``.

Columns are Integer, BigInteger, SmallInteger, String, Text, Numeric, Float, DateTime, Time,
Boolean, Enum, JSON, Uuid or LargeBinary, among others below; integers change to one another,
strings in length and kind, numerics in precision. Every table has an ``id`` Integer primary key,
which may widen to BigInteger (Integer on SQLite) and back. Foreign keys always point at ``id`` (of
another table or their own) from a nullable column without a server default that has the type of
the ids it points at (so it widens with them), and is not otherwise altered while it carries the
foreign key. Keys
may form cycles between tables; the key that closes one when it is drawn is declared
``use_alter=True``, as models do. Composite keys go from two new nullable Integer columns of one
table to (``id``, an Integer column) of another table, which gets a unique constraint on those two
for it; while referenced, that constraint stays and that column keeps its type, and rows hold NULL
in the key's columns. Names come from one counter (``t3``, ``c7``, ``k9``), so a name is never
reused; the naming convention names indexes, unique and foreign keys (an index is named after its
first column, so no two indexes of a table start with the same column).  New tables and columns
often get odd names instead: a reserved word (``order``), capitals (``C7``), a quote (``c7's``),
a space (``c7 x``) or a non-ASCII letter (``äc7``); CHECKs, index conditions and expressions
only name plain columns (SQL text would have to quote the others per database).

An index's first column is often a foreign key's column (a plain index of one such column is
written ``index=True``, as models do; MariaDB then drops the index it made for the key), and may
be descending, or lower(...) of a String column where the project does
not target MariaDB (never an expression on a foreign-key column: MariaDB must find an index whose
leading column is the key's); any index may have a MariaDB prefix length (on a String first column)
or PostgreSQL's USING btree, and may be partial (a condition on its first column, for PostgreSQL
and SQLite; MariaDB ignores it). Foreign keys have ON DELETE or ON UPDATE actions, and may be
DEFERRABLE INITIALLY DEFERRED where the project does not target MariaDB. Columns may have types
with MariaDB or PostgreSQL variants (INT UNSIGNED, MEDIUMTEXT, JSONB, binary collations),
PostgreSQL's own types where the project targets PostgreSQL alone (ARRAY of Integer <-> BigInteger,
INET <-> CIDR, TSVECTOR), the models' own TypeDecorator (one class per column, over a String whose
length changes; a class stays in the models after its column is dropped, as projects keep them), or
a Sequence of their own whose start changes. A table without IDENTITY that no foreign key points at
may get a composite primary key (``id`` and a NOT NULL column) and lose it again; while it has one,
no foreign key may point at it. Tables may have MariaDB options (character set latin1, or utf8mb4
with a binary collation, or InnoDB with ROW_FORMAT=COMPACT) that change, in every project
(elsewhere they must do nothing). A table's ``id`` may be an IDENTITY (BY DEFAULT, so rows can give
their own ids) whose start and increment change; adding or removing IDENTITY is refused by the
tool, so never drawn. Another table's ``id`` may have autoincrement turned off (the application
numbers rows) and on again. ENUM columns have a named type (``e_c4``, or ``ce_c4`` with
create_constraint=True: a CHECK on SQLite), often one that other columns
share (a column may also take another column's type), whose value list always holds "a", the value
rows use, and changes for all of them; generated columns are computed from constants or from an
integer column of their table other than ``id`` (MariaDB refuses an expression on an AUTO_INCREMENT
column; a column read is then not dropped, keyed or put in the primary key, so its type changes run
under the generated column), stored, or virtual in projects on MariaDB
(which target SQLite and MariaDB: PostgreSQL before 18 has no virtual columns). Neither is indexed
or unique, since rows repeat their values; an ENUM column may have a CHECK that names the value "a"
(PostgreSQL types it by the ENUM, so the tool re-creates it around conversions).

Tables and columns are renamed (``info={"renamed_from": ...}``, left in the models afterwards
as projects do) once per step at most, with keys, indexes and CHECKs following the new names;
columns also take Unicode, DateTime and Time with or without time zone, and Interval; indexes
of projects not on MariaDB may INCLUDE ``id`` (PostgreSQL).  The project ignores ``legacy_*``:
a ``legacy_notes`` table with a row is in the database from the start and must stay as it is;
the models declare it now and then, which changes nothing.

CHECKs are often written with Python values (``column("c") >= 1``: bound parameters the snapshot
writes out as SQL).  Half the examples have models without a "ck" naming convention: named
CHECKs are then named by hand as the convention would, a Boolean's or Enum's CHECK takes the
type's name, and new tables may get CHECKs without a name and ``Boolean(create_constraint=True)``
columns without one (``ubool``), which the databases name themselves; such CHECKs stay as they
are until their table goes (the tool refuses to add or drop them on an existing table), while
their columns are renamed, retyped within their kind and made NULL or NOT NULL (SQLite
rebuilds the table).  No table has two columns of one ``ce_`` type (their CHECKs would share a
name: the tool refuses).

What the databases themselves refuse is never drawn: Text columns in an index or unique
constraint (MariaDB needs a key length), and a CHECK on a column whose foreign key has an ON
DELETE or ON UPDATE action (MariaDB error 1901).  String lengths, numeric precisions, server
defaults and the CHECK thresholds are chosen so that the test's rows fit every type and
constraint drawn; date and time columns may default to ``CURRENT_DATE``, ``CURRENT_TIME`` or
``CURRENT_TIMESTAMP``, which MariaDB stores as ``curdate()``, ``curtime()`` and
``current_timestamp()``.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass

from hypothesis import strategies as st

from .evolution_changes import expected_changes
from .evolution_draws import (
    ACTIONS,
    BINARY_LENGTHS,
    COMMENTS,
    DEFAULTS,
    ENUM_PREFIXES,
    ENUM_VALUES,
    FACTORS,
    FAMILIES,
    IDENTITIES,
    INTEGERS,
    LEGACY_MODEL,
    LEGACY_TABLE,
    LENGTHS,
    MAX_COLUMNS,
    MAX_TABLES,
    NUMERICS,
    POSTGRESQL_FAMILIES,
    RESERVED,
    TABLE_OPTIONS,
    UNKEYED,
    WEIGHTS,
    plain_name,
)
from .evolution_keys import KeyEdits
from .evolution_schema import (
    STRINGS,
    Col,
    Renaming,
    Schema,
    Tab,
    computed_sql,
    default_text,
    reaches,
    rename,
    render,
    type_text,
)

# --- the strategy --------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    edits: tuple[str, ...]
    schema: Schema
    own_types: dict[str, int]  # TypeDecorator classes the models define: name -> length
    legacy: bool = False  # the models declare the table others manage (ignore_tables)
    loose: bool = False  # the models have no "ck" naming convention

    def models(self) -> str:
        return (render(self.schema, self.own_types, self.loose)
                + (LEGACY_MODEL if self.legacy else ""))


@dataclass(frozen=True)
class Evolution:
    steps: tuple[Step, ...]

    def __repr__(self) -> str:
        return "Evolution(\n" + "".join(
            f"  step {i}: " + "; ".join(step.edits) + "\n" for i, step in enumerate(self.steps)
        ) + ")"

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # Hypothesis's failure report
        printer.text(repr(self))


class Evolver(KeyEdits):
    """The schema being evolved, and one method per kind of edit (``draw`` draws choices).

    With ``mariadb`` false the project targets SQLite and PostgreSQL only, so indexes on
    lower(...) and DEFERRABLE foreign keys are drawn too (MariaDB has neither); with
    ``postgresql`` (a project on PostgreSQL alone) a new table may be in schema ``s1``, with keys
    to and from other schemas, and columns may have PostgreSQL's own types (ARRAY, INET/CIDR,
    TSVECTOR)."""

    def __init__(self, draw, mariadb: bool, postgresql: bool, loose: bool = False) -> None:
        self.draw = draw
        self.mariadb = mariadb
        self.postgresql = postgresql
        self.loose = loose
        self.tables: Schema = {}
        self.start: Schema = {}  # the schema before the step being drawn
        self.legacy = False
        self.used: set[str] = set()  # reserved words taken as names
        self.own_types: dict[str, int] = {}
        self.counter = itertools.count(1)

    def fresh(self, prefix: str, odd: bool = False) -> str:
        """A new name; with ``odd``, often a reserved word, or with capitals, a quote, a space
        or a non-ASCII letter (never in SQL text the models write: CHECKs, index conditions
        and expressions name plain columns only)."""
        name = f"{prefix}{next(self.counter)}"
        if not odd or self.draw(st.booleans()):
            return name
        reserved = [word for word in RESERVED if word not in self.used]
        form = self.pick(["upper", "quote", "space", "umlaut"] + (["reserved"] if reserved else []))
        if form == "reserved":
            self.used.add(word := reserved[0])
            return word
        return {"upper": name.upper(), "quote": f"{name}'s", "space": f"{name} x",
                "umlaut": f"ä{name}"}[form]

    def pick(self, options):
        return self.draw(st.sampled_from(sorted(options) if isinstance(options, set) else
                                         list(options)))

    def maybe(self, options):
        return self.draw(st.none() | st.sampled_from(options))

    # candidates ----------------------------------------------------------------------------
    def parents_for(self, child: str) -> list[str]:
        """Tables a foreign key of ``child`` may point at: those whose primary key is ``id``
        alone (itself included; cycles too)."""
        return [p for p in self.tables if not self.tables[p].pk_extra]

    def pick_parent(self, child: str, parents: list[str]) -> str:
        """One of ``parents``; half the time one that closes a cycle, where there is one (a
        plain draw seldom does)."""
        closing = [p for p in parents if p != child and reaches(self.tables, p, child)]
        return self.pick(closing if closing and self.draw(st.booleans()) else parents)

    def set_fk(self, tab: Tab, column: str, target: tuple[str, str | None]) -> None:
        """Point ``column`` at ``target``; a key that closes a cycle is declared use_alter."""
        tab.fks[column] = target
        tab.use_alter.discard(column)
        if target[0] != tab.name and reaches(self.tables, target[0], tab.name):
            tab.use_alter.add(column)

    def referenced(self, name: str) -> bool:
        return any(parent == name for tab in self.tables.values()
                   for parent, _ in tab.fks.values())

    def pk_candidates(self, tab: Tab) -> list[str]:
        """Columns that can join ``id`` in the primary key: NOT NULL plain keyable columns of a
        table no foreign key points at, without IDENTITY (MariaDB's AUTO_INCREMENT)."""
        if tab.identity or self.referenced(tab.name):
            return []
        return [c.name for c in tab.columns if not c.nullable and self.plain(tab, c)
                and self.unread(tab, c)
                and c.family in ("int", "big", "uint", "str", "own")]

    def columns(self, test) -> list[tuple[str, str]]:
        return [(t.name, c.name) for t in self.tables.values() for c in t.columns if test(t, c)]

    def checkable(self, tab: Tab, col: Col) -> bool:
        """MariaDB refuses a CHECK on a column whose foreign key has a referential action."""
        return (col.family not in ("dt", "calc", "bool", "cbool", "ubool", "json", "own", "seq",
                                   "uuid",
                                   "time", "dtz", "ttz", "ival", "bin",
                                   *POSTGRESQL_FAMILIES)
                and plain_name(col.name) and tab.fks.get(col.name, (None, None))[1] is None
                and not any(col.name in cols for cols in tab.cfks))

    def plain(self, tab: Tab, col: Col) -> bool:
        """Not a foreign key, generated or sequenced: its type, nullability and default can
        change."""
        return not tab.keyed(col.name) and col.family not in ("calc", "seq") and not any(
            (tab.name, col.name) == target for t in self.tables.values()
            for target in t.cfks.values())

    def keyable(self, tab: Tab, col: Col) -> bool:
        """Can get a foreign key: a nullable Integer without a default, not leading an index on
        an expression, in a table that has possible parents."""
        return (self.plain(tab, col) and col.family == "int" and col.nullable
                and self.unread(tab, col)
                and col.default is None and not tab.leads_expression(col.name)
                and bool(self.parents_for(tab.name)))

    def defaultable(self, tab: Tab, col: Col) -> bool:
        return self.plain(tab, col) and bool(DEFAULTS[col.family])

    def free_first(self, tab: Tab) -> list[str]:
        used = {cols[0] for cols in tab.indexes}
        return [c.name for c in tab.columns if c.family not in UNKEYED and c.name not in used]

    def applicable(self) -> list[str]:
        t = self.tables
        kinds = ["add_table"] if len(t) < MAX_TABLES else []
        if not t:
            return kinds
        kinds += ["drop_table", "table_comment", "table_options", "legacy_model"]
        kinds += ["change_identity"] if any(x.identity for x in t.values()) else []
        kinds += ["widen_id"]
        kinds += ["change_autoincrement"] if any(
            x.identity is None and x.pk_extra is None for x in t.values()) else []
        kinds += ["change_primary_key"] if any(
            x.pk_extra or self.pk_candidates(x) for x in t.values()) else []
        kinds += ["add_column"] if any(len(x.columns) < MAX_COLUMNS for x in t.values()) else []
        for kind, test in (
            ("drop_column", self.unread), ("column_comment", lambda x, c: True),
            ("change_computed", lambda x, c: c.family == "calc"),
            ("change_sequence", lambda x, c: c.family == "seq"),
            ("alter_type", lambda x, c: self.plain(x, c) and self.new_types(x, c)),
            ("alter_nullable", self.nullable_changeable),
            ("alter_default", self.defaultable),
            ("add_check", self.checkable),
            ("add_fk", self.keyable),
        ):
            kinds += [kind] if self.columns(test) else []
        kinds += ["close_cycle"] if self.cycle_candidates() else []
        kinds += ["rename_table"] if self.renamable_tables() else []
        kinds += ["rename_column"] if self.renamable_columns() else []
        enums = {c.type for _, c in self.enum_columns()}
        kinds += ["change_enum"] if enums else []
        kinds += ["share_enum"] if self.share_candidates() else []
        kinds += ["add_cfk"] if any(len(x.columns) <= MAX_COLUMNS - 2 and self.cfk_parents(n)
                                    for n, x in t.items()) else []
        kinds += ["add_index"] if any(self.free_first(x) for x in t.values()) else []
        kinds += ["index_key"] if self.unindexed_keys() else []
        kinds += ["add_unique"] if any(self.unique_candidates(x) for x in t.values()) else []
        kinds += ["change_deferrable"] if not self.mariadb and any(
            x.fks for x in t.values()) else []
        kinds += ["change_index_extra"] if any(x.indexes for x in t.values()) else []
        kinds += ["change_where"] if any(self.wherable(x) for x in t.values()) else []
        for kind, attr in (("drop_index", "indexes"), ("drop_unique", "uniques"),
                           ("drop_fk", "fks"), ("drop_check", "checks"), ("change_fk", "fks"),
                           ("drop_cfk", "cfks"),
                           ("change_index", "indexes"),
                           ("change_check", "checks")):
            kinds += [kind] if any(self.droppable(x, attr) for x in t.values()) else []
        return kinds

    def new_types(self, tab: Tab, col: Col) -> list[tuple]:
        indexed = col.name == tab.pk_extra or any(
            col.name in cols for cols in tab.unique_sets() + list(tab.indexes))
        f = col.family
        if f in STRINGS:
            options = [(f, n) for f in ("str", "cstr", "ustr") for n in LENGTHS]
            options += [] if indexed else [("text",), ("mtext",), ("ltext",)]
        elif f in INTEGERS:
            options = [(i,) for i in INTEGERS]
        elif f in ("bool", "cbool"):  # the type's own CHECK (SQLite, MariaDB) comes or goes
            options = [("bool",), ("cbool", f"b_{col.name}")]
        elif f in ("flt", "dbl"):  # single and double precision
            options = [("flt",), ("dbl",)]
        elif f in ("dt", "dtz", "time", "ttz"):  # with and without time zone
            options = [("dt",), ("dtz",)] if f.startswith("dt") else [("time",), ("ttz",)]
        elif f == "own":
            options = [("own", col.type[1], n) for n in LENGTHS]
        elif f == "num":  # asdecimal=False changes no DDL: the snapshot only
            options = [("num", p, s, d) for p, s in NUMERICS for d in (True, False)]
        elif f == "bin":
            options = [("bin", n) for n in BINARY_LENGTHS]
        elif f == "enum":
            options = [("enum", col.type[1], values) for values in ENUM_VALUES]
        elif f in ("arr", "net"):
            options = [(f, kind) for kind in {"arr": ("int", "big"), "net": ("INET", "CIDR")}[f]]
        else:
            options = []
        return [t for t in options if t != col.type]

    def cycle_candidates(self) -> list[tuple[str, str]]:
        """(table, parent) pairs where a new key from table to parent closes a cycle: parent
        has a key that leads back to table."""
        return [(name, parent) for name, tab in self.tables.items()
                if len(tab.columns) < MAX_COLUMNS
                for parent in self.parents_for(name)
                if parent != name and reaches(self.tables, parent, name)]

    def cfk_parents(self, child: str) -> list[tuple[str, str]]:
        """(table, Integer column) pairs a composite key of ``child`` may refer to, with id."""
        return [(name, c.name) for name, t in self.tables.items() if name != child
                for c in t.columns if c.family == "int" and not t.keyed(c.name)]

    def droppable(self, tab: Tab, attr: str) -> list:
        """Items of ``tab.attr`` that can go: not a unique constraint a composite key needs, nor
        a CHECK without a name (no revision could drop it: the tool refuses)."""
        held = {("id", column) for t in self.tables.values() for parent, column in t.cfks.values()
                if parent == tab.name}
        return [item for item in getattr(tab, attr) if not (
            attr == "uniques" and item in held or attr == "checks" and item in tab.unnamed)]

    def renamable_tables(self) -> list[str]:
        """Tables that were there before this step under the same name: a second rename in
        one step would be a drop and an add (the hint would name a table the snapshot lacks)."""
        return [name for name in self.tables if name in self.start]

    def renamable_columns(self) -> list[tuple[str, str]]:
        """(table, column) pairs whose column was there before this step under that name."""
        found = []
        for name, tab in self.tables.items():
            was = name if name in self.start else tab.old_key
            before = {c.name for c in self.start[was].columns} if was in self.start else set()
            found += [(name, c.name) for c in tab.columns if c.name in before]
        return found

    def unique_candidates(self, tab: Tab) -> list[tuple[str, ...]]:
        names = [c.name for c in tab.columns if c.family not in UNKEYED]
        sets = [(a,) for a in names] + [(a, b) for a in names for b in names if a != b]
        return [s for s in sets if s not in tab.uniques]

    # edits ---------------------------------------------------------------------------------
    def new_column(self, tab: Tab, family: str | None = None) -> str:
        family = family or self.pick(FAMILIES + (POSTGRESQL_FAMILIES if self.postgresql else ()))
        parents = self.parents_for(tab.name) + ([] if tab.name in self.tables else [tab.name])
        if family == "fk" and not parents:
            family = "int"
        name = self.fresh("c", odd=True)
        col = Col(name, {"str": ("str", self.pick(LENGTHS)), "cstr": ("cstr", self.pick(LENGTHS)),
                         "ustr": ("ustr", self.pick(LENGTHS)),
                         "num": ("num", *self.pick(NUMERICS), self.pick((True, False))),
                         "bin": ("bin", self.pick(BINARY_LENGTHS)),
                         "enum": self.enum_type(name, tab),
                         "calc": ("calc", self.pick(FACTORS), self.pick(self.storages()),
                                  self.maybe(self.sources(tab)) if self.sources(tab) else None),
                         "own": ("own", self.fresh("Own_"), self.pick(LENGTHS)),
                         "seq": ("seq", f"s_{name}", self.pick((1, 1000))),
                         "arr": ("arr", self.pick(("int", "big"))),
                         "net": ("net", self.pick(("INET", "CIDR")))}.get(family, (family,)))
        if family == "fk":
            col.type = ("int",)
            self.set_fk(tab, col.name, (self.pick_parent(tab.name, parents),
                                        self.pick(ACTIONS)))
        elif family != "calc":
            col.nullable = self.draw(st.booleans())
            col.default = self.maybe(DEFAULTS[family]) if DEFAULTS[family] else None
        self.note_type(col)
        col.comment = self.maybe(COMMENTS)
        tab.columns.append(col)
        fk = f" -> {tab.fks[col.name]}" if col.name in tab.fks else ""
        check = ""
        if family == "enum" and plain_name(name) and self.draw(st.booleans()):  # for conversions
            tab.checks[check := self.fresh("k")] = (col.name, self.pick([0, 1]))
            if self.draw(st.booleans()):
                tab.bound.add(check)
            check = f" check {tab.check_source(check)}"
        return (f"{col.name} {type_text(col.type)}{'' if col.nullable else ' not null'}"
                f"{' default ' + default_text(col.default) if col.default else ''}{fk}{check}")

    def add_table(self) -> str:
        schema = "s1." if self.postgresql and self.draw(st.booleans()) else ""
        tab = Tab(schema + self.fresh("t", odd=True), comment=self.maybe(COMMENTS),
                  identity=self.maybe(IDENTITIES), options=self.maybe(TABLE_OPTIONS) or ())
        columns = [self.new_column(tab) for _ in range(self.draw(st.integers(1, 4)))]
        if self.loose and self.draw(st.booleans()):  # its CHECK has no name: it stays as it is
            columns.append(self.new_column(tab, "ubool"))
        self.tables[tab.name] = tab
        extras = []
        for _ in range(self.draw(st.integers(0, 2))):
            kind = self.pick(["add_index", "add_unique", "add_check"])
            if kind == "add_check" and any(self.checkable(tab, c) for c in tab.columns) or \
                    kind == "add_index" and self.free_first(tab) or \
                    kind == "add_unique" and self.unique_candidates(tab):
                extras.append(getattr(self, kind)(tab))
        return f"+ table {tab.name}({', '.join(columns)}) {' '.join(extras)}".rstrip()

    def drop_table(self) -> str:
        name = self.pick(self.tables)
        del self.tables[name]
        for tab in self.tables.values():
            tab.fks = {c: target for c, target in tab.fks.items() if target[0] != name}
            tab.cfks = {c: target for c, target in tab.cfks.items() if target[0] != name}
        return f"- table {name}"

    def table_comment(self) -> str:
        tab = self.tables[self.pick(self.tables)]
        tab.comment = self.pick([c for c in (None, *COMMENTS) if c != tab.comment])
        return f"~ table {tab.name} comment {tab.comment!r}"

    def table_options(self) -> str:
        """Other MariaDB options (engine, character set, collation, row format), or none."""
        tab = self.tables[self.pick(self.tables)]
        tab.options = self.pick([o for o in ((), *TABLE_OPTIONS) if o != tab.options])
        return f"~ table {tab.name} options {dict(tab.options)}"

    def add_column(self) -> str:
        tab = self.tables[self.pick(n for n, t in self.tables.items()
                                    if len(t.columns) < MAX_COLUMNS)]
        return f"+ column {tab.name}.{self.new_column(tab)}"

    def pick_column(self, test) -> tuple[Tab, Col]:
        table, column = self.pick(self.columns(test))
        return self.tables[table], self.tables[table].col(column)

    def drop_column(self) -> str:
        return self.remove_column(*self.pick_column(self.unread))

    def remove_column(self, tab: Tab, col: Col) -> str:
        name = col.name
        tab.columns.remove(col)
        tab.fks.pop(name, None)
        tab.cfks = {cols: target for cols, target in tab.cfks.items() if name not in cols}
        for other in self.tables.values():  # keys that refer to it go with it
            other.cfks = {cols: target for cols, target in other.cfks.items()
                          if target != (tab.name, name)}
        tab.pk_extra = None if tab.pk_extra == name else tab.pk_extra
        tab.uniques = [u for u in tab.uniques if name not in u]
        tab.checks = {k: v for k, v in tab.checks.items() if v[0] != name}
        tab.indexes = {cols: u for cols, u in tab.indexes.items() if name not in cols}
        return f"- column {tab.name}.{name}"

    def column_comment(self) -> str:
        tab, col = self.pick_column(lambda x, c: True)
        col.comment = self.pick([c for c in (None, *COMMENTS) if c != col.comment])
        return f"~ column {tab.name}.{col.name} comment {col.comment!r}"

    def note_type(self, col: Col) -> None:
        """Keep the models' own TypeDecorator in step with the column that uses it."""
        if col.family == "own":
            self.own_types[col.type[1]] = col.type[2]

    def alter_type(self) -> str:
        tab, col = self.pick_column(lambda x, c: self.plain(x, c) and self.new_types(x, c))
        old, col.type = col.type, self.pick(self.new_types(tab, col))
        if col.family == "enum":  # new values for every column of the (shared) type
            self.retype_enum(old, col.type)
        self.note_type(col)
        return f"~ column {tab.name}.{col.name} type {type_text(col.type)}"

    def retype_enum(self, old: tuple, new: tuple) -> None:
        for _, col in self.enum_columns():
            col.type = new if col.type == old else col.type

    def change_enum(self) -> str:
        """Other values for an ENUM type, in all the columns that share it; often a column of
        the type comes, goes or takes another type in the same step, as PostgreSQL keeps the
        old type until the end of the step for those (a rare draw otherwise)."""
        old = self.pick({c.type for _, c in self.enum_columns()})
        new = ("enum", old[1], self.pick([v for v in ENUM_VALUES if v != old[2]]))
        self.retype_enum(old, new)
        edit = f"~ enum {new[1]} values {new[2]}"
        users = [(t, c) for t, c in self.enum_columns() if c.type == new]
        rooms = [n for n, t in self.tables.items() if len(t.columns) < MAX_COLUMNS
                 and self.sharable(t, new)]
        also = self.pick(["", "add", "drop", "switch"])
        if also == "add" and rooms:
            tab, col = self.tables[self.pick(rooms)], Col(self.fresh("c"), new)
            tab.columns.append(col)
            edit += f"; + column {tab.name}.{col.name} {type_text(new)}"
        elif also == "drop":
            tab, col = self.pick(users)
            edit += "; " + self.remove_column(tab, col)
        elif also == "switch":
            tab, col = self.pick(users)
            col.type = ("enum", self.fresh(self.pick(ENUM_PREFIXES)), self.pick(ENUM_VALUES))
            edit += f"; ~ column {tab.name}.{col.name} type {type_text(col.type)}"
        return edit

    def enum_columns(self) -> list[tuple[Tab, Col]]:
        return [(t, c) for t in self.tables.values() for c in t.columns if c.family == "enum"]

    def enum_type(self, name: str, tab: Tab) -> tuple:
        """A new ENUM type for column ``name``, or half the time one a column has already:
        PostgreSQL's columns then share one type."""
        existing = sorted({c.type for _, c in self.enum_columns() if self.sharable(tab, c.type)})
        if existing and self.draw(st.booleans()):
            return self.pick(existing)
        return ("enum", f"{self.pick(ENUM_PREFIXES)}{name}", self.pick(ENUM_VALUES))

    def sharable(self, tab: Tab, type_: tuple) -> bool:
        """Whether a column of ``tab`` may take this ENUM type: a ``ce_`` type's CHECK is named
        after the type, and two of one name in a table are one too many (SQLite's rebuild keeps
        one, PostgreSQL refuses the second)."""
        return not type_[1].startswith("ce_") or all(
            c.type[:2] != type_[:2] for c in tab.columns if c.family == "enum")

    def share_candidates(self) -> list[tuple[Tab, Col]]:
        """ENUM columns that may take another column's type."""
        return [(t, c) for t, c in self.enum_columns() if any(
            o.type != c.type and self.sharable(t, o.type) for _, o in self.enum_columns())]

    def share_enum(self) -> str:
        """A column takes another column's ENUM type (PostgreSQL converts it)."""
        tab, col = self.pick(self.share_candidates())
        col.type = self.pick(sorted({c.type for _, c in self.enum_columns()
                                     if self.sharable(tab, c.type)} - {col.type}))
        return f"~ column {tab.name}.{col.name} type {type_text(col.type)}"

    def nullable_changeable(self, tab: Tab, col: Col) -> bool:
        return self.plain(tab, col) and col.name != tab.pk_extra

    def alter_nullable(self) -> str:
        tab, col = self.pick_column(self.nullable_changeable)
        col.nullable = not col.nullable
        return f"~ column {tab.name}.{col.name} nullable {col.nullable}"

    def alter_default(self) -> str:
        tab, col = self.pick_column(self.defaultable)
        col.default = self.pick([d for d in (None, *DEFAULTS[col.family]) if d != col.default])
        return f"~ column {tab.name}.{col.name} default {default_text(col.default)}"

    def add_check(self, only: Tab | None = None) -> str:
        """A CHECK, often written with Python values (bound parameters); in a new table of
        models without a "ck" convention often without a name (never on an ENUM column: the
        tool re-creates those around ENUM conversions, by name)."""
        tab, col = self.pick_column(lambda x, c: self.checkable(x, c) and only in (None, x))
        name = self.fresh("k")
        tab.checks[name] = (col.name, self.pick([0, 1]))
        if self.draw(st.booleans()):
            tab.bound.add(name)
        if only is not None and self.loose and col.family != "enum" and self.draw(st.booleans()):
            tab.unnamed.add(name)
        shown = "unnamed check" if name in tab.unnamed else f"check {name}"
        return f"+ {shown} {tab.name}: {tab.check_source(name)}"

    def legacy_model(self) -> str:
        """The models declare the ignored table, or stop declaring it: no change either way."""
        self.legacy = not self.legacy
        return f"{'+' if self.legacy else '-'} model of ignored {LEGACY_TABLE}"

    def rename_table(self) -> str:
        """A new name (info renamed_from); keys of other tables follow it."""
        old = self.pick(self.renamable_tables())
        new = (f"{self.tables[old].schema}." if self.tables[old].schema else "") + self.fresh("t")
        self.tables = rename(self.tables, Renaming({old: new}))
        self.tables[new].renamed_from = old.rpartition(".")[2]
        return f"~ table {old} renamed {new}"

    def rename_column(self) -> str:
        """A new column name (info renamed_from); indexes, keys and CHECKs follow it."""
        table, old = self.pick(self.renamable_columns())
        new = self.fresh("c")
        self.tables = rename(self.tables, Renaming(columns={table: {old: new}}))
        self.tables[table].col(new).renamed_from = old
        return f"~ column {table}.{old} renamed {new}"

    def change_primary_key(self) -> str:
        """``id`` alone becomes (id, column) or back, or another column joins ``id``."""
        tab = self.tables[self.pick(n for n, t in self.tables.items()
                                    if t.pk_extra or self.pk_candidates(t))]
        tab.pk_extra = self.pick([c for c in (None, *self.pk_candidates(tab))
                                  if c != tab.pk_extra])
        return f"~ table {tab.name} primary key (id, {tab.pk_extra})"

    def change_autoincrement(self) -> str:
        """``id`` numbered by the database (SERIAL, AUTO_INCREMENT) or by the application."""
        tab = self.tables[self.pick(n for n, t in self.tables.items()
                                    if t.identity is None and t.pk_extra is None)]
        tab.manual_ids = not tab.manual_ids
        return f"~ table {tab.name} id autoincrement {not tab.manual_ids}"

    def widen_id(self) -> str:
        """``id`` BigInteger (Integer on SQLite, which numbers only INTEGER keys) or Integer
        again, and with it the key columns that refer to it."""
        tab = self.tables[self.pick(self.tables)]
        tab.big_id = not tab.big_id
        return f"~ table {tab.name} id {'BigInteger' if tab.big_id else 'Integer'}"

    def change_identity(self) -> str:
        """Other IDENTITY options (adding or removing IDENTITY is refused, so never drawn)."""
        tab = self.tables[self.pick(n for n, t in self.tables.items() if t.identity)]
        tab.identity = self.pick([i for i in IDENTITIES if i != tab.identity])
        return f"~ table {tab.name} identity {tab.identity}"

    def change_sequence(self) -> str:
        """Another start for a column's sequence (ALTER SEQUENCE, which keeps its value)."""
        tab, col = self.pick_column(lambda x, c: c.family == "seq")
        col.type = ("seq", col.type[1], 1001 - col.type[2])
        return f"~ column {tab.name}.{col.name} sequence start {col.type[2]}"

    def storages(self) -> tuple[bool, ...]:
        """Whether a generated column may be stored (True) or virtual: only stored where
        PostgreSQL is a target."""
        return (True, False) if self.mariadb else (True,)

    def change_computed(self) -> str:
        """Another expression (another factor or column read), or (MariaDB projects) stored
        <-> virtual."""
        tab, col = self.pick_column(lambda x, c: c.family == "calc")
        col.type = self.pick([("calc", f, p, s) for f in FACTORS for p in self.storages()
                              for s in (None, *self.sources(tab))
                              if ("calc", f, p, s) != col.type])
        return (f"~ column {tab.name}.{col.name} generated as {computed_sql(col.type)}"
                f"{'' if col.type[2] else ' (virtual)'}")

    def sources(self, tab: Tab) -> list[str]:
        """Columns a generated column may read: plain integers with plain names (SQL text),
        never in a key (MariaDB restricts the keys of generated columns' base columns)."""
        return [c.name for c in tab.columns if c.family in INTEGERS and plain_name(c.name)
                and self.plain(tab, c) and c.name != tab.pk_extra]

    def unread(self, tab: Tab, col: Col) -> bool:
        """No generated column reads it (PostgreSQL and MariaDB refuse to drop it then), nor a
        CHECK without a name (which no revision could drop: the tool refuses), and it makes
        no such CHECK itself (``ubool``)."""
        return not any(c.family == "calc" and c.type[3] == col.name for c in tab.columns) and \
            col.family != "ubool" and not any(
                tab.checks[name][0] == col.name for name in tab.unnamed if name in tab.checks)

    def change_check(self) -> str:
        tab = self.tables[self.pick(n for n, t in self.tables.items()
                                    if self.droppable(t, "checks"))]
        name = self.pick(self.droppable(tab, "checks"))
        column, k = tab.checks[name]
        tab.checks[name] = (column, 1 - k)
        return f"~ check {tab.name}.{name}: {tab.check_sql(name)}"

    def edit(self, kind: str) -> str:
        if kind.startswith("drop_") and kind not in ("drop_table", "drop_column"):
            return self.drop_named({"drop_index": "indexes", "drop_unique": "uniques",
                                    "drop_fk": "fks", "drop_check": "checks",
                                    "drop_cfk": "cfks"}[kind])
        return getattr(self, kind)()


@st.composite
def evolutions(draw, mariadb: bool, postgresql: bool = False, min_steps: int = 8,
               max_steps: int = 10) -> Evolution:
    """An initial schema of 1-3 tables, then steps of 1-4 edits that each change something;
    ``mariadb``: whether the project targets MariaDB, ``postgresql``: whether it targets
    PostgreSQL alone (see :class:`Evolver`)."""
    loose = draw(st.booleans())  # no "ck" naming convention: CHECKs without names
    evolver = Evolver(draw, mariadb, postgresql, loose)
    steps = [Step(tuple(evolver.add_table() for _ in range(draw(st.integers(1, 3)))),
                  copy.deepcopy(evolver.tables), dict(evolver.own_types), loose=loose)]
    for _ in range(draw(st.integers(min_steps, max_steps))):
        evolver.start = steps[-1].schema
        before, edits, count = steps[-1].schema, [], draw(st.integers(1, 4))
        while len(edits) < count or not expected_changes(before, evolver.tables):
            kinds = [kind for kind in evolver.applicable() for _ in range(WEIGHTS[kind])]
            edits.append(evolver.edit(draw(st.sampled_from(kinds))))
        steps.append(Step(tuple(edits), copy.deepcopy(evolver.tables), dict(evolver.own_types),
                          evolver.legacy, loose))
    return Evolution(tuple(steps))
