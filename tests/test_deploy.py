"""Safe deploys (`tool apply`, `status`, `drift`, `resolve`) on real SQLite, PostgreSQL and
MariaDB databases: one applier at a time, all or nothing per revision, no edited revision run,
no password printed."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from cultivar_schema.apply.lock import deploy_lock, lock_holder
from cultivar_schema.errors import ExitCode

from .conftest import TOOL, Project, live_tables, new_project, server_database
from .json_documents import validated

GROWERS = """
growers = Table("growers", metadata, Column("id", Integer, primary_key=True),
                Column("name", String(50)))
"""
PLANTS = """
plants = Table("plants", metadata, Column("id", Integer, primary_key=True),
               Column("grower_id", Integer, ForeignKey("growers.id", ondelete="CASCADE")))
"""
TRAYS = """
trays = Table("trays", metadata, Column("id", Integer, primary_key=True))
"""


def snapshot(project: Project, body: str, message: str) -> Path:
    """Write the models, take a snapshot; return the new revision file."""
    before = set(project.revision_files())
    project.write_models(body)
    project.invoke("snapshot", "-m", message)
    (path,) = set(project.revision_files()) - before
    return path


def edit_upgrade(project: Project, revision: Path, before: str, lines: list[str]) -> None:
    """Insert ``lines`` into a revision's upgrade() before the line containing ``before``, then
    re-sign the manifest (a reviewed edit)."""
    text = revision.read_text()
    at = text.index(before, text.index("def upgrade"))
    at = text.rindex("\n", 0, at) + 1
    revision.write_text(text[:at] + "".join(f"    {line}\n" for line in lines) + text[at:])
    project.invoke("rehash")


def version(url: str) -> list[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("alembic_version"):
                return []
            return [row[0] for row in connection.exec_driver_sql(
                "SELECT version_num FROM alembic_version")]
    finally:
        engine.dispose()


def execute(url: str, *statements: str) -> list[tuple[object, ...]]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            rows: list[tuple[object, ...]] = []
            for statement in statements:
                result = connection.exec_driver_sql(statement)
                rows = [tuple(row) for row in result] if result.returns_rows else []
            return rows
    finally:
        engine.dispose()


def revision_id(path: Path) -> str:
    """``2026_11_27_1624-53d2ddab4ad9_message.py`` -> ``53d2ddab4ad9``."""
    return path.name.split("-", 1)[1].split("_", 1)[0]


def tool_process(project: Project, *args: str, sleep: float = 0) -> subprocess.Popen[str]:
    """``tool ARGS`` started in the background; revisions from slow_revision() sleep ``sleep``
    seconds in it."""
    env = {**project.env(), "TEST_REVISION_SLEEP": str(sleep)}
    return subprocess.Popen([*TOOL, *args], cwd=project.root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def slow_revision(project: Project) -> Path:
    """A revision adding ``trays`` that first sleeps for $TEST_REVISION_SLEEP seconds, in Python:
    the migration connection sits idle in its transaction, as in a long data migration."""
    path = snapshot(project, GROWERS + TRAYS, "trays")
    edit_upgrade(project, path, "op.create_table('trays'",
                 ["import os, time", "time.sleep(float(os.environ.get('TEST_REVISION_SLEEP', 0)))"])
    return path


# --- one deploy at a time ---------------------------------------------------------------------

def test_eight_concurrent_applies_have_one_applier(project: Project) -> None:
    snapshot(project, GROWERS, "growers")
    head = revision_id(slow_revision(project))
    for attempt in range(2):
        processes = [tool_process(project, "apply", "--no-backup", sleep=1) for _ in range(8)]
        outputs = [(p.wait(timeout=120), *p.communicate()) for p in processes]
        assert [code for code, _, _ in outputs] == [0] * 8, outputs
        upgraded = [out for _, out, _ in outputs if "upgraded" in out]
        assert len(upgraded) == 1, outputs
        assert sum("already at head" in out for _, out, _ in outputs) == 7
        assert version(project.url) == [head]
        if attempt == 0:
            project.migrate("downgrade", "base")


def test_lock_timeout_runs_nothing(project: Project) -> None:
    snapshot(project, GROWERS, "growers")
    engine = sa.create_engine(project.url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection, deploy_lock(connection, project.url, 5):
            started = time.monotonic()
            waiter = project.run("apply", "--lock-timeout", "1", check=False)
            assert time.monotonic() - started < 30
            with engine.connect() as other:
                assert lock_holder(other, project.url) is not None
            held = project.invoke("status", "--format", "json", check=False).out
            assert validated(held, "status")["lock_holder"]
    finally:
        engine.dispose()
    assert waiter.code == ExitCode.LOCK_TIMEOUT, waiter
    assert "holds the deploy lock (held by" in waiter.err and "ran nothing" in waiter.err
    assert version(project.url) == [] and "growers" not in live_tables(project.url)
    with engine.connect() as connection:
        assert lock_holder(connection, project.url) is None


def test_killed_holder_leaves_no_stale_lock(project: Project) -> None:
    snapshot(project, GROWERS, "growers")
    slow_revision(project)
    holder = tool_process(project, "apply", "--no-backup", sleep=120)
    assert holder.stdout is not None
    while "applying" not in (line := holder.stdout.readline()) or "trays" not in line:
        assert line, holder.stderr.read() if holder.stderr else ""
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    started = time.monotonic()
    result = project.invoke("apply", "--lock-timeout", "20")
    assert "upgraded" in result.out and time.monotonic() - started < 20
    assert "trays" in live_tables(project.url)


# --- all or nothing per revision ----------------------------------------------------------------

def test_failure_mid_revision(project: Project) -> None:
    first = revision_id(snapshot(project, GROWERS, "growers"))
    failing = snapshot(project, GROWERS + PLANTS + TRAYS, "plants and trays")
    edit_upgrade(project, failing, "op.create_table('trays'",
                 ["op.execute('UPDATE no_such_table SET x = 1')"])
    failed = project.invoke("apply", "--no-backup", check=False)
    assert version(project.url) == [first]
    if make_url(project.url).get_backend_name() != "mysql":
        assert failed.code == ExitCode.FAILED, failed
        assert f"revision {revision_id(failing)} failed and was rolled back" in failed.err
        assert "UPDATE no_such_table" in failed.err and f"stays at {first}" in failed.err
        assert live_tables(project.url) & {"plants", "trays"} == set()
        return
    # MariaDB committed CREATE TABLE plants before the failure: reported, and re-runs refused
    assert failed.code == ExitCode.PARTIAL, failed
    assert "partially applied" in failed.err and "table plants created" in failed.err
    assert "plants" in live_tables(project.url)
    again = project.invoke("apply", check=False)
    assert again.code == ExitCode.PARTIAL and "resolve it first" in again.err
    status = validated(project.invoke("status", "--format", "json", check=False).out, "status")
    assert status["partial"] == [revision_id(failing)]
    # the operator undoes it by hand, records that, fixes the revision and deploys again
    refused = project.invoke("resolve", revision_id(failing), "--rolled-back", check=False)
    assert refused.code == ExitCode.USAGE and "table plants created" in refused.err
    execute(project.url, "DROP TABLE plants")
    project.invoke("resolve", revision_id(failing), "--rolled-back")
    failing.write_text(failing.read_text().replace(
        "    op.execute('UPDATE no_such_table SET x = 1')\n", ""))
    project.invoke("rehash")
    assert "upgraded" in project.invoke("apply").out


@pytest.fixture
def mariadb_project(tmp_path: Path) -> Iterator[Project]:
    for url in server_database("TEST_MYSQL_URL", "MariaDB/MySQL"):
        yield new_project(tmp_path / "proj", url)


def test_mariadb_partial_revision_finished_by_hand(mariadb_project: Project) -> None:
    project = mariadb_project
    snapshot(project, GROWERS, "growers")
    failing = snapshot(project, GROWERS + PLANTS + TRAYS, "plants and trays")
    edit_upgrade(project, failing, "op.create_table('trays'",
                 ["op.execute('UPDATE no_such_table SET x = 1')"])
    assert project.invoke("apply", check=False).code == ExitCode.PARTIAL
    early = project.invoke("resolve", revision_id(failing), "--applied", check=False)
    assert early.code == ExitCode.USAGE and "trays" in early.err  # not finished yet
    execute(project.url, "CREATE TABLE trays (id INTEGER NOT NULL AUTO_INCREMENT, "
                         "PRIMARY KEY (id))")
    done = validated(project.invoke("resolve", revision_id(failing), "--applied", "--format",
                                    "json").out, "resolve")
    assert done["at"] == revision_id(failing) and done["outcome"] == "applied"
    assert version(project.url) == [revision_id(failing)]
    after = project.invoke("apply")
    assert "already at head" in after.out and "verified" in after.out


def test_edited_applied_revision_is_refused_before_any_ddl(project: Project) -> None:
    first = snapshot(project, GROWERS, "growers")
    project.invoke("apply", "--no-backup")
    first.write_text(first.read_text() + "# edited after it ran\n")
    project.invoke("rehash")
    snapshot(project, GROWERS + TRAYS, "trays")
    refused = project.invoke("apply", check=False)
    assert refused.code == ExitCode.INTEGRITY, refused
    assert f"revision {revision_id(first)} was applied on" in refused.err
    assert f"--allow-edited {revision_id(first)}" in refused.err
    assert version(project.url) == [revision_id(first)] and "trays" not in live_tables(project.url)
    allowed = project.invoke("apply", "--allow-edited", revision_id(first))
    assert "edited after it was applied" in allowed.out and "upgraded" in allowed.out
    (note,) = execute(project.url, "SELECT note FROM tool_schema_history WHERE revision = "
                      f"'{revision_id(first)}'")
    assert "edit allowed by pid" in str(note[0])


def test_manifest_checksums_are_checked_before_connecting(sqlite_project: Project) -> None:
    project = sqlite_project
    path = snapshot(project, GROWERS, "growers")
    path.write_text(path.read_text() + "# not reviewed\n")
    refused = project.invoke("apply", check=False)
    assert refused.code == ExitCode.INTEGRITY and "was edited after it was recorded" in refused.err
    as_json = project.invoke("apply", "--format", "json", check=False)
    error = refused.err.removeprefix("error: ").strip()
    assert validated(as_json.out, "error") == {
        "format": "tool.error/1", "ok": False, "exit_code": ExitCode.INTEGRITY, "error": error,
        "problems": [error]}
    assert not Path(make_url(project.url).database or "").exists()


def test_sqlite_batch_rebuild_keeps_cascading_children(sqlite_project: Project,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """An application that switches SQLite foreign keys on for every connection (SQLAlchemy's
    documented recipe) is loaded: a plain Alembic batch rebuild of the parent would cascade its
    DROP TABLE into the children; `tool apply` keeps them."""
    project = sqlite_project
    snapshot(project, GROWERS + PLANTS, "growers and plants")
    project.invoke("apply")
    execute(project.url, "INSERT INTO growers (id, name) VALUES (1, 'Ann')",
            "INSERT INTO plants (id, grower_id) VALUES (1, 1), (2, 1)")

    def foreign_keys_on(dbapi_connection: object, record: object) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[attr-defined]

    event.listen(Engine, "connect", foreign_keys_on)
    try:
        # name becomes NOT NULL: SQLite rebuilds growers (batch mode)
        snapshot(project, GROWERS.replace('String(50))', 'String(50), nullable=False)') + PLANTS,
                 "grower name required")
        project.invoke("apply")
        assert execute(project.url, "SELECT count(*) FROM plants") == [(2,)]
        # the same revision run by plain Alembic loses the children: the test can tell
        project.migrate("downgrade", "-1")
        project.migrate("upgrade", "head")
        assert execute(project.url, "SELECT count(*) FROM plants") == [(0,)]
    finally:
        event.remove(Engine, "connect", foreign_keys_on)


def test_sqlite_revision_leaving_dangling_rows_is_rolled_back(sqlite_project: Project) -> None:
    project = sqlite_project
    first = revision_id(snapshot(project, GROWERS + PLANTS, "growers and plants"))
    project.invoke("apply")
    bad = snapshot(project, GROWERS + PLANTS + TRAYS, "trays")
    edit_upgrade(project, bad, "op.create_table('trays'",
                 ["op.execute('INSERT INTO plants (id, grower_id) VALUES (7, 99)')"])
    failed = project.invoke("apply", check=False)
    assert failed.code == ExitCode.FAILED and "foreign key points at no row" in failed.err
    assert "the copy taken before is" in failed.err and ".backup.db" in failed.err
    assert version(project.url) == [first] and "trays" not in live_tables(project.url)
    assert execute(project.url, "SELECT count(*) FROM plants") == [(0,)]


# --- before and after: dry run, backup, verification, status and drift ------------------------

def test_dry_run_prints_sql_and_changes_nothing(project: Project) -> None:
    first = revision_id(snapshot(project, GROWERS, "growers"))
    project.invoke("apply", "--no-backup")
    # name becomes NOT NULL: a batch table rebuild on SQLite, which Alembic cannot render
    # offline; the dry run runs it on a copy of the database instead
    snapshot(project, GROWERS.replace("String(50))", "String(50), nullable=False)") + TRAYS,
             "trays")
    planned = project.invoke("apply", "--dry-run")
    assert f"from {first} to" in planned.out and "CREATE TABLE trays" in planned.out
    assert "UPDATE alembic_version" in planned.out
    if make_url(project.url).get_backend_name() == "sqlite":
        assert "ALTER TABLE _alembic_tmp_growers RENAME TO growers" in planned.out
    else:
        assert "NOT NULL" in planned.out
    data = validated(project.invoke("apply", "--dry-run", "--format", "json").out, "apply-dry-run")
    assert data["before"] == first and len(data["pending"]) == 1 and "trays" in data["sql"]
    assert version(project.url) == [first] and "trays" not in live_tables(project.url)


def test_sqlite_backup_is_taken_before_upgrading(sqlite_project: Project) -> None:
    project = sqlite_project
    first = revision_id(snapshot(project, GROWERS, "growers"))
    project.invoke("apply")
    execute(project.url, "INSERT INTO growers (id, name) VALUES (1, 'Ann')")
    snapshot(project, GROWERS + TRAYS, "trays")
    result = project.invoke("apply")
    (line,) = [line for line in result.out.splitlines() if line.startswith("backup: ")]
    backup = Path(line.removeprefix("backup: "))
    assert backup.parent == Path(make_url(project.url).database or "").resolve().parent
    assert backup.name.startswith(f"test.{first}.") and backup.name.endswith(".backup.db")
    copy = f"sqlite:///{backup}"
    assert version(copy) == [first] and "trays" not in live_tables(copy)
    assert execute(copy, "SELECT name FROM growers") == [("Ann",)]
    assert "backup: " not in project.invoke("apply").out  # nothing to run: no copy


def test_progress_timings_and_json(project: Project) -> None:
    snapshot(project, GROWERS, "growers")
    snapshot(project, GROWERS + TRAYS, "trays")
    text = project.invoke("apply", "--no-backup").out
    assert text.count("applying ") == 2 and text.count(" s\n") >= 2
    assert "verified: the database matches the snapshot" in text
    data = validated(project.invoke("apply", "--format", "json").out, "apply")
    assert data["ok"] and data["revisions"] == [] and data["drift"] == []
    assert data["before"] == data["after"]


def test_status_and_drift_catch_an_out_of_band_change(project: Project) -> None:
    first = revision_id(snapshot(project, GROWERS, "growers"))
    project.invoke("apply", "--no-backup")
    snapshot(project, GROWERS + TRAYS, "trays")
    behind = project.invoke("status", check=False)
    assert behind.code == 1 and "pending:  1 revision(s)" in behind.out
    assert "lock:     free" in behind.out
    # the database's revision is not the head: its snapshot is not on disk nor in git here
    assert "cannot check" in behind.out
    project.invoke("apply", "--no-backup")
    clean = validated(project.invoke("status", "--format", "json").out, "status")
    assert clean["pending"] == [] and clean["drift"]["differences"] == []
    assert clean["current"] == clean["head"] != first
    execute(project.url, "ALTER TABLE growers ADD COLUMN nickname VARCHAR(20)")
    found = project.invoke("drift", check=False)
    assert found.code == 1 and "nickname" in found.out
    data = validated(project.invoke("drift", "--format", "json", check=False).out, "drift")
    assert data["checked"] and any("nickname" in line for line in data["differences"])
    markdown = project.invoke("drift", "--format", "markdown", check=False).out
    assert markdown.startswith("### Schema drift: 1 difference(s)") and "nickname" in markdown


def test_postgresql_lock_timeout_option(project: Project) -> None:
    first = revision_id(snapshot(project, GROWERS, "growers"))
    if make_url(project.url).get_backend_name() != "postgresql":
        refused = project.invoke("apply", "--pg-lock-timeout", "1s", check=False)
        assert refused.code == ExitCode.USAGE and "PostgreSQL only" in refused.err
        assert version(project.url) == []
        return
    project.invoke("apply")
    snapshot(project, GROWERS.replace("String(50))", "String(80))"), "longer names")
    engine = sa.create_engine(project.url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as blocker:
            blocker.exec_driver_sql("LOCK TABLE growers IN ACCESS SHARE MODE")
            started = time.monotonic()
            failed = project.invoke("apply", "--pg-lock-timeout", "500ms", check=False)
            assert time.monotonic() - started < 20
    finally:
        engine.dispose()
    assert failed.code == ExitCode.FAILED and "lock timeout" in failed.err
    assert version(project.url) == [first]
    bad = project.invoke("apply", "--pg-statement-timeout", "soon", check=False)
    assert bad.code == ExitCode.USAGE and "'--pg-statement-timeout': 'soon' is not a duration" \
        in bad.err
    project.invoke("apply", "--pg-lock-timeout", "5", "--pg-statement-timeout", "1m")


# --- secrets ---------------------------------------------------------------------------------

CANARY = "Can@ry:p%ss/w0rd"
CANARY_PARTS = ("Can@ry", "Can%40ry", "p%ss", "p%25ss", "w0rd")


def canary_url(url: str) -> tuple[str, list[str]]:
    """``url`` logging in with the canary password, and statements removing what that needed.

    PostgreSQL here trusts local connections (any password works); MariaDB gets a user whose
    password is the canary."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(password=CANARY).render_as_string(hide_password=False), []
    user = f"canary_{os.getpid()}_{int(time.time() * 1000) % 100000}"
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            for host in ("%", "localhost", "127.0.0.1"):
                connection.exec_driver_sql("CREATE USER %s@%s IDENTIFIED BY %s",
                                           (user, host, CANARY))
                connection.exec_driver_sql(f"GRANT ALL ON `{parsed.database}`.* TO %s@%s",
                                           (user, host))
    finally:
        engine.dispose()
    cleanup = [f"DROP USER '{user}'@'{host}'" for host in ("%%", "localhost", "127.0.0.1")]
    return parsed.set(username=user, password=CANARY).render_as_string(hide_password=False), \
        cleanup


@pytest.fixture(params=["postgresql", "mysql"])
def server_project(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Project]:
    """A project on a database server (SQLite URLs carry no password)."""
    if request.param == "postgresql":
        urls = server_database("TEST_POSTGRES_URL", "PostgreSQL")
    else:
        urls = server_database("TEST_MYSQL_URL", "MariaDB/MySQL")
    for url in urls:
        yield new_project(tmp_path / "proj", url)


def test_password_is_never_printed(server_project: Project) -> None:
    project = server_project
    url, cleanup = canary_url(project.url)
    try:
        secret = Project(project.root, url)
        outputs = []
        snapshot(secret, GROWERS, "growers")
        outputs.append(secret.invoke("apply", "--dry-run"))
        outputs.append(secret.invoke("apply"))
        outputs.append(secret.invoke("apply", "--format", "json"))
        outputs.append(secret.invoke("status"))
        outputs.append(secret.invoke("drift", "--format", "markdown"))
        failing = snapshot(secret, GROWERS + TRAYS, "trays")
        edit_upgrade(secret, failing, "op.create_table('trays'",
                     ["op.execute('UPDATE no_such_table SET x = 1')"])
        outputs.append(secret.invoke("apply", check=False))
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.connect() as connection, deploy_lock(connection, url, 5):
            outputs.append(secret.invoke("apply", "--lock-timeout", "0.5", check=False))
        engine.dispose()
        unreachable = make_url(url).set(port=1).render_as_string(hide_password=False)
        outputs.append(Project(project.root, unreachable).invoke("status", check=False))
        outputs.append(Project(project.root, unreachable).run("--debug", "apply", check=False))
        outputs.append(Project(project.root, url + "&bad=%zz").run("--debug", "status",
                                                                     check=False))
        for output in outputs:
            for part in CANARY_PARTS:
                assert part not in output.out + output.err, output
        assert any("***" in output.out + output.err for output in outputs)
    finally:
        if cleanup:
            execute(project.url, *cleanup)


def test_every_command_imports_the_projects_own_types(project: Project, tmp_path: Path) -> None:
    """Each command imports the project's modules the same way, from wherever it runs: `tool
    apply` and `tool drift` read the project's own TypeDecorator back from the snapshot without
    importing the models, and failed with "cannot import models" unless PYTHONPATH=. (snapshot,
    check and status worked)."""
    project.write_models(
        "class Money(sa.types.TypeDecorator):\n    impl = Numeric(12, 2)\n    cache_ok = True\n\n"
        'orders = Table("orders", metadata, Column("id", Integer, primary_key=True), '
        'Column("total", Money()))\n')
    elsewhere = tmp_path / "elsewhere"  # `python -m` puts the working folder on sys.path
    elsewhere.mkdir()
    for command in (["snapshot", "-m", "money"], ["check"], ["apply"], ["drift"], ["status"],
                    ["diff"]):
        done = subprocess.run([*TOOL, "--project", str(project.root),
                               *command], cwd=elsewhere, env=project.env(), capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, f"tool {' '.join(command)}:\n{done.stdout}{done.stderr}"
