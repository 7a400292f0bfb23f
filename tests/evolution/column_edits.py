"""The random evolution's edits of columns: new columns of every family, drops, types (ENUM
values shared by several columns too), nullability, defaults, comments, CHECKs, renames,
sequences and generated columns.  Each edit changes the schema and returns its line."""

from __future__ import annotations

from hypothesis import strategies as st

from .candidates import EvolvingSchema
from .choices import (
    ACTIONS,
    BINARY_LENGTHS,
    COMMENTS,
    DEFAULTS,
    ENUM_PREFIXES,
    ENUM_VALUES,
    FACTORS,
    FAMILIES,
    LENGTHS,
    MAX_COLUMNS,
    NUMERICS,
    POSTGRESQL_FAMILIES,
    plain_name,
)
from .model import ColumnModel, Renaming, TableModel, rename
from .source import computed_sql, default_text, type_text


class ColumnEdits(EvolvingSchema):
    """Edits of columns and of their CHECKs."""

    def new_column(self, table: TableModel, family: str | None = None) -> str:
        """A new column of ``family`` (or a drawn one) at the end of ``table``; "fk" is an
        Integer with a foreign key, and an ENUM column may get a CHECK naming its value "a"."""
        family = family or self.pick(FAMILIES + (POSTGRESQL_FAMILIES if self.postgresql else ()))
        parents = self.parents_for(table.name) + ([] if table.name in self.tables else [table.name])
        if family == "fk" and not parents:
            family = "int"
        name = self.fresh("c", odd=True)
        # every family's arguments are drawn, whatever the family (so the draws, and the names
        # counted, are those of the evolutions drawn so far)
        column = ColumnModel(name, {
            "str": ("str", self.pick(LENGTHS)), "cstr": ("cstr", self.pick(LENGTHS)),
            "ustr": ("ustr", self.pick(LENGTHS)),
            "num": ("num", *self.pick(NUMERICS), self.pick((True, False))),
            "bin": ("bin", self.pick(BINARY_LENGTHS)),
            "enum": self.enum_type(name, table),
            "calc": ("calc", self.pick(FACTORS), self.pick(self.storages()),
                     self.maybe(self.sources(table)) if self.sources(table) else None),
            "own": ("own", self.fresh("Own_"), self.pick(LENGTHS)),
            "seq": ("seq", f"s_{name}", self.pick((1, 1000))),
            "arr": ("arr", self.pick(("int", "big"))),
            "net": ("net", self.pick(("INET", "CIDR")))}.get(family, (family,)))
        if family == "fk":
            column.type = ("int",)
            self.set_fk(table, column.name, (self.pick_parent(table.name, parents),
                                             self.pick(ACTIONS)))
        elif family != "calc":
            column.nullable = self.draw(st.booleans())
            column.default = self.maybe(DEFAULTS[family]) if DEFAULTS[family] else None
        self.note_type(column)
        column.comment = self.maybe(COMMENTS)
        table.columns.append(column)
        fk = f" -> {table.foreign_keys[name]}" if name in table.foreign_keys else ""
        check = ""
        if family == "enum" and plain_name(name) and self.draw(st.booleans()):  # for conversions
            table.checks[check := self.fresh("k")] = (name, self.pick([0, 1]))
            if self.draw(st.booleans()):
                table.bound.add(check)
            check = f" check {table.check_source(check)}"
        return (f"{name} {type_text(column.type)}{'' if column.nullable else ' not null'}"
                f"{' default ' + default_text(column.default) if column.default else ''}"
                f"{fk}{check}")

    def add_column(self) -> str:
        table = self.tables[self.pick(name for name, candidate in self.tables.items()
                                      if len(candidate.columns) < MAX_COLUMNS)]
        return f"+ column {table.name}.{self.new_column(table)}"

    def drop_column(self) -> str:
        return self.remove_column(*self.pick_column(self.unread))

    def remove_column(self, table: TableModel, column: ColumnModel) -> str:
        """Drop ``column`` with everything on it, and the composite keys that refer to it."""
        name = column.name
        table.columns.remove(column)
        table.foreign_keys.pop(name, None)
        table.composite_keys = {pair: target for pair, target in table.composite_keys.items()
                                if name not in pair}
        for other in self.tables.values():  # keys that refer to it go with it
            other.composite_keys = {pair: target for pair, target in other.composite_keys.items()
                                    if target != (table.name, name)}
        table.pk_extra = None if table.pk_extra == name else table.pk_extra
        table.uniques = [unique for unique in table.uniques if name not in unique]
        table.checks = {check: on for check, on in table.checks.items() if on[0] != name}
        table.indexes = {columns: unique for columns, unique in table.indexes.items()
                         if name not in columns}
        return f"- column {table.name}.{name}"

    def column_comment(self) -> str:
        table, column = self.pick_column(lambda table, column: True)
        column.comment = self.pick([c for c in (None, *COMMENTS) if c != column.comment])
        return f"~ column {table.name}.{column.name} comment {column.comment!r}"

    def note_type(self, column: ColumnModel) -> None:
        """Keep the models' own TypeDecorator in step with the column that uses it."""
        if column.family == "own":
            self.own_types[column.type[1]] = column.type[2]

    def alter_type(self) -> str:
        table, column = self.pick_column(self.retypable)
        old, column.type = column.type, self.pick(self.new_types(table, column))
        if column.family == "enum":  # new values for every column of the (shared) type
            self.retype_enum(old, column.type)
        self.note_type(column)
        return f"~ column {table.name}.{column.name} type {type_text(column.type)}"

    def retype_enum(self, old: tuple, new: tuple) -> None:
        for _, column in self.enum_columns():
            column.type = new if column.type == old else column.type

    def change_enum(self) -> str:
        """Other values for an ENUM type, in all the columns that share it; often a column of
        the type comes, goes or takes another type in the same step, as PostgreSQL keeps the
        old type until the end of the step for those (a rare draw otherwise)."""
        old = self.pick({column.type for _, column in self.enum_columns()})
        new = ("enum", old[1], self.pick([values for values in ENUM_VALUES if values != old[2]]))
        self.retype_enum(old, new)
        edit = f"~ enum {new[1]} values {new[2]}"
        users = [(table, column) for table, column in self.enum_columns() if column.type == new]
        rooms = [name for name, table in self.tables.items()
                 if len(table.columns) < MAX_COLUMNS and self.sharable(table, new)]
        also = self.pick(["", "add", "drop", "switch"])
        if also == "add" and rooms:
            table, column = self.tables[self.pick(rooms)], ColumnModel(self.fresh("c"), new)
            table.columns.append(column)
            edit += f"; + column {table.name}.{column.name} {type_text(new)}"
        elif also == "drop":
            table, column = self.pick(users)
            edit += "; " + self.remove_column(table, column)
        elif also == "switch":
            table, column = self.pick(users)
            column.type = ("enum", self.fresh(self.pick(ENUM_PREFIXES)), self.pick(ENUM_VALUES))
            edit += f"; ~ column {table.name}.{column.name} type {type_text(column.type)}"
        return edit

    def enum_type(self, name: str, table: TableModel) -> tuple:
        """A new ENUM type for column ``name``, or half the time one a column has already:
        PostgreSQL's columns then share one type."""
        existing = sorted({column.type for _, column in self.enum_columns()
                           if self.sharable(table, column.type)})
        if existing and self.draw(st.booleans()):
            return self.pick(existing)
        return ("enum", f"{self.pick(ENUM_PREFIXES)}{name}", self.pick(ENUM_VALUES))

    def share_enum(self) -> str:
        """A column takes another column's ENUM type (PostgreSQL converts it)."""
        table, column = self.pick(self.share_candidates())
        column.type = self.pick(sorted({other.type for _, other in self.enum_columns()
                                        if self.sharable(table, other.type)} - {column.type}))
        return f"~ column {table.name}.{column.name} type {type_text(column.type)}"

    def alter_nullable(self) -> str:
        table, column = self.pick_column(self.nullable_changeable)
        column.nullable = not column.nullable
        return f"~ column {table.name}.{column.name} nullable {column.nullable}"

    def alter_default(self) -> str:
        table, column = self.pick_column(self.defaultable)
        column.default = self.pick([default for default in (None, *DEFAULTS[column.family])
                                    if default != column.default])
        return f"~ column {table.name}.{column.name} default {default_text(column.default)}"

    def add_check(self, only: TableModel | None = None) -> str:
        """A CHECK, often written with Python values (bound parameters); in a new table of
        models without a "ck" convention often without a name (never on an ENUM column: the
        tool re-creates those around ENUM conversions, by name)."""
        table, column = self.pick_column(
            lambda table, column: self.checkable(table, column) and only in (None, table))
        name = self.fresh("k")
        table.checks[name] = (column.name, self.pick([0, 1]))
        if self.draw(st.booleans()):
            table.bound.add(name)
        if (only is not None and self.loose and column.family != "enum"
                and self.draw(st.booleans())):
            table.unnamed.add(name)
        shown = "unnamed check" if name in table.unnamed else f"check {name}"
        return f"+ {shown} {table.name}: {table.check_source(name)}"

    def change_check(self) -> str:
        table = self.tables[self.pick(name for name, candidate in self.tables.items()
                                      if self.droppable(candidate, "checks"))]
        name = self.pick(self.droppable(table, "checks"))
        column, threshold = table.checks[name]
        table.checks[name] = (column, 1 - threshold)
        return f"~ check {table.name}.{name}: {table.check_sql(name)}"

    def rename_column(self) -> str:
        """A new column name (info renamed_from); indexes, keys and CHECKs follow it."""
        table, old = self.pick(self.renamable_columns())
        new = self.fresh("c")
        self.tables = rename(self.tables, Renaming(columns={table: {old: new}}))
        self.tables[table].column(new).renamed_from = old
        return f"~ column {table}.{old} renamed {new}"

    def change_sequence(self) -> str:
        """Another start for a column's sequence (ALTER SEQUENCE, which keeps its value)."""
        table, column = self.pick_column(lambda table, column: column.family == "seq")
        column.type = ("seq", column.type[1], 1001 - column.type[2])
        return f"~ column {table.name}.{column.name} sequence start {column.type[2]}"

    def change_computed(self) -> str:
        """Another expression (another factor or column read), or (MariaDB projects) stored
        <-> virtual."""
        table, column = self.pick_column(lambda table, column: column.family == "calc")
        column.type = self.pick([("calc", factor, stored, source) for factor in FACTORS
                                 for stored in self.storages()
                                 for source in (None, *self.sources(table))
                                 if ("calc", factor, stored, source) != column.type])
        return (f"~ column {table.name}.{column.name} generated as {computed_sql(column.type)}"
                f"{'' if column.type[2] else ' (virtual)'}")
