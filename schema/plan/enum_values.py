"""Changing the values of a named ENUM type that keeps its name, on PostgreSQL.

Adding values is ``ALTER TYPE ... ADD VALUE`` (never a rewrite).  Removing or reordering values
rewrites the type explicitly, in three parts placed around the rest of the revision:

1. first, the old type is renamed to ``<name>__old`` and the new one created;
2. once the indexes and constraints that go away are dropped, and before anything else, the
   columns that keep the type are converted through text (which fails loudly if rows still
   hold a removed value); columns of the type that are dropped, or switch type, in the same
   revision stay on the old type until then, and new ones get the new type;
3. last, the old type is dropped.

The downgrade is the same change the other way round.  On SQLite and MariaDB the columns'
own alter_column changes the values, so these parts do nothing there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import CheckConstraint, Enum, Table

from ..dialects.enums import only_added
from .enums import (
    Dependent,
    EnumKey,
    Keeping,
    around,
    convert,
    default_sql,
    dependents,
    enum_key,
    literal,
    native_enum,
    type_name,
)
from .ops.enums import EnumValuesOp, Part
from .tables import Tables


def _add_values(old: Enum, new: Enum) -> list[str]:
    """``ALTER TYPE ... ADD VALUE`` for each value ``new`` adds, each placed after the value
    before it (added already, as they go in order) or, first, before the first old one."""
    statements = []
    for index, value in enumerate(new.enums):
        if value not in old.enums:
            anchor = (f" AFTER {literal(new.enums[index - 1])}" if index
                      else f" BEFORE {literal(old.enums[0])}" if old.enums else "")
            statements.append(f"ALTER TYPE {type_name(new)} ADD VALUE IF NOT EXISTS "
                              f"{literal(value)}{anchor}")
    return statements


@dataclass(frozen=True)
class ValuesChange:
    """One direction of a change of an ENUM type's values: the type before and after, the
    columns that keep the type (table after, column name, table before), the CHECK
    constraints and indexes re-created around their conversion, and whether the revision uses
    an added value (then PostgreSQL must add it outside the transaction)."""

    old: Enum
    new: Enum
    columns: tuple[tuple[Table, str, Table], ...]
    dependents: tuple[Dependent, ...]
    uses_added: bool

    def statements(self, part: Part) -> list[str]:
        """The SQL of one part; an addition of values is all done when opening."""
        if only_added(self.old, self.new):
            return _add_values(self.old, self.new) if part is Part.OPEN else []
        if part is Part.OPEN:
            return [f"ALTER TYPE {type_name(self.old)} RENAME TO "
                    f"{type_name(self.old, '__old', qualified=False)}",
                    f"CREATE TYPE {type_name(self.new)} AS ENUM "
                    f"({', '.join(literal(value) for value in self.new.enums)})"]
        if part is Part.CLOSE:
            return [f"DROP TYPE {type_name(self.old, '__old')}"]
        return around([statement for table, column, current in self.columns
                       for statement in convert(table, column, self.new, current)],
                      self.dependents)


@dataclass
class ValueChanges:
    """The parts of a revision's ENUM value changes, by where they run."""

    opening: list[EnumValuesOp] = field(default_factory=list)
    converting: list[EnumValuesOp] = field(default_factory=list)
    closing: list[EnumValuesOp] = field(default_factory=list)


def enum_value_ops(
    before: dict[EnumKey, Enum], after: dict[EnumKey, Enum],
    keeping: Keeping, tables: tuple[Tables, Tables],
    changed: tuple[list[Table], list[Table]], postgresql: bool, problems: list[str],
) -> ValueChanges:
    """The value changes of the types that keep their name (``before`` -> ``after``).

    ``keeping``: the alter_column operations of the columns that keep each type; ``tables``:
    the old and new side's tables; ``changed``: the changed tables before and after, whose
    defaults, CHECKs and index conditions may use a value a change adds; ``postgresql``:
    whether PostgreSQL is a target; an unnamed CHECK that would have to be re-created around
    a conversion is a problem for ``problems``.
    """
    old_tables, new_tables = tables
    changes = ValueChanges()
    for key in sorted(before.keys() & after.keys(), key=str):
        old, new = before[key], after[key]
        if list(old.enums) == list(new.enums):
            continue
        columns = [(new_tables[table], alter.column_name, old_tables[table])
                   for table, alter in keeping.get(key, [])]
        found: dict[int, tuple[Dependent, Dependent]] = {}  # once per object
        for new_table, column, old_table in columns:
            pairs = zip(dependents(new_table, old_table, column, postgresql, problems),
                        dependents(old_table, new_table, column, postgresql, problems),
                        strict=True)  # the same objects, sorted by name
            for item, old_item in pairs:
                found[id(item)] = (item, old_item)
        forward = ValuesChange(old, new, tuple(columns),
                               tuple(item for item, _ in found.values()),
                               _uses_values(changed[1], key, set(new.enums) - set(old.enums)))
        backward = ValuesChange(new, old, tuple((o, c, n) for n, c, o in columns),
                                tuple(item for _, item in found.values()),
                                _uses_values(changed[0], key, set(old.enums) - set(new.enums)))
        for part, found in ((Part.OPEN, changes.opening), (Part.CONVERT, changes.converting),
                            (Part.CLOSE, changes.closing)):
            found.append(EnumValuesOp(forward, backward, part))
    return changes


def _uses_values(tables: Iterable[Table], type_key: EnumKey, values: set[str]) -> bool:
    """Whether a server default of a column of this type, or a CHECK or index condition of
    these tables (which may compare such a column), names one of ``values``."""
    literals = {literal(value) for value in values}
    for table in tables:
        texts = [str(c.sqltext) for c in table.constraints if isinstance(c, CheckConstraint)]
        texts += [str(index.dialect_options["postgresql"].get("where")) for index in table.indexes]
        for column in table.columns:
            enum = native_enum(column.type)
            if enum is not None and enum_key(enum) == type_key:
                texts.append(default_sql(table, str(column.name)) or "")
        if any(text in sql for text in literals for sql in texts):
            return True
    return False
