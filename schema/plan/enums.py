"""Named native ENUM types: which ones a schema uses, when to create and drop them, and the
PostgreSQL statements that convert columns switching to, from or between them (run by the
operations in ``ops/enums``).

On PostgreSQL an ENUM is a type of its own, created before and dropped after the columns that
use it, and a column switching type is converted through text; changes of a type's values are
in ``enum_values``.  On SQLite and MariaDB the column definition itself changes.
The SQL is rendered into the revision with identifiers and literals quoted by SQLAlchemy's
PostgreSQL dialect, so reviewers read exactly what will run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from alembic.operations import ops
from sqlalchemy import CheckConstraint, Column, DefaultClause, Enum, Index, String, Table
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

from ..compat import is_type_bound
from ..dialect_modules import dialect_named
from ..dialects.enums import EnumKey, enum_key, native_enum, only_added
from ..dialects.on import index_on
from ..snapshot.expressions import default_to_sql, mentions, text_to_type
from ..snapshot.serialize import TableDict
from .indexes import index_shape
from .ops.enums import EnumColumnOp, EnumTypeOp
from .type_checks import made_on, type_checks


def enum_types(dicts: Iterable[TableDict | None]) -> dict[EnumKey, Enum]:
    """Named native ENUM types used by these snapshot tables (parsing only Enum columns)."""
    types = {}
    for data in dicts:
        for column in (data or {}).get("columns", []):
            if "Enum(" in column["type"] and (enum := native_enum(text_to_type(column["type"]))):
                types[enum_key(enum)] = enum
    return types


def enum_type_ops(before: dict[EnumKey, Enum], after: dict[EnumKey, Enum]
                  ) -> tuple[list[EnumTypeOp], list[EnumTypeOp]]:
    """Operations to run first (types that appear) and last (types that go)."""
    created = [EnumTypeOp(after[key], create=True) for key in sorted(after.keys() - before.keys(),
                                                                       key=str)]
    dropped = [EnumTypeOp(before[key], create=False)
               for key in sorted(before.keys() - after.keys(), key=str)]
    return created, dropped


def type_name(enum: Enum, suffix: str = "", qualified: bool = True) -> str:
    """The type's name for PostgreSQL's SQL, quoted and (if ``qualified``) with its schema;
    with ``suffix``, the name is shortened first so that the whole fits in 63 bytes, as
    PostgreSQL would otherwise cut the suffix off."""
    base = str(enum.name).encode()[: 63 - len(suffix.encode())].decode(errors="ignore")
    preparer = dialect_named("postgresql").identifier_preparer
    name = preparer.quote(f"{base}{suffix}")
    if enum.schema and qualified:
        return f"{preparer.quote_schema(enum.schema)}.{name}"
    return name


def literal(value: str) -> str:
    """A string literal for PostgreSQL's SQL."""
    processor = String().literal_processor(dialect_named("postgresql"))
    assert processor is not None
    return str(processor(value))


def default_sql(table: Table, column: str) -> str | None:
    """The SQL of the column's server default in ``table``, as PostgreSQL's DDL writes it."""
    default = table.c[column].server_default
    if not isinstance(default, DefaultClause):
        return None
    return default_to_sql(default, dialect_named("postgresql"))


def convert(table: Table, column: str, enum: Enum | None = None,
            current: Table | None = None) -> list[str]:
    """Statements that give ``table.column`` its type in ``table`` on PostgreSQL, converting
    through text: into ENUM type ``enum``, or out of an ENUM when ``enum`` is None.  A default
    (the one the column has now, in ``current``, or will have) is dropped first and set again,
    as it is typed too."""
    postgresql = dialect_named("postgresql")
    quote = postgresql.identifier_preparer
    name = quote.quote(column)
    target = type_name(enum) if enum is not None else str(
        table.c[column].type.compile(dialect=postgresql))
    alter = f"ALTER TABLE {quote.format_table(table)} ALTER COLUMN {name}"
    default = default_sql(table, column)
    had_default = current is not None and current.c[column].server_default is not None
    statements = [f"{alter} DROP DEFAULT"] if default is not None or had_default else []
    statements.append(f"{alter} TYPE {target} USING {name}::text::{target}")
    if default is not None:
        statements.append(f"{alter} SET DEFAULT {default}")
    return statements


Dependent = CheckConstraint | Index


def dependents(table: Table, current: Table, column: str, postgresql: bool,
               problems: list[str]) -> list[Dependent]:
    """CHECK constraints and indexes of ``table``, the same in ``current``, whose condition or
    expressions name ``column``.  PostgreSQL stores their ENUM literals with the old type, so a
    conversion would fail on them: they are dropped before it and created again after.  An
    unnamed CHECK cannot be dropped: a problem for ``problems`` if ``postgresql`` is a target,
    else left out."""
    found: list[Dependent] = []
    checks = {(c.name, str(c.sqltext)) for c in current.constraints
              if isinstance(c, CheckConstraint)}
    # not the CHECKs Boolean and Enum types make where they are emulated: never on PostgreSQL
    for check in sorted((c for c in table.constraints if isinstance(c, CheckConstraint)
                         and not is_type_bound(c)), key=lambda c: str(c.name)):
        if mentions(str(check.sqltext), column) and (check.name, str(check.sqltext)) in checks:
            if check.name is None and postgresql:
                problems.append(
                    f"table {table.name}: a CHECK constraint on column {column}, which "
                    "PostgreSQL converts to another ENUM type or values, needs a name (it is "
                    "dropped and re-created around the conversion)")
            if check.name is not None:
                found.append(check)
    indexes = {index_shape(index) for index in current.indexes}
    for index in sorted((ix for ix in table.indexes if index_on(ix, "postgresql")),
                        key=lambda index: str(index.name)):
        conditions = [str(e) for e in index.expressions if not isinstance(e, Column)]
        where = index.dialect_options["postgresql"].get("where")
        conditions.append("" if where is None else str(where))
        if mentions(" ".join(conditions), column) and index_shape(index) in indexes:
            found.append(index)
    return found


def around(statements: list[str], items: Iterable[Dependent]) -> list[str]:
    """``statements`` for PostgreSQL, between dropping ``items`` and creating them again."""
    items = list(items)
    return _ddl(items, create=False) + statements + _ddl(items, create=True)


def _ddl(items: Sequence[Dependent], create: bool) -> list[str]:
    """PostgreSQL's statements that create (or drop) these CHECKs and indexes."""
    if create:
        made = [AddConstraint(item) if isinstance(item, CheckConstraint) else CreateIndex(item)
                for item in items]
    else:
        made = [DropConstraint(item) if isinstance(item, CheckConstraint) else DropIndex(item)
                for item in items]
    return [str(ddl.compile(dialect=dialect_named("postgresql"))).strip() for ddl in made]


def converting(table: Table, current: Table, column: str, enum: Enum | None,
               postgresql: bool, problems: list[str]) -> list[str]:
    """PostgreSQL's statements that convert ``current.column`` to its type in ``table`` (into
    ``enum``, or out of an ENUM): those of ``convert``, the CHECKs and indexes that name the
    column set aside around them, and the CHECK a non-native Enum makes dropped before (the
    type it leaves) or added after (the type it takes), which the raw conversion would not."""
    type_ = table.c[column].type
    if enum is None and isinstance(type_, Enum) and type_.native_enum and not type_.name:
        # a snapshot reflected from MariaDB/MySQL, whose ENUMs have no name: PostgreSQL has none
        if postgresql:
            problems.append(f"column {table.name}.{column}: PostgreSQL cannot hold an ENUM "
                            "without a name; name it (Enum(..., name=...)) or leave PostgreSQL "
                            "out of [tool.schema] databases")
        return []
    going, coming = (_postgresql_type_checks(t, column) for t in (current, table))
    return (_ddl(going, create=False)
            + around(convert(table, column, enum, current),
                     dependents(table, current, column, postgresql, problems))
            + _ddl(coming, create=True))


def _postgresql_type_checks(table: Table, column: str) -> list[CheckConstraint]:
    """The CHECKs the column's type makes on PostgreSQL: a non-native Enum's."""
    return type_checks(table, column) if made_on(table.c[column].type, "postgresql") else []


Keeping = dict[EnumKey, list[tuple[str, ops.AlterColumnOp]]]


def enum_column_op(key: str, alter: ops.AlterColumnOp, tables: tuple[Table, Table],
                   postgresql: bool, keeping: Keeping, problems: list[str]
                   ) -> ops.MigrateOperation:
    """``alter`` (on table ``key``, ``tables`` its old and new side) as it must run when its
    type is or becomes a native ENUM; else ``alter`` itself.

    A column keeping its type leaves the type to the value change on PostgreSQL (see
    ``enum_values``; the alter is recorded in ``keeping``, by type) and carries its
    alter_column for the databases where the ENUM is in the column.  A column switching to or
    from an ENUM is converted through text on PostgreSQL, CHECK constraints and indexes that
    name it re-created around (``postgresql``: whether PostgreSQL is a target; an unnamed
    CHECK it would have to re-create is a problem for ``problems``).
    """
    old = native_enum(alter.existing_type)
    new = native_enum(alter.modify_type) if alter.modify_type is not None else old
    if old is not None and new is not None and enum_key(old) == enum_key(new):
        keeping.setdefault(enum_key(new), []).append((key, alter))
        return EnumColumnOp(alter, [], [], (not only_added(old, new), not only_added(new, old)))
    if old is None and new is None:
        return alter
    name, (old_table, new_table) = alter.column_name, tables
    return EnumColumnOp(
        alter, converting(new_table, old_table, name, new, postgresql, problems),
        converting(old_table, new_table, name, old, postgresql, problems), (True, True))
