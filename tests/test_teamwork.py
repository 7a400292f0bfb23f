"""Parallel branches in real git repositories: `tool rebase`, `tool merge`, `tool squash` and
hand-written revisions (`tool revision`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from cultivar_schema.errors import ExitCode

from .conftest import MODELS_HEADER, Project, git, live_tables

TABLES = {
    "growers": 'Table("growers", metadata, Column("id", Integer, primary_key=True), '
               'Column("name", String(50)))',
    "plants": 'Table("plants", metadata, Column("id", Integer, primary_key=True), '
              'Column("grower_id", Integer, ForeignKey("growers.id")))',
    "trays": 'Table("trays", metadata, Column("id", Integer, primary_key=True))',
}


def write_table(project: Project, name: str, source: str | None = None) -> None:
    """One module per table in the ``models`` package, so branches touch different files."""
    (project.root / "models" / f"{name}.py").write_text(
        f"from models.base import *  # noqa: F403\n\n{name} = {source or TABLES[name]}\n")


def commit_all(project: Project, message: str) -> None:
    git(project.root, "add", "-A")
    git(project.root, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path, database_url: str) -> Project:
    """A git repository (branch main) whose first revision adds growers."""
    root = tmp_path / "repo"
    (root / "models").mkdir(parents=True)
    (root / "models" / "__init__.py").write_text("")
    (root / "models" / "base.py").write_text(MODELS_HEADER)
    project = Project(root, database_url)
    project.invoke("init", "--models", "models", "--metadata", "models.base:metadata")
    git(root, "init", "-q", "-b", "main")
    write_table(project, "growers")
    project.invoke("snapshot", "-m", "growers")
    commit_all(project, "growers")
    return project


def branch_with(project: Project, branch: str, table: str, source: str | None = None) -> None:
    git(project.root, "checkout", "-q", "-b", branch, "main")
    write_table(project, table, source)
    project.invoke("snapshot", "-m", table)
    commit_all(project, table)


def plants_and_trays_branches(repo: Project) -> None:
    """Branch ``feature`` adds plants; branch ``other`` adds trays and is merged into main."""
    branch_with(repo, "feature", "plants")
    git(repo.root, "checkout", "-q", "main")
    branch_with(repo, "other", "trays")
    git(repo.root, "checkout", "-q", "main")
    git(repo.root, "merge", "-q", "other")


def merge_main_into(project: Project, branch: str) -> None:
    """``git merge main`` on ``branch``; the manifest conflicts by design."""
    git(project.root, "checkout", "-q", branch)
    merged = subprocess.run(["git", "merge", "-q", "main"], cwd=project.root,
                            capture_output=True, text=True, check=False)
    assert merged.returncode != 0 and "manifest.yaml" in merged.stdout + merged.stderr


def heads(project: Project) -> list[str]:
    out = project.alembic("heads").out
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def test_rebase_two_branches_adding_different_tables(repo: Project) -> None:
    plants_and_trays_branches(repo)
    # a database already at main's head
    repo.invoke("apply", "--no-backup")
    merge_main_into(repo, "feature")
    done = repo.invoke("rebase", "--onto", "main")
    assert "rebased 1 revision(s) onto" in done.out
    commit_all(repo, "merge main")
    assert len(heads(repo)) == 1
    assert repo.invoke("check").code == 0
    repo.invoke("apply", "--no-backup")
    assert {"growers", "plants", "trays"} <= live_tables(repo.url)
    assert repo.drift() == []


def test_rebase_a_branch_of_two_revisions(repo: Project) -> None:
    branch_with(repo, "feature", "plants")
    write_table(repo, "plants", TABLES["plants"].replace(")))", ")), "
                                                        'Column("tray", Integer))'))
    repo.invoke("snapshot", "-m", "plant tray")
    commit_all(repo, "plant tray")
    git(repo.root, "checkout", "-q", "main")
    write_table(repo, "trays")
    repo.invoke("snapshot", "-m", "trays")
    commit_all(repo, "trays")
    merge_main_into(repo, "feature")
    assert "rebased 2 revision(s)" in repo.invoke("rebase").out
    commit_all(repo, "merge main")
    assert len(heads(repo)) == 1 and repo.invoke("check").code == 0
    repo.invoke("apply", "--no-backup")
    assert repo.drift() == []
    # one step back: the first rewritten revision gives trays and plants without its tray
    repo.migrate("downgrade", "-1")
    engine = sa.create_engine(repo.url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        columns = [c["name"] for c in sa.inspect(connection).get_columns("plants")]
    engine.dispose()
    assert columns == ["id", "grower_id"] and "trays" in live_tables(repo.url)


def test_rebase_refuses_two_branches_changing_the_same_column(repo: Project) -> None:
    growers = TABLES["growers"]
    branch_with(repo, "feature", "growers", growers.replace("String(50)", "String(80)"))
    git(repo.root, "checkout", "-q", "main")
    write_table(repo, "growers", growers.replace("String(50)", "String(120)"))
    repo.invoke("snapshot", "-m", "longer names on main")
    commit_all(repo, "longer names")
    git(repo.root, "checkout", "-q", "feature")
    merged = subprocess.run(["git", "merge", "-q", "main"], cwd=repo.root, capture_output=True,
                            text=True, check=False)
    assert merged.returncode != 0
    # the operator settles models/growers.py on one of the two lengths
    write_table(repo, "growers", growers.replace("String(50)", "String(120)"))
    refused = repo.invoke("rebase", "--onto", "main", check=False)
    assert refused.code == ExitCode.USAGE
    assert "both changed column growers.name" in refused.err


def test_merge_joins_two_heads_on_main(repo: Project) -> None:
    plants_and_trays_branches(repo)
    merged = subprocess.run(["git", "merge", "-q", "feature"], cwd=repo.root,
                            capture_output=True, text=True, check=False)
    assert merged.returncode != 0  # the manifest: taken from main as it was
    git(repo.root, "checkout", "--ours", "snapshots/manifest.yaml")
    commit_all(repo, "merge feature (two heads now)")
    assert len(heads(repo)) == 2
    done = repo.invoke("merge", "-m", "join plants and trays")
    assert "wrote merge revision" in done.out
    assert len(heads(repo)) == 1 and repo.invoke("check").code == 0
    repo.invoke("apply", "--no-backup")
    assert {"growers", "plants", "trays"} <= live_tables(repo.url) and repo.drift() == []


def test_squash_then_fresh_and_existing_databases_agree(repo: Project) -> None:
    for table in ("plants", "trays"):
        write_table(repo, table)
        repo.invoke("snapshot", "-m", table)
        commit_all(repo, table)
    repo.invoke("apply", "--no-backup")  # at the head before the squash
    head = heads(repo)[0]
    write_table(repo, "growers", TABLES["growers"].replace(")))", ")), "
                                                          'Column("email", String(80)))'))
    repo.invoke("snapshot", "-m", "grower email")
    commit_all(repo, "grower email")
    squashed = repo.invoke("squash", "--to", head)
    assert "squashed 3 revisions into" in squashed.out
    commit_all(repo, "squash")
    assert repo.invoke("check").code == 0
    assert len(list((repo.root / "alembic" / "versions").glob("*.py"))) == 2
    # the existing database (at the squashed revision) takes the later revision
    assert "upgraded" in repo.invoke("apply", "--no-backup").out
    assert repo.drift() == []
    # emptied, the same database builds again from the squashed revision, as a new one would
    repo.migrate("downgrade", "base")
    assert live_tables(repo.url) <= {"alembic_version", "tool_schema_history"}
    assert "upgraded" in repo.invoke("apply", "--no-backup").out
    assert repo.drift() == []


def test_hand_written_revision_carries_the_snapshot(repo: Project) -> None:
    repo.invoke("apply", "--no-backup")
    done = repo.invoke("revision", "-m", "backfill grower names")
    assert "wrote revision" in done.out
    assert repo.invoke("check").code == 0
    path = sorted((repo.root / "alembic" / "versions").glob("*backfill*.py"))[0]
    backfill = "    op.execute(\"UPDATE growers SET name = 'unknown' WHERE name IS NULL\")\n"
    path.write_text(path.read_text().replace("    pass\n", backfill, 1))  # upgrade()'s pass
    assert repo.invoke("check", check=False).code == 1  # edited: review, then re-sign
    repo.invoke("rehash")
    assert "upgraded" in repo.invoke("apply", "--no-backup").out
    write_table(repo, "trays")
    refused = repo.invoke("revision", "-m", "too early", check=False)
    assert refused.code == ExitCode.USAGE and "models differ" in refused.err
