"""``plan_operations`` without a database: two schemas built in Python, planned, rendered.

Each test builds the models before and after a change as ``MetaData``, diffs their snapshot dicts
as `tool snapshot` does and renders the planned upgrade (and its reverse) with Alembic's own
renderer, then asserts on the order of the statements: what the planner promises, stated in one
place per promise.  The golden cases' ``expected_upgrade.py`` pin whole revisions; these name the
rule each order follows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest
from alembic.autogenerate import render_python_code
from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    Enum,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    column,
    func,
)

from cultivar_schema.author.revision import render_item
from cultivar_schema.config import KNOWN_DATABASES
from cultivar_schema.diff import diff_with_renames
from cultivar_schema.diff.renames import Renames
from cultivar_schema.errors import PlanProblems, SchemaToolError
from cultivar_schema.plan.planner import plan_operations
from cultivar_schema.snapshot.serialize import metadata_to_dicts, naming_convention

CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
Models = Callable[[MetaData], None]


def plan(before: Models, after: Models, renames: Renames | None = None,
         databases: Iterable[str] = KNOWN_DATABASES, safe: bool = False) -> tuple[str, str]:
    """The rendered upgrade and downgrade that turn the ``before`` models into ``after``."""
    sides = []
    for define in (before, after):
        metadata = MetaData(naming_convention=CONVENTION)
        define(metadata)
        sides.append(metadata_to_dicts(metadata))
    old, new = sides
    changed = sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))
    result = diff_with_renames({key: old.get(key) for key in changed},
                               {key: new.get(key) for key in changed}, renames or Renames())
    unchanged = {key: data for key, data in new.items() if key not in changed}
    upgrade = plan_operations(result.changes, result.old, {key: new.get(key) for key in changed},
                              unchanged, naming_convention(metadata), databases, safe)
    return _render(upgrade), _render(upgrade.reverse())


def _render(operations: object) -> str:
    return render_python_code(operations, render_as_batch=True,  # type: ignore[arg-type]
                              render_item=render_item)


def in_order(text: str, *parts: str) -> None:
    """Each part occurs in ``text``, after the one before it."""
    at = 0
    for part in parts:
        found = text.find(part, at)
        assert found >= 0, f"{part!r} not found after position {at} in:\n{text}"
        at = found + len(part)


def _growers(metadata: MetaData, *extra: Column) -> Table:
    return Table("growers", metadata, Column("id", Integer, primary_key=True),
                 Column("name", String(50)), *extra)


def test_referenced_tables_are_created_first_and_dropped_last() -> None:
    def after(metadata: MetaData) -> None:
        Table("plants", metadata, Column("id", Integer, primary_key=True),
              Column("grower_id", ForeignKey("growers.id")))
        _growers(metadata)

    upgrade, downgrade = plan(lambda metadata: None, after)
    in_order(upgrade, "create_table('growers'", "create_table('plants'")
    in_order(downgrade, "drop_table('plants')", "drop_table('growers')")


def test_a_cycle_of_foreign_keys_is_closed_after_both_tables_exist() -> None:
    def after(metadata: MetaData) -> None:
        Table("authors", metadata, Column("id", Integer, primary_key=True),
              Column("best_book_id", ForeignKey("books.id", use_alter=True)))
        Table("books", metadata, Column("id", Integer, primary_key=True),
              Column("author_id", ForeignKey("authors.id")))

    upgrade, downgrade = plan(lambda metadata: None, after)
    in_order(upgrade, "create_table('authors'", "create_table('books'",
             "batch_alter_table('authors'",
             "create_foreign_key(batch_op.f('fk_authors_best_book_id_books')")
    in_order(downgrade, "drop_constraint(batch_op.f('fk_authors_best_book_id_books')",
             "drop_table('books')", "drop_table('authors')")


def test_renames_come_before_the_changes_that_use_the_new_names() -> None:
    def after(metadata: MetaData) -> None:
        Table("farmers", metadata, Column("id", Integer, primary_key=True),
              Column("full_name", String(50)), Column("email", String(100)))

    renames = Renames(tables={"farmers": "growers"},
                      columns={"farmers": {"full_name": "name"}})
    upgrade, downgrade = plan(_growers, after, renames)
    in_order(upgrade, "rename_table('growers', 'farmers'", "alter_column('farmers', 'name',",
             "new_column_name='full_name'", "batch_alter_table('farmers'",
             "add_column(sa.Column('email'")
    in_order(downgrade, "drop_column('email')", "alter_column('farmers', 'full_name',",
             "rename_table('farmers', 'growers'")


def test_a_foreign_key_is_dropped_before_the_unique_constraint_it_refers_to() -> None:
    def before(metadata: MetaData) -> None:
        _growers(metadata, UniqueConstraint("name"))
        Table("plants", metadata, Column("id", Integer, primary_key=True),
              Column("grower_name", ForeignKey("growers.name")))

    def after(metadata: MetaData) -> None:
        _growers(metadata)
        Table("plants", metadata, Column("id", Integer, primary_key=True),
              Column("grower_name", String(50)))

    upgrade, downgrade = plan(before, after)
    in_order(upgrade, "fk_plants_grower_name_growers'), type_='foreignkey'",
             "uq_growers_name'), type_='unique'")
    in_order(downgrade, "create_unique_constraint(batch_op.f('uq_growers_name')",
             "create_foreign_key(batch_op.f('fk_plants_grower_name_growers')")


def test_a_named_enum_type_outlives_the_tables_that_use_it() -> None:
    def after(metadata: MetaData) -> None:
        _growers(metadata, Column("stage", Enum("seed", "veg", name="grow_stage")))

    upgrade, downgrade = plan(lambda metadata: None, after)
    in_order(upgrade, "sa.Enum('seed', 'veg', name='grow_stage').create(",
             "create_table('growers'")
    in_order(downgrade, "drop_table('growers')", "sa.Enum(name='grow_stage').drop(")


def test_an_enum_value_is_added_first_and_removed_by_rewriting_the_type() -> None:
    def before(metadata: MetaData) -> None:
        _growers(metadata, Column("stage", Enum("seed", "veg", name="grow_stage")))

    def after(metadata: MetaData) -> None:
        _growers(metadata, Column("stage", Enum("seed", "veg", "flower", name="grow_stage")),
                 Column("email", String(100)))

    upgrade, downgrade = plan(before, after)
    in_order(upgrade, "ADD VALUE IF NOT EXISTS 'flower' AFTER 'veg'", "add_column(")
    # the downgrade rewrites the type: rename the old one, create the new, convert, drop the old
    in_order(downgrade, "RENAME TO grow_stage__old",
             "CREATE TYPE grow_stage AS ENUM ('seed', 'veg')", "drop_column('email')",
             "ALTER COLUMN stage TYPE grow_stage USING stage::text::grow_stage",
             "DROP TYPE grow_stage__old")


def test_a_removed_enum_value_converts_columns_around_the_checks_that_name_them() -> None:
    def before(metadata: MetaData) -> None:
        _growers(metadata, Column("stage", Enum("seed", "veg", "dry", name="grow_stage")),
                 CheckConstraint(column("stage") != "seed", name="not_seed"))

    def after(metadata: MetaData) -> None:
        _growers(metadata, Column("stage", Enum("seed", "veg", name="grow_stage")),
                 CheckConstraint(column("stage") != "seed", name="not_seed"))

    upgrade, _ = plan(before, after)
    in_order(upgrade, "RENAME TO grow_stage__old", "DROP CONSTRAINT ck_growers_not_seed",
             "USING stage::text::grow_stage", "ADD CONSTRAINT ck_growers_not_seed CHECK",
             "DROP TYPE grow_stage__old")


def test_generated_columns_are_set_aside_around_sqlite_rebuilds() -> None:
    def before(metadata: MetaData) -> None:
        _growers(metadata, Column("twice", Integer, Computed("id * 2")))

    def after(metadata: MetaData) -> None:
        _growers(metadata, Column("twice", Integer, Computed("id * 2")),
                 Column("age", Integer, nullable=False, server_default="0"))
        metadata.tables["growers"].c.name.nullable = False

    upgrade, _ = plan(before, after)
    in_order(upgrade, "batch_alter_table('growers'", "drop_column('twice')",
             "alter_column('name'", "add_column(sa.Column('twice'")


def test_expression_indexes_are_made_outside_batch_blocks() -> None:
    def after(metadata: MetaData) -> None:
        table = _growers(metadata, Column("email", String(100)))
        Index("ix_growers_lower_email", func.lower(table.c.email))

    upgrade, downgrade = plan(_growers, after, databases=("sqlite", "postgresql"))
    in_order(upgrade, "batch_alter_table('growers'", "add_column(sa.Column('email'",
             "\n\n    op.create_index(op.f('ix_growers_lower_email')")
    in_order(downgrade, "    op.drop_index(op.f('ix_growers_lower_email')",
             "batch_alter_table('growers'", "drop_column('email')")


def test_postgresql_safe_forms_index_concurrently_and_validate_at_the_end() -> None:
    def before(metadata: MetaData) -> None:
        _growers(metadata)
        Table("plants", metadata, Column("id", Integer, primary_key=True),
              Column("grower_id", Integer))

    def after(metadata: MetaData) -> None:
        _growers(metadata, Index("ix_growers_name_only", "name"))
        Table("plants", metadata, Column("id", Integer, primary_key=True),
              Column("grower_id", ForeignKey("growers.id")))

    upgrade, _ = plan(before, after, safe=True)
    in_order(upgrade, "create_index(op.f('ix_growers_name_only')", "postgresql_concurrently=True",
             "create_foreign_key(batch_op.f('fk_plants_grower_id_growers')",
             "postgresql_not_valid=True", "VALIDATE CONSTRAINT fk_plants_grower_id_growers")


def test_a_change_no_target_can_make_is_refused_naming_the_column() -> None:
    def after(metadata: MetaData) -> None:
        Table("growers", metadata, Column("id", Integer, Identity(), primary_key=True),
              Column("name", String(50)))

    with pytest.raises(SchemaToolError, match="growers.id"):
        plan(_growers, after)


def test_every_change_no_target_can_make_is_refused_at_once() -> None:
    def before(metadata: MetaData) -> None:
        _growers(metadata)
        Table("orders", metadata, Column("id", Integer, primary_key=True))

    def after(metadata: MetaData) -> None:
        Table("growers", metadata, Column("id", Integer, Identity(), primary_key=True),
              Column("name", String(50)))
        Table("orders", metadata, Column("id", Integer, primary_key=True),
              sqlite_autoincrement=True)

    with pytest.raises(PlanProblems) as refused:
        plan(before, after)
    assert [problem.split(":")[0] for problem in refused.value.problems] == [
        "table orders", "column growers.id"], refused.value.problems


def test_an_enum_postgresql_cannot_name_is_refused_not_a_crash() -> None:
    """A snapshot reflected from MariaDB holds ENUMs without a name; turning the models' named
    ENUM into one (the downgrade `tool diff` plans against such a snapshot) is a problem naming
    the column: it crashed the plan with CompileError (optuna in the real-world corpus)."""
    def named(metadata: MetaData) -> None:
        Table("trials", metadata, Column("id", Integer, primary_key=True),
              Column("state", Enum("running", "done", name="trialstate")))

    def unnamed(metadata: MetaData) -> None:
        Table("trials", metadata, Column("id", Integer, primary_key=True),
              Column("state", Enum("running", "done")))

    with pytest.raises(PlanProblems) as refused:
        plan(named, unnamed)
    assert refused.value.problems == [
        "column trials.state: PostgreSQL cannot hold an ENUM without a name; name it "
        "(Enum(..., name=...)) or leave PostgreSQL out of [tool.schema] databases"]
    plan(named, unnamed, databases=("sqlite", "mysql"))
