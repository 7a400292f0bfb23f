"""Every ``--format json`` output names its format and matches its JSON Schema in
docs/schemas/ (real outputs of every command, errors too); the option vocabulary (durations,
metavars) is one for all commands."""

from __future__ import annotations

import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from cultivar_schema.cli.cli import cli
from cultivar_schema.cli.options import parse_duration, postgresql_milliseconds
from cultivar_schema.errors import ExitCode
from cultivar_schema.output import FORMATS, format_name

from .conftest import MODELS_HEADER, Project, git, new_project
from .json_documents import schemas, validated
from .test_adopt import MODELS, create_by_hand, legacy_alembic_project
from .test_teamwork import (
    branch_with,
    commit_all,
    merge_main_into,
    plants_and_trays_branches,
    write_table,
)

GROWERS = 'growers = Table("growers", metadata, Column("id", Integer, primary_key=True), ' \
          'Column("name", String(50)))\n'
PLANTS = 'plants = Table("plants", metadata, Column("id", Integer, primary_key=True))\n'


def test_every_format_has_a_valid_schema_that_names_it() -> None:
    assert set(schemas()) == {f"{kind}.json" for kind in FORMATS} | {"common.json"}
    for name, schema in schemas().items():
        Draft202012Validator.check_schema(schema)
        if name != "common.json":
            kind = name.removesuffix(".json")
            assert schema["properties"]["format"] == {"const": format_name(kind)}, name


DRAWINGS = {"diagram"}  # its output is the drawing itself: mermaid, DOT or SVG


@pytest.mark.parametrize("command", sorted(set(cli.commands) - DRAWINGS))
def test_every_command_that_reports_takes_format_json(command: str) -> None:
    output = next((param for param in cli.commands[command].params if param.name == "output"),
                  None)
    assert output is not None, f"tool {command} has no --format"
    assert isinstance(output.type, click.Choice) and "json" in output.type.choices


def test_check_and_snapshot_documents(sqlite_project: Project) -> None:
    project = sqlite_project
    project.write_models(GROWERS)
    unsnapped = project.invoke("check", "--format", "json", check=False)
    assert unsnapped.code == ExitCode.FOUND
    assert validated(unsnapped.out, "check")["problems"][0]["message"] == \
        "no snapshot has been taken"
    planned = validated(project.invoke("snapshot", "-m", "growers", "--dry-run", "--format",
                                       "json").out, "snapshot")
    assert planned["dry_run"] and planned["revision"] is None
    assert [change["description"] for change in planned["changes"]] == ["+ table growers"]
    done = validated(project.invoke("snapshot", "-m", "growers", "--format", "json").out,
                     "snapshot")
    assert done["revision"] and done["revision_path"].startswith("alembic/versions/")
    assert "snapshots/manifest.yaml" in done["written"]
    nothing = validated(project.invoke("snapshot", "-m", "again", "--format", "json").out,
                        "snapshot")
    assert nothing["changes"] == [] and nothing["revision"] is None
    clean = validated(project.invoke("check", "--format", "json").out, "check")
    assert clean["clean"] and clean["tables"] == 1 and clean["head"] == done["revision"]
    project.write_models(PLANTS)
    refused = project.invoke("snapshot", "-m", "drop growers", "--format", "json", check=False)
    assert refused.code == ExitCode.FOUND and not refused.err
    assert "DS101" in validated(refused.out, "error")["error"]
    assert validated(project.invoke("diff", "--format", "json").out, "diff")["summary"] == {
        "changes": 2, "added": 1, "dropped": 1, "altered": 0,
        "risks": {"error": 1, "warning": 0, "info": 0}}


def test_model_problems_are_all_listed_in_the_error_document(sqlite_project: Project) -> None:
    sqlite_project.write_models(GROWERS)
    sqlite_project.invoke("snapshot", "-m", "growers")
    sqlite_project.write_models(
        'a = Table("a", metadata, Column("id", Integer, primary_key=True), '
        'Column("b_id", Integer, ForeignKey("nowhere.id")))\n'
        'b = Table("alembic_version", metadata, Column("id", Integer, primary_key=True))\n')
    for args in (["check"], ["snapshot", "-m", "x"]):
        failed = sqlite_project.invoke(*args, "--format", "json", check=False)
        document = validated(failed.out, "error")
        assert failed.code == document["exit_code"] == ExitCode.USAGE
        assert len(document["problems"]) == 2, document
        assert any("nowhere" in line for line in document["problems"])
        assert any("alembic_version" in line for line in document["problems"])


def test_adoption_documents(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hand.db'}"
    create_by_hand(url, MODELS)
    project = new_project(tmp_path / "proj", url)
    reflected = validated(project.invoke("snapshot", "--from-db", url, "--out",
                                         str(tmp_path / "reflected"), "--format", "json").out,
                          "adoption")
    assert reflected["command"] == "snapshot --from-db" and reflected["tables"] == 2
    project.write_models(MODELS.removeprefix(MODELS_HEADER))
    project.invoke("snapshot", "-m", "initial")
    stamped = validated(project.invoke("apply", "--baseline", "--format", "json").out,
                        "adoption")
    assert stamped["adopted"] and stamped["command"] == "apply --baseline"
    other = f"sqlite:///{tmp_path / 'other.db'}"
    create_by_hand(other, MODELS.replace("String(50)", "String(60)"))
    refused = project.invoke("apply", "--baseline", "--url", other, "--format", "json",
                             check=False)
    assert refused.code == ExitCode.FOUND
    differs = validated(refused.out, "adoption")
    assert not differs["adopted"] and any("growers.name" in d for d in differs["differences"])
    legacy = legacy_alembic_project(tmp_path / "legacy", f"sqlite:///{tmp_path / 'legacy.db'}")
    legacy.invoke("init", "--models", "models", "--metadata", "models:metadata")
    baseline = validated(legacy.invoke("snapshot", "--baseline", "--url", legacy.url,
                                       "--format", "json").out, "adoption")
    assert baseline["adopted"] and baseline["tables"] == 2


def test_authoring_and_teamwork_documents(tmp_path: Path) -> None:
    """init, revision, rehash, squash, merge and rebase in a git repository (test_teamwork's
    branches), each document checked against its schema."""
    root = tmp_path / "repo"
    (root / "models").mkdir(parents=True)
    (root / "models" / "__init__.py").write_text("")
    (root / "models" / "base.py").write_text(MODELS_HEADER)
    repo = Project(root, f"sqlite:///{tmp_path / 'repo.db'}")
    init = ("init", "--models", "models", "--metadata", "models.base:metadata", "--format",
            "json")
    created = validated(repo.invoke(*init).out, "init")
    assert {"alembic.ini", "pyproject.toml"} <= set(created["created"]) and not created["kept"]
    assert "alembic.ini" in validated(repo.invoke(*init).out, "init")["kept"]
    git(root, "init", "-q", "-b", "main")
    write_table(repo, "growers")
    repo.invoke("snapshot", "-m", "growers")
    backfill = validated(repo.invoke("revision", "-m", "backfill", "--format", "json").out,
                         "revision")
    assert backfill["written"][0] == backfill["revision_path"]
    signed = validated(repo.invoke("rehash", "--format", "json").out, "rehash")
    assert signed == {**signed, "head": backfill["revision"], "tables": 1, "revisions": 2}
    squashed = validated(repo.invoke("squash", "--to", backfill["revision"], "--format",
                                     "json").out, "squash")
    assert squashed["revision"] == squashed["replaced"][-1] == backfill["revision"]
    assert len(squashed["replaced"]) == 2
    commit_all(repo, "growers")

    plants_and_trays_branches(repo)  # main: growers, trays; feature: growers, plants
    # the manifest conflicts; main keeps its own, and alembic has two heads
    subprocess.run(["git", "merge", "-q", "feature"], cwd=root, capture_output=True,
                   check=False)
    git(root, "checkout", "--ours", "snapshots/manifest.yaml")
    commit_all(repo, "merge feature (two heads now)")
    merged = validated(repo.invoke("merge", "-m", "join", "--format", "json").out, "merge")
    assert merged["revision_path"] == merged["written"][0]
    assert "snapshots/manifest.yaml" in merged["written"]
    commit_all(repo, "merge revision")

    branch_with(repo, "late", "sensors",
                'Table("sensors", metadata, Column("id", Integer, primary_key=True))')
    git(root, "checkout", "-q", "main")
    write_table(repo, "pots", 'Table("pots", metadata, Column("id", Integer, primary_key=True))')
    repo.invoke("snapshot", "-m", "pots")
    commit_all(repo, "pots")
    merge_main_into(repo, "late")
    rebased = validated(repo.invoke("rebase", "--onto", "main", "--format", "json").out,
                        "rebase")
    assert rebased["onto"] and len(rebased["revisions"]) == 1 and rebased["written"]
    commit_all(repo, "merge main")
    again = validated(repo.invoke("rebase", "--onto", "main", "--format", "json").out, "rebase")
    assert again["revisions"] == [] and again["written"] == []
    assert repo.invoke("check").code == 0


BAD_COMMAND_LINES = [
    ("check", "--bogus", "--format", "json"),  # unknown option, after or before --format
    ("check", "--format=json", "--bogus"),
    ("resolve", "--format", "json"),  # missing argument
    ("diff", "--format", "json", "--base"),  # option without its value
    ("apply", "--lock-timeout", "5 minutes", "--format", "json"),  # bad DURATION
    ("--color", "sometimes", "status", "--format", "json"),  # bad choice of the group
    ("snapshot", "--format", "json"),  # -m missing, found by the command itself
    ("nosuch", "--format", "json"),
]


@pytest.mark.parametrize("args", BAD_COMMAND_LINES, ids=" ".join)
def test_usage_errors_are_the_error_document_with_format_json(
        sqlite_project: Project, args: tuple[str, ...]) -> None:
    refused = sqlite_project.invoke(*args, check=False)
    assert refused.code == ExitCode.USAGE and refused.err == ""
    document = validated(refused.out, "error")
    assert document["exit_code"] == ExitCode.USAGE and document["problems"] == [
        document["error"]]
    plain = [arg for arg in args
             if arg not in ("--format", "json") and not arg.startswith("--format=")]
    text = sqlite_project.invoke(*plain, check=False)
    assert text.code == ExitCode.USAGE and text.out == ""
    assert "error: " in text.err.lower()  # click's text, or ours for -m


def test_usage_error_document_from_the_shell(sqlite_project: Project) -> None:
    """The real command line (``sys.argv``), not click's test runner."""
    refused = sqlite_project.run("--format", "json", "check", check=False)
    assert refused.code == ExitCode.USAGE and refused.err == ""
    assert "No such option '--format'" in validated(refused.out, "error")["error"]
    assert "Usage: tool" in sqlite_project.run("check", "--bogus", check=False).err


@pytest.mark.parametrize(("text", "seconds"), [
    ("60", 60.0), ("60s", 60.0), ("5m", 300.0), ("5min", 300.0), ("500ms", 0.5), ("1h", 3600.0),
    ("0.5", 0.5), (" 2 S ", 2.0)])
def test_durations_in_one_form(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_durations_are_refused_in_one_line_and_sent_to_postgresql_in_milliseconds(
        sqlite_project: Project) -> None:
    for bad in ("5x", "-1", "s", "1e3"):
        with pytest.raises(ValueError, match="is not a duration"):
            parse_duration(bad)
    refused = sqlite_project.invoke("apply", "--lock-timeout", "5 minutes", check=False)
    assert refused.code == ExitCode.USAGE
    assert "'5 minutes' is not a duration: give a number of seconds" in refused.err
    assert [postgresql_milliseconds(s) for s in (None, 0, 0.0001, 5, 0.5)] == \
        [None, "0ms", "1ms", "5000ms", "500ms"]


CLICK_TYPE_NAMES = ("TEXT", "FLOAT", "INTEGER", "PATH", "DIRECTORY", "FILENAME", "RANGE",
                    "BOOLEAN")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_metavars_say_what_a_value_is(command: str) -> None:
    shown = CliRunner().invoke(cli, [command, "--help"]).output
    words = set(shown.replace("[", " ").replace("]", " ").split())
    assert not words & set(CLICK_TYPE_NAMES), shown
    for param in cli.commands[command].params:
        if not getattr(param, "is_flag", False) and param.name != "output":
            assert param.metavar, f"{command} {param.name}: no metavar"
