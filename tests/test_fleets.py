"""Fleets (`tool apply|status|drift --fleet`, docs/fleets.md) on real SQLite files, PostgreSQL
schemas and MariaDB databases: a fleet reaches head and verifies; a failed tenant under each
error policy; a run killed mid-way, and two runs at once, apply every target exactly once;
shards cover the fleet once.

Every test copies one small project (two revisions; the second records each run of itself as a
row of ``growers``, so a revision applied twice shows) and makes its own databases.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from cultivar_schema.apply.lock import deploy_lock
from cultivar_schema.errors import ExitCode

from .conftest import TOOL, Project, new_project, server_database
from .json_documents import validated
from .test_deploy import GROWERS, TRAYS, edit_upgrade, execute, revision_id, snapshot
from .test_terminal_output import in_terminal

RECORD_RUN = "op.execute(\"INSERT INTO growers (name) VALUES ('applied')\")"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A project folder with two revisions, and their ids."""
    root = tmp_path_factory.mktemp("fleet") / "proj"
    project = new_project(root, f"sqlite:///{root.parent / 'unused.db'}")
    first = revision_id(snapshot(project, GROWERS, "growers"))
    second = snapshot(project, GROWERS + TRAYS, "trays")
    edit_upgrade(project, second, "# ### end Alembic commands", [RECORD_RUN])
    return root, first, revision_id(second)


def fleet_project(template: tuple[Path, str, str], tmp_path: Path, fleet: str) -> Project:
    """A copy of the template whose pyproject.toml gains ``fleet`` (TOML under
    ``[tool.schema.fleets.f]``)."""
    root = tmp_path / "proj"
    shutil.copytree(template[0], root)
    with (root / "pyproject.toml").open("a") as handle:
        handle.write(f"\n[tool.schema.fleets.f]\n{fleet}\n")
    return Project(root, f"sqlite:///{tmp_path / 'unused.db'}")


def sqlite_tenants(project: Project, count: int) -> list[str]:
    """``count`` empty SQLite files under tenants/; their target names."""
    (project.root / "tenants").mkdir()
    names = [f"tenants/t{number:02}.db" for number in range(count)]
    for name in names:
        (project.root / name).touch()
    return names


def runs(url: str, schema: str | None = None) -> int:
    """How many times the second revision ran on a tenant (0 before it ran)."""
    table = f'"{schema}".growers' if schema else "growers"
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("growers", schema=schema):
                return 0
            return connection.exec_driver_sql(
                f"SELECT count(*) FROM {table} WHERE name = 'applied'").scalar_one()
    finally:
        engine.dispose()


def fleet_json(project: Project, *args: str,
               environ: dict[str, str | None] | None = None) -> dict[str, object]:
    """``tool ARGS --format json`` (a fleet command), validated."""
    done = project.invoke(*args, "--format", "json", check=False, environ=environ)
    document = validated(done.out, "fleet")
    assert done.code == document["exit_code"], done
    return document


def results(document: dict[str, object]) -> dict[str, str]:
    return {target["target"]: target["result"] for target in document["targets"]}  # type: ignore[index,union-attr]


def test_sqlite_fleet_reaches_head_in_stages_and_shards_cover_it_once(
        template: tuple[Path, str, str], tmp_path: Path) -> None:
    project = fleet_project(template, tmp_path, 'sqlite_glob = "tenants/*.db"\nparallel = 3\n'
                            'stages = [{ name = "canary", targets = ["tenants/t00.db"] },\n'
                            '          { name = "early", percent = 25, parallel = 2 }]')
    names = sqlite_tenants(project, 24)
    head = template[2]
    done = project.invoke("apply", "--fleet", "f")
    assert done.code == 0 and "fleet f: 24 target(s): 24 upgraded" in done.out, done
    assert "note (24 targets): no backup taken" in done.out
    document = fleet_json(project, "apply", "--fleet", "f")
    assert results(document) == dict.fromkeys(names, "at head")
    stages = [target["stage"] for target in document["targets"]]  # type: ignore[index,union-attr]
    assert stages == ["canary"] + ["early"] * 5 + ["rest"] * 18
    assert all(runs(f"sqlite:///{project.root / name}") == 1 for name in names)
    drift = fleet_json(project, "drift", "--fleet", "f")
    assert set(results(drift).values()) == {"no drift"} and drift["exit_code"] == 0
    shards = [results(fleet_json(project, "status", "--fleet", "f", "--shard", f"{i}/3"))
              for i in (1, 2, 3)]
    assert sorted(name for shard in shards for name in shard) == names
    assert all(shard and set(shard.values()) == {"at head"} for shard in shards)
    markdown = project.invoke("status", "--fleet", "f", "--stage", "canary",
                              "--format", "markdown").out
    assert f"| `tenants/t00.db` | canary | `{head}` | `{head}` |" in markdown
    assert "t01" not in markdown
    for args, error in ((("--shard", "4/3"), "'4/3' is not a shard"),
                        (("--shard", "1/2"), "--shard needs --fleet NAME"),
                        (("--format", "markdown"), "--format markdown needs --fleet NAME"),
                        (("--fleet", "nope"), "fleet 'nope': no [tool.schema.fleets.nope]"),
                        (("--fleet", "f", "--stage", "late"), "no stage 'late'")):
        refused = project.invoke("apply", *args, check=False)
        assert refused.code == ExitCode.USAGE and error in refused.err, (args, refused)


def test_progress_line_per_stage_on_a_terminal(template: tuple[Path, str, str],
                                               tmp_path: Path) -> None:
    project = fleet_project(template, tmp_path, 'sqlite_glob = "tenants/*.db"\nparallel = 2\n'
                            'stages = [{ name = "canary", targets = ["tenants/t00.db"] }]')
    sqlite_tenants(project, 4)
    progress, out = in_terminal(project, "stderr", "apply", "--fleet", "f")
    assert "\r\x1b[Kapply --fleet f: canary 0/1 (" in progress
    assert "\r\x1b[Kapply --fleet f: rest 0/3 (" in progress
    assert progress.endswith("\r\x1b[K") and "\r" not in out
    assert out.endswith("fleet f: 4 target(s): 4 upgraded\n")


@pytest.mark.parametrize("failing", ["t03", "t00"])
@pytest.mark.parametrize("policy", ["stop", "continue"])
def test_a_failing_tenant_under_each_policy_then_a_rerun_retries_it(
        template: tuple[Path, str, str], tmp_path: Path, policy: str, failing: str) -> None:
    """A tenant already holding ``trays`` fails the second revision, which rolls back: it stays
    at the first.  ``stop`` runs nothing after it (a failing canary: no other tenant), exit 8;
    ``continue`` runs every other tenant, exit 7.  Fixed, a re-run upgrades only it and what
    was not run."""
    parallel = 2 if policy == "continue" else 1  # stop's order is deterministic one at a time
    project = fleet_project(template, tmp_path, f'sqlite_glob = "tenants/*.db"\n'
                            f'on_error = "{policy}"\nparallel = {parallel}\n'
                            'stages = [{ name = "canary", targets = ["tenants/t00.db"] }]')
    names = sqlite_tenants(project, 6)
    bad = f"sqlite:///{project.root / 'tenants' / failing}.db"
    execute(bad, "CREATE TABLE trays (id INTEGER PRIMARY KEY)")
    document = fleet_json(project, "apply", "--fleet", "f", "--no-backup")
    found = results(document)
    assert found.pop(f"tenants/{failing}.db") == "failed"
    (failed,) = [t for t in document["targets"] if t["result"] == "failed"]  # type: ignore[index,union-attr]
    assert failed["to"] == template[1] and failed["exit_code"] == ExitCode.FAILED
    assert "already exists" in failed["error"] and "rolled back" in failed["error"]
    if policy == "continue":
        assert document["exit_code"] == ExitCode.FLEET_FAILED
        assert set(found.values()) == {"upgraded"}
    elif failing == "t00":  # the canary: no later stage starts
        assert document["exit_code"] == ExitCode.FLEET_STOPPED
        assert document["stopped_at"] == "canary" and set(found.values()) == {"not run"}
    else:  # the rest stage stops at t03, in fleet order
        assert document["exit_code"] == ExitCode.FLEET_STOPPED
        assert [found[name] for name in names if name in found] == \
            ["upgraded", "upgraded", "upgraded", "not run", "not run"]
    execute(bad, "DROP TABLE trays")
    again = fleet_json(project, "apply", "--fleet", "f")  # backups of the tenants at growers
    assert again["exit_code"] == 0 and len(again["targets"]) == len(names)
    assert fleet_json(project, "status", "--fleet", "f")["exit_code"] == 0  # not the backups
    assert results(again)[f"tenants/{failing}.db"] == "upgraded"
    assert {result for name, result in results(again).items()
            if found.get(name) == "upgraded"} <= {"at head"}
    assert all(runs(f"sqlite:///{project.root / name}") == 1 for name in names)


@pytest.mark.parametrize("parallel", [1, 2])
def test_killed_mid_way_then_rerun_applies_each_tenant_once(
        template: tuple[Path, str, str], tmp_path: Path, parallel: int) -> None:
    """One at a time, the fleet's own process is killed; two at a time, a worker is (its
    targets fail, the pool takes no more, the run stops)."""
    project = fleet_project(template, tmp_path, 'sqlite_glob = "tenants/*.db"')
    names = sqlite_tenants(project, 8)
    killed = subprocess.run([*TOOL, "apply", "--fleet", "f", "--no-backup", "--parallel",
                             str(parallel)], cwd=project.root,
                            env={**project.env(), "SCHEMA_FAULT_AT": "statement:60"},
                            capture_output=True, text=True, timeout=120)
    if parallel == 1:
        assert killed.returncode < 0, killed
    else:
        assert killed.returncode == ExitCode.FLEET_STOPPED, killed
        assert "a worker process died (BrokenProcessPool)" in killed.stdout
    done = [runs(f"sqlite:///{project.root / name}") for name in names]
    assert 0 < sum(done) < len(names) and max(done) == 1, done
    again = project.invoke("apply", "--fleet", "f", "--no-backup", "--parallel", "2")
    assert "at head" in again.out and "upgraded" in again.out
    assert [runs(f"sqlite:///{project.root / name}") for name in names] == [1] * len(names)


def test_two_fleet_applies_at_once_apply_each_tenant_once(
        template: tuple[Path, str, str], tmp_path: Path) -> None:
    project = fleet_project(template, tmp_path, 'sqlite_glob = "tenants/*.db"\nparallel = 2')
    names = sqlite_tenants(project, 6)
    started = [subprocess.Popen([*TOOL, "apply", "--fleet", "f", "--format", "json"],
                                cwd=project.root, env=project.env(), stdout=subprocess.PIPE,
                                text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=120)[0] for process in started]
    assert [process.returncode for process in started] == [0, 0], outputs
    upgraded = [name for output in outputs for name, result
                in results(json.loads(output)).items() if result == "upgraded"]
    assert sorted(upgraded) == names
    assert [runs(f"sqlite:///{project.root / name}") for name in names] == [1] * len(names)


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    yield from server_database("TEST_POSTGRES_URL", "PostgreSQL")


def test_postgresql_schema_per_tenant(template: tuple[Path, str, str], tmp_path: Path,
                                      postgresql_url: str) -> None:
    """Each tenant's schema gets the tables and its own alembic_version; a failing tenant
    leaves the others (and the control tables) alone; each tenant has a deploy lock of its
    own; status and drift look at each schema alone."""
    schemas = [f"tenant_{number}" for number in range(5)]
    execute(postgresql_url, "CREATE TABLE tenants (name text)",
            *(f"CREATE SCHEMA {name}" for name in schemas),
            *(f"INSERT INTO tenants VALUES ('{name}')" for name in schemas),
            "CREATE TABLE tenant_3.trays (id integer)")
    project = fleet_project(template, tmp_path, 'query = "SELECT name FROM tenants ORDER BY 1"\n'
                            'control_url = "${FLEET_CONTROL_URL}"\nschema_per_tenant = true\n'
                            'on_error = "continue"\nparallel = 2')
    environ = {"FLEET_CONTROL_URL": postgresql_url}
    first = project.invoke("apply", "--fleet", "f", environ=environ, check=False)
    assert first.code == ExitCode.FLEET_FAILED, first
    assert "fleet f: 5 target(s): 4 upgraded, 1 failed" in first.out
    assert runs(postgresql_url, "tenant_3") == 0
    execute(postgresql_url, "DROP TABLE tenant_3.trays")
    # another deploy holds tenant_0's lock: only tenant_0 waits, and gives up
    engine = sa.create_engine(postgresql_url, poolclass=sa.pool.NullPool)
    with engine.connect() as holder, deploy_lock(holder, postgresql_url, 1, "tenant_0"):
        second = fleet_json(project, "apply", "--fleet", "f", "--lock-timeout", "1",
                            environ=environ)
    engine.dispose()
    assert results(second) == {"tenant_0": "failed", "tenant_1": "at head",
                               "tenant_2": "at head", "tenant_3": "upgraded",
                               "tenant_4": "at head"}
    assert second["targets"][0]["exit_code"] == ExitCode.LOCK_TIMEOUT
    assert fleet_json(project, "apply", "--fleet", "f", environ=environ)["exit_code"] == 0
    assert [runs(postgresql_url, name) for name in schemas] == [1] * 5
    tables = {row[0] for row in execute(
        postgresql_url, "SELECT table_schema || '.' || table_name FROM "
                        "information_schema.tables WHERE table_schema <> 'pg_catalog' "
                        "AND table_schema <> 'information_schema'")}
    assert "public.growers" not in tables and "public.alembic_version" not in tables
    assert {f"{name}.alembic_version" for name in schemas} <= tables
    execute(postgresql_url, "ALTER TABLE tenant_2.trays ADD COLUMN extra integer")
    drift = project.invoke("drift", "--fleet", "f", environ=environ, check=False)
    assert drift.code == ExitCode.FOUND and "tenant_2: drift:" in drift.out
    assert drift.out.count(": drift:") == 1 and "1 drift, 4 no drift" in drift.out


@pytest.fixture
def mariadb_urls() -> Iterator[list[str]]:
    made = [server_database("TEST_MYSQL_URL", "MariaDB/MySQL") for _ in range(3)]
    try:
        yield [next(databases) for databases in made]
    finally:
        for databases in made:
            databases.close()


def test_mariadb_databases_with_env_urls_and_masked_passwords(
        template: tuple[Path, str, str], tmp_path: Path, mariadb_urls: list[str]) -> None:
    unreachable = make_url(mariadb_urls[0]).set(password="s3cret-pw", port=1)
    urls = [*mariadb_urls, unreachable.render_as_string(hide_password=False)]
    environ = {f"TENANT_{number}": url for number, url in enumerate(urls)}
    listed = ", ".join(f'"${{TENANT_{number}}}"' for number in range(len(urls)))
    project = fleet_project(template, tmp_path, f"urls = [{listed}]\non_error = \"continue\"")
    missing = project.invoke("apply", "--fleet", "f", check=False,
                             environ={**environ, "TENANT_2": None})
    assert missing.code == ExitCode.USAGE and missing.err.count("\n") == 1
    assert "environment variable TENANT_2 is not set" in missing.err
    execute(mariadb_urls[1], "CREATE TABLE trays (id integer)")
    done = project.invoke("apply", "--fleet", "f", "--parallel", "2", "--format", "json",
                          environ=environ, check=False)
    assert "s3cret" not in done.out + done.err
    document = validated(done.out, "fleet")
    assert document["exit_code"] == ExitCode.FLEET_FAILED
    assert [target["result"] for target in document["targets"]] == \
        ["upgraded", "failed", "upgraded", "failed"]
    assert document["targets"][3]["target"].startswith("mysql+pymysql://root:***@")
    assert "cannot connect" in document["targets"][3]["error"]
    assert [runs(url) for url in mariadb_urls] == [1, 0, 1]
    status = project.invoke("status", "--fleet", "f", environ=environ, check=False)
    assert status.code == ExitCode.FLEET_FAILED and "s3cret" not in status.out + status.err
    assert "at head" in status.out and "behind" in status.out
