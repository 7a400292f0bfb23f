"""The random evolution's edits of keys and indexes: foreign keys (single, composite, closing a
cycle), unique constraints and indexes.  Each edit changes the schema and returns its line."""

from __future__ import annotations

from hypothesis import strategies as st

from .candidates import EvolvingSchema
from .choices import ACTIONS, MAX_COLUMNS, UNKEYED, WHERES, plain_name
from .model import ColumnModel, TableModel


class KeyEdits(EvolvingSchema):
    """Edits of foreign keys, unique constraints and indexes."""

    def add_index(self, table: TableModel | None = None) -> str:
        table = table or self.tables[self.pick(name for name, candidate in self.tables.items()
                                               if self.free_first(candidate))]
        first = self.pick(self.free_first(table))
        others = [column.name for column in table.columns
                  if column.family not in UNKEYED and column.name != first]
        columns = (first, *([self.pick(others)] if others and self.draw(st.booleans()) else []))
        table.indexes[columns] = self.draw(st.booleans())
        # never an expression on a foreign key's column: MariaDB must find an index whose
        # leading column is the key's
        forms = [] if table.keyed(first) or not plain_name(first) else ["desc"]
        forms += ["lower"] if table.column(first).family == "str" and not self.mariadb and \
            plain_name(first) else []
        table.forms.pop(columns, None)
        if form := self.maybe(forms) if forms else None:
            table.forms[columns] = form
        table.wheres.pop(columns, None)
        if where := self.maybe(WHERES) if plain_name(first) else None:
            table.wheres[columns] = where
        table.extras.pop(columns, None)
        if extra := self.maybe(self.index_extras(table, columns)):
            table.extras[columns] = extra
        shown = "".join(f" {x}" for x in (form, where and f"where {where}", extra) if x)
        return f"+ {'unique ' if table.indexes[columns] else ''}index{shown} {table.name}{columns}"

    def index_key(self) -> str:
        """``index=True`` on a foreign key's column that no index leads: MariaDB then drops
        the index it made for the key, and must get it back before a downgrade drops this one."""
        table, column = self.pick(self.unindexed_keys())
        table.indexes[(column,)] = False
        return f"+ index {table.name}{(column,)} (index=True)"

    def add_unique(self, table: TableModel | None = None) -> str:
        table = table or self.tables[self.pick(name for name, candidate in self.tables.items()
                                               if self.unique_candidates(candidate))]
        columns = self.pick(self.unique_candidates(table))
        table.uniques.append(columns)
        return f"+ unique {table.name}{columns}"

    def add_fk(self) -> str:
        table, column = self.pick_column(self.keyable)
        checked = any(name == column.name for name, _ in table.checks.values())
        self.set_fk(table, column.name, (self.pick_parent(table.name, self.parents_for(table.name)),
                                         None if checked else self.pick(ACTIONS)))
        return f"+ fk {table.name}.{column.name} -> {table.foreign_keys[column.name]}"

    def add_composite_fk(self) -> str:
        """Two new columns with a composite key to (id, column) of another table, which gets a
        unique constraint on them if it has none."""
        name = self.pick(name for name, table in self.tables.items()
                         if len(table.columns) <= MAX_COLUMNS - 2 and self.composite_parents(name))
        parent, column = self.pick(self.composite_parents(name))
        table, pair = self.tables[name], (self.fresh("c"), self.fresh("c"))
        table.columns += [ColumnModel(new, ("int",)) for new in pair]
        if ("id", column) not in self.tables[parent].uniques:
            self.tables[parent].uniques.append(("id", column))
        table.composite_keys[pair] = (parent, column)
        return f"+ composite fk {name}{pair} -> {parent}(id, {column})"

    def close_cycle(self) -> str:
        """A new key column that closes a cycle of keys between tables (use_alter)."""
        name, parent = self.pick(self.cycle_candidates())
        table, column = self.tables[name], ColumnModel(self.fresh("c"), ("int",))
        table.columns.append(column)
        self.set_fk(table, column.name, (parent, self.pick(ACTIONS)))
        target = table.foreign_keys[column.name]
        return f"+ column {name}.{column.name} -> {target} (closes a cycle)"

    def change_fk(self) -> str:
        """Another parent table or referential action for an existing foreign key."""
        table = self.tables[self.pick(name for name, candidate in self.tables.items()
                                      if candidate.foreign_keys)]
        column = self.pick(table.foreign_keys)
        checked = any(name == column for name, _ in table.checks.values())
        before = table.foreign_keys.pop(column)  # so a cycle is judged without it
        options = [(parent, ondelete) for parent in self.parents_for(table.name)
                   for ondelete in ((None,) if checked else ACTIONS)]
        self.set_fk(table, column, self.pick([o for o in options if o != before] or [before]))
        return f"~ fk {table.name}.{column} -> {table.foreign_keys[column]}"

    def change_index(self) -> str:
        """The same index name (same first column): other columns or uniqueness."""
        table = self.tables[self.pick(name for name, candidate in self.tables.items()
                                      if candidate.indexes)]
        columns = self.pick(table.indexes)
        unique = table.indexes.pop(columns)
        others = [column.name for column in table.columns
                  if column.family not in UNKEYED and column.name != columns[0]]
        options = [((columns[0], *more), u) for more in [()] + [(o,) for o in others]
                   for u in (False, True)]
        new_columns, table.indexes[new_columns] = self.pick(
            option for option in options if option != (columns, unique))
        for attr in (table.forms, table.wheres, table.extras):  # the first column stays
            value = attr.pop(columns, None)
            attr.pop(new_columns, None)  # left by an index dropped before
            if value:
                attr[new_columns] = value
        return f"~ index {table.name}{columns} -> {new_columns} unique={table.indexes[new_columns]}"

    def change_index_extra(self) -> str:
        """An index gets or loses a per-dialect option (the other databases ignore it)."""
        table = self.tables[self.pick(name for name, candidate in self.tables.items()
                                      if candidate.indexes)]
        columns = self.pick(table.indexes)
        extra = self.pick([e for e in (None, *self.index_extras(table, columns))
                           if e != table.extra(columns)])
        table.extras[columns] = extra
        if extra is None:
            del table.extras[columns]
        return f"~ index {table.name}{columns} option {extra}"

    def change_where(self) -> str:
        """An index becomes partial, or its condition changes, or it covers every row again."""
        table = self.tables[self.pick(name for name, candidate in self.tables.items()
                                      if self.wherable(candidate))]
        columns = self.pick(self.wherable(table))
        where = self.pick([w for w in (None, *WHERES) if w != table.where(columns)])
        table.wheres[columns] = where
        if where is None:
            del table.wheres[columns]
        return f"~ index {table.name}{columns} where {where}"

    def change_deferrable(self) -> str:
        table = self.tables[self.pick(name for name, candidate in self.tables.items()
                                      if candidate.foreign_keys)]
        column = self.pick(table.foreign_keys)
        table.deferred ^= {column}
        return f"~ fk {table.name}.{column} deferrable={table.is_deferred(column)}"

    def drop_index(self) -> str:
        return self._drop_named("indexes", "index")

    def drop_unique(self) -> str:
        return self._drop_named("uniques", "unique")

    def drop_fk(self) -> str:
        return self._drop_named("foreign_keys", "fk")

    def drop_composite_fk(self) -> str:
        return self._drop_named("composite_keys", "composite fk")

    def drop_check(self) -> str:
        return self._drop_named("checks", "check")

    def _drop_named(self, attr: str, label: str) -> str:
        """Drop one of the items a table keeps in ``attr`` that can go (``droppable``)."""
        table = self.tables[self.pick(name for name, candidate in self.tables.items()
                                      if self.droppable(candidate, attr))]
        items = getattr(table, attr)
        item = self.pick(self.droppable(table, attr))
        if isinstance(items, dict):
            del items[item]
        else:
            items.remove(item)
        return f"- {label} {table.name} {item}"
