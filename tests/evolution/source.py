"""A schema of the model (``model``) as the text it takes: model code, and snapshot lines.

``render`` writes a schema as the ``models.py`` the test project imports; ``type_text`` and
``default_text`` write types and server defaults as the snapshot (and so the change lines) does.
"""

from __future__ import annotations

from .model import ColumnModel, Schema, TableModel

VARIANTS = {
    "bigk": "BigInteger().with_variant(Integer(), 'sqlite')",  # SQLite numbers INTEGER keys
    "uint": "Integer().with_variant(mysql.INTEGER(unsigned=True), 'mysql')",
    "mtext": "Text().with_variant(mysql.MEDIUMTEXT(), 'mysql')",
    "ltext": "Text().with_variant(mysql.LONGTEXT(), 'mysql')",
    "tiny": "SmallInteger().with_variant(mysql.TINYINT(), 'mysql')",
    "json": "JSON().with_variant(postgresql.JSONB(), 'postgresql')",
}


BIG_KEY = ("bigk",)


def column_type(schema: Schema, table: TableModel, column: ColumnModel) -> tuple:
    """The column's type: a key column referring to a BigInteger ``id`` is BigInteger too."""
    parents = [parent for name, (parent, _) in table.foreign_keys.items() if name == column.name]
    parents += [parent for pair, (parent, _) in table.composite_keys.items()
                if pair[0] == column.name]
    if any(parent in schema and schema[parent].big_id for parent in parents):
        return BIG_KEY
    return column.type


def computed_sql(type_: tuple) -> str:
    """A generated column's expression: a constant, or a column of its table times a factor."""
    _, factor, _, source = type_
    return f"{source} * {factor}" if source else f"{factor} * 10"


def type_source(type_: tuple) -> str:
    """The type as the models write it."""
    family = type_[0]
    if family == "cstr":
        length = type_[1]
        return (f"String({length}).with_variant(mysql.VARCHAR({length}, "
                f"collation='utf8mb4_bin'), 'mysql').with_variant(postgresql.VARCHAR({length}, "
                f"collation='C'), 'postgresql')")
    if family == "arr":
        return f"postgresql.ARRAY({'Integer' if type_[1] == 'int' else 'sa.BigInteger'})"
    if family in ("net", "tsv"):
        return f"postgresql.{type_[-1] if family == 'net' else 'TSVECTOR'}"
    if family in VARIANTS:
        return f"sa.{VARIANTS[family]}"
    if family == "own":
        return f"{type_[1]}()"
    if family == "seq":
        return f"Integer, sa.Sequence({type_[1]!r}, start={type_[2]})"
    if family == "enum":  # a ce_ type keeps its values under a CHECK where it is not native
        _, name, values = type_
        checked = ", create_constraint=True" if name.startswith("ce_") else ""
        return f"Enum({', '.join(map(repr, values))}, name={name!r}{checked})"
    if family == "calc":
        return f"Integer, Computed({computed_sql(type_)!r}, persisted={type_[2]})"
    if family == "num":
        _, precision, scale, asdecimal = type_
        return f"Numeric({precision}, {scale}{'' if asdecimal else ', asdecimal=False'})"
    if family == "bin":
        return f"sa.LargeBinary({type_[1] or ''})"
    if family == "ustr":
        return f"sa.Unicode({type_[1]})"
    if family == "cbool":
        return f"Boolean(create_constraint=True, name={type_[1]!r})"
    if family == "ubool":
        return "Boolean(create_constraint=True)"
    return f"String({type_[1]})" if family == "str" else {
        "int": "Integer", "big": "sa.BigInteger", "text": "Text", "dt": "DateTime",
        "dtz": "DateTime(timezone=True)", "ttz": "sa.Time(timezone=True)", "ival": "sa.Interval",
        "dbl": "sa.Float(precision=53)",
        "small": "sa.SmallInteger", "uuid": "sa.Uuid", "time": "sa.Time",
        "flt": "sa.Float",
        "bool": "Boolean"}[family]


def type_text(type_: tuple) -> str:
    """The type as the snapshot writes it (an own type: its implementation)."""
    family = type_[0]
    if family == "cstr":  # PostgreSQL's VARCHAR is SQLAlchemy's own
        length = type_[1]
        return (f"String(length={length}).with_variant(mysql.VARCHAR(length={length}, "
                f"collation='utf8mb4_bin'), 'mysql').with_variant(VARCHAR(length={length}, "
                "collation='C'), 'postgresql')")
    if family == "arr":
        return f"postgresql.ARRAY(item_type={'Integer' if type_[1] == 'int' else 'BigInteger'}())"
    if family in ("net", "tsv"):
        return f"{type_source(type_)}()"
    if family in VARIANTS:
        return VARIANTS[family]
    if family == "own":
        return f"String(length={type_[2]})"
    if family in ("enum", "cbool", "ubool"):
        return type_source(type_)
    if family == "num":
        _, precision, scale, asdecimal = type_
        return (f"Numeric(precision={precision}, scale={scale}"
                f"{'' if asdecimal else ', asdecimal=False'})")
    if family == "bin":
        return f"LargeBinary({f'length={type_[1]}' if type_[1] else ''})"
    if family == "ustr":
        return f"Unicode(length={type_[1]})"
    return f"String(length={type_[1]})" if family == "str" else {
        "int": "Integer()", "big": "BigInteger()", "text": "Text()", "dt": "DateTime()",
        "dtz": "DateTime(timezone=True)", "ttz": "Time(timezone=True)", "ival": "Interval()",
        "dbl": "Float(precision=53)",
        "small": "SmallInteger()", "uuid": "Uuid()", "time": "Time()",
        "flt": "Float()",
        "calc": "Integer()", "bool": "Boolean()", "seq": "Integer()"}[family]


def default_source(default: tuple) -> str:
    """A server default as the models write it: ("lit", x) is a string, ("sql", x) text(x)."""
    return {"lit": f"{default[-1]!r}", "sql": f"sa.text({default[-1]!r})", "now": "func.now()",
            "true": "sa.true()", "false": "sa.false()"}[default[0]]


def default_text(default: tuple | None) -> str:
    """A server default as the snapshot writes it."""
    if default is None:
        return "none"
    return {"lit": repr(default[-1]), "sql": f"text({default[-1]!r})", "now": "func.now()",
            "true": "true()", "false": "false()"}[default[0]]


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
    out += [_table_source(schema, table, loose) for table in schema.values()]
    return "\n".join(out)


def _table_source(schema: Schema, table: TableModel, loose: bool) -> str:
    """``Table(...)`` of one table: columns, keys, constraints, indexes, then table options."""
    items = [_id_source(table)]
    items += [_column_source(schema, table, column) for column in table.columns]
    for column, (parent, action) in table.foreign_keys.items():
        option = (f", onupdate={action.removeprefix('ON UPDATE ')!r}"
                  if action and action.startswith("ON UPDATE ") else
                  f", ondelete={action!r}" if action else "")
        option += ", deferrable=True, initially='DEFERRED'" if table.is_deferred(column) else ""
        option += ", use_alter=True" if table.uses_alter(column) else ""
        items.append(f"sa.ForeignKeyConstraint([{column!r}], [{parent + '.id'!r}]{option})")
    items += [f"sa.ForeignKeyConstraint({list(pair)!r}, [{parent + '.id'!r}, "
              f"{parent + '.' + column!r}])"
              for pair, (parent, column) in table.composite_keys.items()]
    items += [f"UniqueConstraint({', '.join(map(repr, unique))})" for unique in table.uniques]
    items += [f"CheckConstraint({table.check_source(name)}{_check_name(table, name, loose)})"
              for name in table.checks]
    items += [_index_source(table, columns, unique) for columns, unique in table.indexes.items()
              if not (len(columns) == 1 and _column_indexed(table, columns[0]))]
    if table.comment:
        items.append(f"comment={table.comment!r}")
    if table.renamed_from:
        items.append(f"info={{'renamed_from': {table.renamed_from!r}}}")
    items += [f"{key}={value!r}" for key, value in table.options]
    body = "".join(f"    {item},\n" for item in items)
    if table.schema:
        body += f"    schema={table.schema!r},\n"
    return f"Table(\n    {table.table!r}, metadata,\n{body})\n"


def _id_source(table: TableModel) -> str:
    identity = (f"sa.Identity(start={table.identity[0]}, increment={table.identity[1]}), "
                if table.identity else "")
    manual = ", autoincrement=False" if table.manual_ids else ""
    id_type = type_source(BIG_KEY) if table.big_id else "Integer"
    return f'Column("id", {id_type}, {identity}primary_key=True{manual})'


def _column_source(schema: Schema, table: TableModel, column: ColumnModel) -> str:
    extra = "" if column.nullable else ", nullable=False"
    extra += ", primary_key=True" if column.name == table.pk_extra else ""
    extra += f", server_default={default_source(column.default)}" if column.default else ""
    extra += f", comment={column.comment!r}" if column.comment else ""
    extra += f", info={{'renamed_from': {column.renamed_from!r}}}" if column.renamed_from else ""
    extra += ", index=True" if _column_indexed(table, column.name) else ""
    return f"Column({column.name!r}, {type_source(column_type(schema, table, column))}{extra})"


def _column_indexed(table: TableModel, column: str) -> bool:
    """A foreign key's column with a plain index of its own, written ``index=True`` as models
    often do (the convention names it as ``Index(None, column)``)."""
    columns = (column,)
    return (table.keyed(column) and table.indexes.get(columns) is False
            and table.form(columns) is None and table.where(columns) is None
            and table.extra(columns) is None)


def _check_name(table: TableModel, name: str, loose: bool) -> str:
    if name in table.unnamed:
        return ""
    return f", name={f'ck_{table.table}_{name}' if loose else name!r}"


def _index_source(table: TableModel, columns: tuple[str, ...], unique: bool) -> str:
    """``Index(None, 'c3', 'c5')``; a first column that is an expression gets the name the
    convention would give it.  A partial index has the same condition for PostgreSQL and
    SQLite."""
    options = ", unique=True" if unique else ""
    options += {None: "", "len": f", mysql_length={{{columns[0]!r}: 4}}",
                "btree": ", postgresql_using='btree'",
                "incl": ", postgresql_include=['id']"}[table.extra(columns)]
    if where := table.where(columns):
        condition = f"sa.text({f'{columns[0]} {where}'!r})"
        options += f", postgresql_where={condition}, sqlite_where={condition}"
    form = table.form(columns)
    if form is None:
        return f"Index(None, {', '.join(map(repr, columns))}{options})"
    first = {"desc": "sa.desc", "lower": "func.lower"}[form] + f"(column({columns[0]!r}))"
    rest = "".join(f", {name!r}" for name in columns[1:])
    return f"Index({f'ix_{table.label}_{columns[0]}'!r}, {first}{rest}{options})"
