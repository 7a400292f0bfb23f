"""The random evolution's edits of tables (new tables with their columns and constraints, drops,
comments, MariaDB options, renames, primary keys and ``id`` columns), and :class:`Evolver`, the
whole set of edits.  Each edit changes the schema and returns its line."""

from __future__ import annotations

from hypothesis import strategies as st

from .choices import COMMENTS, IDENTITIES, LEGACY_TABLE, TABLE_OPTIONS
from .column_edits import ColumnEdits
from .key_edits import KeyEdits
from .model import Renaming, TableModel, rename


class Evolver(ColumnEdits, KeyEdits):
    """The schema being evolved and every edit of it: those of tables here, of columns and
    CHECKs in :class:`ColumnEdits`, of keys and indexes in :class:`KeyEdits`."""

    def add_table(self) -> str:
        """A new table of 1-4 columns (and, in models without a "ck" convention, often a
        Boolean column whose CHECK has no name), with up to two indexes, uniques or CHECKs."""
        schema = "s1." if self.postgresql and self.draw(st.booleans()) else ""
        table = TableModel(schema + self.fresh("t", odd=True), comment=self.maybe(COMMENTS),
                           identity=self.maybe(IDENTITIES),
                           options=self.maybe(TABLE_OPTIONS) or ())
        columns = [self.new_column(table) for _ in range(self.draw(st.integers(1, 4)))]
        if self.loose and self.draw(st.booleans()):  # its CHECK has no name: it stays as it is
            columns.append(self.new_column(table, "ubool"))
        self.tables[table.name] = table
        extras = []
        # each edit of the new table, with what it needs there
        options = [(self.add_index, self.free_first), (self.add_unique, self.unique_candidates),
                   (self.add_check, lambda new: any(self.checkable(new, column)
                                                    for column in new.columns))]
        for _ in range(self.draw(st.integers(0, 2))):
            edit, possible = self.pick(options)
            if possible(table):
                extras.append(edit(table))
        return f"+ table {table.name}({', '.join(columns)}) {' '.join(extras)}".rstrip()

    def drop_table(self) -> str:
        name = self.pick(self.tables)
        del self.tables[name]
        for table in self.tables.values():
            table.foreign_keys = {column: target for column, target in table.foreign_keys.items()
                                  if target[0] != name}
            table.composite_keys = {pair: target for pair, target in table.composite_keys.items()
                                    if target[0] != name}
        return f"- table {name}"

    def table_comment(self) -> str:
        table = self.tables[self.pick(self.tables)]
        table.comment = self.pick([c for c in (None, *COMMENTS) if c != table.comment])
        return f"~ table {table.name} comment {table.comment!r}"

    def table_options(self) -> str:
        """Other MariaDB options (engine, character set, collation, row format), or none."""
        table = self.tables[self.pick(self.tables)]
        table.options = self.pick([o for o in ((), *TABLE_OPTIONS) if o != table.options])
        return f"~ table {table.name} options {dict(table.options)}"

    def legacy_model(self) -> str:
        """The models declare the ignored table, or stop declaring it: no change either way."""
        self.legacy = not self.legacy
        return f"{'+' if self.legacy else '-'} model of ignored {LEGACY_TABLE}"

    def rename_table(self) -> str:
        """A new name (info renamed_from); keys of other tables follow it."""
        old = self.pick(self.renamable_tables())
        new = (f"{self.tables[old].schema}." if self.tables[old].schema else "") + self.fresh("t")
        self.tables = rename(self.tables, Renaming({old: new}))
        self.tables[new].renamed_from = old.rpartition(".")[2]
        return f"~ table {old} renamed {new}"

    def change_primary_key(self) -> str:
        """``id`` alone becomes (id, column) or back, or another column joins ``id``."""
        table = self.tables[self.pick(name for name, candidate in self.tables.items()
                                      if candidate.pk_extra or self.pk_candidates(candidate))]
        table.pk_extra = self.pick([column for column in (None, *self.pk_candidates(table))
                                    if column != table.pk_extra])
        return f"~ table {table.name} primary key (id, {table.pk_extra})"

    def change_autoincrement(self) -> str:
        """``id`` numbered by the database (SERIAL, AUTO_INCREMENT) or by the application."""
        table = self.tables[self.pick(name for name, candidate in self.tables.items()
                                      if candidate.identity is None and candidate.pk_extra is None)]
        table.manual_ids = not table.manual_ids
        return f"~ table {table.name} id autoincrement {not table.manual_ids}"

    def widen_id(self) -> str:
        """``id`` BigInteger (Integer on SQLite, which numbers only INTEGER keys) or Integer
        again, and with it the key columns that refer to it."""
        table = self.tables[self.pick(self.tables)]
        table.big_id = not table.big_id
        return f"~ table {table.name} id {'BigInteger' if table.big_id else 'Integer'}"

    def change_identity(self) -> str:
        """Other IDENTITY options (adding or removing IDENTITY is refused, so never drawn)."""
        table = self.tables[self.pick(name for name, candidate in self.tables.items()
                                      if candidate.identity)]
        table.identity = self.pick([i for i in IDENTITIES if i != table.identity])
        return f"~ table {table.name} identity {table.identity}"
