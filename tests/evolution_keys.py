"""The random evolution's edits of keys and indexes: foreign keys (single, composite, closing a
cycle), unique constraints and indexes (``Evolver`` in ``tests/evolution.py`` mixes them in)."""

from __future__ import annotations

from hypothesis import strategies as st

from .evolution_draws import ACTIONS, MAX_COLUMNS, UNKEYED, WHERES, plain_name
from .evolution_schema import Col, Tab


class KeyEdits:
    """Edits of keys and indexes; the rest of the evolver (``tables``, ``draw``, ``pick``,
    candidates) is ``Evolver``'s."""

    def add_index(self, tab: Tab | None = None) -> str:
        tab = tab or self.tables[self.pick(n for n, t in self.tables.items()
                                           if self.free_first(t))]
        first = self.pick(self.free_first(tab))
        others = [c.name for c in tab.columns if c.family not in UNKEYED and c.name != first]
        cols = (first, *([self.pick(others)] if others and self.draw(st.booleans()) else []))
        tab.indexes[cols] = self.draw(st.booleans())
        # never an expression on a foreign key's column: MariaDB must find an index whose
        # leading column is the key's
        forms = [] if tab.keyed(first) or not plain_name(first) else ["desc"]
        forms += ["lower"] if tab.col(first).family == "str" and not self.mariadb and \
            plain_name(first) else []
        tab.forms.pop(cols, None)
        if form := self.maybe(forms) if forms else None:
            tab.forms[cols] = form
        tab.wheres.pop(cols, None)
        if where := self.maybe(WHERES) if plain_name(first) else None:
            tab.wheres[cols] = where
        tab.extras.pop(cols, None)
        if extra := self.maybe(self.index_extras(tab, cols)):
            tab.extras[cols] = extra
        shown = "".join(f" {x}" for x in (form, where and f"where {where}", extra) if x)
        return f"+ {'unique ' if tab.indexes[cols] else ''}index{shown} {tab.name}{cols}"

    def index_key(self) -> str:
        """``index=True`` on a foreign key's column that no index leads: MariaDB then drops
        the index it made for the key, and must get it back before a downgrade drops this one."""
        tab, column = self.pick(self.unindexed_keys())
        tab.indexes[(column,)] = False
        return f"+ index {tab.name}{(column,)} (index=True)"

    def unindexed_keys(self) -> list[tuple[Tab, str]]:
        """(table, column) of single-column foreign keys whose column leads no index."""
        return [(tab, column) for tab in self.tables.values() for column in tab.fks
                if column in self.free_first(tab)]

    def add_unique(self, tab: Tab | None = None) -> str:
        tab = tab or self.tables[self.pick(n for n, t in self.tables.items()
                                           if self.unique_candidates(t))]
        cols = self.pick(self.unique_candidates(tab))
        tab.uniques.append(cols)
        return f"+ unique {tab.name}{cols}"

    def add_fk(self) -> str:
        tab, col = self.pick_column(self.keyable)
        checked = any(column == col.name for column, _ in tab.checks.values())
        self.set_fk(tab, col.name, (self.pick_parent(tab.name, self.parents_for(tab.name)),
                                    None if checked else self.pick(ACTIONS)))
        return f"+ fk {tab.name}.{col.name} -> {tab.fks[col.name]}"

    def add_cfk(self) -> str:
        """Two new columns with a composite key to (id, column) of another table, which gets a
        unique constraint on them if it has none."""
        name = self.pick(n for n, t in self.tables.items()
                         if len(t.columns) <= MAX_COLUMNS - 2 and self.cfk_parents(n))
        parent, column = self.pick(self.cfk_parents(name))
        tab, cols = self.tables[name], (self.fresh("c"), self.fresh("c"))
        tab.columns += [Col(c, ("int",)) for c in cols]
        if ("id", column) not in self.tables[parent].uniques:
            self.tables[parent].uniques.append(("id", column))
        tab.cfks[cols] = (parent, column)
        return f"+ composite fk {name}{cols} -> {parent}(id, {column})"

    def close_cycle(self) -> str:
        """A new key column that closes a cycle of keys between tables (use_alter)."""
        name, parent = self.pick(self.cycle_candidates())
        tab, col = self.tables[name], Col(self.fresh("c"), ("int",))
        tab.columns.append(col)
        self.set_fk(tab, col.name, (parent, self.pick(ACTIONS)))
        return f"+ column {name}.{col.name} -> {tab.fks[col.name]} (closes a cycle)"

    def change_fk(self) -> str:
        """Another parent table or referential action for an existing foreign key."""
        tab = self.tables[self.pick(n for n, t in self.tables.items() if t.fks)]
        column = self.pick(tab.fks)
        checked = any(c == column for c, _ in tab.checks.values())
        before = tab.fks.pop(column)  # so a cycle is judged without it
        options = [(parent, ondelete) for parent in self.parents_for(tab.name)
                   for ondelete in ((None,) if checked else ACTIONS)]
        self.set_fk(tab, column, self.pick([o for o in options if o != before] or [before]))
        return f"~ fk {tab.name}.{column} -> {tab.fks[column]}"

    def change_index(self) -> str:
        """The same index name (same first column): other columns or uniqueness."""
        tab = self.tables[self.pick(n for n, t in self.tables.items() if t.indexes)]
        cols = self.pick(tab.indexes)
        unique = tab.indexes.pop(cols)
        others = [c.name for c in tab.columns if c.family not in UNKEYED and c.name != cols[0]]
        options = [((cols[0], *more), u) for more in [()] + [(o,) for o in others]
                   for u in (False, True)]
        new_cols, tab.indexes[new_cols] = self.pick(o for o in options if o != (cols, unique))
        for attr in (tab.forms, tab.wheres, tab.extras):  # the first column stays
            value = attr.pop(cols, None)
            attr.pop(new_cols, None)  # left by an index dropped before
            if value:
                attr[new_cols] = value
        return f"~ index {tab.name}{cols} -> {new_cols} unique={tab.indexes[new_cols]}"

    def index_extras(self, tab: Tab, cols: tuple[str, ...]) -> list[str]:
        """Per-dialect options the index may have: a MariaDB prefix length on a String first
        column (not an expression), PostgreSQL's index method, or (projects not on MariaDB)
        PostgreSQL's INCLUDE of ``id``."""
        plain_string = tab.col(cols[0]).family in ("str", "cstr", "ustr") and tab.form(cols) is None
        return ["btree", *(["len"] if plain_string else []), *([] if self.mariadb else ["incl"])]

    def change_index_extra(self) -> str:
        """An index gets or loses a per-dialect option (the other databases ignore it)."""
        tab = self.tables[self.pick(n for n, t in self.tables.items() if t.indexes)]
        cols = self.pick(tab.indexes)
        extra = self.pick([e for e in (None, *self.index_extras(tab, cols))
                           if e != tab.extra(cols)])
        tab.extras[cols] = extra
        if extra is None:
            del tab.extras[cols]
        return f"~ index {tab.name}{cols} option {extra}"

    def wherable(self, tab: Tab) -> list[tuple[str, ...]]:
        """Indexes that may have a condition: on a first column SQL text can name plainly."""
        return [cols for cols in tab.indexes if plain_name(cols[0])]

    def change_where(self) -> str:
        """An index becomes partial, or its condition changes, or it covers every row again."""
        tab = self.tables[self.pick(n for n, t in self.tables.items() if self.wherable(t))]
        cols = self.pick(self.wherable(tab))
        where = self.pick([w for w in (None, *WHERES) if w != tab.where(cols)])
        tab.wheres[cols] = where
        if where is None:
            del tab.wheres[cols]
        return f"~ index {tab.name}{cols} where {where}"

    def change_deferrable(self) -> str:
        tab = self.tables[self.pick(n for n, t in self.tables.items() if t.fks)]
        column = self.pick(tab.fks)
        tab.deferred ^= {column}
        return f"~ fk {tab.name}.{column} deferrable={tab.is_deferred(column)}"

    def drop_named(self, attr: str) -> str:
        tab = self.tables[self.pick(n for n, t in self.tables.items() if self.droppable(t, attr))]
        items = getattr(tab, attr)
        item = self.pick(self.droppable(tab, attr))
        if isinstance(items, dict):
            del items[item]
        else:
            items.remove(item)
        label = {"indexes": "index", "uniques": "unique", "fks": "fk", "checks": "check",
                 "cfks": "composite fk"}[attr]
        return f"- {label} {tab.name} {item}"
