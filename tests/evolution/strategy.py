"""Random schemas and random edits of them, for ``test_random_evolution``.

A Hypothesis strategy that draws a whole evolution (an initial schema, then steps of several
edits each) of the schema model in ``model``; ``edits`` lists the edits drawn.

Columns are Integer, BigInteger, SmallInteger, String, Text, Numeric, Float, DateTime, Time,
Boolean, Enum, JSON, Uuid or LargeBinary, among others below; integers change to one another,
strings in length and kind, numerics in precision. Every table has an ``id`` Integer primary key,
which may widen to BigInteger (Integer on SQLite) and back. Foreign keys always point at ``id`` (of
another table or their own) from a nullable column without a server default that has the type of
the ids it points at (so it widens with them), and is not otherwise altered while it carries the
foreign key. Keys
may form cycles between tables; the key that closes one when it is drawn is declared
``use_alter=True``, as models do. Composite keys go from two new nullable Integer columns of one
table to (``id``, an Integer column) of another table, which gets a unique constraint on those two
for it; while referenced, that constraint stays and that column keeps its type, and rows hold NULL
in the key's columns. Names come from one counter (``t3``, ``c7``, ``k9``), so a name is never
reused; the naming convention names indexes, unique and foreign keys (an index is named after its
first column, so no two indexes of a table start with the same column).  New tables and columns
often get odd names instead: a reserved word (``order``), capitals (``C7``), a quote (``c7's``),
a space (``c7 x``) or a non-ASCII letter (``äc7``); CHECKs, index conditions and expressions
only name plain columns (SQL text would have to quote the others per database).

An index's first column is often a foreign key's column (a plain index of one such column is
written ``index=True``, as models do; MariaDB then drops the index it made for the key), and may
be descending, or lower(...) of a String column where the project does
not target MariaDB (never an expression on a foreign-key column: MariaDB must find an index whose
leading column is the key's); any index may have a MariaDB prefix length (on a String first column)
or PostgreSQL's USING btree, and may be partial (a condition on its first column, for PostgreSQL
and SQLite; MariaDB ignores it). Foreign keys have ON DELETE or ON UPDATE actions, and may be
DEFERRABLE INITIALLY DEFERRED where the project does not target MariaDB. Columns may have types
with MariaDB or PostgreSQL variants (INT UNSIGNED, MEDIUMTEXT, JSONB, binary collations),
PostgreSQL's own types where the project targets PostgreSQL alone (ARRAY of Integer <-> BigInteger,
INET <-> CIDR, TSVECTOR), the models' own TypeDecorator (one class per column, over a String whose
length changes; a class stays in the models after its column is dropped, as projects keep them), or
a Sequence of their own whose start changes. A table without IDENTITY that no foreign key points at
may get a composite primary key (``id`` and a NOT NULL column) and lose it again; while it has one,
no foreign key may point at it. Tables may have MariaDB options (character set latin1, or utf8mb4
with a binary collation, or InnoDB with ROW_FORMAT=COMPACT) that change, in every project
(elsewhere they must do nothing). A table's ``id`` may be an IDENTITY (BY DEFAULT, so rows can give
their own ids) whose start and increment change; adding or removing IDENTITY is refused by the
tool, so never drawn. Another table's ``id`` may have autoincrement turned off (the application
numbers rows) and on again. ENUM columns have a named type (``e_c4``, or ``ce_c4`` with
create_constraint=True: a CHECK on SQLite), often one that other columns
share (a column may also take another column's type), whose value list always holds "a", the value
rows use, and changes for all of them; generated columns are computed from constants or from an
integer column of their table other than ``id`` (MariaDB refuses an expression on an AUTO_INCREMENT
column; a column read is then not dropped, keyed or put in the primary key, so its type changes run
under the generated column), stored, or virtual in projects on MariaDB
(which target SQLite and MariaDB: PostgreSQL before 18 has no virtual columns). Neither is indexed
or unique, since rows repeat their values; an ENUM column may have a CHECK that names the value "a"
(PostgreSQL types it by the ENUM, so the tool re-creates it around conversions).

Tables and columns are renamed (``info={"renamed_from": ...}``, left in the models afterwards
as projects do) once per step at most, with keys, indexes and CHECKs following the new names;
columns also take Unicode, DateTime and Time with or without time zone, and Interval; indexes
of projects not on MariaDB may INCLUDE ``id`` (PostgreSQL).  The project ignores ``legacy_*``:
a ``legacy_notes`` table with a row is in the database from the start and must stay as it is;
the models declare it now and then, which changes nothing.

CHECKs are often written with Python values (``column("c") >= 1``: bound parameters the snapshot
writes out as SQL).  Half the examples have models without a "ck" naming convention: named
CHECKs are then named by hand as the convention would, a Boolean's or Enum's CHECK takes the
type's name, and new tables may get CHECKs without a name and ``Boolean(create_constraint=True)``
columns without one (``ubool``), which the databases name themselves; such CHECKs stay as they
are until their table goes (the tool refuses to add or drop them on an existing table), while
their columns are renamed, retyped within their kind and made NULL or NOT NULL (SQLite
rebuilds the table).  No table has two columns of one ``ce_`` type (their CHECKs would share a
name: the tool refuses).

What the databases themselves refuse is never drawn: Text columns in an index or unique
constraint (MariaDB needs a key length), and a CHECK on a column whose foreign key has an ON
DELETE or ON UPDATE action (MariaDB error 1901).  String lengths, numeric precisions, server
defaults and the CHECK thresholds are chosen so that the test's rows fit every type and
constraint drawn; date and time columns may default to ``CURRENT_DATE``, ``CURRENT_TIME`` or
``CURRENT_TIMESTAMP``, which MariaDB stores as ``curdate()``, ``curtime()`` and
``current_timestamp()``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from hypothesis import strategies as st

from .changes import expected_changes
from .choices import LEGACY_MODEL
from .edits import applicable
from .model import Schema
from .source import render
from .table_edits import Evolver


@dataclass(frozen=True)
class Step:
    """One step of an evolution: its edits' lines, and the models after them."""

    edits: tuple[str, ...]
    schema: Schema
    own_types: dict[str, int]  # TypeDecorator classes the models define: name -> length
    legacy: bool = False  # the models declare the table others manage (ignore_tables)
    loose: bool = False  # the models have no "ck" naming convention

    def models(self) -> str:
        return (render(self.schema, self.own_types, self.loose)
                + (LEGACY_MODEL if self.legacy else ""))


@dataclass(frozen=True)
class Evolution:
    steps: tuple[Step, ...]

    def __repr__(self) -> str:
        return "Evolution(\n" + "".join(
            f"  step {i}: " + "; ".join(step.edits) + "\n" for i, step in enumerate(self.steps)
        ) + ")"

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # Hypothesis's failure report
        printer.text(repr(self))


@st.composite
def evolutions(draw, mariadb: bool, postgresql: bool = False, min_steps: int = 8,
               max_steps: int = 10) -> Evolution:
    """An initial schema of 1-3 tables, then steps of 1-4 edits that each change something;
    ``mariadb``: whether the project targets MariaDB, ``postgresql``: whether it targets
    PostgreSQL alone (see :class:`~.candidates.EvolvingSchema`)."""
    loose = draw(st.booleans())  # no "ck" naming convention: CHECKs without names
    evolver = Evolver(draw, mariadb, postgresql, loose)
    steps = [Step(tuple(evolver.add_table() for _ in range(draw(st.integers(1, 3)))),
                  copy.deepcopy(evolver.tables), dict(evolver.own_types), loose=loose)]
    for _ in range(draw(st.integers(min_steps, max_steps))):
        evolver.start = steps[-1].schema
        before, edits, count = steps[-1].schema, [], draw(st.integers(1, 4))
        while len(edits) < count or not expected_changes(before, evolver.tables):
            weighted = [edit for edit in applicable(evolver) for _ in range(edit.weight)]
            edits.append(draw(st.sampled_from(weighted)).make(evolver))
        steps.append(Step(tuple(edits), copy.deepcopy(evolver.tables), dict(evolver.own_types),
                          evolver.legacy, loose))
    return Evolution(tuple(steps))
