"""The schema model the random evolution edits: tables and columns, and renames of them.

A small model of SQLAlchemy Core tables (:class:`TableModel`, :class:`ColumnModel`), renames of
its tables and columns (:class:`Renaming`), and the walk along foreign keys (:func:`reaches`).
``source`` writes a schema as model code, ``changes`` works out the change lines `tool snapshot`
must print between two schemas.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

STRINGS = ("str", "cstr", "ustr", "text", "mtext", "ltext")


@dataclass
class ColumnModel:
    name: str
    # A type is a tuple: its family, then the family's arguments.
    # ("int",) ("big",) ("str", n) ("text",) ("num", p, s, asdecimal) ("dt",)
    # ("enum", name, values) ("small",) ("uuid",) ("time",) ("bin", length or None) ("flt",):
    # SmallInteger, Uuid, Time, LargeBinary, Float
    # ("cstr", n): a String(n) with a binary collation on MariaDB and PostgreSQL (variants)
    # ("bool",): a Boolean (no CHECK: SQLAlchemy's default), server default true() or false()
    # ("cbool", name): a Boolean with create_constraint=True, its CHECK named so
    # ("ubool",): a Boolean with create_constraint=True and no name, in models without a "ck"
    # naming convention: its CHECK has none (SQLite and MariaDB name it themselves, or not)
    # ("calc", factor, persisted, column): an Integer generated as factor * 10, or as column *
    # factor (MariaDB refuses id), stored, or virtual where the project does not target
    # PostgreSQL (before 18 it has none)
    # ("uint",) ("mtext",) ("json",) ("ltext",) ("tiny",): Integer, Text, JSON, Text and
    # SmallInteger with a MariaDB or PostgreSQL variant (INT UNSIGNED, MEDIUMTEXT, JSONB,
    # LONGTEXT, TINYINT); ("dbl",): Float(precision=53)
    # ("own", class, n): the models' own TypeDecorator over String(n)
    # ("seq", name, start): an Integer with its own Sequence
    type: tuple
    nullable: bool = True
    default: tuple | None = None
    comment: str | None = None
    renamed_from: str | None = None  # info={"renamed_from": ...}, left in the models after use

    @property
    def family(self) -> str:
        return self.type[0]


@dataclass
class TableModel:
    name: str  # the table's key: ``t3``, or ``s1.t3`` in schema s1 (PostgreSQL)
    columns: list[ColumnModel] = field(default_factory=list)
    # single-column foreign keys to ``id``: column -> (parent table, referential action)
    foreign_keys: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    uniques: list[tuple[str, ...]] = field(default_factory=list)
    checks: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> column, threshold
    bound: set[str] = field(default_factory=set)  # CHECKs written with Python values
    unnamed: set[str] = field(default_factory=set)  # CHECKs without a name (no "ck" convention)
    indexes: dict[tuple[str, ...], bool] = field(default_factory=dict)  # columns -> unique
    # indexes (by columns) whose first column is an expression: "desc" (sa.desc(column(...)))
    # or "lower" (func.lower(column(...))), and partial indexes: columns -> condition on it
    forms: dict[tuple[str, ...], str] = field(default_factory=dict)
    wheres: dict[tuple[str, ...], str] = field(default_factory=dict)
    # per-dialect index options: "len" (mysql_length of 4 on a String first column), "btree"
    # (postgresql_using) or "incl" (postgresql_include=['id'])
    extras: dict[tuple[str, ...], str] = field(default_factory=dict)
    deferred: set[str] = field(default_factory=set)  # DEFERRABLE INITIALLY DEFERRED keys
    use_alter: set[str] = field(default_factory=set)  # keys that closed a cycle when drawn
    # composite foreign keys: (column, column) -> (parent table, parent column); they refer to
    # (id, parent column)
    composite_keys: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    comment: str | None = None
    identity: tuple[int, int] | None = None  # IDENTITY (start, increment) of ``id``
    pk_extra: str | None = None  # a NOT NULL column the primary key has after ``id``
    manual_ids: bool = False  # ``id`` has autoincrement=False: the application numbers rows
    big_id: bool = False  # ``id`` is BigInteger (Integer on SQLite), and so are keys to it
    options: tuple[tuple[str, str], ...] = ()  # MariaDB table options, sorted by key
    renamed_from: str | None = None  # the table's old name (without schema), as for columns

    def column(self, name: str) -> ColumnModel:
        return next(column for column in self.columns if column.name == name)

    @property
    def table(self) -> str:
        """The table's own name, without its schema (what the naming convention uses)."""
        return self.name.rpartition(".")[2]

    @property
    def schema(self) -> str | None:
        return self.name.rpartition(".")[0] or None

    @property
    def old_key(self) -> str | None:
        """The key of the table ``renamed_from`` names (the same schema)."""
        if self.renamed_from is None:
            return None
        return f"{self.schema}.{self.renamed_from}" if self.schema else self.renamed_from

    @property
    def label(self) -> str:
        """Columns' label prefix (``s1_t3``), which names indexes."""
        return self.name.replace(".", "_")

    def form(self, columns: tuple[str, ...]) -> str | None:
        return self.forms.get(columns) if columns in self.indexes else None

    def where(self, columns: tuple[str, ...]) -> str | None:
        return self.wheres.get(columns) if columns in self.indexes else None

    def extra(self, columns: tuple[str, ...]) -> str | None:
        return self.extras.get(columns) if columns in self.indexes else None

    def is_deferred(self, column: str) -> bool:
        return column in self.deferred and column in self.foreign_keys

    def uses_alter(self, column: str) -> bool:
        return column in self.use_alter and column in self.foreign_keys

    def keyed(self, column: str) -> bool:
        """In a foreign key, single or composite."""
        return column in self.foreign_keys or any(column in pair for pair in self.composite_keys)

    def leads_expression(self, column: str) -> bool:
        return any(columns[0] == column for columns in self.indexes if self.form(columns))

    def check_sql(self, name: str, renamed: dict[str, str] | None = None) -> str:
        """The CHECK's SQL, its column under the name ``renamed`` (old -> new) gives it."""
        column, threshold = self.checks[name]
        family = self.column(column).family
        column = (renamed or {}).get(column, column)
        if family in STRINGS:
            return f"length({column}) > {threshold}"
        if family == "enum":  # a value every list has (PostgreSQL types it)
            return f"{column} {'=' if threshold else '>='} 'a' OR {column} IS NULL"
        return f"{column} >= {threshold}"

    def check_source(self, name: str) -> str:
        """The CHECK's expression in the models: its SQL as text, or built from Python values
        (bound parameters) that the snapshot must write out as the same SQL."""
        if name not in self.bound:
            return repr(self.check_sql(name))
        column, threshold = self.checks[name]
        family, ref = self.column(column).family, f"column({column!r})"
        if family in STRINGS:
            return f"func.length({ref}) > {threshold}"
        if family == "enum":
            return f"sa.or_({ref} {'==' if threshold else '>='} 'a', {ref}.is_(None))"
        return f"{ref} >= {threshold}"

    def unique_sets(self) -> list[tuple[str, ...]]:
        """Column sets that must hold distinct values: unique constraints and unique indexes."""
        return self.uniques + [columns for columns, unique in self.indexes.items() if unique]


Schema = dict[str, TableModel]


@dataclass
class Renaming:
    """Renames of tables (old key -> new key) and columns (old table key -> {old: new})."""

    tables: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)

    def table(self, name: str) -> str:
        return self.tables.get(name, name)

    def column(self, table: str, name: str) -> str:
        return self.columns.get(table, {}).get(name, name)

    def inverse(self) -> Renaming:
        return Renaming({new: old for old, new in self.tables.items()},
                        {self.table(table): {new: old for old, new in names.items()}
                         for table, names in self.columns.items()})


def rename(schema: Schema, renaming: Renaming) -> Schema:
    """A copy of ``schema`` under new names, foreign keys of other tables following."""
    return {renaming.table(name): _renamed(table, renaming) for name, table in schema.items()}


def _renamed(old: TableModel, renaming: Renaming) -> TableModel:
    table = copy.deepcopy(old)

    def new(name: str) -> str:
        return renaming.column(old.name, name)

    def each(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(map(new, names))

    table.name = renaming.table(old.name)
    for column in table.columns:
        column.name = new(column.name)
        if column.family == "calc" and column.type[3]:  # databases rewrite the expression too
            column.type = (*column.type[:3], new(column.type[3]))
    table.foreign_keys = {new(column): (renaming.table(parent), action)
                          for column, (parent, action) in table.foreign_keys.items()}
    table.composite_keys = {
        each(pair): (renaming.table(parent), renaming.column(parent, column))  # type: ignore[misc]
        for pair, (parent, column) in table.composite_keys.items()}
    table.uniques = [each(unique) for unique in table.uniques]
    table.checks = {name: (new(column), threshold)
                    for name, (column, threshold) in table.checks.items()}
    for attr in ("indexes", "forms", "wheres", "extras"):
        setattr(table, attr, {each(columns): value
                              for columns, value in getattr(table, attr).items()})
    table.deferred, table.use_alter = set(map(new, table.deferred)), set(map(new, table.use_alter))
    table.pk_extra = table.pk_extra and new(table.pk_extra)
    return table


def declared_renames(old: Schema, new: Schema) -> Renaming:
    """The renames `tool snapshot` applies between ``old`` and ``new``: a hint whose old name
    is only in ``old`` and whose new name is only in ``new`` (others are moot)."""
    renaming = Renaming()
    for name, table in new.items():
        was = table.old_key
        if was and was in old and was not in new and name not in old:
            renaming.tables[was] = name
    for name, table in new.items():
        was = next((old_name for old_name, new_name in renaming.tables.items()
                    if new_name == name), name)
        if was not in old:
            continue
        before = {column.name for column in old[was].columns}
        after = {column.name for column in table.columns}
        for column in table.columns:
            if column.renamed_from in before - after and column.name not in before:
                renaming.columns.setdefault(was, {})[column.renamed_from] = column.name
    return renaming


def reaches(schema: Schema, start: str, goal: str) -> bool:
    """True when foreign keys lead from table ``start`` to table ``goal``."""
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name == goal:
            return True
        if name not in seen and name in schema:
            seen.add(name)
            todo += [parent for parent, _ in schema[name].foreign_keys.values()]
    return False
