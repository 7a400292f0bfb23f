"""Every change kind, end to end through the real CLI on SQLite, PostgreSQL and MariaDB.

One project evolves step by step.  For each step: `tool snapshot` records exactly the expected
change, `tool apply` upgrades and verifies, `alembic downgrade -1` gives back exactly the previous
snapshot, and `alembic upgrade head` gives the new one again.
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from .conftest import ALLOW, Project, async_url

GROWERS = '''
growers = Table(
    "growers", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False),
    Column("email", String(100)),
    {grower_columns}
    {grower_extra}
    comment={grower_comment!r},
)
'''
PLANTS = '''
plants = Table(
    "plants", metadata,
    Column("id", Integer, primary_key=True),
    Column("grower_id", Integer, ForeignKey("growers.id", ondelete="CASCADE"), nullable=False),
    Column("stage", String(20), server_default="seedling", nullable=False),
    Column("planted_at", DateTime(timezone=True), server_default=func.now()),
    {plant_columns}
    Index("ix_plants_grower_id_stage", "grower_id", "stage"),
    {plant_extra}
)
'''
HARVESTS = '''
harvests = Table(
    "harvests", metadata,
    Column("id", Integer, primary_key=True),
    Column("plant_id", Integer, ForeignKey("plants.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("status", Enum("drying", "curing", "done", name="harvest_status"),
           server_default="drying", nullable=False),
    Column("weight_g", Numeric(8, 2), comment="Dry weight"),
    UniqueConstraint("plant_id", "status"),
    CheckConstraint("weight_g >= 0", name="weight_non_negative"),
    comment="Harvested material",
)
'''


@dataclass(frozen=True)
class Step:
    """One edit of the models and the change lines `tool snapshot` must print for it."""

    name: str
    expected: tuple[str, ...]
    grower_columns: str = ""
    grower_extra: str = ""
    grower_comment: str = "People who grow"
    plant_columns: str = ""
    plant_extra: str = ""
    harvests: bool = False

    def models(self) -> str:
        text = GROWERS.format(grower_columns=self.grower_columns, grower_extra=self.grower_extra,
                              grower_comment=self.grower_comment)
        text += PLANTS.format(plant_columns=self.plant_columns, plant_extra=self.plant_extra)
        return text + (HARVESTS if self.harvests else "")


NICK = 'Column("nickname", String(30)),'
BASE = Step("base", ("+ table growers", "+ table plants"))
STEPS = [
    Step("add table", ("+ table harvests",), harvests=True),
    Step("drop table", ("- table harvests",)),
    Step("add column", ("+ column growers.nickname",), grower_columns=NICK),
    Step("type change", ("~ column growers.nickname: type String(length=30) -> String(length=60)",),
         grower_columns='Column("nickname", String(60)),'),
    Step("nullability", ("~ column growers.nickname: nullable true -> false",),
         grower_columns='Column("nickname", String(60), nullable=False),'),
    Step("server default", ("~ column growers.nickname: server_default none -> 'anon'",),
         grower_columns='Column("nickname", String(60), nullable=False, server_default="anon"),'),
    Step("column comment", ("~ column growers.nickname: comment none -> 'Shown name'",),
         grower_columns='Column("nickname", String(60), nullable=False, server_default="anon", '
                        'comment="Shown name"),'),
    Step("table comment", ("~ table growers: comment 'People who grow' -> 'Growers'",),
         grower_comment="Growers",
         grower_columns='Column("nickname", String(60), nullable=False, server_default="anon", '
                        'comment="Shown name"),'),
    Step("drop column", ("- column growers.nickname",), grower_comment="Growers"),
    Step("add index", ("+ index ix_plants_stage on plants (stage)",), grower_comment="Growers",
         plant_extra='Index("ix_plants_stage", "stage"),'),
    Step("drop index", ("- index ix_plants_stage on plants (stage)",), grower_comment="Growers"),
    Step("add unique", ("+ unique constraint uq_growers_email on growers (email)",),
         grower_comment="Growers", grower_extra='UniqueConstraint("email"),'),
    Step("drop unique", ("- unique constraint uq_growers_email on growers (email)",),
         grower_comment="Growers"),
    Step("add foreign key column",
         ("+ column plants.mentor_id",
          "+ foreign key fk_plants_mentor_id_growers on plants (mentor_id)"),
         grower_comment="Growers",
         plant_columns='Column("mentor_id", Integer, '
                       'ForeignKey("growers.id", ondelete="SET NULL")),'),
    Step("drop foreign key", ("- foreign key fk_plants_mentor_id_growers on plants (mentor_id)",),
         grower_comment="Growers", plant_columns='Column("mentor_id", Integer),'),
    Step("add check", ("+ check constraint ck_growers_name_not_empty on growers",),
         grower_comment="Growers", plant_columns='Column("mentor_id", Integer),',
         grower_extra='CheckConstraint("length(name) > 0", name="name_not_empty"),'),
    Step("change check", ("- check constraint ck_growers_name_not_empty on growers",
                          "+ check constraint ck_growers_name_not_empty on growers"),
         grower_comment="Growers", plant_columns='Column("mentor_id", Integer),',
         grower_extra='CheckConstraint("length(name) > 1", name="name_not_empty"),'),
    Step("drop check", ("- check constraint ck_growers_name_not_empty on growers",),
         grower_comment="Growers", plant_columns='Column("mentor_id", Integer),'),
]


def test_every_change_kind_round_trips(project: Project) -> None:
    project.write_models(BASE.models())
    project.invoke("snapshot", "-m", "base")
    assert "verified" in project.invoke("apply").out
    for index, step in enumerate(STEPS):
        previous = project.root / f"previous-{index}"
        shutil.copytree(project.root / "snapshots", previous)
        project.write_models(step.models())
        out = project.invoke("snapshot", "-m", step.name, *ALLOW).out
        lines = [line for line in out.splitlines() if line[:2] in ("+ ", "- ", "~ ")]
        assert lines == list(step.expected), f"{step.name}: {out}"

        applied = project.invoke("apply", check=False)
        assert applied.code == 0, f"{step.name}: apply\n{applied.out}{applied.err}"
        project.migrate("downgrade", "-1")
        assert project.drift(previous) == [], f"{step.name}: downgrade"
        project.migrate("upgrade", "head")
        assert project.drift() == [], f"{step.name}: upgrade again"
    assert project.run("check").code == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_snapshot_without_changes_writes_nothing(project: Project) -> None:
    project.write_models(BASE.models())
    project.run("snapshot", "-m", "base")
    before = project.snapshot_files()
    revisions = project.revision_files()
    result = project.run("snapshot", "-m", "again")
    assert result.out.strip() == "No changes: the models match the snapshot."
    assert project.snapshot_files() == before
    assert project.revision_files() == revisions


def test_sqlite_rebuild_keeps_indexes_on_expressions(sqlite_project: Project) -> None:
    """SQLite cannot reflect an index on an expression, so Alembic's batch rebuild would drop
    it without a word (and verification cannot see it there), and a rebuild cannot create one
    either: such indexes are created outside batch blocks, and set aside and created again
    around every rebuild, in the upgrade and the downgrade."""
    project = sqlite_project
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'databases = ["sqlite", "postgresql"]\n')
    table = ('orders = Table("orders", metadata, Column("id", Integer, primary_key=True), '
             'Column("qty", Integer{null}), Column("note", String(20)), '
             'Column("total", Integer, Computed("qty * 2")), '
             'Index("ix_orders_note_lower", func.lower(column("note"))){index})\n')
    project.write_models(table.format(null="", index=""))
    project.invoke("snapshot", "-m", "orders")
    # a rebuild (NOT NULL) and a new descending index on a table with a generated column
    project.write_models(table.format(
        null=", nullable=False", index=', Index("ix_orders_qty_desc", sa.desc(column("qty")))'))
    project.invoke("snapshot", "-m", "rebuild", *ALLOW)
    project.invoke("apply")

    def indexes() -> set[str]:
        database = sqlite3.connect(project.url.removeprefix("sqlite:///"))
        try:
            return {row[0] for row in database.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'orders'")}
        finally:
            database.close()

    assert {"ix_orders_note_lower", "ix_orders_qty_desc"} <= indexes()
    project.migrate("downgrade", "-1")
    assert "ix_orders_note_lower" in indexes() and "ix_orders_qty_desc" not in indexes()


def test_own_type_changed_after_its_table_was_dropped(project: Project) -> None:
    """Revisions build own TypeDecorator columns with the type the snapshot stored, not with
    the class as it is today: the downgrade of a dropped table re-creates what was dropped even
    after the class changed (or went), and no revision imports the models."""
    money = ('class Money(sa.types.TypeDecorator):\n    impl = Numeric({digits}, 2)\n'
             '    cache_ok = True\n\n')
    orders = ('orders = Table("orders", metadata, Column("id", Integer, primary_key=True), '
              'Column("total", Money(), nullable=False))\n')
    keep = 'growers = Table("growers", metadata, Column("id", Integer, primary_key=True))\n'
    project.write_models(money.format(digits=12) + orders + keep)
    project.invoke("snapshot", "-m", "orders")
    project.invoke("apply")
    before = project.root.parent / "before"
    shutil.copytree(project.root / "snapshots", before)
    project.write_models(money.format(digits=14) + keep)
    assert "- table orders" in project.invoke("snapshot", "-m", "drop", *ALLOW).out
    project.invoke("apply")

    project.migrate("downgrade", "-1")
    assert project.drift(before) == []
    versions = project.root / "alembic" / "versions"
    assert not [path.name for path in versions.glob("*.py") if "import models" in path.read_text()]


def test_sequence_options_altered_in_place(project: Project) -> None:
    """Changed sequence options are ALTER SEQUENCE, which keeps the current value: re-creating
    the sequence would restart it and hand out numbers already used (SQLite has none)."""
    table = ('invoices = Table("invoices", metadata, Column("id", Integer, primary_key=True), '
             'Column("number", Integer, sa.Sequence("invoice_seq", start={start}{more})))\n')
    project.write_models(table.format(start=1, more=""))
    project.invoke("snapshot", "-m", "invoices")
    project.invoke("apply")
    engine = sa.create_engine(project.url, poolclass=sa.pool.NullPool)
    sequence = sa.Sequence("invoice_seq")

    def next_values(count: int) -> list[int]:
        if not engine.dialect.supports_sequences:
            return []
        with engine.begin() as connection:
            return [connection.execute(sa.select(sequence.next_value())).scalar_one()
                    for _ in range(count)]

    try:
        used = next_values(3)
        project.write_models(table.format(start=1000, more=", increment=2"))
        out = project.invoke("snapshot", "-m", "numbering").out
        assert "~ column invoices.number: sequence" in out
        project.invoke("apply")
        after_upgrade = next_values(2)
        project.migrate("downgrade", "-1")
        after_downgrade = next_values(1)
    finally:
        engine.dispose()
    if engine.dialect.supports_sequences:
        assert used == [1, 2, 3]
        assert after_upgrade == [5, 7]  # continues from 3, by the new increment
        assert after_downgrade == [8]


def test_autoincrement_turned_back_on_numbers_after_the_highest(project: Project) -> None:
    """Autoincrement turned off keeps the rows' numbers; turned on again (the downgrade), new
    rows are numbered after the highest (PostgreSQL re-creates the SERIAL's sequence)."""
    table = ('invoices = Table("invoices", metadata, Column("id", Integer, primary_key=True'
             '{off}), Column("note", String(20)))\n')
    project.write_models(table.format(off=""))
    project.invoke("snapshot", "-m", "invoices")
    project.invoke("apply")
    engine = sa.create_engine(project.url, poolclass=sa.pool.NullPool)
    invoices = sa.table("invoices", sa.column("id"), sa.column("note"))
    try:
        with engine.begin() as connection:
            connection.execute(invoices.insert(), [{"note": "a"}, {"note": "b"}])
        previous = project.root.parent / "previous"
        shutil.copytree(project.root / "snapshots", previous)
        project.write_models(table.format(off=", autoincrement=False"))
        out = project.invoke("snapshot", "-m", "numbers by hand").out
        assert "~ column invoices.id: autoincrement 'auto' -> false" in out, out
        project.invoke("apply")
        with engine.begin() as connection:
            connection.execute(invoices.insert(), [{"id": 7, "note": "by hand"}])
        project.migrate("downgrade", "-1")
        assert project.drift(previous) == []
        with engine.begin() as connection:
            connection.execute(invoices.insert(), [{"note": "numbered"}])
            numbered = connection.execute(
                sa.select(invoices.c.id).where(invoices.c.note == "numbered")).scalar_one()
    finally:
        engine.dispose()
    assert numbered == 8


SCHEMA_MODELS = """
growers = Table(
    "growers", metadata,
    Column("id", Integer, primary_key=True),
    Column("best_sale_id", Integer, ForeignKey("{schema}.sales.id")),
)
sales = Table(
    "sales", metadata,
    Column("id", Integer, primary_key=True),
    Column("grower_id", Integer),{extra}
    schema="{schema}",
)
"""


def test_tables_in_another_schema(project: Project) -> None:
    """A table in another schema, referred to from the default one: created with its schema
    (which the downgrade leaves, as it may hold other objects), altered, dropped.  On MariaDB a
    schema is a database of the server, so each run names its own; a key from it to the default
    schema is refused there (MariaDB would look for the table in the key's own database).
    SQLite, which has no schemas, refuses the table at snapshot time."""
    url = sa.engine.make_url(project.url)
    schema = f"reporting_{uuid.uuid4().hex[:10]}"
    if url.get_backend_name() == "sqlite":  # a target by default: refused at snapshot time
        project.write_models(SCHEMA_MODELS.format(schema=schema, extra=""))
        refused = project.invoke("snapshot", "-m", "sales", check=False)
        assert refused.code == 2 and f"table {schema}.sales: SQLite has no schemas" in refused.err
        return
    with (project.root / "pyproject.toml").open("a") as config:  # [tool.schema] is last
        config.write('databases = ["postgresql", "mysql"]\n')
    engine = sa.create_engine(project.url, poolclass=sa.pool.NullPool)
    sales = sa.table("sales", sa.column("id"), sa.column("grower_id"), schema=schema)
    try:
        project.write_models(SCHEMA_MODELS.format(schema=schema, extra=""))
        project.invoke("snapshot", "-m", "sales")
        project.invoke("apply")
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO growers (id) VALUES (1)")
            connection.execute(sales.insert(), [{"id": 1, "grower_id": 1}])
        previous = project.root.parent / "previous"
        shutil.copytree(project.root / "snapshots", previous)
        total = '\n    Column("total", Numeric(10, 2)),\n    Index(None, "total"),'
        project.write_models(SCHEMA_MODELS.format(schema=schema, extra=total))
        out = project.invoke("snapshot", "-m", "totals").out
        assert f"+ column {schema}.sales.total" in out, out
        applied = project.invoke("apply", check=False)
        assert applied.code == 0 and "verified" in applied.out, applied.out + applied.err
        project.migrate("downgrade", "-1")
        assert project.drift(previous) == []
        project.migrate("downgrade", "base")
        with engine.connect() as connection:
            assert sa.inspect(connection).get_table_names(schema=schema) == []
        project.migrate("upgrade", "head")
        assert project.drift() == []
        with engine.connect() as connection:
            assert connection.execute(sa.select(sa.func.count()).select_from(sales)).scalar() == 0
        keyed = 'Column("grower_id", Integer, ForeignKey("growers.id"))'
        project.write_models(SCHEMA_MODELS.format(schema=schema, extra="").replace(
            'Column("grower_id", Integer)', keyed))
        refused = project.invoke("snapshot", "-m", "key to the default schema", check=False)
        assert refused.code == 2 and "which MariaDB would look for in" in refused.err, refused
    finally:
        with engine.begin() as connection:  # MariaDB: the schema is a database of the server
            if url.get_backend_name() == "mysql":
                connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
                quoted = connection.dialect.identifier_preparer.quote(schema)
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted}")
        engine.dispose()


ENUM_MODELS = """
growers = Table(
    "growers", metadata,
    Column("id", Integer, primary_key=True),
    Column("status", Enum({values}, name="grow_status"), server_default={default!r}),
)
"""


@pytest.mark.parametrize("database_url", ["postgresql", "mysql"], indirect=True)
def test_enum_values_through_async_drivers(project: Project) -> None:
    """ENUM value changes through asyncpg and aiomysql: a value added and used as the default
    (PostgreSQL adds it in an autocommit block), then one removed (a rewrite)."""
    project.url = async_url(project.url)
    steps = [("'active', 'paused'", "active"), ("'dormant', 'active', 'paused'", "dormant"),
             ("'dormant', 'active'", "dormant")]
    for index, (values, default) in enumerate(steps):
        project.write_models(ENUM_MODELS.format(values=values, default=default))
        project.invoke("snapshot", "-m", f"step {index}", *ALLOW)
        assert "verified" in project.invoke("apply").out
        if index:
            project.migrate("downgrade", "-1")
            assert project.drift(project.root.parent / f"step{index - 1}") == []
            project.migrate("upgrade", "head")
            assert project.drift() == []
        shutil.copytree(project.root / "snapshots", project.root.parent / f"step{index}")


def test_autoincrement_toggled_on_a_key_others_refer_to(project: Project) -> None:
    """MariaDB refuses to MODIFY a column a foreign key refers to in a way that changes its
    type; turning AUTO_INCREMENT off and on must not."""
    tables = ('invoices = Table("invoices", metadata, Column("id", Integer, primary_key=True'
              '{off}))\nlines = Table("lines", metadata, Column("id", Integer, primary_key=True),'
              ' Column("invoice_id", Integer, ForeignKey("invoices.id")))\n')
    project.write_models(tables.format(off=""))
    project.invoke("snapshot", "-m", "invoices")
    project.invoke("apply")
    previous = project.root.parent / "previous"
    shutil.copytree(project.root / "snapshots", previous)
    project.write_models(tables.format(off=", autoincrement=False"))
    project.invoke("snapshot", "-m", "numbers by hand")
    assert "verified" in project.invoke("apply").out
    project.migrate("downgrade", "-1")
    assert project.drift(previous) == []


def test_a_chain_of_keys_a_thousand_tables_deep(sqlite_project: Project) -> None:
    """Planning builds the tables a foreign key refers to along with the table: a chain 1,050
    tables deep, each table referring to the next, is planned without recursion (it was a
    RecursionError) when the tables are created and when they are all dropped, and reflected by
    --from-db (SQLAlchemy reflects the tables a key refers to recursively)."""
    project, depth = sqlite_project, 1_050
    chain = "".join(
        f'Table("t{i}", metadata, Column("id", Integer, primary_key=True), '
        f'Column("next_id", Integer, ForeignKey("t{i + 1}.id")))\n' for i in range(depth))
    project.write_models(chain + f'Table("t{depth}", metadata, Column("id", Integer, '
                         'primary_key=True))\n')
    created = project.invoke("snapshot", "-m", "chain").out.splitlines()
    assert sum(line.startswith("+ table t") for line in created) == depth + 1
    project.invoke("apply")
    reflected = str(project.root / "reflected")  # reflecting a table reflects those it refers to
    project.invoke("snapshot", "--from-db", project.url, "--out", reflected)
    assert project.invoke("diff", "--base", reflected, "--head", "snapshot").out.startswith(
        "No changes")
    project.write_models('Table("kept", metadata, Column("id", Integer, primary_key=True))\n')
    dropped = project.invoke("snapshot", "-m", "drop", *ALLOW).out.splitlines()
    assert sum(line.startswith("- table t") for line in dropped) == depth + 1
    assert "verified" in project.invoke("apply").out
