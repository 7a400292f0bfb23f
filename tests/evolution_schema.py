"""The schema model of the random evolution (``tests/evolution.py`` draws its edits).

A small model of SQLAlchemy Core tables (:class:`Tab`, :class:`Col`), the model code of a
schema, and the change lines `tool snapshot` must print between two schemas, worked out here from
the model alone (not from the tool's snapshot files).
"""

from __future__ import annotations

from dataclasses import dataclass, field

STRINGS = ("str", "cstr", "text", "mtext")


@dataclass
class Col:
    name: str
    # ("int",) ("big",) ("str", n) ("text",) ("num", p, s) ("dt",) ("enum", name, values)
    # ("small",) ("uuid",) ("time",) ("bin",) ("flt",): SmallInteger, Uuid, Time, LargeBinary,
    # Float
    # ("cstr", n): a String(n) with a binary collation on MariaDB and PostgreSQL (variants)
    # ("bool",): a Boolean (no CHECK: SQLAlchemy's default), server default true() or false()
    # ("calc", factor, persisted): an Integer generated as factor * 10 (MariaDB refuses id),
    # stored, or virtual where the project does not target PostgreSQL (before 18 it has none)
    # ("uint",) ("mtext",) ("json",): Integer, Text and JSON with a MariaDB or PostgreSQL variant
    # ("own", class, n): the models' own TypeDecorator over String(n)
    # ("seq", name, start): an Integer with its own Sequence
    type: tuple
    nullable: bool = True
    default: tuple | None = None
    comment: str | None = None

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
    indexes: dict[tuple[str, ...], bool] = field(default_factory=dict)  # columns -> unique
    # indexes (by columns) whose first column is an expression: "desc" (sa.desc(column(...)))
    # or "lower" (func.lower(column(...))), and partial indexes: columns -> condition on it
    forms: dict[tuple[str, ...], str] = field(default_factory=dict)
    wheres: dict[tuple[str, ...], str] = field(default_factory=dict)
    # per-dialect index options: "len" (mysql_length of 4 on a String first column) or "btree"
    # (postgresql_using)
    extras: dict[tuple[str, ...], str] = field(default_factory=dict)
    deferred: set[str] = field(default_factory=set)  # DEFERRABLE INITIALLY DEFERRED keys
    use_alter: set[str] = field(default_factory=set)  # keys that closed a cycle when drawn
    # composite keys: (col, col) -> (parent, parent column); they refer to (id, parent column)
    cfks: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    comment: str | None = None
    identity: tuple[int, int] | None = None  # IDENTITY (start, increment) of ``id``
    pk_extra: str | None = None  # a NOT NULL column the primary key has after ``id``
    manual_ids: bool = False  # ``id`` has autoincrement=False: the application numbers rows
    options: tuple[tuple[str, str], ...] = ()  # MariaDB table options, sorted by key

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

    def check_sql(self, name: str) -> str:
        column, k = self.checks[name]
        if self.col(column).family in STRINGS:
            return f"length({column}) > {k}"
        if self.col(column).family == "enum":  # a value every list has (PostgreSQL types it)
            return f"{column} {'=' if k else '>='} 'a' OR {column} IS NULL"
        return f"{column} >= {k}"

    def unique_sets(self) -> list[tuple[str, ...]]:
        """Column sets that must hold distinct values: unique constraints and unique indexes."""
        return self.uniques + [cols for cols, unique in self.indexes.items() if unique]


Schema = dict[str, Tab]


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
    "uint": "Integer().with_variant(mysql.INTEGER(unsigned=True), 'mysql')",
    "mtext": "Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')",
    "json": "JSON().with_variant(postgresql.JSONB(), 'postgresql')",
}


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
    if t[0] == "enum":
        return f"Enum({', '.join(map(repr, t[2]))}, name={t[1]!r})"
    if t[0] == "calc":
        return f"Integer, Computed('{t[1]} * 10', persisted={t[2]})"
    if t[0] == "num":
        return f"Numeric({t[1]}, {t[2]})"
    return f"String({t[1]})" if t[0] == "str" else {
        "int": "Integer", "big": "sa.BigInteger", "text": "Text", "dt": "DateTime",
        "small": "sa.SmallInteger", "uuid": "sa.Uuid", "time": "sa.Time", "bin": "sa.LargeBinary",
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
        return f"Numeric(precision={t[1]}, scale={t[2]})"
    return f"String(length={t[1]})" if t[0] == "str" else {
        "int": "Integer()", "big": "BigInteger()", "text": "Text()", "dt": "DateTime()",
        "small": "SmallInteger()", "uuid": "Uuid()", "time": "Time()", "bin": "LargeBinary()",
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


def render(schema: Schema, own_types: dict[str, int] | None = None) -> str:
    """``models.py`` body (after conftest's MODELS_HEADER) for a schema; ``own_types`` are the
    TypeDecorator classes (name -> String length) defined so far, as projects keep them."""
    out = ["from sqlalchemy.dialects import mysql, postgresql\n"]
    out += [f"class {name}(sa.types.TypeDecorator):\n    impl = String({length})\n"
            f"    cache_ok = True\n" for name, length in sorted((own_types or {}).items())]
    for tab in schema.values():
        identity = (f"sa.Identity(start={tab.identity[0]}, increment={tab.identity[1]}), "
                    if tab.identity else "")
        manual = ", autoincrement=False" if tab.manual_ids else ""
        items = [f'Column("id", Integer, {identity}primary_key=True{manual})']
        for c in tab.columns:
            extra = "" if c.nullable else ", nullable=False"
            extra += ", primary_key=True" if c.name == tab.pk_extra else ""
            extra += f", server_default={default_source(c.default)}" if c.default else ""
            extra += f", comment={c.comment!r}" if c.comment else ""
            items.append(f"Column({c.name!r}, {type_source(c.type)}{extra})")
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
        items += [f"CheckConstraint({tab.check_sql(n)!r}, name={n!r})" for n in tab.checks]
        items += [_index_source(tab, cols, u) for cols, u in tab.indexes.items()]
        if tab.comment:
            items.append(f"comment={tab.comment!r}")
        items += [f"{key}={value!r}" for key, value in tab.options]
        body = "".join(f"    {item},\n" for item in items)
        if tab.schema:
            body += f"    schema={tab.schema!r},\n"
        out.append(f"{tab.table} = Table(\n    {tab.table!r}, metadata,\n{body})\n")
    return "\n".join(out)


def _index_source(tab: Tab, cols: tuple[str, ...], unique: bool) -> str:
    """``Index(None, 'c3', 'c5')``; a first column that is an expression gets the name the
    convention would give it.  A partial index has the same condition for PostgreSQL and
    SQLite."""
    options = ", unique=True" if unique else ""
    options += {None: "", "len": f", mysql_length={{{cols[0]!r}: 4}}",
                "btree": ", postgresql_using='btree'"}[tab.extra(cols)]
    if where := tab.where(cols):
        condition = f"sa.text({f'{cols[0]} {where}'!r})"
        options += f", postgresql_where={condition}, sqlite_where={condition}"
    form = tab.form(cols)
    if form is None:
        return f"Index(None, {', '.join(map(repr, cols))}{options})"
    first = {"desc": "sa.desc", "lower": "func.lower"}[form] + f"(column({cols[0]!r}))"
    rest = "".join(f", {c!r}" for c in cols[1:])
    return f"Index('ix_{tab.label}_{cols[0]}', {first}{rest}{options})"


# --- expected change lines -----------------------------------------------------------------

def _objects(tab: Tab) -> dict[str, tuple[str, str, object]]:
    """Named constraints and indexes: name -> (kind, columns shown, definition)."""
    t = tab.table
    objects: dict[str, tuple[str, str, object]] = {}
    key = ("id", tab.pk_extra) if tab.pk_extra else ("id",)
    objects[f"pk_{t}"] = ("primary key", f" ({', '.join(key)})", key)
    for column, target in tab.fks.items():
        parent = target[0].rpartition(".")[2]
        objects[f"fk_{t}_{column}_{parent}"] = ("foreign key", f" ({column})",
                                                   (*target, tab.is_deferred(column),
                                                    tab.uses_alter(column)))
    for cols, target in tab.cfks.items():
        parent = target[0].rpartition(".")[2]
        objects[f"fk_{t}_{'_'.join(cols)}_{parent}"] = ("foreign key", f" ({', '.join(cols)})",
                                                        target)
    for cols in tab.uniques:
        objects[f"uq_{t}_{'_'.join(cols)}"] = ("unique constraint", f" ({', '.join(cols)})", cols)
    for name in tab.checks:
        objects[f"ck_{t}_{name}"] = ("check constraint", "", tab.check_sql(name))
    for cols, unique in tab.indexes.items():
        kind = "unique index" if unique else "index"
        form = tab.form(cols)
        first = {None: cols[0], "desc": f"{cols[0]} DESC", "lower": f"lower({cols[0]})"}[form]
        options = {None: [], "len": [f"mysql_length={{{cols[0]!r}: 4}}"],
                   "btree": ["postgresql_using=btree"]}[tab.extra(cols)]
        if where := tab.where(cols):
            options.append(f"postgresql_where={cols[0]} {where}, sqlite_where={cols[0]} {where}")
        shown = f" ({', '.join((first, *cols[1:]))})"
        shown += f" {', '.join(options)}" if options else ""
        objects[f"ix_{tab.label}_{cols[0]}"] = (kind, shown, (cols, unique, form, where,
                                                              tab.extra(cols)))
    return objects


def expected_changes(old: Schema, new: Schema) -> list[str]:
    """The lines `tool snapshot` prints for ``old`` -> ``new``, sorted."""
    lines = []
    for name in old.keys() | new.keys():
        if name not in old or name not in new:
            lines.append(f"{'+' if name in new else '-'} table {name}")
            continue
        a, b = old[name], new[name]
        if a.comment != b.comment:
            lines.append(f"~ table {name}: comment {_show(a.comment)} -> {_show(b.comment)}")
        if a.options != b.options:
            lines.append(f"~ table {name}: dialect_options {_show(dict(a.options) or None)} -> "
                         f"{_show(dict(b.options) or None)}")
        if a.identity != b.identity:
            lines.append(f"~ column {name}.id: identity {identity_text(a.identity)} -> "
                         f"{identity_text(b.identity)}")
        if a.manual_ids != b.manual_ids:
            auto = ("false", "'auto'")
            lines.append(f"~ column {name}.id: autoincrement {auto[not a.manual_ids]} -> "
                         f"{auto[not b.manual_ids]}")
        before, after = {c.name: c for c in a.columns}, {c.name: c for c in b.columns}
        lines += [f"+ column {name}.{c}" for c in after.keys() - before.keys()]
        lines += [f"- column {name}.{c}" for c in before.keys() - after.keys()]
        for c in before.keys() & after.keys():
            x, y = before[c], after[c]
            own = x.family == y.family == "own"  # the same class: its implementation changes
            for attribute, was, now in (
                ("impl" if own else "type", type_text(x.type), type_text(y.type)),
                ("computed", computed_text(x.type), computed_text(y.type)),
                ("sequence", sequence_text(x.type), sequence_text(y.type)),
                ("nullable", _show(x.nullable), _show(y.nullable)),
                ("server_default", default_text(x.default), default_text(y.default)),
                ("comment", _show(x.comment), _show(y.comment)),
            ):
                if was != now:
                    lines.append(f"~ column {name}.{c}: {attribute} {was} -> {now}")
        was_objects, now_objects = _objects(a), _objects(b)
        for sign, mine, other in (("-", was_objects, now_objects), ("+", now_objects, was_objects)):
            for obj, (kind, cols, definition) in mine.items():
                if obj not in other or other[obj][2] != definition:
                    lines.append(f"{sign} {kind} {obj} on {name}{cols}")
    return sorted(lines)


def identity_text(identity: tuple[int, int] | None) -> str:
    if identity is None:
        return "none"
    return repr({"always": False, "start": identity[0], "increment": identity[1]})


def sequence_text(t: tuple) -> str:
    return repr({"name": t[1], "start": t[2]}) if t[0] == "seq" else "none"


def computed_text(t: tuple) -> str:
    if t[0] != "calc":
        return "none"
    return repr({"sqltext": f"{t[1]} * 10", "persisted": t[2]})


def _show(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)
