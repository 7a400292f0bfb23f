"""The schema model of the random evolution (``tests/evolution.py`` draws its edits).

A small model of SQLAlchemy Core tables (:class:`Tab`, :class:`Col`), renames of its tables and
columns, and the model code of a schema (``tests/evolution_changes.py`` works out the change lines
`tool snapshot` must print between two schemas).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

STRINGS = ("str", "cstr", "ustr", "text", "mtext", "ltext")


@dataclass
class Col:
    name: str
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
class Tab:
    name: str  # the table's key: ``t3``, or ``s1.t3`` in schema s1 (PostgreSQL)
    columns: list[Col] = field(default_factory=list)
    fks: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # col -> parent, action
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
    # composite keys: (col, col) -> (parent, parent column); they refer to (id, parent column)
    cfks: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    comment: str | None = None
    identity: tuple[int, int] | None = None  # IDENTITY (start, increment) of ``id``
    pk_extra: str | None = None  # a NOT NULL column the primary key has after ``id``
    manual_ids: bool = False  # ``id`` has autoincrement=False: the application numbers rows
    big_id: bool = False  # ``id`` is BigInteger (Integer on SQLite), and so are keys to it
    options: tuple[tuple[str, str], ...] = ()  # MariaDB table options, sorted by key
    renamed_from: str | None = None  # the table's old name (without schema), as for Col

    def col(self, name: str) -> Col:
        return next(c for c in self.columns if c.name == name)

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

    def form(self, cols: tuple[str, ...]) -> str | None:
        return self.forms.get(cols) if cols in self.indexes else None

    def where(self, cols: tuple[str, ...]) -> str | None:
        return self.wheres.get(cols) if cols in self.indexes else None

    def extra(self, cols: tuple[str, ...]) -> str | None:
        return self.extras.get(cols) if cols in self.indexes else None

    def is_deferred(self, column: str) -> bool:
        return column in self.deferred and column in self.fks

    def uses_alter(self, column: str) -> bool:
        return column in self.use_alter and column in self.fks

    def keyed(self, column: str) -> bool:
        """In a foreign key, single or composite."""
        return column in self.fks or any(column in cols for cols in self.cfks)

    def leads_expression(self, column: str) -> bool:
        return any(cols[0] == column for cols in self.indexes if self.form(cols))

    def check_sql(self, name: str, renamed: dict[str, str] | None = None) -> str:
        """The CHECK's SQL, its column under the name ``renamed`` (old -> new) gives it."""
        column, k = self.checks[name]
        family = self.col(column).family
        column = (renamed or {}).get(column, column)
        if family in STRINGS:
            return f"length({column}) > {k}"
        if family == "enum":  # a value every list has (PostgreSQL types it)
            return f"{column} {'=' if k else '>='} 'a' OR {column} IS NULL"
        return f"{column} >= {k}"

    def check_source(self, name: str) -> str:
        """The CHECK's expression in the models: its SQL as text, or built from Python values
        (bound parameters) that the snapshot must write out as the same SQL."""
        if name not in self.bound:
            return repr(self.check_sql(name))
        column, k = self.checks[name]
        family, ref = self.col(column).family, f"column({column!r})"
        if family in STRINGS:
            return f"func.length({ref}) > {k}"
        if family == "enum":
            return f"sa.or_({ref} {'==' if k else '>='} 'a', {ref}.is_(None))"
        return f"{ref} >= {k}"

    def unique_sets(self) -> list[tuple[str, ...]]:
        """Column sets that must hold distinct values: unique constraints and unique indexes."""
        return self.uniques + [cols for cols, unique in self.indexes.items() if unique]


Schema = dict[str, Tab]


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
                        {self.table(t): {new: old for old, new in names.items()}
                         for t, names in self.columns.items()})


def rename(schema: Schema, renaming: Renaming) -> Schema:
    """A copy of ``schema`` under new names, foreign keys of other tables following."""
    return {renaming.table(name): _renamed(tab, renaming) for name, tab in schema.items()}


def _renamed(old: Tab, renaming: Renaming) -> Tab:
    tab = copy.deepcopy(old)

    def col(name: str) -> str:
        return renaming.column(old.name, name)

    def cols(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(map(col, names))

    tab.name = renaming.table(old.name)
    for c in tab.columns:
        c.name = col(c.name)
        if c.family == "calc" and c.type[3]:  # databases rewrite the expression too
            c.type = (*c.type[:3], col(c.type[3]))
    tab.fks = {col(c): (renaming.table(p), a) for c, (p, a) in tab.fks.items()}
    tab.cfks = {cols(k): (renaming.table(p), renaming.column(p, c))  # type: ignore[misc]
                for k, (p, c) in tab.cfks.items()}
    tab.uniques = [cols(u) for u in tab.uniques]
    tab.checks = {k: (col(c), n) for k, (c, n) in tab.checks.items()}
    for attr in ("indexes", "forms", "wheres", "extras"):
        setattr(tab, attr, {cols(k): v for k, v in getattr(tab, attr).items()})
    tab.deferred, tab.use_alter = set(map(col, tab.deferred)), set(map(col, tab.use_alter))
    tab.pk_extra = tab.pk_extra and col(tab.pk_extra)
    return tab


def declared_renames(old: Schema, new: Schema) -> Renaming:
    """The renames `tool snapshot` applies between ``old`` and ``new``: a hint whose old name
    is only in ``old`` and whose new name is only in ``new`` (others are moot)."""
    renaming = Renaming()
    for name, tab in new.items():
        was = tab.old_key
        if was and was in old and was not in new and name not in old:
            renaming.tables[was] = name
    for name, tab in new.items():
        was = next((o for o, n in renaming.tables.items() if n == name), name)
        if was not in old:
            continue
        before, after = {c.name for c in old[was].columns}, {c.name for c in tab.columns}
        for c in tab.columns:
            if c.renamed_from in before - after and c.name not in before:
                renaming.columns.setdefault(was, {})[c.renamed_from] = c.name
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
            todo += [parent for parent, _ in schema[name].fks.values()]
    return False


# --- model code ----------------------------------------------------------------------------

VARIANTS = {
    "bigk": "BigInteger().with_variant(Integer(), 'sqlite')",  # SQLite numbers INTEGER keys
    "uint": "Integer().with_variant(mysql.INTEGER(unsigned=True), 'mysql')",
    "mtext": "Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')",
    "ltext": "Text().with_variant(mysql.LONGTEXT(), 'mysql')",
    "tiny": "SmallInteger().with_variant(mysql.TINYINT(), 'mysql')",
    "json": "JSON().with_variant(postgresql.JSONB(), 'postgresql')",
}


BIG_KEY = ("bigk",)


def column_type(schema: Schema, tab: Tab, col: Col) -> tuple:
    """The column's type: a key column referring to a BigInteger ``id`` is BigInteger too."""
    parents = [parent for column, (parent, _) in tab.fks.items() if column == col.name]
    parents += [parent for pair, (parent, _) in tab.cfks.items() if pair[0] == col.name]
    if any(parent in schema and schema[parent].big_id for parent in parents):
        return BIG_KEY
    return col.type


def computed_sql(t: tuple) -> str:
    """A generated column's expression: a constant, or a column of its table times a factor."""
    return f"{t[3]} * {t[1]}" if t[3] else f"{t[1]} * 10"


def type_source(t: tuple) -> str:
    if t[0] == "cstr":
        return (f"String({t[1]}).with_variant(mysql.VARCHAR({t[1]}, collation='utf8mb4_bin'), "
                f"'mysql').with_variant(postgresql.VARCHAR({t[1]}, collation='C'), 'postgresql')")
    if t[0] == "arr":
        return f"postgresql.ARRAY({'Integer' if t[1] == 'int' else 'sa.BigInteger'})"
    if t[0] in ("net", "tsv"):
        return f"postgresql.{t[-1] if t[0] == 'net' else 'TSVECTOR'}"
    if t[0] in VARIANTS:
        return f"sa.{VARIANTS[t[0]]}"
    if t[0] == "own":
        return f"{t[1]}()"
    if t[0] == "seq":
        return f"Integer, sa.Sequence({t[1]!r}, start={t[2]})"
    if t[0] == "enum":  # a ce_ type keeps its values under a CHECK where it is not native
        checked = ", create_constraint=True" if t[1].startswith("ce_") else ""
        return f"Enum({', '.join(map(repr, t[2]))}, name={t[1]!r}{checked})"
    if t[0] == "calc":
        return f"Integer, Computed({computed_sql(t)!r}, persisted={t[2]})"
    if t[0] == "num":
        return f"Numeric({t[1]}, {t[2]}{'' if t[3] else ', asdecimal=False'})"
    if t[0] == "bin":
        return f"sa.LargeBinary({t[1] or ''})"
    if t[0] == "ustr":
        return f"sa.Unicode({t[1]})"
    if t[0] == "cbool":
        return f"Boolean(create_constraint=True, name={t[1]!r})"
    if t[0] == "ubool":
        return "Boolean(create_constraint=True)"
    return f"String({t[1]})" if t[0] == "str" else {
        "int": "Integer", "big": "sa.BigInteger", "text": "Text", "dt": "DateTime",
        "dtz": "DateTime(timezone=True)", "ttz": "sa.Time(timezone=True)", "ival": "sa.Interval",
        "dbl": "sa.Float(precision=53)",
        "small": "sa.SmallInteger", "uuid": "sa.Uuid", "time": "sa.Time",
        "flt": "sa.Float",
        "bool": "Boolean"}[t[0]]


def type_text(t: tuple) -> str:
    """The type as the snapshot writes it (an own type: its implementation)."""
    if t[0] == "cstr":  # PostgreSQL's VARCHAR is SQLAlchemy's own
        return (f"String(length={t[1]}).with_variant(mysql.VARCHAR(length={t[1]}, "
                f"collation='utf8mb4_bin'), 'mysql').with_variant(VARCHAR(length={t[1]}, "
                "collation='C'), 'postgresql')")
    if t[0] == "arr":
        return f"postgresql.ARRAY(item_type={'Integer' if t[1] == 'int' else 'BigInteger'}())"
    if t[0] in ("net", "tsv"):
        return f"{type_source(t)}()"
    if t[0] in VARIANTS:
        return VARIANTS[t[0]]
    if t[0] == "own":
        return f"String(length={t[2]})"
    if t[0] == "enum":
        return type_source(t)
    if t[0] == "num":
        return f"Numeric(precision={t[1]}, scale={t[2]}{'' if t[3] else ', asdecimal=False'})"
    if t[0] == "bin":
        return f"LargeBinary({f'length={t[1]}' if t[1] else ''})"
    if t[0] == "ustr":
        return f"Unicode(length={t[1]})"
    if t[0] in ("cbool", "ubool"):
        return type_source(t)
    return f"String(length={t[1]})" if t[0] == "str" else {
        "int": "Integer()", "big": "BigInteger()", "text": "Text()", "dt": "DateTime()",
        "dtz": "DateTime(timezone=True)", "ttz": "Time(timezone=True)", "ival": "Interval()",
        "dbl": "Float(precision=53)",
        "small": "SmallInteger()", "uuid": "Uuid()", "time": "Time()",
        "flt": "Float()",
        "calc": "Integer()", "bool": "Boolean()", "seq": "Integer()"}[t[0]]


def default_source(d: tuple) -> str:
    return {"lit": f"{d[-1]!r}", "sql": f"sa.text({d[-1]!r})", "now": "func.now()",
            "true": "sa.true()", "false": "sa.false()"}[d[0]]


def default_text(d: tuple | None) -> str:
    if d is None:
        return "none"
    return {"lit": repr(d[-1]), "sql": f"text({d[-1]!r})", "now": "func.now()",
            "true": "true()", "false": "false()"}[d[0]]


# Models without a "ck" naming convention (``loose``): CHECKs may have no name, and a Boolean's or
# Enum's CHECK takes the type's name, if any.
LOOSE = ('metadata = MetaData(naming_convention={key: value for key, value in '
         'metadata.naming_convention.items() if key != "ck"})\n')


def render(schema: Schema, own_types: dict[str, int] | None = None, loose: bool = False) -> str:
    """``models.py`` body (after conftest's MODELS_HEADER) for a schema; ``own_types`` are the
    TypeDecorator classes (name -> String length) defined so far, as projects keep them;
    ``loose``: without the "ck" convention, CHECKs named by hand as it would have named them."""
    out = ["from sqlalchemy.dialects import mysql, postgresql\n" + (LOOSE if loose else "")]
    out += [f"class {name}(sa.types.TypeDecorator):\n    impl = String({length})\n"
            f"    cache_ok = True\n" for name, length in sorted((own_types or {}).items())]
    for tab in schema.values():
        identity = (f"sa.Identity(start={tab.identity[0]}, increment={tab.identity[1]}), "
                    if tab.identity else "")
        manual = ", autoincrement=False" if tab.manual_ids else ""
        id_type = type_source(BIG_KEY) if tab.big_id else "Integer"
        items = [f'Column("id", {id_type}, {identity}primary_key=True{manual})']
        for c in tab.columns:
            extra = "" if c.nullable else ", nullable=False"
            extra += ", primary_key=True" if c.name == tab.pk_extra else ""
            extra += f", server_default={default_source(c.default)}" if c.default else ""
            extra += f", comment={c.comment!r}" if c.comment else ""
            extra += f", info={{'renamed_from': {c.renamed_from!r}}}" if c.renamed_from else ""
            extra += ", index=True" if _column_indexed(tab, c.name) else ""
            items.append(f"Column({c.name!r}, {type_source(column_type(schema, tab, c))}{extra})")
        for column, (parent, action) in tab.fks.items():
            option = (f", onupdate={action.removeprefix('ON UPDATE ')!r}"
                      if action and action.startswith("ON UPDATE ") else
                      f", ondelete={action!r}" if action else "")
            option += ", deferrable=True, initially='DEFERRED'" if tab.is_deferred(column) else ""
            option += ", use_alter=True" if tab.uses_alter(column) else ""
            items.append(f"sa.ForeignKeyConstraint([{column!r}], [{parent + '.id'!r}]{option})")
        items += [f"sa.ForeignKeyConstraint({list(cols)!r}, [{parent + '.id'!r}, "
                  f"{parent + '.' + column!r}])" for cols, (parent, column) in tab.cfks.items()]
        items += [f"UniqueConstraint({', '.join(map(repr, u))})" for u in tab.uniques]
        items += [f"CheckConstraint({tab.check_source(n)}{_check_name(tab, n, loose)})"
                  for n in tab.checks]
        items += [_index_source(tab, cols, u) for cols, u in tab.indexes.items()
                  if not (len(cols) == 1 and _column_indexed(tab, cols[0]))]
        if tab.comment:
            items.append(f"comment={tab.comment!r}")
        if tab.renamed_from:
            items.append(f"info={{'renamed_from': {tab.renamed_from!r}}}")
        items += [f"{key}={value!r}" for key, value in tab.options]
        body = "".join(f"    {item},\n" for item in items)
        if tab.schema:
            body += f"    schema={tab.schema!r},\n"
        out.append(f"Table(\n    {tab.table!r}, metadata,\n{body})\n")
    return "\n".join(out)


def _column_indexed(tab: Tab, column: str) -> bool:
    """A foreign key's column with a plain index of its own, written ``index=True`` as models
    often do (the convention names it as ``Index(None, column)``)."""
    cols = (column,)
    return (tab.keyed(column) and tab.indexes.get(cols) is False and tab.form(cols) is None
            and tab.where(cols) is None and tab.extra(cols) is None)


def _check_name(tab: Tab, name: str, loose: bool) -> str:
    if name in tab.unnamed:
        return ""
    return f", name={f'ck_{tab.table}_{name}' if loose else name!r}"


def _index_source(tab: Tab, cols: tuple[str, ...], unique: bool) -> str:
    """``Index(None, 'c3', 'c5')``; a first column that is an expression gets the name the
    convention would give it.  A partial index has the same condition for PostgreSQL and
    SQLite."""
    options = ", unique=True" if unique else ""
    options += {None: "", "len": f", mysql_length={{{cols[0]!r}: 4}}",
                "btree": ", postgresql_using='btree'",
                "incl": ", postgresql_include=['id']"}[tab.extra(cols)]
    if where := tab.where(cols):
        condition = f"sa.text({f'{cols[0]} {where}'!r})"
        options += f", postgresql_where={condition}, sqlite_where={condition}"
    form = tab.form(cols)
    if form is None:
        return f"Index(None, {', '.join(map(repr, cols))}{options})"
    first = {"desc": "sa.desc", "lower": "func.lower"}[form] + f"(column({cols[0]!r}))"
    rest = "".join(f", {c!r}" for c in cols[1:])
    return f"Index({f'ix_{tab.label}_{cols[0]}'!r}, {first}{rest}{options})"
