"""Nothing generated can run code that was not written as code (issue 18): the message, the
--allow-destructive reason and the identifiers a snapshot holds land in a revision escaped, and
--rev-id, empty messages and messages that are not one printable line are refused before
anything is written."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cultivar_schema.snapshot.store import SnapshotStore
from cultivar_schema.source_text import comment, in_docstring

from .conftest import Project
from .test_bad_input import GROWERS, assert_bad_input, run_in, written_files

INJECTION = 'x"""\nimport os; os.system("touch pwned")\n"""'


@pytest.fixture
def snapshotted(sqlite_project: Project) -> Project:
    sqlite_project.write_models(GROWERS)
    sqlite_project.run("snapshot", "-m", "init")
    return sqlite_project


def add_column(project: Project, name: str = "height") -> None:
    project.write_models(GROWERS.replace(
        'comment="Display name"),',
        f'comment="Display name"),\n    Column({name!r}, Integer),'))


def revision_docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=False) or ""


@pytest.mark.parametrize("text", [
    'x"""; import os',
    'ends with a quote"',
    "back\\slash\\",
    "'''single quotes'''",
    'tab\there, nul\x00, bell\x07, line\u2028separator, bidi\u202eoverride, "\\n"',
    'x"""\nimport os\n"""',
    "ünïcödé 名前 🌱",
])
def test_in_docstring_round_trips(text: str) -> None:
    source = f'"""{in_docstring(text)}"""'
    tree = ast.parse(source)
    assert len(tree.body) == 1
    assert ast.literal_eval(source) == text


def test_injected_message_is_refused_and_nothing_runs(snapshotted: Project) -> None:
    add_column(snapshotted)
    before = written_files(snapshotted)
    result = snapshotted.run("snapshot", "-m", INJECTION, check=False)
    assert_bad_input(result, "the message (-m) must be one line of printable text",
                     "'\\n' at character 5")
    assert written_files(snapshotted) == before
    assert not (snapshotted.root / "pwned").exists()


@pytest.mark.parametrize("message", ["", "   ", "\t"], ids=["empty", "spaces", "tab"])
def test_empty_message_is_refused(snapshotted: Project, message: str) -> None:
    add_column(snapshotted)
    before = written_files(snapshotted)
    for command in (("snapshot", "-m", message), ("revision", "-m", message)):
        result = snapshotted.run(*command, check=False)
        assert_bad_input(result, "the message (-m) is empty")
    assert written_files(snapshotted) == before


def test_quotes_in_message_and_reason_stay_in_the_docstring(snapshotted: Project) -> None:
    message = 'drop """height""" \\ it\'s "done"'
    reason = '"""; import os; os.system("touch pwned"); """'
    add_column(snapshotted)
    snapshotted.run("snapshot", "-m", "add height")
    snapshotted.write_models(GROWERS)
    snapshotted.run("snapshot", "-m", message, "--allow-destructive", reason)
    [path] = [p for p in snapshotted.revision_files() if "drop" in p.name]
    module = ast.parse(path.read_text(encoding="utf-8"))
    assert [type(node).__name__ for node in module.body][:2] == ["Expr", "ImportFrom"]
    docstring = revision_docstring(path)
    assert docstring.startswith(message + "\n")
    assert f"Destructive changes allowed: {reason}\n" in docstring
    snapshotted.run("check")
    snapshotted.run("apply")
    assert not (snapshotted.root / "pwned").exists()
    history = snapshotted.alembic("history").out
    assert message in history


def test_identifier_holding_triple_quotes_lands_escaped(snapshotted: Project) -> None:
    """A column named with quotes and a backslash: its change line is in the docstring as
    text, the revision runs and builds it."""
    name = 'x"""\\'
    add_column(snapshotted, name)
    snapshotted.run("snapshot", "-m", "odd name")
    [path] = [p for p in snapshotted.revision_files() if "odd_name" in p.name]
    assert f"+ column growers.{name}" in revision_docstring(path)
    snapshotted.run("apply")
    assert not snapshotted.drift()


@pytest.mark.parametrize(("rev_id", "problem"), [
    ("../../../x", "a revision id is 1 to 32 lowercase letters"),
    ("ab'cd", "a revision id is 1 to 32 lowercase letters"),
    ("ABC", "a revision id is 1 to 32 lowercase letters"),
    ("a-b", "a revision id is 1 to 32 lowercase letters"),
    ("", "a revision id is 1 to 32 lowercase letters"),
    ("x" * 33, "a revision id is 1 to 32 lowercase letters"),
    ("head", "revision keyword"),
], ids=["traversal", "quote", "upper", "dash", "empty", "too-long", "keyword"])
def test_bad_rev_id_is_refused_before_writing(snapshotted: Project, rev_id: str,
                                              problem: str) -> None:
    add_column(snapshotted)
    before = written_files(snapshotted)
    outside = {p.name for p in snapshotted.root.parent.rglob("*.py")}
    for command in (("snapshot", "-m", "x", "--rev-id", rev_id),
                    ("revision", "-m", "x", "--rev-id", rev_id)):
        result = snapshotted.run(*command, check=False)
        assert_bad_input(result, f"--rev-id {rev_id!r}", problem)
    assert written_files(snapshotted) == before
    assert {p.name for p in snapshotted.root.parent.rglob("*.py")} == outside


def test_existing_rev_id_is_refused_and_later_commands_work(snapshotted: Project) -> None:
    [first] = snapshotted.revision_files()
    manifest = SnapshotStore(snapshotted.root / "snapshots").read_manifest()
    assert manifest is not None and manifest.head is not None
    rev = manifest.head
    add_column(snapshotted)
    before = written_files(snapshotted)
    result = snapshotted.run("snapshot", "-m", "x", "--rev-id", rev, check=False)
    assert_bad_input(result, f"--rev-id {rev!r}", "exists already")
    assert written_files(snapshotted) == before
    snapshotted.run("snapshot", "-m", "x", "--rev-id", "second_rev")
    snapshotted.run("check")
    snapshotted.run("apply")
    assert first in snapshotted.revision_files()


def test_messages_and_ids_problems_are_listed_together(snapshotted: Project) -> None:
    add_column(snapshotted)
    result = snapshotted.run("snapshot", "-m", " ", "--rev-id", "../x", check=False)
    assert_bad_input(result, "the message (-m) is empty", "--rev-id '../x'")


@pytest.mark.parametrize(("option", "value"), [
    ("--models", 'x"]\nalembic_config = "../elsewhere.ini'),
    ("--metadata", 'models:metadata"\nsnapshots = "/tmp'),
    ("--metadata", "models"),
])
def test_init_refuses_names_that_are_not_python_names(tmp_path: Path, option: str,
                                                      value: str) -> None:
    """Module names are written into pyproject.toml: only Python names are."""
    args = {"--models": "models", "--metadata": "models:metadata", option: value}
    result = run_in(tmp_path, "init", *(item for pair in args.items() for item in pair))
    assert_bad_input(result, f"{option} {value!r}")
    assert list(tmp_path.iterdir()) == []


def test_comment_is_one_line() -> None:
    assert comment("mood\nimport os\r#") == "mood\\nimport os\\r#"


def test_enum_name_with_a_line_break_stays_in_its_comment(snapshotted: Project) -> None:
    """A revision's comment lines name ENUM types: a line break in the name started a line of
    code there."""
    name = 'mood\nimport os; os.system("touch pwned")\n#'
    column = f'Column("mood", Enum("calm", "busy", name={name!r}))'
    enum_models = GROWERS.replace('comment="Display name"),',
                                  f'comment="Display name"),\n    {column},')
    snapshotted.write_models(enum_models)
    snapshotted.run("snapshot", "-m", "mood")
    snapshotted.write_models(enum_models.replace('"busy",', '"busy", "idle",'))
    snapshotted.run("snapshot", "-m", "idle")
    [path] = [p for p in snapshotted.revision_files() if "idle" in p.name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert not any(isinstance(node, ast.Import) and node.names[0].name == "os"
                   for node in ast.walk(tree))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert any(line.lstrip().startswith("# ") and "mood\\nimport os" in line for line in lines)
    assert not any(line.lstrip().startswith("import os") for line in lines)
    snapshotted.run("check")
    snapshotted.run("apply")
    assert not (snapshotted.root / "pwned").exists()
