"""The corpus's edit of a package's models, run inside the package's venv.

The throwaway project's ``corpus_models`` module calls :func:`corpus_metadata`: the package's
own ``MetaData``, or a copy with one edit made through SQLAlchemy's public API:

* a nullable column ``corpus_note`` added,
* an index on a foreign-key column that no index, primary or unique key leads (else one with
  no index of its own),
* a plain column renamed, declared with ``info={"renamed_from": ...}``.

The targets are picked from the models themselves (first fit in table order), so every
package gets the same kind of edit without corpus code written for it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import asdict, dataclass

from sqlalchemy import Boolean, Column, Enum, Index, MetaData, String, Table

ADDED = "corpus_note"


@dataclass(frozen=True)
class Target:
    """A column of a table (``table`` is the MetaData key, ``schema.name`` or ``name``)."""

    table: str
    column: str


@dataclass(frozen=True)
class EditPlan:
    """Where the edit goes; ``renamed_to`` is the new name of ``renamed``."""

    added: Target
    indexed: Target | None
    renamed: Target | None
    renamed_to: str | None
    index_name: str | None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def load(spec: str, models: tuple[str, ...] = ()) -> MetaData:
    """``module:attr.attr`` -> the MetaData it names (or a function names that returns it),
    once the ``models`` modules (which define its tables) are imported."""
    for module in models:
        importlib.import_module(module)
    module_name, _, path = spec.partition(":")
    target: object = importlib.import_module(module_name)
    for attr in path.split("."):
        target = getattr(target, attr)
    if callable(target) and not isinstance(target, MetaData):
        target = target()
    if not isinstance(target, MetaData):
        raise TypeError(f"{spec} is a {type(target).__name__}, not a MetaData")
    return target


def _led_by(table: Table) -> set[str]:
    """Columns that lead an index, the primary key or a unique constraint of ``table``."""
    leading = {index.columns[0].name for index in table.indexes if len(index.columns)}
    leading |= {c.columns[0].name for c in table.constraints
                if c.__visit_name__ in ("primary_key_constraint", "unique_constraint")
                and len(c.columns)}
    return leading


def _alone(table: Table) -> set[str]:
    """Columns that have an index of their own (alone in it) in ``table``."""
    return {index.columns[0].name for index in table.indexes if len(index.columns) == 1}


def _index_target(tables: list[Table], taken: Callable[[Table], set[str]]) -> Target | None:
    """The first single-column foreign key's column not in ``taken(table)``."""
    for table in tables:
        free = sorted(fk.parent.name for fk in table.foreign_keys
                      if len(fk.constraint.columns) == 1 and fk.parent.name not in taken(table))
        if free:
            return Target(table.key, free[0])
    return None


def _renamable(table: Table, column: Column) -> bool:
    """A column no key, index, CHECK text or type CHECK mentions, so a rename touches it only."""
    if column.primary_key or column.foreign_keys or column.computed is not None:
        return False
    if isinstance(column.type, (Boolean, Enum)) or column.name == ADDED:
        return False
    if any(column.name in index.columns for index in table.indexes):
        return False
    for constraint in table.constraints:
        if column.name in getattr(constraint, "columns", {}):
            return False
        if constraint.__visit_name__ == "check_constraint" and column.name in str(
                getattr(constraint, "sqltext", "")):
            return False
    return True


def plan(metadata: MetaData) -> EditPlan:
    """Pick the edit's targets in ``metadata``, the same every run."""
    tables = [metadata.tables[key] for key in sorted(metadata.tables)]
    indexed = _index_target(tables, _led_by) or _index_target(tables, _alone)
    renamed = None
    ordered = sorted(tables, key=lambda t: (indexed is None or t.key != indexed.table, t.key))
    for table in ordered:
        plain = [c for c in table.columns if _renamable(table, c)]
        if plain:
            renamed = Target(table.key, plain[0].name)
            break
    home = renamed.table if renamed else (indexed.table if indexed else tables[0].key)
    index_name = None
    if indexed is not None:
        short = metadata.tables[indexed.table].name[:24]
        index_name = f"ix_corpus_{short}_{indexed.column[:24]}"
    return EditPlan(added=Target(home, ADDED), indexed=indexed, renamed=renamed,
                    renamed_to=f"{renamed.column[:50]}_renamed" if renamed else None,
                    index_name=index_name)


def edited(metadata: MetaData, edit: EditPlan) -> MetaData:
    """A copy of ``metadata`` with ``edit`` made."""
    copy = MetaData(naming_convention=dict(metadata.naming_convention), schema=metadata.schema)
    for table in metadata.sorted_tables:
        table.to_metadata(copy)
    for table in metadata.tables.values():  # sorted_tables leaves out nothing, but be sure
        if table.key not in copy.tables:
            table.to_metadata(copy)
    copy.tables[edit.added.table].append_column(Column(ADDED, String(40), nullable=True))
    if edit.indexed is not None and edit.index_name is not None:
        table = copy.tables[edit.indexed.table]
        Index(edit.index_name, table.c[edit.indexed.column])
    if edit.renamed is not None and edit.renamed_to is not None:
        table = copy.tables[edit.renamed.table]
        old = table.c[edit.renamed.column]
        # same key, new name: replace_existing puts it where the old column was
        new = old._copy()
        new.name = edit.renamed_to
        new.info = {**old.info, "renamed_from": str(old.name)}
        table.append_column(new, replace_existing=True)
    return copy


def corpus_metadata(spec: str, models: tuple[str, ...], edit: bool = False) -> MetaData:
    """The package's MetaData (``spec`` is ``module:attr``, its tables defined by ``models``),
    edited when ``edit`` is set."""
    metadata = load(spec, models)
    return edited(metadata, plan(metadata)) if edit else metadata
