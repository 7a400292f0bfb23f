"""The schema being evolved, the draw, and what each edit may pick (tables, columns, types).

:class:`EvolvingSchema` holds the evolution's state and answers "which tables or columns can
this edit touch?"; the edits themselves are in ``table_edits``, ``column_edits`` and
``key_edits``, and ``edits`` says when each one applies.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import Any

from hypothesis import strategies as st

from .choices import (
    BINARY_LENGTHS,
    DEFAULTS,
    ENUM_VALUES,
    INTEGERS,
    LENGTHS,
    MAX_COLUMNS,
    NUMERICS,
    POSTGRESQL_FAMILIES,
    RESERVED,
    UNKEYED,
    plain_name,
)
from .model import STRINGS, ColumnModel, Schema, TableModel, reaches

ColumnTest = Callable[[TableModel, ColumnModel], bool]

# families whose columns never get a CHECK (dates, generated, own types, ...)
UNCHECKED = ("dt", "calc", "bool", "cbool", "ubool", "json", "own", "seq", "uuid", "time", "dtz",
             "ttz", "ival", "bin", *POSTGRESQL_FAMILIES)


class EvolvingSchema:
    """The schema being evolved (``tables``), Hypothesis's ``draw``, and the candidates of edits.

    With ``mariadb`` false the project targets SQLite and PostgreSQL only, so indexes on
    lower(...) and DEFERRABLE foreign keys are drawn too (MariaDB has neither); with
    ``postgresql`` (a project on PostgreSQL alone) a new table may be in schema ``s1``, with keys
    to and from other schemas, and columns may have PostgreSQL's own types (ARRAY, INET/CIDR,
    TSVECTOR); ``loose``: the models have no "ck" naming convention."""

    def __init__(self, draw: Callable[[st.SearchStrategy], Any], mariadb: bool, postgresql: bool,
                 loose: bool = False) -> None:
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

    # drawing -------------------------------------------------------------------------------
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

    def pick(self, options: Iterable) -> Any:
        """One of ``options`` (a set is sorted first, so draws do not depend on hashing)."""
        return self.draw(st.sampled_from(sorted(options) if isinstance(options, set) else
                                         list(options)))

    def maybe(self, options: Iterable) -> Any:
        """One of ``options``, or None."""
        return self.draw(st.none() | st.sampled_from(options))

    def pick_column(self, test: ColumnTest) -> tuple[TableModel, ColumnModel]:
        table, column = self.pick(self.columns(test))
        return self.tables[table], self.tables[table].column(column)

    # tables --------------------------------------------------------------------------------
    def parents_for(self, child: str) -> list[str]:
        """Tables a foreign key of ``child`` may point at: those whose primary key is ``id``
        alone (itself included; cycles too)."""
        return [name for name, table in self.tables.items() if not table.pk_extra]

    def pick_parent(self, child: str, parents: list[str]) -> str:
        """One of ``parents``; half the time one that closes a cycle, where there is one (a
        plain draw seldom does)."""
        closing = [p for p in parents if p != child and reaches(self.tables, p, child)]
        return self.pick(closing if closing and self.draw(st.booleans()) else parents)

    def set_fk(self, table: TableModel, column: str, target: tuple[str, str | None]) -> None:
        """Point ``column`` at ``target``; a key that closes a cycle is declared use_alter."""
        table.foreign_keys[column] = target
        table.use_alter.discard(column)
        if target[0] != table.name and reaches(self.tables, target[0], table.name):
            table.use_alter.add(column)

    def referenced(self, name: str) -> bool:
        return any(parent == name for table in self.tables.values()
                   for parent, _ in table.foreign_keys.values())

    def cycle_candidates(self) -> list[tuple[str, str]]:
        """(table, parent) pairs where a new key from table to parent closes a cycle: parent
        has a key that leads back to table."""
        return [(name, parent) for name, table in self.tables.items()
                if len(table.columns) < MAX_COLUMNS
                for parent in self.parents_for(name)
                if parent != name and reaches(self.tables, parent, name)]

    def composite_parents(self, child: str) -> list[tuple[str, str]]:
        """(table, Integer column) pairs a composite key of ``child`` may refer to, with id."""
        return [(name, column.name) for name, table in self.tables.items() if name != child
                for column in table.columns
                if column.family == "int" and not table.keyed(column.name)]

    def pk_candidates(self, table: TableModel) -> list[str]:
        """Columns that can join ``id`` in the primary key: NOT NULL plain keyable columns of a
        table no foreign key points at, without IDENTITY (MariaDB's AUTO_INCREMENT)."""
        if table.identity or self.referenced(table.name):
            return []
        return [column.name for column in table.columns
                if not column.nullable and self.plain(table, column)
                and self.unread(table, column)
                and column.family in ("int", "big", "uint", "str", "own")]

    def droppable(self, table: TableModel, attr: str) -> list:
        """Items of ``table.attr`` that can go: not a unique constraint a composite key needs,
        nor a CHECK without a name (no revision could drop it: the tool refuses)."""
        held = {("id", column) for other in self.tables.values()
                for parent, column in other.composite_keys.values() if parent == table.name}
        return [item for item in getattr(table, attr) if not (
            attr == "uniques" and item in held or attr == "checks" and item in table.unnamed)]

    def renamable_tables(self) -> list[str]:
        """Tables that were there before this step under the same name: a second rename in
        one step would be a drop and an add (the hint would name a table the snapshot lacks)."""
        return [name for name in self.tables if name in self.start]

    def renamable_columns(self) -> list[tuple[str, str]]:
        """(table, column) pairs whose column was there before this step under that name."""
        found = []
        for name, table in self.tables.items():
            was = name if name in self.start else table.old_key
            before = ({column.name for column in self.start[was].columns}
                      if was in self.start else set())
            found += [(name, column.name) for column in table.columns if column.name in before]
        return found

    def unique_candidates(self, table: TableModel) -> list[tuple[str, ...]]:
        names = [column.name for column in table.columns if column.family not in UNKEYED]
        sets = [(a,) for a in names] + [(a, b) for a in names for b in names if a != b]
        return [columns for columns in sets if columns not in table.uniques]

    def free_first(self, table: TableModel) -> list[str]:
        """Columns that may lead a new index: keyable and leading none yet (the convention
        names an index after its first column)."""
        used = {columns[0] for columns in table.indexes}
        return [column.name for column in table.columns
                if column.family not in UNKEYED and column.name not in used]

    # columns -------------------------------------------------------------------------------
    def columns(self, test: ColumnTest) -> list[tuple[str, str]]:
        """(table, column) pairs of every column that passes ``test``."""
        return [(table.name, column.name) for table in self.tables.values()
                for column in table.columns if test(table, column)]

    def checkable(self, table: TableModel, column: ColumnModel) -> bool:
        """MariaDB refuses a CHECK on a column whose foreign key has a referential action."""
        return (column.family not in UNCHECKED and plain_name(column.name)
                and table.foreign_keys.get(column.name, (None, None))[1] is None
                and not any(column.name in pair for pair in table.composite_keys))

    def plain(self, table: TableModel, column: ColumnModel) -> bool:
        """Not a foreign key, generated or sequenced: its type, nullability and default can
        change."""
        return not table.keyed(column.name) and column.family not in ("calc", "seq") and not any(
            (table.name, column.name) == target for other in self.tables.values()
            for target in other.composite_keys.values())

    def keyable(self, table: TableModel, column: ColumnModel) -> bool:
        """Can get a foreign key: a nullable Integer without a default, not leading an index on
        an expression, in a table that has possible parents."""
        return (self.plain(table, column) and column.family == "int" and column.nullable
                and self.unread(table, column)
                and column.default is None and not table.leads_expression(column.name)
                and bool(self.parents_for(table.name)))

    def defaultable(self, table: TableModel, column: ColumnModel) -> bool:
        return self.plain(table, column) and bool(DEFAULTS[column.family])

    def nullable_changeable(self, table: TableModel, column: ColumnModel) -> bool:
        return self.plain(table, column) and column.name != table.pk_extra

    def retypable(self, table: TableModel, column: ColumnModel) -> bool:
        return self.plain(table, column) and bool(self.new_types(table, column))

    def unread(self, table: TableModel, column: ColumnModel) -> bool:
        """No generated column reads it (PostgreSQL and MariaDB refuse to drop it then), nor a
        CHECK without a name (which no revision could drop: the tool refuses), and it makes
        no such CHECK itself (``ubool``)."""
        return not any(other.family == "calc" and other.type[3] == column.name
                       for other in table.columns) and column.family != "ubool" and not any(
            table.checks[name][0] == column.name for name in table.unnamed if name in table.checks)

    def sources(self, table: TableModel) -> list[str]:
        """Columns a generated column may read: plain integers with plain names (SQL text),
        never in a key (MariaDB restricts the keys of generated columns' base columns)."""
        return [column.name for column in table.columns
                if column.family in INTEGERS and plain_name(column.name)
                and self.plain(table, column) and column.name != table.pk_extra]

    def storages(self) -> tuple[bool, ...]:
        """Whether a generated column may be stored (True) or virtual: only stored where
        PostgreSQL is a target."""
        return (True, False) if self.mariadb else (True,)

    def new_types(self, table: TableModel, column: ColumnModel) -> list[tuple]:
        """The types ``column`` may change to: within its kind (a String of an index or unique
        constraint stays a String)."""
        indexed = column.name == table.pk_extra or any(
            column.name in columns for columns in table.unique_sets() + list(table.indexes))
        family = column.family
        if family in STRINGS:
            options = [(kind, n) for kind in ("str", "cstr", "ustr") for n in LENGTHS]
            options += [] if indexed else [("text",), ("mtext",), ("ltext",)]
        elif family in INTEGERS:
            options = [(kind,) for kind in INTEGERS]
        elif family in ("bool", "cbool"):  # the type's own CHECK (SQLite, MariaDB) comes or goes
            options = [("bool",), ("cbool", f"b_{column.name}")]
        elif family in ("flt", "dbl"):  # single and double precision
            options = [("flt",), ("dbl",)]
        elif family in ("dt", "dtz", "time", "ttz"):  # with and without time zone
            options = [("dt",), ("dtz",)] if family.startswith("dt") else [("time",), ("ttz",)]
        elif family == "own":
            options = [("own", column.type[1], n) for n in LENGTHS]
        elif family == "num":  # asdecimal=False changes no DDL: the snapshot only
            options = [("num", precision, scale, asdecimal) for precision, scale in NUMERICS
                       for asdecimal in (True, False)]
        elif family == "bin":
            options = [("bin", n) for n in BINARY_LENGTHS]
        elif family == "enum":
            options = [("enum", column.type[1], values) for values in ENUM_VALUES]
        elif family in ("arr", "net"):
            kinds = {"arr": ("int", "big"), "net": ("INET", "CIDR")}[family]
            options = [(family, kind) for kind in kinds]
        else:
            options = []
        return [type_ for type_ in options if type_ != column.type]

    # ENUM types ----------------------------------------------------------------------------
    def enum_columns(self) -> list[tuple[TableModel, ColumnModel]]:
        return [(table, column) for table in self.tables.values() for column in table.columns
                if column.family == "enum"]

    def sharable(self, table: TableModel, type_: tuple) -> bool:
        """Whether a column of ``table`` may take this ENUM type: a ``ce_`` type's CHECK is
        named after the type, and two of one name in a table are one too many (SQLite's rebuild
        keeps one, PostgreSQL refuses the second)."""
        return not type_[1].startswith("ce_") or all(
            column.type[:2] != type_[:2] for column in table.columns if column.family == "enum")

    def share_candidates(self) -> list[tuple[TableModel, ColumnModel]]:
        """ENUM columns that may take another column's type."""
        return [(table, column) for table, column in self.enum_columns() if any(
            other.type != column.type and self.sharable(table, other.type)
            for _, other in self.enum_columns())]

    # keys and indexes ----------------------------------------------------------------------
    def unindexed_keys(self) -> list[tuple[TableModel, str]]:
        """(table, column) of single-column foreign keys whose column leads no index."""
        return [(table, column) for table in self.tables.values()
                for column in table.foreign_keys if column in self.free_first(table)]

    def index_extras(self, table: TableModel, columns: tuple[str, ...]) -> list[str]:
        """Per-dialect options the index may have: a MariaDB prefix length on a String first
        column (not an expression), PostgreSQL's index method, or (projects not on MariaDB)
        PostgreSQL's INCLUDE of ``id``."""
        plain_string = (table.column(columns[0]).family in ("str", "cstr", "ustr")
                        and table.form(columns) is None)
        return ["btree", *(["len"] if plain_string else []), *([] if self.mariadb else ["incl"])]

    def wherable(self, table: TableModel) -> list[tuple[str, ...]]:
        """Indexes that may have a condition: on a first column SQL text can name plainly."""
        return [columns for columns in table.indexes if plain_name(columns[0])]
