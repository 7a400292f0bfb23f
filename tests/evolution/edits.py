"""Which edits the random evolution draws: every kind of edit, how often, and when it applies.

``EDITS`` lists them in a fixed order (the order of the choices Hypothesis draws from, so the
derandomized evolutions stay the same); :func:`applicable` is those that can be made now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .candidates import ColumnTest
from .choices import MAX_COLUMNS, MAX_TABLES
from .model import TableModel
from .table_edits import Evolver


@dataclass(frozen=True)
class Edit:
    """One kind of edit: the method that makes it (and returns its line), its relative weight
    among the edits that apply, and when it applies."""

    make: Callable[[Evolver], str]
    weight: int
    applies: Callable[[Evolver], bool]


def _has_tables(evolver: Evolver) -> bool:
    return bool(evolver.tables)


def _any_table(test: Callable[[Evolver, TableModel], object]) -> Callable[[Evolver], bool]:
    """Applies when some table passes ``test(evolver, table)``."""
    return lambda evolver: any(test(evolver, table) for table in evolver.tables.values())


def _any_column(test: Callable[[Evolver], ColumnTest]) -> Callable[[Evolver], bool]:
    """Applies when some column passes the evolver's column test ``test(evolver)``."""
    return lambda evolver: bool(evolver.columns(test(evolver)))


def _droppable(attr: str) -> Callable[[Evolver], bool]:
    """Applies when some table has an item in ``attr`` that can go."""
    return _any_table(lambda evolver, table: evolver.droppable(table, attr))


EDITS: tuple[Edit, ...] = (
    Edit(Evolver.add_table, 2, lambda evolver: len(evolver.tables) < MAX_TABLES),
    Edit(Evolver.drop_table, 1, _has_tables),
    Edit(Evolver.table_comment, 1, _has_tables),
    Edit(Evolver.table_options, 1, _has_tables),
    Edit(Evolver.legacy_model, 1, _has_tables),
    Edit(Evolver.change_identity, 1, _any_table(lambda evolver, table: table.identity)),
    Edit(Evolver.widen_id, 1, _has_tables),
    Edit(Evolver.change_autoincrement, 1, _any_table(
        lambda evolver, table: table.identity is None and table.pk_extra is None)),
    Edit(Evolver.change_primary_key, 1, _any_table(
        lambda evolver, table: table.pk_extra or evolver.pk_candidates(table))),
    Edit(Evolver.add_column, 3, _any_table(
        lambda evolver, table: len(table.columns) < MAX_COLUMNS)),
    Edit(Evolver.drop_column, 2, _any_column(lambda evolver: evolver.unread)),
    Edit(Evolver.column_comment, 1, _any_column(lambda evolver: lambda table, column: True)),
    Edit(Evolver.change_computed, 1, _any_column(
        lambda evolver: lambda table, column: column.family == "calc")),
    Edit(Evolver.change_sequence, 1, _any_column(
        lambda evolver: lambda table, column: column.family == "seq")),
    Edit(Evolver.alter_type, 2, _any_column(lambda evolver: evolver.retypable)),
    Edit(Evolver.alter_nullable, 2, _any_column(lambda evolver: evolver.nullable_changeable)),
    Edit(Evolver.alter_default, 2, _any_column(lambda evolver: evolver.defaultable)),
    Edit(Evolver.add_check, 2, _any_column(lambda evolver: evolver.checkable)),
    Edit(Evolver.add_fk, 4, _any_column(lambda evolver: evolver.keyable)),
    Edit(Evolver.close_cycle, 2, lambda evolver: bool(evolver.cycle_candidates())),
    Edit(Evolver.rename_table, 1, lambda evolver: bool(evolver.renamable_tables())),
    Edit(Evolver.rename_column, 2, lambda evolver: bool(evolver.renamable_columns())),
    Edit(Evolver.change_enum, 3, lambda evolver: bool(evolver.enum_columns())),
    Edit(Evolver.share_enum, 2, lambda evolver: bool(evolver.share_candidates())),
    Edit(Evolver.add_composite_fk, 2, lambda evolver: any(
        len(table.columns) <= MAX_COLUMNS - 2 and evolver.composite_parents(name)
        for name, table in evolver.tables.items())),
    Edit(Evolver.add_index, 2, _any_table(lambda evolver, table: evolver.free_first(table))),
    Edit(Evolver.index_key, 3, lambda evolver: bool(evolver.unindexed_keys())),
    Edit(Evolver.add_unique, 2, _any_table(
        lambda evolver, table: evolver.unique_candidates(table))),
    Edit(Evolver.change_deferrable, 1, lambda evolver: not evolver.mariadb and any(
        table.foreign_keys for table in evolver.tables.values())),
    Edit(Evolver.change_index_extra, 1, _any_table(lambda evolver, table: table.indexes)),
    Edit(Evolver.change_where, 1, _any_table(lambda evolver, table: evolver.wherable(table))),
    Edit(Evolver.drop_index, 1, _droppable("indexes")),
    Edit(Evolver.drop_unique, 1, _droppable("uniques")),
    Edit(Evolver.drop_fk, 2, _droppable("foreign_keys")),
    Edit(Evolver.drop_check, 1, _droppable("checks")),
    Edit(Evolver.change_fk, 1, _droppable("foreign_keys")),
    Edit(Evolver.drop_composite_fk, 1, _droppable("composite_keys")),
    Edit(Evolver.change_index, 1, _droppable("indexes")),
    Edit(Evolver.change_check, 1, _droppable("checks")),
)


def applicable(evolver: Evolver) -> list[Edit]:
    """The edits that can be made to the evolver's schema now, in ``EDITS`` order."""
    return [edit for edit in EDITS if edit.applies(evolver)]
