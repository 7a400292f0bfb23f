"""Renames keep data: a table and a column renamed on SQLite, PostgreSQL and MariaDB, rows
checked after the upgrade, the downgrade and the upgrade again; look-alike drops are refused."""

from __future__ import annotations

import shutil
import sys

import sqlalchemy as sa
from sqlalchemy import pool

from cultivar_schema.author.record import Policy, take_snapshot
from cultivar_schema.diff import Kind
from cultivar_schema.project import Project as SchemaProject

from .conftest import Project

BEFORE = """
growers = Table(
    "growers", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False),
    Column("note", String(20)),
)
plants = Table(
    "plants", metadata,
    Column("id", Integer, primary_key=True),
    Column("grower_id", Integer, ForeignKey("growers.id")),
    Index(None, "grower_id"),
)
"""

# farmers and plants.farmer_id declare their old names; farmers.remark comes from the flag.
AFTER = """
farmers = Table(
    "farmers", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False),
    Column("remark", String(20)),
    info={"renamed_from": "growers"},
)
plants = Table(
    "plants", metadata,
    Column("id", Integer, primary_key=True),
    Column("farmer_id", Integer, ForeignKey("farmers.id"), info={"renamed_from": "grower_id"}),
    Index(None, "farmer_id"),
)
"""

RENAMES = [
    "~ table farmers: renamed from growers",
    "~ column farmers.remark: renamed from note",
    "~ column plants.farmer_id: renamed from grower_id",
]


def rows(url: str, parent: str, note: str, child_fk: str) -> tuple[list[tuple], list[tuple]]:
    engine = sa.create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        parents = connection.exec_driver_sql(
            f"SELECT id, name, {note} FROM {parent} ORDER BY id").all()
        children = connection.exec_driver_sql(
            f"SELECT id, {child_fk} FROM plants ORDER BY id").all()
    engine.dispose()
    return [tuple(r) for r in parents], [tuple(r) for r in children]


def test_table_and_column_renames_keep_rows(project: Project) -> None:
    project.write_models(BEFORE)
    project.invoke("snapshot", "-m", "before")
    project.invoke("apply")
    engine = sa.create_engine(project.url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO growers (id, name, note) VALUES (1, 'Ann', 'n1'), (2, 'Bo', NULL)")
        connection.exec_driver_sql("INSERT INTO plants (id, grower_id) VALUES (1, 1), (2, 2)")
    engine.dispose()
    before_rows = rows(project.url, "growers", "note", "grower_id")
    previous = project.root.parent / "previous"
    shutil.copytree(project.root / "snapshots", previous)

    project.write_models(AFTER)
    out = project.invoke("snapshot", "-m", "rename", "--rename-column",
                         "farmers.note=remark").out
    assert [line for line in out.splitlines() if "renamed from" in line
            and not line.startswith("risk")] == RENAMES, out
    assert "- column" not in out and "- table" not in out, out
    applied = project.invoke("apply", check=False)
    assert applied.code == 0 and "verified" in applied.out, applied.out
    assert rows(project.url, "farmers", "remark", "farmer_id") == before_rows

    project.migrate("downgrade", "-1")
    assert project.drift(previous) == []
    assert rows(project.url, "growers", "note", "grower_id") == before_rows
    project.migrate("upgrade", "head")
    assert project.drift() == []
    assert rows(project.url, "farmers", "remark", "farmer_id") == before_rows
    checked = project.invoke("check", check=False)
    assert checked.code == 0, checked.out


def test_look_alike_drop_is_refused_with_the_flag_to_pass(sqlite_project: Project) -> None:
    sqlite_project.write_models(BEFORE)
    sqlite_project.invoke("snapshot", "-m", "before")
    files = sqlite_project.snapshot_files()
    sqlite_project.write_models(BEFORE.replace('"note"', '"remark"'))
    refused = sqlite_project.run("snapshot", "-m", "x", check=False)
    assert refused.code == 1, refused
    assert refused.err.strip() == (
        "error: column growers.remark looks like column growers.note renamed: pass "
        "--rename-column growers.note=remark to keep its data, or --allow-destructive "
        '"reason" to drop and add')
    assert sqlite_project.snapshot_files() == files
    assert len(sqlite_project.revision_files()) == 1


def test_terminal_confirmation_turns_a_look_alike_into_a_rename(
        sqlite_project: Project) -> None:
    sqlite_project.write_models(BEFORE)
    sqlite_project.invoke("snapshot", "-m", "before")
    sqlite_project.write_models(BEFORE.replace('"growers"', '"farmers"').replace(
        "growers.id", "farmers.id"))
    asked = []

    def confirm(alike):  # what the terminal prompt answers
        asked.append(alike.describe())
        return alike.kind is Kind.TABLE

    sys.modules.pop("models", None)  # invoke() imported the previous models in this process
    result = take_snapshot(SchemaProject.open(sqlite_project.root), "rename",
                           policy=Policy(confirm_rename=confirm))
    assert asked == ["table farmers looks like table growers renamed"]
    assert [c.describe() for c in result.changes][0] == "~ table farmers: renamed from growers"
    manifest = SchemaProject.open(sqlite_project.root).store.read_manifest()
    assert manifest is not None
    assert manifest.notes[str(result.revision)]["renames"] == {"tables": {"farmers": "growers"}}


def test_a_rename_flag_that_does_not_apply_is_an_error(sqlite_project: Project) -> None:
    sqlite_project.write_models(BEFORE)
    sqlite_project.invoke("snapshot", "-m", "before")
    result = sqlite_project.run("snapshot", "-m", "x", "--rename-table", "growerz=farmers",
                                check=False)
    assert result.code == 2
    assert result.err.strip() == ("error: --rename-table growerz=farmers: the snapshot has no "
                                  "table growerz that the models replace with farmers")
    bad = sqlite_project.run("snapshot", "-m", "x", "--rename-column", "growers-note",
                             check=False)
    assert bad.code == 2 and "expected TABLE.OLD=NEW" in bad.err
