"""The order of an upgrade, stated once: ``Phase``, and the ``Plan`` that collects operations.

Each planner adds its operations to a ``Plan`` under a phase (and, for work inside a table's
batch block, the table); nothing is moved or replaced afterwards.  The upgrade runs the phases
in declaration order; the downgrade is Alembic's ``reverse()`` of the whole, so it runs them
the other way round.  Within a phase, operations keep the order they were added in: planners
add them in the order of the changes (tables sorted by key) or, for tables created and
dropped, in the order ``order.table_order`` sorts them by their foreign keys (graphlib).

Phases that share a ``block`` run per table: for each table (sorted by key), one
``batch_alter_table`` block holds the operations of all those phases on it, in phase order, so
the same revision runs on SQLite (whose batch mode rebuilds the table).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import total_ordering

from alembic.operations import ops


class Block(Enum):
    """A table's batch block that several consecutive phases share."""

    KEYS_OFF = "foreign keys off"
    FREE_COLUMNS = "what holds columns off"
    TYPE_CHECK_NAMES = "type CHECK names"
    COLUMNS = "columns"
    CONSTRAINTS = "constraints on"
    KEYS_ON = "foreign keys on"
    DROPPED_COLUMNS = "columns off"



@total_ordering
class Phase(Enum):
    """Where an operation runs; declaration order is the upgrade order.  ``block``: the batch
    block the phase's operations share per table (None: they run outside batch blocks)."""

    block: Block | None

    def __new__(cls, block: Block | None) -> Phase:
        phase = object.__new__(cls)
        phase._value_ = len(cls.__members__)  # the position: members may share a block
        phase.block = block
        return phase

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Phase):
            return NotImplemented
        return self.value < other.value

    # PostgreSQL commits ADD VALUE outside the transaction: first, before anything uses it.
    OPEN_ENUM_VALUES = None
    CREATE_SCHEMAS = None  # before the types and tables they hold
    CREATE_ENUM_TYPES = None  # before the tables and columns that use them
    # In place, outside batch blocks, so every later step finds the new names (and the
    # databases rewrite the CHECKs and index expressions that name them, as the diff does).
    RENAME_TABLES = None
    RENAME_COLUMNS = None
    # Dropped first: a sequence whose options change is re-created under the same name.
    DROP_SEQUENCES = None
    CREATE_SEQUENCES = None
    # Batch mode cannot handle indexes on expressions: dropped and created outside it.
    DROP_EXPRESSION_INDEXES = None
    # Foreign keys that go or change, then those set aside, before any key or index they
    # refer through: the downgrade adds them back last, when the old names hold again.
    DROP_FOREIGN_KEYS = Block.KEYS_OFF
    SET_ASIDE_FOREIGN_KEYS = Block.KEYS_OFF
    # Indexes and constraints that go, so columns and tables are free; then generated columns
    # that go, before the columns they read change (PostgreSQL and MariaDB refuse that).
    DROP_INDEXES_AND_CONSTRAINTS = Block.FREE_COLUMNS
    DROP_GENERATED_COLUMNS = Block.FREE_COLUMNS
    # PostgreSQL: generated columns that read a column whose type changes, set aside.
    SET_ASIDE_GENERATED_READERS = Block.FREE_COLUMNS
    # PostgreSQL: the columns that keep an ENUM type move to its new values, now that the
    # indexes that go are gone and before anything new uses the type.
    CONVERT_ENUM_VALUES = None
    CREATE_TABLES = None  # referenced tables first, with their indexes
    # The CHECKs Boolean and Enum types make take the new names of renamed tables and columns.
    RENAME_TYPE_CHECKS = Block.TYPE_CHECK_NAMES
    # MariaDB options first, so the columns it gives their declared types back are the old
    # ones in both directions; then the comment, added columns (generated ones last: they may
    # read the others), altered ones.
    ALTER_TABLE_OPTIONS = Block.COLUMNS
    COMMENT_TABLES = Block.COLUMNS
    ADD_COLUMNS = Block.COLUMNS
    ADD_GENERATED_COLUMNS = Block.COLUMNS
    ALTER_COLUMNS = Block.COLUMNS
    # Set-aside generated columns come back first (the indexes on them with them), then new
    # indexes and constraints, then primary keys, once their columns exist.
    RESTORE_GENERATED_READERS = Block.CONSTRAINTS
    ADD_INDEXES_AND_CONSTRAINTS = Block.CONSTRAINTS
    REPLACE_PRIMARY_KEYS = Block.CONSTRAINTS
    CREATE_EXPRESSION_INDEXES = None
    # PostgreSQL's safe forms: in autocommit, outside batch blocks, once the columns exist.
    CREATE_INDEXES_CONCURRENTLY = None
    # Once every referenced table, column and unique key exists.
    ADD_FOREIGN_KEYS = Block.KEYS_ON
    RESTORE_FOREIGN_KEYS = Block.KEYS_ON
    VALIDATE_CONSTRAINTS = None  # PostgreSQL's safe forms: once the constraints exist
    DROP_COLUMNS = Block.DROPPED_COLUMNS
    DROP_TABLES = None  # referencing tables first
    DROP_ENUM_TYPES = None  # after everything that used them
    CLOSE_ENUM_VALUES = None  # last, so that the downgrade opens with it


@dataclass(frozen=True)
class Step:
    """Operations that run together: one phase outside batch blocks (``table`` None), or one
    table's batch block (``phase``: the block's first phase)."""

    phase: Phase
    table: str | None
    operations: list[ops.MigrateOperation]


@dataclass
class Plan:
    """Operations collected by phase (and table, in batch phases), in the order added."""

    _entries: dict[Phase, dict[str | None, list[ops.MigrateOperation]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list)))

    def add(self, phase: Phase, *operations: ops.MigrateOperation,
            table: str | None = None) -> None:
        """Add ``operations`` to ``phase``; a phase with a batch block needs the table."""
        if (phase.block is None) != (table is None):
            raise ValueError(f"{phase.name}: a table is needed exactly for batch phases")
        self._entries[phase][table].extend(operations)

    def steps(self) -> Iterator[Step]:
        """The operations in upgrade order: phase by phase, batch blocks table by table."""
        phases = list(Phase)
        at = 0
        while at < len(phases):
            phase = phases[at]
            if phase.block is None:
                found = self._entries.get(phase, {}).get(None, [])
                if found:
                    yield Step(phase, None, list(found))
                at += 1
                continue
            block = [p for p in phases[at:] if p.block == phase.block]
            tables = sorted({key for p in block for key in self._entries.get(p, {})
                             if self._entries[p][key]})
            for key in tables:
                yield Step(phase, key, [op for p in block
                                        for op in self._entries.get(p, {}).get(key, [])])
            at += len(block)
