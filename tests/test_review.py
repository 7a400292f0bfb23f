"""The review workflow: additive-only policy, `tool diff` against models, snapshots and git refs,
markdown and JSON outputs checked against fixtures (``tests/review_fixtures``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from cultivar_schema.review.compare import review
from cultivar_schema.review.report import to_text

from .conftest import TOOL, Project, git
from .json_documents import validated

FIXTURES = Path(__file__).parent / "review_fixtures"

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
)
"""

# growers.note dropped (DS102), a NOT NULL column without default (MF104), a unique index on an
# existing table (MF102, PG101), a wider string (no risk).
AFTER = """
growers = Table(
    "growers", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False),
    Index(None, "name", unique=True),
)
plants = Table(
    "plants", metadata,
    Column("id", Integer, primary_key=True),
    Column("grower_id", Integer, ForeignKey("growers.id")),
    Column("height", Numeric(5, 2), nullable=False),
)
"""

REFUSAL = ('error: refusing a destructive revision: DS102 error: - column growers.note: '
           'dropping a column deletes its data\n'
           'error: review each, then pass --allow-destructive "why this is safe"\n')


@pytest.fixture
def reviewed(sqlite_project: Project) -> Project:
    sqlite_project.write_models(BEFORE)
    sqlite_project.invoke("snapshot", "-m", "before")
    sqlite_project.write_models(AFTER)
    return sqlite_project


def test_destructive_revision_is_refused_without_a_reason(reviewed: Project) -> None:
    files, revisions = reviewed.snapshot_files(), reviewed.revision_files()
    refused = reviewed.run("snapshot", "-m", "drop note", check=False)
    assert refused.code == 1 and refused.err == REFUSAL, refused
    assert reviewed.snapshot_files() == files and reviewed.revision_files() == revisions
    empty = reviewed.run("snapshot", "-m", "drop note", "--allow-destructive", " ", check=False)
    assert empty.code == 2 and "--allow-destructive" in empty.err


def test_every_destructive_change_is_listed(reviewed: Project) -> None:
    """A refusal lists every risk of error severity, one line each (it said "(and 1 more)")."""
    reviewed.write_models(BEFORE.split("plants = Table(")[0].replace(
        '    Column("note", String(20)),\n', ""))
    refused = reviewed.run("snapshot", "-m", "drop two", check=False)
    assert refused.code == 1
    assert refused.err.splitlines() == [
        "error: refusing a destructive revision: DS102 error: - column growers.note: dropping "
        "a column deletes its data",
        "error: refusing a destructive revision: DS101 error: - table plants: dropping a table "
        "deletes all its rows",
        'error: review each, then pass --allow-destructive "why this is safe"']


def test_allowed_reason_is_recorded_in_revision_and_manifest(reviewed: Project) -> None:
    out = reviewed.invoke("snapshot", "-m", "drop note", "--allow-destructive",
                          "note was never written").out
    assert "- column growers.note\n    DS102 error: dropping a column deletes its data" in out
    [path] = [p for p in reviewed.revision_files() if p.name.endswith("_drop_note.py")]
    revision = path.read_text(encoding="utf-8")
    docstring = revision.split('"""')[1]
    assert "4 changes: 2 added, 1 dropped, 1 altered" in docstring
    assert "DS102 error: - column growers.note: dropping a column deletes its data" in docstring
    assert "MF104 warning: + column plants.height" in docstring
    assert "Destructive changes allowed: note was never written" in docstring
    manifest = yaml.safe_load((reviewed.root / "snapshots" / "manifest.yaml").read_text())
    [note] = manifest["notes"].values()
    assert note == {"destructive": ["DS102"], "allowed": "note was never written"}
    assert reviewed.invoke("check").code == 0


def test_check_fails_on_a_destructive_revision_without_reason(reviewed: Project) -> None:
    reviewed.invoke("snapshot", "-m", "drop note", "--allow-destructive", "reviewed")
    path = reviewed.root / "snapshots" / "manifest.yaml"
    path.write_text(path.read_text().replace("allowed: reviewed", "allowed: ''"))
    checked = reviewed.run("check", check=False)
    assert checked.code == 1
    assert "is destructive (DS102) and no reason was recorded" in checked.out


def test_severities_come_from_the_project_config(reviewed: Project) -> None:
    pyproject = reviewed.root / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(text.replace("[tool.schema]\n",
                                      '[tool.schema]\nlint = { DS102 = "warning" }\n'))
    out = reviewed.invoke("snapshot", "-m", "drop note").out
    assert "- column growers.note\n    DS102 warning: dropping a column deletes its data" in out
    pyproject.write_text(text.replace("[tool.schema]\n", '[tool.schema]\nlint = { XX1 = "off" }\n'))
    bad = reviewed.run("diff", check=False)
    assert bad.code == 2 and "[tool.schema] lint: unknown risk code 'XX1'" in bad.err


def test_markdown_and_json_match_fixtures(reviewed: Project) -> None:
    markdown = reviewed.invoke("diff", "--format", "markdown").out
    assert markdown == (FIXTURES / "diff.md").read_text(encoding="utf-8")
    document = reviewed.invoke("diff", "--format", "json").out
    assert validated(document, "diff") == json.loads((FIXTURES / "diff.json").read_text())


def test_text_is_plain_without_a_terminal_and_coloured_in_one(reviewed: Project) -> None:
    plain = reviewed.invoke("diff").out
    assert "\x1b[" not in plain
    assert plain.splitlines()[-1] == ("4 changes: 2 added, 1 dropped, 1 altered; "
                                      "risks: 1 error, 3 warnings")
    from cultivar_schema.cli.colour import Painter
    from cultivar_schema.project import Project as SchemaProject

    coloured = to_text(review(SchemaProject.open(reviewed.root)), Painter(True))
    assert "\x1b[31m- column growers.note\x1b[0m" in coloured


def test_diff_against_a_git_ref_reads_the_committed_snapshot(reviewed: Project) -> None:
    git(reviewed.root, "init", "-q", "-b", "main")
    git(reviewed.root, "add", "-A")
    git(reviewed.root, "commit", "-qm", "before")
    renamed = AFTER.replace('Column("name", String(80)', 'Column("title", String(80)').replace(
        'Index(None, "name"', 'Index(None, "title"')
    reviewed.write_models(renamed)
    reviewed.invoke("snapshot", "-m", "after", "--allow-destructive", "reviewed",
                    "--rename-column", "growers.name=title")
    document = validated(reviewed.invoke("diff", "--base", "main", "--head", "snapshot",
                                         "--format", "json").out, "diff")
    lines = [change["description"] for change in document["changes"]]
    assert "~ column growers.title: renamed from name" in lines  # from the manifest notes
    assert document["base"] == "main" and document["head"] == "snapshot"
    assert reviewed.invoke("diff", "--base", "snapshot", "--head", "models").out.startswith(
        "No changes")
    missing = reviewed.run("diff", "--base", "no-such-ref", check=False)
    assert missing.code == 2 and missing.err.startswith("error: git ref 'no-such-ref'")
    assert missing.err.count("\n") == 1


def test_git_is_read_through_one_batch_in_any_language(reviewed: Project,
                                                       tmp_path: Path) -> None:
    """A git side is read by one `git cat-file --batch` (it was one `git show` per file), its
    answers do not depend on git's language, and a ref is never taken for an option."""
    git(reviewed.root, "init", "-q", "-b", "main")
    git(reviewed.root, "add", "-A")
    git(reviewed.root, "commit", "-qm", "before")
    reviewed.write_models(AFTER.replace("growers", "farmers"))
    calls = tmp_path / "git-calls"
    wrapper = tmp_path / "bin" / "git"
    wrapper.parent.mkdir()
    real = shutil.which("git")
    wrapper.write_text(f'#!/bin/sh\necho "$1" >> {calls}\nexec {real} "$@"\n')
    wrapper.chmod(0o755)
    env = {**reviewed.env(), "PATH": f"{wrapper.parent}:{os.environ['PATH']}",
           "LANGUAGE": "de", "LC_ALL": "de_DE.UTF-8"}
    done = subprocess.run([*TOOL, "diff", "--base", "main"],
                          cwd=reviewed.root, env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "+ table farmers" in done.stdout, done.stderr
    assert sorted(calls.read_text().split()) == ["cat-file", "rev-parse", "rev-parse"]
    option = reviewed.run("diff", "--base=--output=stolen", check=False)
    assert option.code == 2 and option.err.startswith("error: git ref '--output=stolen'")
    assert not (reviewed.root / "stolen").exists()


def test_a_ref_without_snapshot_compares_from_an_empty_schema(reviewed: Project) -> None:
    git(reviewed.root, "init", "-q", "-b", "main")
    git(reviewed.root, "commit", "-q", "--allow-empty", "-m", "empty")
    out = reviewed.invoke("diff", "--base", "main").out
    assert out.splitlines()[:2] == ["+ table growers", "+ table plants"]


def test_changes_no_revision_can_make_are_still_listed(sqlite_project: Project) -> None:
    """A change the plan refuses (here a table option SQLite fixes at CREATE TABLE) stops
    `tool snapshot`, but `tool diff` still lists the changes and says why no revision can be
    written (it stopped with the plan's error, so a reflected snapshot could not be reviewed:
    the real-world corpus's `--from-db` step)."""
    sqlite_project.write_models('t = Table("t", metadata, Column("id", Integer, primary_key=True))')
    sqlite_project.invoke("snapshot", "-m", "before")
    sqlite_project.write_models('t = Table("t", metadata, Column("id", Integer, primary_key=True),'
                                ' Column("n", Integer), sqlite_autoincrement=True)')
    shown = sqlite_project.invoke("diff", "--format", "json")
    document = validated(shown.out, "diff")
    assert [c["description"] for c in document["changes"]] == [
        "~ table t: dialect_options none -> {'sqlite_autoincrement': True} (snapshot only, "
        "no DDL: sqlite_autoincrement)", "+ column t.n"]
    assert "adding sqlite_autoincrement of an existing table is not migrated" in document["blocked"]
    assert document["operations"] == ""
    text = sqlite_project.invoke("diff").out
    assert text.splitlines()[-1].startswith("no revision can be written for these changes: "
                                            "table t: adding sqlite_autoincrement")
    assert "**No revision can be written for these changes:**" in \
        sqlite_project.invoke("diff", "--format", "markdown").out
    assert sqlite_project.invoke("snapshot", "-m", "after", check=False).code == 2
