"""A process killed at any moment leaves a state the next command repairs or explains.

`tool snapshot` and `tool apply` run as real processes and are killed (SIGKILL, or SIGTERM) at
deterministic points through the test-only hook ``SCHEMA_FAULT_AT`` (``schema/faults.py``): before
the k-th file write of the snapshot's write set, before the k-th statement of the revisions
apply runs.  After each kill the next command must succeed or name the exact recovery, the
files must be the old or the new snapshot (never a mix, never a ``.tmp``/``.tool-part`` left),
and the database must end at head, `tool drift` clean, with its rows.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from cultivar_schema.errors import ExitCode

from .conftest import TOOL, Project, Result, new_project
from .test_deploy import execute, version

TABLE = """
t{n} = Table("t{n}", metadata, Column("id", Integer, primary_key=True),
             Column("name", String(50)){extra})
"""


def tables(count: int, changed: int = 0) -> str:
    """``count`` tables; the first ``changed`` get one more column and a longer name (a table
    rebuild on SQLite)."""
    return "".join(TABLE.format(n=n, extra=', Column("note", Text)' if n < changed else "")
                   .replace("String(50)", "String(80)" if n < changed else "String(50)")
                   for n in range(count))


def leftovers(root: Path) -> list[str]:
    """Temporary files and journals that must never survive a command."""
    return sorted(str(path.relative_to(root)) for path in root.rglob("*")
                  if path.name.endswith((".tmp", ".bak", ".part", ".tool-part", ".aside"))
                  or path.name.startswith(".tool-journal"))


def run_faulty(project: Project, fault: str, *args: str) -> Result:
    """``tool ARGS`` with ``SCHEMA_FAULT_AT=fault``; a negative code: killed."""
    done = subprocess.run([*TOOL, *args], cwd=project.root,
                          env={**project.env(), "SCHEMA_FAULT_AT": fault},
                          capture_output=True, text=True, timeout=300)
    return Result(done.returncode, done.stdout, done.stderr)


def snapshot_state(project: Project) -> tuple[dict[str, bytes], list[str]]:
    return project.snapshot_files(), [p.name for p in project.revision_files()]


@pytest.fixture
def base(tmp_path: Path) -> Project:
    """A SQLite project with a first snapshot of 3 tables, applied, with rows."""
    project = new_project(tmp_path / "base", f"sqlite:///{tmp_path / 'base.db'}")
    project.write_models(tables(3))
    project.invoke("snapshot", "-m", "three tables")
    return project


def copy_of(project: Project, name: str) -> Project:
    """A copy of ``project``'s folder and SQLite database, to kill a command in."""
    root = project.root.parent / name
    shutil.copytree(project.root, root)
    database = root.parent / f"{name}.db"
    return Project(root, f"sqlite:///{database}")


# The writes of a snapshot changing 4 files (3 tables and the manifest): 1 the journal's
# first record, 2 the revision, 3 the journal's plan, 4-7 staged files, 8 the commit record,
# 9-12 files put in place, 13 the journal's removal; at 14 nothing is left to kill.
WRITE_POINTS = (1, 2, 3, 4, 6, 8, 9, 11, 13, 14)
# Statements (and commits) of the revision `tool apply` runs, its bookkeeping included.  On
# every database 1 is Alembic's first look at alembic_version, 3 CREATE TABLE t2, then each
# table's changes (two statements each on PostgreSQL and MariaDB, a table rebuild on SQLite),
# the version's UPDATE, the history row's DELETE and INSERT and the commit; the
# list goes on until a run completes.  MariaDB's bookkeeping before each revision (the schema
# reflected, the row saying it started: between 2 and 3) is not counted.
APPLY_POINTS = (1, 3, 4, 6, 9, 11, 12, 20, 35, 60, 100)


def test_snapshot_killed_at_each_kind_of_write(base: Project) -> None:
    """Two tables change and one is added: the snapshot is killed before each kind of write;
    the next command rolls it back or completes it."""
    old_files, old_revisions = snapshot_state(base)
    base.write_models(tables(4, changed=2))
    outcomes = []
    for point in WRITE_POINTS:
        project = copy_of(base, f"kill{point}")
        signal = "term" if point % 5 == 0 else "kill"
        run = run_faulty(project, f"write:{point}:{signal}", "snapshot", "-m", "more")
        if run.code >= 0:
            assert run.code == 0 and point == WRITE_POINTS[-1], run
            break
        check = project.invoke("check", check=False)
        assert "rehash" not in check.out + check.err, (point, check)
        assert leftovers(project.root) == [], point
        if check.code == 0:  # completed: the new snapshot with its revision
            assert "was completed from its journal" in check.err, (point, check)
            assert len(project.revision_files()) == len(old_revisions) + 1
            outcomes.append("forward")
        else:  # rolled back: exactly the old files, and the snapshot can be taken again
            assert check.code == ExitCode.FOUND and "models differ" in check.out, (point, check)
            assert snapshot_state(project) == (old_files, old_revisions), point
            # point 1 is the journal's own first record: there is nothing to say yet
            assert ("rolled back" in check.err) == (point > 1), (point, check)
            project.invoke("snapshot", "-m", "more")
            outcomes.append("back")
        assert "ok: models match" in project.invoke("check").out
        applied = project.invoke("apply")
        assert "verified" in applied.out, (point, applied)
    else:
        pytest.fail(f"the snapshot has more writes than {WRITE_POINTS[-1] - 1}")
    assert outcomes == ["back"] * 6 + ["forward"] * 3


def test_snapshot_of_300_tables_terminated_while_writing(tmp_path: Path) -> None:
    """The issue's case: SIGTERM while 300 table files are written.  Before the commit record
    the next command rolls everything back, after it completes everything; `tool check` then
    passes or asks for the snapshot, never for `tool rehash`."""
    project = new_project(tmp_path / "big", f"sqlite:///{tmp_path / 'big.db'}")
    project.write_models(tables(300))
    project.invoke("snapshot", "-m", "300 tables")
    old = snapshot_state(project)
    project.write_models(tables(300, changed=300))
    # points: 1-3 journal and revision, 4-304 staged files, 305 commit, 306-606 placed
    staging = run_faulty(project, "write:150:term", "snapshot", "-m", "notes")
    assert staging.code < 0
    rolled_back = project.invoke("check", check=False)
    assert rolled_back.code == ExitCode.FOUND and "rolled back" in rolled_back.err
    assert "rehash" not in rolled_back.out and snapshot_state(project) == old
    assert leftovers(project.root) == []
    placing = run_faulty(project, "write:450:term", "snapshot", "-m", "notes")
    assert placing.code < 0
    completed = project.invoke("check")
    assert "completed from its journal (301 file(s)" in completed.err
    assert "ok: models match the snapshot (300 tables)" in completed.out
    assert leftovers(project.root) == []


def test_disk_full_during_snapshot(base: Project) -> None:
    """A full disk while staging: one error naming the file, nothing changed or left behind.
    While putting files in place (renames; an injected error stands in for any failure
    there): the error says the journal keeps the write, and the next command completes it."""
    old = snapshot_state(base)
    base.write_models(tables(4, changed=2))
    full = run_faulty(base, "write:5:enospc", "snapshot", "-m", "more")
    assert full.code == ExitCode.USAGE and full.out == "", full
    assert full.err.startswith("error: snapshots/tables/t1.yaml: cannot write: No space left "
                               "on device; nothing was changed"), full
    assert len(full.err.splitlines()) == 1
    assert snapshot_state(base) == old and leftovers(base.root) == []
    revision = run_faulty(base, "write:2:enospc", "snapshot", "-m", "more")
    assert revision.err.startswith("error: alembic/versions: cannot write: No space left on "
                                   "device; nothing was changed"), revision
    assert snapshot_state(base) == old and leftovers(base.root) == []
    failed = run_faulty(base, "write:9:enospc", "snapshot", "-m", "more")
    assert failed.code == ExitCode.USAGE and "snapshots/tables/t0.yaml: cannot write" in failed.err
    assert ".tool-journal keeps the write" in failed.err, failed
    completed = base.invoke("check")
    assert "completed from its journal" in completed.err and leftovers(base.root) == []


def rows(url: str, *tables: str) -> dict[str, int]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return {table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
                    or 0 for table in tables}
    finally:
        engine.dispose()


def undo_by_hand(url: str) -> None:
    """What an operator does for the revision below after a partial run on MariaDB: drop
    what it added (the README's `tool resolve --rolled-back` procedure)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            inspector = sa.inspect(connection)
            if inspector.has_table("t2"):
                connection.exec_driver_sql("DROP TABLE t2")
            for table in ("t0", "t1"):
                if "note" in {column["name"] for column in inspector.get_columns(table)}:
                    connection.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN note")
                connection.exec_driver_sql(f"ALTER TABLE {table} MODIFY name VARCHAR(50)")
    finally:
        engine.dispose()


def test_apply_killed_at_statements(project: Project) -> None:
    """A revision adding a table, and columns to two tables with rows while their names widen
    (a table rebuild on SQLite), is killed before its k-th statement, for growing k until it
    completes.  PostgreSQL and SQLite roll back and the next apply succeeds; on MariaDB the
    next apply either runs it again (nothing had changed) or refuses naming `tool resolve`,
    which then works (`--applied` when every statement had run)."""
    mariadb = make_url(project.url).get_backend_name() == "mysql"
    project.write_models(tables(2))
    project.invoke("snapshot", "-m", "two")
    project.invoke("apply", "--no-backup")
    for table in ("t0", "t1"):
        execute(project.url, f"INSERT INTO {table} (id, name) VALUES (1, 'a'), (2, 'b')")
    project.write_models(tables(3, changed=2))
    wrote = project.invoke("snapshot", "-m", "notes and t2").out
    head = wrote.split("wrote revision ", 1)[1].split(":", 1)[0]
    kills, resolutions = [], set()
    for point in APPLY_POINTS:
        run = run_faulty(project, f"statement:{point}", "apply", "--no-backup")
        if run.code >= 0:
            assert run.code == 0 and "verified" in run.out, run
            break
        kills.append(point)
        again = project.invoke("apply", "--no-backup", check=False)
        if again.code == ExitCode.PARTIAL:
            assert mariadb and f"`tool resolve {head} --applied` or `--rolled-back`" in again.err
            if f"`tool resolve {head} --applied` records that" in again.err:
                project.invoke("resolve", head, "--applied")
                resolutions.add("applied")
            else:
                undo_by_hand(project.url)
                project.invoke("resolve", head, "--rolled-back")
                resolutions.add("rolled back")
            again = project.invoke("apply", "--no-backup")
        elif "before it changed anything; it runs again" in again.out:
            resolutions.add("run again")
        assert again.code == 0 and "verified: the database matches" in again.out, (point, again)
        assert version(project.url) == [head]
        assert rows(project.url, "t0", "t1") == {"t0": 2, "t1": 2}, point
        project.migrate("downgrade", "-1")
    else:
        pytest.fail(f"apply still ran statements after the {APPLY_POINTS[-1]}th")
    assert len(kills) >= 5, kills
    if mariadb:
        assert resolutions == {"applied", "rolled back", "run again"}, resolutions
    assert project.invoke("drift").code == 0


def test_squash_killed_at_each_write(tmp_path: Path) -> None:
    """`tool squash` sets every revision aside, writes the squashed one and signs the
    manifest: killed at any write, the next command puts everything back or completes it."""
    project = new_project(tmp_path / "base", f"sqlite:///{tmp_path / 'base.db'}")
    for count in (1, 2, 3):
        project.write_models(tables(count))
        wrote = project.invoke("snapshot", "-m", f"{count} tables").out
    head = wrote.split("wrote revision ", 1)[1].split(":", 1)[0]
    before = {path.name: path.read_bytes() for path in project.revision_files()}
    outcomes = []
    # 1 the journal with the files set aside, 2-3 the revision announced and written, 4 the
    # plan, 5 the manifest staged, 6 the commit, 7 the manifest in place, 8 the journal gone
    for point in (1, 3, 5, 6, 7, 8, 9):
        copy = copy_of(project, f"squash{point}")
        run = run_faulty(copy, f"write:{point}", "squash", "--to", head)
        if run.code >= 0:
            assert run.code == 0 and "squashed 3 revisions" in run.out and point == 9, run
            break
        check = copy.invoke("check")
        assert leftovers(copy.root) == [], (point, leftovers(copy.root))
        after = {path.name: path.read_bytes() for path in copy.revision_files()}
        if "completed" in check.err:
            assert len(after) == 1 and set(after) != set(before), point
            outcomes.append("forward")
        else:
            assert after == before, point
            outcomes.append("back")
        assert "upgraded" in copy.invoke("apply").out
    else:
        pytest.fail("the squash never got to its end")
    assert outcomes == ["back"] * 4 + ["forward"] * 2, outcomes
