"""Operations that only read do not create or damage: a missing SQLite file is an error for
every command but `tool apply`, the SQLite lock file is never opened through a link, and
backups are taken only when there is something to lose and do not pile up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cultivar_schema.errors import ExitCode

from .conftest import Project, new_project
from .test_deploy import GROWERS, TRAYS, snapshot

PLOTS = """
plots = Table("plots", metadata, Column("id", Integer, primary_key=True))
"""


@pytest.fixture
def recorded(tmp_path: Path) -> Project:
    project = new_project(tmp_path / "proj", f"sqlite:///{tmp_path / 'app.db'}")
    snapshot(project, GROWERS, "growers")
    return project


@pytest.mark.parametrize("command", [("status", "--url"), ("drift", "--url"),
                                     ("apply", "--dry-run", "--url"),
                                     ("snapshot", "--out", "reflected", "--from-db")])
def test_missing_sqlite_file_is_an_error(recorded: Project, tmp_path: Path,
                                         command: tuple[str, ...]) -> None:
    typo = tmp_path / "typo.db"
    result = recorded.invoke(*command, f"sqlite:///{typo}", check=False)
    assert result.code == ExitCode.USAGE, result
    assert f"error: {typo}: no such SQLite database file" in result.err, result
    assert "only `tool apply` creates one" in result.err
    assert not typo.exists() and not (recorded.root / "reflected").exists()


def test_apply_creates_the_file_without_a_pointless_backup(recorded: Project) -> None:
    database = Path(recorded.url.removeprefix("sqlite:///"))
    result = recorded.invoke("apply")
    assert database.is_file() and "backup: " not in result.out
    assert "note: no backup taken: the database holds no tables yet" in result.out
    assert list(database.parent.glob("*.backup.db")) == []


@pytest.mark.parametrize("link", ["symbolic", "hard"])
def test_lock_file_link_is_refused_and_its_target_kept(recorded: Project, tmp_path: Path,
                                                       link: str) -> None:
    recorded.invoke("apply")
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    lock = Path(recorded.url.removeprefix("sqlite:///") + ".lock")
    lock.unlink(missing_ok=True)
    (os.symlink if link == "symbolic" else os.link)(precious, lock)
    snapshot(recorded, GROWERS + TRAYS, "trays")
    for args in (("apply",), ("status",)):
        result = recorded.invoke(*args, check=False)
        assert result.code == ExitCode.USAGE, result
        assert f"{lock}: the deploy lock file is" in result.err and "remove it" in result.err
    assert precious.read_text() == "keep me\n"
    lock.unlink()
    assert "upgraded" in recorded.invoke("apply").out
    assert precious.read_text() == "keep me\n"


def test_backups_keep_the_last_n(recorded: Project) -> None:
    pyproject = recorded.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("[tool.schema]\n",
                                                       "[tool.schema]\nkeep_backups = 2\n"))
    database = Path(recorded.url.removeprefix("sqlite:///"))
    recorded.invoke("apply")
    taken = []
    for body, message in ((GROWERS + TRAYS, "trays"), (GROWERS + TRAYS + PLOTS, "plots"),
                          (GROWERS + PLOTS, "no trays")):
        recorded.write_models(body)
        recorded.invoke("snapshot", "-m", message, "--allow-destructive", "a test")
        result = recorded.invoke("apply")
        (line,) = [line for line in result.out.splitlines() if line.startswith("backup: ")]
        taken.append(Path(line.removeprefix("backup: ")))
        if len(taken) == 3:
            assert (f"note: removed older backup {taken[0].name} (keeping the last 2: "
                    "[tool.schema] keep_backups)") in result.out, result.out
    assert sorted(database.parent.glob("*.backup.db")) == sorted(taken[1:])
