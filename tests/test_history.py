"""A long history costs little (issue 22): the revision map is read from the revision files'
text, so no command imports every revision, and a revision edited behind the manifest's back is
still refused before anything runs, by every command that used to import it."""

from __future__ import annotations

import pytest

from cultivar_schema.errors import ExitCode
from cultivar_schema.revisions import read_names

from .conftest import Project
from .test_bad_input import GROWERS, written_files

TRAYS = '''
trays = Table(
    "trays", metadata,
    Column("id", Integer, primary_key=True),
)
'''
# Module-level code: it runs only if something imports the file.
TAMPER = ('\nimport pathlib\n'
          'pathlib.Path(__file__).parent.parent.parent.joinpath("imported").touch()\n')


@pytest.fixture
def tampered(sqlite_project: Project) -> Project:
    """Two revisions applied, then the first edited behind the manifest's back."""
    project = sqlite_project
    project.write_models(GROWERS)
    project.invoke("snapshot", "-m", "growers")
    project.write_models(GROWERS + TRAYS)
    project.invoke("snapshot", "-m", "trays")
    project.invoke("apply", "--no-backup")
    first = project.revision_files()[0]
    first.write_text(first.read_text() + TAMPER)
    return project


@pytest.mark.parametrize("command", [
    ("check",), ("snapshot", "-m", "more"), ("apply", "--no-backup"), ("status",)])
def test_edited_revision_is_refused_before_anything_runs(tampered: Project,
                                                         command: tuple[str, ...]) -> None:
    tampered.write_models(GROWERS + TRAYS.replace('"trays"', '"shelves"'))  # something to do
    before = written_files(tampered)
    result = tampered.run(*command, check=False)
    expected = ExitCode.FOUND if command[0] == "check" else ExitCode.INTEGRITY
    assert result.code == expected, result
    assert "was edited after it was recorded" in result.out + result.err
    assert "Traceback" not in result.err
    assert not (tampered.root / "imported").exists(), "the edited revision was imported"
    assert written_files(tampered) == before


def test_diff_never_imports_a_revision(tampered: Project) -> None:
    """`tool diff` compares snapshots and models; the revisions are not its input."""
    tampered.write_models(GROWERS)
    result = tampered.run("diff")
    assert "- table trays" in result.out
    assert not (tampered.root / "imported").exists()


def test_status_and_apply_at_head_import_no_revision(sqlite_project: Project) -> None:
    """A database at head: nothing pending, nothing imported (the check is the checksum)."""
    project = sqlite_project
    project.write_models(GROWERS)
    project.invoke("snapshot", "-m", "growers", "--rev-id", "ddd1")
    project.invoke("apply", "--no-backup")
    first = project.revision_files()[0]
    first.write_text(first.read_text() + TAMPER)
    project.invoke("rehash")  # reviewed: the manifest records the edit
    assert "ddd1" in project.run("status").out
    assert "already at head" in project.run("apply", "--no-backup",
                                            "--allow-edited", "ddd1").out
    assert not (project.root / "imported").exists()


def test_revisions_whose_names_are_not_literals_are_imported(sqlite_project: Project) -> None:
    """A revision computing its id is imported, as Alembic would, and the history holds."""
    project = sqlite_project
    project.write_models(GROWERS)
    project.invoke("snapshot", "-m", "growers", "--rev-id", "aaa1")
    path = project.revision_files()[0]
    path.write_text(path.read_text().replace("revision: str = 'aaa1'",
                                             "revision: str = 'aaa' + '1'"))
    project.invoke("rehash")
    project.write_models(GROWERS + TRAYS)
    project.invoke("snapshot", "-m", "trays", "--rev-id", "bbb2")
    assert "revision: str = 'bbb2'" in project.revision_files()[1].read_text()
    assert "down_revision: Union[str, Sequence[str], None] = 'aaa1'" in (
        project.revision_files()[1].read_text())
    project.invoke("check")
    project.invoke("apply", "--no-backup")


def test_a_name_read_from_the_text_that_the_module_contradicts_is_refused(
        sqlite_project: Project) -> None:
    """Text and module must agree: a later assignment inside a block is refused when the
    module is imported to run, naming the file."""
    project = sqlite_project
    project.write_models(GROWERS)
    project.invoke("snapshot", "-m", "growers", "--rev-id", "ccc1")
    path = project.revision_files()[0]
    path.write_text(path.read_text() + "\nif True:\n    down_revision = 'elsewhere'\n")
    project.invoke("rehash")
    refused = project.run("apply", "--no-backup", check=False)
    assert refused.code != 0 and path.name in refused.err
    assert "down_revision is 'elsewhere' when imported but None as written" in refused.err


@pytest.mark.parametrize(("text", "names"), [
    ("revision: str = 'a1'\ndown_revision: Union[str, None] = None\n",
     {"revision": "a1", "down_revision": None, "branch_labels": None, "depends_on": None}),
    ('revision = "b2"  # the id\ndown_revision = ("a1", \'x\')\nbranch_labels = ("lib",)\n',
     {"revision": "b2", "down_revision": ("a1", "x"), "branch_labels": ("lib",),
      "depends_on": None}),
])
def test_read_names(text: str, names: dict[str, object]) -> None:
    assert read_names(text) == names


@pytest.mark.parametrize("text", [
    "revision = 'a'\n",  # no down_revision
    "revision = 'a'\nrevision = 'b'\ndown_revision = None\n",  # assigned twice
    "revision = make_id()\ndown_revision = None\n",
    "revision = None\ndown_revision = None\n",
    "revision = 'a'\ndown_revision = 3\n",
    "revision = 'a'\ndown_revision = (\n    'b',\n)\n",
])
def test_read_names_leaves_anything_else_to_python(text: str) -> None:
    assert read_names(text) is None

