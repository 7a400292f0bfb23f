"""Errors and secrets (issue 18): --debug never changes an exit code, a password in the URL's
query string is masked everywhere like the user-info password, malformed URLs give one clear
line, and a reader that goes away (`tool check | head -c1`) prints no BrokenPipeError."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from cultivar_schema.database import mask_url, reason
from cultivar_schema.errors import ExitCode

from .conftest import TOOL, Project, new_project, server_database
from .json_documents import validated
from .test_bad_input import GROWERS, assert_bad_input

SECRET = "Hunter2@x:y/z%q"
SECRET_PARTS = ("Hunter2", "Hunter2%40", "x:y/z")


@pytest.fixture
def snapshotted(sqlite_project: Project) -> Project:
    sqlite_project.write_models(GROWERS)
    sqlite_project.run("snapshot", "-m", "init")
    return sqlite_project


# --- --debug keeps the exit code ----------------------------------------------------------


def test_debug_keeps_the_usage_exit_code(snapshotted: Project) -> None:
    plain = snapshotted.run("snapshot", "-m", " ", check=False)
    debug = snapshotted.run("--debug", "snapshot", "-m", " ", check=False)
    assert plain.code == debug.code == ExitCode.USAGE
    assert "Traceback" in debug.err and "Traceback" not in plain.err
    assert debug.err.splitlines()[-1] == plain.err.strip()


def test_debug_keeps_the_integrity_exit_code(snapshotted: Project) -> None:
    [revision] = snapshotted.revision_files()
    revision.write_text(revision.read_text() + "# not reviewed\n")
    for args in (("apply",), ("--debug", "apply"), ("--debug", "apply", "--format", "json")):
        result = snapshotted.run(*args, check=False)
        assert result.code == ExitCode.INTEGRITY, result
    assert validated(result.out, "error")["exit_code"] == ExitCode.INTEGRITY


def test_debug_keeps_the_exit_code_of_an_internal_error(
        snapshotted: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    import cultivar_schema.author.integrity

    def broken(project: object, manifest: object) -> list[object]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(cultivar_schema.author.integrity, "project_problems", broken)
    plain = snapshotted.invoke("check", check=False)
    debug = snapshotted.invoke("--debug", "check", check=False)
    assert plain.code == debug.code == ExitCode.USAGE
    assert plain.err == "error: RuntimeError: a bug (run with --debug for details)\n"
    assert "Traceback" in debug.err and debug.err.endswith("error: RuntimeError: a bug\n")


# --- secrets in the query string ----------------------------------------------------------


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://u@h:5432/db?password=s3cret&sslmode=require",
     "postgresql://u@h:5432/db?password=***&sslmode=require"),
    ("mysql+pymysql://u:pw1234@h/db?passwd=s3cret&charset=utf8mb4",
     "mysql+pymysql://u:***@h/db?charset=utf8mb4&passwd=***"),
    ("postgresql+asyncpg://u@h/db?sslpassword=s3cret&password=a&password=b",
     "postgresql+asyncpg://u@h/db?password=***&password=***&sslpassword=***"),
    ("postgresql://u@h:notaport/db?password=s3cret", "postgresql://***"),
    ("u:s3cret@h/db", "***"),
])
def test_mask_url(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_reason_hides_the_secrets_of_the_url() -> None:
    url = "postgresql://u:pa55word@h/db?password=s3cr%40t"
    error = ValueError("pa55word and s3cr@t and s3cr%40t were refused")
    assert reason(error, url) == "*** and *** and *** were refused"


@pytest.fixture(params=["postgresql", "mysql"])
def server_project(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Project]:
    if request.param == "postgresql":
        urls = server_database("TEST_POSTGRES_URL", "PostgreSQL")
    else:
        urls = server_database("TEST_MYSQL_URL", "MariaDB/MySQL")
    for url in urls:
        yield new_project(tmp_path / "proj", url)


def test_password_in_the_query_string_is_never_printed(server_project: Project) -> None:
    """PostgreSQL here trusts local connections, so the URL works and is printed (masked);
    MariaDB's root has no password, so it is refused and the error is printed (masked)."""
    url = make_url(server_project.url).update_query_dict({"password": SECRET})
    secret = Project(server_project.root, url.render_as_string(hide_password=False))
    assert SECRET not in secret.url and "password=" in secret.url
    secret.write_models(GROWERS)
    secret.run("snapshot", "-m", "init")
    outputs = [secret.run(*args, check=False) for args in (
        ("status",), ("status", "--format", "json"), ("drift", "--format", "json"),
        ("apply",), ("apply", "--format", "json"), ("--debug", "status"),
        ("apply", "--dry-run"))]
    unreachable = Project(secret.root, make_url(secret.url).set(port=1)
                          .render_as_string(hide_password=False))
    outputs += [unreachable.run("status", check=False),
                unreachable.run("--debug", "status", "--format", "json", check=False)]
    for output in outputs:
        for part in SECRET_PARTS:
            assert part not in output.out + output.err, output
    assert all("password=***" in output.out + output.err for output in outputs), outputs


# --- malformed URLs -------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "fragments"), [
    ("postgresql://u:s3cret@127.0.0.1:notaport/db", ("postgresql://***", "port is not a number")),
    ("mysql+pymysql://root:s3cret@127.0.0.1:1/test?charset=nope",
     ("mysql+pymysql://root:***@127.0.0.1:1/test?charset=nope",
      "check the URL's options: charset")),
    ("nosuchdb://x/y", ("nosuchdb://x/y", "Can't load plugin")),
    ("not a url", ("***", "Could not parse")),
], ids=["port", "charset", "dialect", "garbage"])
@pytest.mark.parametrize("command", [("status",), ("drift",), ("apply",),
                                     ("apply", "--dry-run")], ids=" ".join)
def test_malformed_url_is_one_clear_line(snapshotted: Project, url: str,
                                         fragments: tuple[str, ...],
                                         command: tuple[str, ...]) -> None:
    result = snapshotted.run(*command, "--url", url, check=False)
    line = assert_bad_input(result, *fragments)
    assert "s3cret" not in line and "ValueError" not in line


def test_malformed_database_url_does_not_stop_snapshot(snapshotted: Project) -> None:
    """Writing a revision needs no database: a bad DATABASE_URL does not matter there."""
    bad = Project(snapshotted.root, "postgresql://u@127.0.0.1:notaport/db")
    bad.run("check")


# --- a reader that goes away -----------------------------------------------------------------


def run_into_closed_pipe(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI with a stdout whose reader has already gone (`| head -c0`)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run([*TOOL, *args], cwd=project.root,
                              env=project.env(), stdout=write, stderr=subprocess.PIPE,
                              text=True, timeout=300)
    finally:
        os.close(write)


@pytest.mark.parametrize("args", [("check",), ("apply",), ("diff",), ("--debug", "check")],
                         ids=" ".join)
def test_closed_stdout_prints_no_broken_pipe(snapshotted: Project, args: tuple[str, ...]) -> None:
    done = run_into_closed_pipe(snapshotted, *args)
    assert done.stderr == "", done.stderr
    assert done.returncode != 0

