"""`tool check` reads the history without Alembic (``revision_list``): the same files in the
same order and the same heads as Alembic's ScriptDirectory, or no answer at all for anything
but a plain layout and history, so that Alembic's map answers instead."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from cultivar_schema.revision_list import read_revision_list

from .conftest import Project
from .test_bad_input import GROWERS

INI = """[alembic]
script_location = alembic
path_separator = os
{extra}
"""
REVISION = '''"""{rev}"""
revision = {rev!r}
down_revision = {down!r}
branch_labels = {labels!r}
depends_on = {depends!r}


def upgrade():
    pass
'''


def write_project(root: Path, revisions: list[tuple], extra: str = "") -> Path:
    """A folder with alembic.ini and one revision file per ``(rev, down[, labels, depends])``."""
    versions = root / "alembic" / "versions"
    versions.mkdir(parents=True)
    (root / "alembic.ini").write_text(INI.format(extra=extra))
    for number, (rev, down, *rest) in enumerate(revisions):
        labels, depends = (rest + [None, None])[:2]
        (versions / f"{number:03d}_{rev}.py").write_text(
            REVISION.format(rev=rev, down=down, labels=labels, depends=depends))
    return root / "alembic.ini"


def alembics_view(ini: Path) -> tuple[list[str], list[str]]:
    """Heads and file names as Alembic reads them, its script_location taken relative to the
    ini's folder as `tool` takes it (Alembic takes it relative to where it runs)."""
    config = Config(str(ini))
    config.set_main_option("script_location", str(ini.parent / "alembic"))
    scripts = ScriptDirectory.from_config(config)
    names = sorted(Path(script.path).name for script in scripts.walk_revisions())
    return sorted(scripts.get_heads()), names


@pytest.mark.parametrize("revisions", [
    [("a1", None)],
    [("a1", None), ("b2", "a1"), ("c3", "b2")],
    [("a1", None), ("b2", "a1"), ("c3", "a1")],  # two heads
    [("a1", None), ("b2", "a1"), ("c3", "a1"), ("d4", ("b2", "c3"))],  # merged
    [("d4", ("b2", "c3")), ("c3", "a1"), ("a1", None), ("b2", "a1")],  # files out of order
    [],
])
def test_a_plain_history_reads_as_alembic_reads_it(tmp_path: Path, revisions: list) -> None:
    ini = write_project(tmp_path, revisions)
    versions = tmp_path / "alembic" / "versions"
    for ignored in ("__init__.py", ".#000_a1.py", "notes.txt", "stale.pyc"):
        (versions / ignored).write_text("raise SystemExit('imported')\n")
    (versions / "sub").mkdir()
    (versions / "sub" / "x.py").write_text("raise SystemExit('imported')\n")
    listed = read_revision_list(ini)
    assert listed is not None
    assert (sorted(listed.heads), sorted(file.name for file in listed.files)) == alembics_view(ini)


@pytest.mark.parametrize(("revisions", "current"), [
    ([("a1", None), ("b2", "a1"), ("c3", "b2")], ("c3",)),
    ([("a1", None), ("b2", "a1"), ("c3", "b2")], ("b2",)),
    ([("a1", None), ("b2", "a1"), ("c3", "a1"), ("d4", ("b2", "c3"))], ("d4",)),
    ([("a1", None), ("b2", "a1"), ("c3", "a1")], ("b2", "c3")),
])
def test_ancestors_are_alembics(tmp_path: Path, revisions: list, current: tuple[str, ...]) -> None:
    ini = write_project(tmp_path, revisions)
    listed = read_revision_list(ini)
    assert listed is not None
    config = Config(str(ini))
    config.set_main_option("script_location", str(ini.parent / "alembic"))
    walked = ScriptDirectory.from_config(config).iterate_revisions(current, "base")
    assert sorted(listed.ancestors(current) or []) == sorted(s.revision for s in walked)
    assert listed.ancestors(("zz",)) is None


@pytest.mark.parametrize("revisions", [
    [("a1", None), ("b2", "a1", "feature")],  # a branch label
    [("a1", None), ("b2", None), ("c3", "a1", None, "b2")],  # depends_on
    [("a1", None), ("b2", "zz")],  # revises a revision that is not there
    [("a1", None), ("a1", None)],  # named twice
    [("a1", "c3"), ("b2", "a1"), ("c3", "b2"), ("d4", None)],  # a cycle beside a line
])
def test_anything_else_in_the_history_is_left_to_alembic(tmp_path: Path,
                                                          revisions: list) -> None:
    assert read_revision_list(write_project(tmp_path, revisions)) is None


@pytest.mark.parametrize("extra", [
    "recursive_version_locations = true",
    "sourceless = true",
    "version_locations = %(here)s/alembic/versions %(here)s/more",
    "version_locations = alembic/versions",  # relative to where the command runs, for Alembic
])
def test_a_layout_only_alembic_reads_is_left_to_it(tmp_path: Path, extra: str) -> None:
    assert read_revision_list(write_project(tmp_path, [("a1", None)], extra)) is None


def test_one_absolute_version_location_and_a_pyproject(tmp_path: Path) -> None:
    ini = write_project(tmp_path, [("a1", None), ("b2", "a1")],
                        "version_locations = %(here)s/alembic/versions")
    listed = read_revision_list(ini)
    assert listed is not None and listed.heads == ("b2",)
    (tmp_path / "pyproject.toml").write_text('[tool.alembic]\nscript_location = "alembic"\n')
    assert read_revision_list(ini) is None  # which file wins for which key is Alembic's


def test_check_imports_neither_alembics_runtime_nor_its_migration_context(
        sqlite_project: Project) -> None:
    sqlite_project.write_models(GROWERS)
    sqlite_project.invoke("snapshot", "-m", "growers")
    code = ("import runpy, sys, json\n"
            "sys.argv = ['tool', 'check']\n"
            "try:\n    runpy.run_module('cultivar_schema.cli', run_name='__main__')\n"
            "except SystemExit as exc:\n    code = exc.code\n"
            "print(json.dumps([code, sorted(sys.modules)]))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=sqlite_project.root,
                            env=sqlite_project.env(), capture_output=True, text=True, check=True)
    code, modules = json.loads(result.stdout.splitlines()[-1])
    assert code in (0, None), result
    loaded = [name for name in modules if name.startswith("alembic.")]
    assert not [name for name in loaded if name.startswith(("alembic.runtime", "alembic.context",
                                                            "alembic.script.base",
                                                            "alembic.config",
                                                            "alembic.command"))], loaded
