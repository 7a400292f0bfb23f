"""Bad input through the real CLI: one clear ``error:`` line, the right exit code, nothing written.

The contract checked here: exit 0 on success, 1 when differences or problems are found, 2 on bad
usage or bad input.  Bad input prints exactly one line on stderr, starting with ``error: `` and
naming the file (and line when known) and the problem (problems of the models: one such line
each, all of them); there is never a traceback unless
``--debug`` is given, and no snapshot or revision file changes.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from cultivar_schema.dialects.validate import model_problems
from cultivar_schema.snapshot.serialize import metadata_to_dicts
from cultivar_schema.snapshot.store import Manifest, SnapshotStore, sha256_bytes

from .conftest import TOOL, Project, Result

GROWERS = '''
growers = Table(
    "growers", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False, comment="Display name"),
)
'''
TABLE = "snapshots/tables/growers.yaml"
MANIFEST = "snapshots/manifest.yaml"
NAME_TYPE = "  type: String(length=50)"
EVIL_TYPE = "  type: __import__('os').system('touch pwned')"


# --- helpers -------------------------------------------------------------------------------


def run_in(folder: Path, *args: str) -> Result:
    """``tool ARGS`` in ``folder``, outside any project fixture."""
    done = subprocess.run([*TOOL, *args], cwd=folder,
                          capture_output=True, text=True, timeout=300)
    return Result(done.returncode, done.stdout, done.stderr)


def written_files(project: Project) -> dict[str, bytes]:
    """Every file under ``snapshots/`` and ``alembic/versions/``, to prove nothing was written."""
    files = {}
    for folder in ("snapshots", "alembic/versions"):
        for path in sorted((project.root / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                files[str(path.relative_to(project.root))] = path.read_bytes()
    return files


def replace_once(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in the file; the test is wrong if ``old`` is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_number(path: Path, needle: str) -> int:
    """1-based number of the first line of ``path`` that contains ``needle``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def sign_tables(project: Project) -> None:
    """Re-sign the manifest for the table files as they are, without validating them.

    This stands in for a manifest signed after a (bad) reviewed edit, so the commands that read
    the table files can be tested whatever ``tool rehash`` accepts.
    """
    store = SnapshotStore(project.root / "snapshots")
    manifest = store.read_manifest()
    assert manifest is not None
    tables = {key: sha256_bytes(store.table_path(key).read_bytes()) for key in manifest.tables}
    signed = Manifest(head=manifest.head, tables=tables, revisions=manifest.revisions)
    store.manifest_path.write_text(signed.to_text(), encoding="utf-8")


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.err, result.err
    assert "Traceback" not in result.out, result.out


def assert_bad_input(result: Result, *fragments: str) -> str:
    """Exit 2 with exactly one ``error: `` line on stderr containing every fragment."""
    assert result.code == 2, f"exit {result.code}\n{result.out}\n{result.err}"
    assert_no_traceback(result)
    lines = result.err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.err}"
    assert lines[0].startswith("error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    return lines[0]


def assert_found(result: Result, *fragments: str) -> None:
    """Exit 1 (problems found), each fragment in the report on stdout."""
    assert result.code == 1, f"exit {result.code}\n{result.out}\n{result.err}"
    assert_no_traceback(result)
    for fragment in fragments:
        assert fragment in result.out, f"{fragment!r} not in:\n{result.out}"


@pytest.fixture
def snapshotted(sqlite_project: Project) -> Project:
    """An initialised project with one table and its first snapshot and revision."""
    sqlite_project.write_models(GROWERS)
    sqlite_project.run("snapshot", "-m", "init")
    return sqlite_project


# --- 1. configuration ----------------------------------------------------------------------


def test_missing_config_names_tool_schema_and_init(tmp_path: Path) -> None:
    result = run_in(tmp_path, "check")
    assert_bad_input(result, "[tool.schema]", "tool init")


def test_project_option_without_pyproject(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    result = run_in(tmp_path, "--project", "elsewhere", "check")
    assert_bad_input(result, "pyproject.toml", "tool init")


def test_project_option_with_pyproject_lacking_tool_schema(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    result = run_in(tmp_path, "--project", str(tmp_path), "check")
    assert_bad_input(result, "pyproject.toml", "[tool.schema]", "tool init")


# --- 2. model modules that fail to import --------------------------------------------------


@pytest.mark.parametrize(("bad_line", "error_type"), [
    ("oops = undefined_name + 1", "NameError"),
    ("def broken(:", "SyntaxError"),
], ids=["NameError", "SyntaxError"])
def test_model_import_failure(snapshotted: Project, bad_line: str, error_type: str) -> None:
    snapshotted.write_models(GROWERS + bad_line + "\n")
    line = line_number(snapshotted.root / "models.py", bad_line)
    before = written_files(snapshotted)
    result = snapshotted.run("snapshot", "-m", "x", check=False)
    assert_bad_input(result, "cannot import model module models", error_type,
                     f"models.py, line {line}")
    assert written_files(snapshotted) == before


def test_model_import_failure_with_debug_shows_traceback(snapshotted: Project) -> None:
    snapshotted.write_models(GROWERS + "oops = undefined_name + 1\n")
    before = written_files(snapshotted)
    result = snapshotted.run("--debug", "snapshot", "-m", "x", check=False)
    assert result.code != 0
    assert "Traceback" in result.err
    assert "NameError" in result.err
    assert written_files(snapshotted) == before


PROBLEMS = '''
plants = Table(
    "plants", metadata,
    Column("id", Integer, primary_key=True),
    Column("stage", String(20), index=True),
    Column("pot_id", Integer, ForeignKey("pots.id")),
    Column("notes", Text(200)),
    Index("ix_plants_stage", "stage"),
)
Table("Growers", metadata, Column("id", Integer, primary_key=True))
'''


@pytest.mark.parametrize("command", [("snapshot", "-m", "x"), ("check",)], ids=" ".join)
def test_every_model_problem_in_one_run(snapshotted: Project, command: tuple[str, ...]) -> None:
    """Snapshot and check list every problem of the models at once (they stopped at the first,
    so a project needed a run per problem), one ``error:`` line each naming its object."""
    snapshotted.write_models(GROWERS + PROBLEMS)
    before = written_files(snapshotted)
    result = snapshotted.run(*command, check=False)
    assert result.code == 2 and result.out == "", result
    assert_no_traceback(result)
    assert result.err.splitlines() == [f"error: models: {problem}" for problem in (
        "table Growers: the table has the name of table growers but for case; SQLite needs "
        "table and index names distinct in a database, ignoring case",
        "table plants: column notes is a TEXT of length 200, which PostgreSQL cannot create "
        "(its TEXT takes no length); use Text() there, e.g. .with_variant(Text(), "
        "\"postgresql\")",
        "table plants: foreign key fk_plants_pot_id_pots refers to table pots, which the models "
        "do not define (define it, with ignore_tables if others manage it)",
        "table plants: index name ix_plants_stage is given twice; the snapshot tells a table's "
        "indexes apart by name")]
    assert written_files(snapshotted) == before


CHOSEN_PER_DATABASE = '''
from sqlalchemy import Boolean, TypeDecorator
from sqlalchemy.types import UserDefinedType


class Point(UserDefinedType):
    cache_ok = True

    def get_col_spec(self):
        return "POINT"


def chosen(name, choose):
    """A TypeDecorator over Integer whose load_dialect_impl is ``choose``."""
    return type(name, (TypeDecorator,), {"impl": Integer(), "cache_ok": True,
                                         "load_dialect_impl": choose, "__module__": "models"})


def refuse(self, dialect):
    if dialect.name == "postgresql":
        raise ValueError("no PostgreSQL here")
    return Integer()


Raising = chosen("Raising", refuse)
Nothing = chosen("Nothing", lambda self, dialect: None)
Flag = chosen("Flag", lambda self, dialect: Boolean() if dialect.name == "sqlite" else Integer())
Spatial = chosen("Spatial", lambda self, dialect: Point())
for name, type_ in (("a", Raising), ("b", Nothing), ("c", Flag), ("d", Spatial)):
    Table(name, metadata, Column("id", Integer, primary_key=True), Column("v", type_()))
'''


@pytest.mark.parametrize("command", [("snapshot", "-m", "x"), ("check",)], ids=" ".join)
def test_type_chosen_per_database_that_cannot_be_recorded(snapshotted: Project,
                                                          command: tuple[str, ...]) -> None:
    """An own TypeDecorator whose load_dialect_impl fails on a target database, returns no
    type, or a type the snapshot cannot record per database is refused, naming its table and
    column and the database (the snapshot recorded the generic impl and the revision made
    another column than the models)."""
    snapshotted.write_models(GROWERS + CHOSEN_PER_DATABASE)
    before = written_files(snapshotted)
    result = snapshotted.run(*command, check=False)
    assert result.code == 2 and result.out == "", result
    assert_no_traceback(result)
    assert result.err.splitlines() == [f"error: models: table {problem}" for problem in (
        "a: column v: models.Raising.load_dialect_impl failed on postgresql: ValueError: no "
        "PostgreSQL here",
        "b: column v: models.Nothing.load_dialect_impl failed on mysql: TypeError: it returned "
        "None, not a SQLAlchemy type instance",
        "c: column v: models.Flag: load_dialect_impl chooses Boolean on sqlite; a Boolean or "
        "Enum chosen per database cannot be recorded, give it as impl",
        "d: column v: models.Spatial on mysql: type models.Point has no SQLAlchemy type this "
        "snapshot format can record")]
    assert written_files(snapshotted) == before


def test_shared_sequence_and_enum_type_are_no_clash() -> None:
    """A Sequence or ENUM type several columns use is one object, whose name is no clash
    (PostgreSQL names sequences in the namespace of tables and indexes)."""
    metadata = sa.MetaData()
    sequence, kind = sa.Sequence("shared_id_seq"), sa.Enum("a", "b", name="kind")
    for name in ("t", "u"):
        sa.Table(name, metadata, sa.Column("id", sa.Integer, sequence, primary_key=True),
                 sa.Column("k", kind))
    tables = metadata_to_dicts(metadata)
    defined = {key: [column["name"] for column in data["columns"]] for key, data in tables.items()}
    assert model_problems(tables, ("sqlite", "postgresql", "mysql"), defined) == []


def test_unnamed_foreign_keys_in_a_cycle_are_named_in_the_error(sqlite_project: Project) -> None:
    """Without a naming convention for "fk", the keys that close a cycle of new tables (and
    use_alter ones) are added after the tables by name: each is refused at snapshot time, naming
    its table and columns and how to name it (it said "a foreign key in a cycle needs a name")."""
    (sqlite_project.root / "models.py").write_text(
        "from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table\n"
        "metadata = MetaData()\n"
        'Table("growers", metadata, Column("id", Integer, primary_key=True),\n'
        '      Column("best_plant_id", Integer, ForeignKey("plants.id")))\n'
        'Table("plants", metadata, Column("id", Integer, primary_key=True),\n'
        '      Column("grower_id", Integer, ForeignKey("growers.id")))\n'
        'Table("pots", metadata, Column("id", Integer, primary_key=True),\n'
        '      Column("plant_id", Integer, ForeignKey("plants.id", use_alter=True)))\n')
    before = written_files(sqlite_project)
    result = sqlite_project.run("snapshot", "-m", "x", check=False)
    assert result.code == 2 and result.out == "", result
    how = ('so it is added after the tables and needs a name: ForeignKey(..., name="...") or '
           'ForeignKeyConstraint(..., name="..."), or a naming convention for "fk"')
    assert result.err.splitlines() == [
        f"error: table plants: the foreign key on (grower_id) to growers is in a cycle, "
        f"{how}",
        f"error: table pots: the foreign key on (plant_id) to plants is use_alter, {how}"]
    assert written_files(sqlite_project) == before


def test_unnamed_keys_to_a_new_unique_constraint_are_all_named_in_the_error(
        sqlite_project: Project) -> None:
    """New tables' keys to columns that become unique in the same step are added after that
    constraint, by name: without one, every such key is refused at once, naming its columns
    (it stopped at the first)."""
    growers = ("from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, "
               "UniqueConstraint\nmetadata = MetaData()\n"
               'Table("growers", metadata, Column("id", Integer, primary_key=True),\n'
               '      Column("code", String(10)){unique})\n')
    models = sqlite_project.root / "models.py"
    models.write_text(growers.format(unique=""))
    sqlite_project.run("snapshot", "-m", "growers")
    models.write_text(growers.format(unique=', UniqueConstraint("code", name="uq_code")') + "".join(
        f'Table("{name}", metadata, Column("id", Integer, primary_key=True),\n'
        f'      Column("grower_code", String(10), ForeignKey("growers.code")))\n'
        for name in ("plants", "pots")))
    before = written_files(sqlite_project)
    result = sqlite_project.run("snapshot", "-m", "x", check=False)
    assert result.code == 2 and result.out == "", result
    assert result.err.splitlines() == [
        f"error: table {name}: the foreign key on (grower_code) to growers (code), whose "
        "unique constraint or type changes in the same step, needs a name: ForeignKey(..., "
        'name="...") or ForeignKeyConstraint(..., name="..."), or a naming convention for "fk"'
        for name in ("plants", "pots")]
    assert written_files(sqlite_project) == before


# --- 3. table files that are not valid YAML ------------------------------------------------


def corrupt_yaml(project: Project) -> int:
    """Break the YAML syntax of the growers table file; return the broken line."""
    path = project.root / TABLE
    replace_once(path, "  nullable: false\n", "  nullable: false: true\n")
    return line_number(path, "false: true")


@pytest.mark.parametrize("command", [("diff",), ("snapshot", "-m", "x")], ids=" ".join)
def test_corrupt_table_file_is_a_checksum_mismatch(
    snapshotted: Project, command: tuple[str, ...]
) -> None:
    corrupt_yaml(snapshotted)
    before = written_files(snapshotted)
    result = snapshotted.run(*command, check=False)
    assert_bad_input(result, TABLE, "sha256 differs")
    assert written_files(snapshotted) == before


def test_rehash_refuses_invalid_yaml(snapshotted: Project) -> None:
    line = corrupt_yaml(snapshotted)
    before = written_files(snapshotted)
    assert_bad_input(snapshotted.run("rehash", check=False), f"{TABLE}:{line}: invalid YAML")
    assert written_files(snapshotted) == before
    for command in (("diff",), ("snapshot", "-m", "x")):
        assert_bad_input(snapshotted.run(*command, check=False), TABLE)
    assert written_files(snapshotted) == before


# --- 4. table files with unknown keys or wrong types ---------------------------------------


def test_rehash_refuses_unknown_key(snapshotted: Project) -> None:
    path = snapshotted.root / TABLE
    replace_once(path, "  nullable: false\n", "  nullable: false\n  colour: red\n")
    line = line_number(path, "colour: red")
    before = written_files(snapshotted)
    assert_bad_input(snapshotted.run("rehash", check=False),
                     f"{TABLE}:{line}: unknown key 'colour'")
    assert written_files(snapshotted) == before


@pytest.mark.parametrize("bad_value", ["3", '"yes"', "null", "[true]"], ids=str)
def test_rehash_refuses_wrong_type(snapshotted: Project, bad_value: str) -> None:
    path = snapshotted.root / TABLE
    replace_once(path, "  nullable: false\n", f"  nullable: {bad_value}\n")
    line = line_number(path, f"nullable: {bad_value}")
    before = written_files(snapshotted)
    assert_bad_input(snapshotted.run("rehash", check=False), f"{TABLE}:{line}:", "nullable")
    assert written_files(snapshotted) == before


# --- 5. types the restricted parser must refuse, never evaluate ----------------------------


def plant_evil_type(project: Project) -> int:
    """Replace a column type with code that would create ``pwned`` if evaluated."""
    path = project.root / TABLE
    replace_once(path, NAME_TYPE, EVIL_TYPE)
    return line_number(path, EVIL_TYPE)


def test_rehash_refuses_a_type_it_cannot_parse(snapshotted: Project) -> None:
    line = plant_evil_type(snapshotted)
    before = written_files(snapshotted)
    assert_bad_input(snapshotted.run("rehash", check=False), f"{TABLE}:{line}:", "type")
    assert not (snapshotted.root / "pwned").exists()
    assert written_files(snapshotted) == before


@pytest.mark.parametrize("command", [("apply",), ("diff",), ("snapshot", "-m", "x")],
                         ids=" ".join)
def test_type_expression_is_never_evaluated(
    snapshotted: Project, command: tuple[str, ...]
) -> None:
    line = plant_evil_type(snapshotted)
    sign_tables(snapshotted)
    before = written_files(snapshotted)
    result = snapshotted.run(*command, check=False)
    assert not (snapshotted.root / "pwned").exists()
    assert_bad_input(result, f"{TABLE}:{line}:")
    assert written_files(snapshotted) == before


# --- 6. manifest and table files that disagree ---------------------------------------------


def test_edited_table_file_without_rehash(snapshotted: Project) -> None:
    replace_once(snapshotted.root / TABLE, "comment: Display name", "comment: Shown name")
    before = written_files(snapshotted)
    assert_found(snapshotted.run("check", check=False),
                 f"{TABLE}: sha256 differs from the manifest", "tool rehash")
    assert_bad_input(snapshotted.run("snapshot", "-m", "x", check=False), TABLE, "sha256")
    assert written_files(snapshotted) == before


def test_deleted_table_file(snapshotted: Project) -> None:
    (snapshotted.root / TABLE).unlink()
    assert_found(snapshotted.run("check", check=False), f"{TABLE}: missing")


def test_extra_table_file(snapshotted: Project) -> None:
    extra = snapshotted.root / "snapshots" / "tables" / "extra.yaml"
    extra.write_bytes((snapshotted.root / TABLE).read_bytes())
    assert_found(snapshotted.run("check", check=False),
                 "snapshots/tables/extra.yaml: not listed in the manifest")


def add_unknown_manifest_key(path: Path) -> str:
    path.write_text(path.read_text(encoding="utf-8") + "colour: red\n", encoding="utf-8")
    return "unknown key 'colour'"


def break_fingerprint(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^fingerprint: \w+$", "fingerprint: " + "0" * 64, text),
                    encoding="utf-8")
    return "fingerprint"


@pytest.mark.parametrize("damage", [add_unknown_manifest_key, break_fingerprint])
@pytest.mark.parametrize("command", [("check",), ("diff",), ("snapshot", "-m", "x")],
                         ids=" ".join)
def test_bad_manifest(
    snapshotted: Project, damage: Callable[[Path], str], command: tuple[str, ...]
) -> None:
    problem = damage(snapshotted.root / MANIFEST)
    before = written_files(snapshotted)
    assert_bad_input(snapshotted.run(*command, check=False), f"{MANIFEST}: ", problem)
    assert written_files(snapshotted) == before


# --- 7. unreachable databases never show the password --------------------------------------


@pytest.mark.parametrize(("url", "masked", "secrets"), [
    ("postgresql://user:s3cr%40t:x@127.0.0.1:1/db", "postgresql://user:***@127.0.0.1:1/db",
     ("s3cr",)),
    ("mysql+pymysql://user:p%40ss@127.0.0.1:1/db", "mysql+pymysql://user:***@127.0.0.1:1/db",
     ("p%40ss", "p@ss")),
    ("postgresql+asyncpg://user:s3cr%40t@127.0.0.1:1/db",
     "postgresql+asyncpg://user:***@127.0.0.1:1/db", ("s3cr",)),
], ids=["postgresql", "mysql+pymysql", "postgresql+asyncpg"])
def test_unreachable_database_masks_password(
    snapshotted: Project, url: str, masked: str, secrets: tuple[str, ...]
) -> None:
    before = written_files(snapshotted)
    result = snapshotted.run("apply", "--url", url, check=False)
    assert_bad_input(result, masked)
    for secret in secrets:
        assert secret not in result.out + result.err
    assert written_files(snapshotted) == before


# --- 8. revision files edited or added by hand ---------------------------------------------


def test_edited_revision_file(snapshotted: Project) -> None:
    [revision] = snapshotted.revision_files()
    revision.write_text(revision.read_text(encoding="utf-8") + "# reviewed by hand\n",
                        encoding="utf-8")
    assert_found(snapshotted.run("check", check=False), revision.name, "edited")


def test_handwritten_revision_needs_rehash(snapshotted: Project) -> None:
    [recorded] = snapshotted.revision_files()
    snapshotted.alembic("revision", "-m", "handwritten")
    [handwritten] = [p for p in snapshotted.revision_files() if p != recorded]
    assert_found(snapshotted.run("check", check=False),
                 f"revision {handwritten.name} is not in the manifest", "manifest head is")
    snapshotted.run("rehash")
    result = snapshotted.run("check", check=False)
    assert result.code == 0, f"{result.out}\n{result.err}"
    assert result.out.startswith("ok: ")


# --- 9. tool init never overwrites ---------------------------------------------------------


def test_init_keeps_existing_files_and_appends_tool_schema(tmp_path: Path) -> None:
    (tmp_path / "alembic").mkdir()
    custom = {
        "alembic.ini": "[alembic]\n# my own settings\nscript_location = alembic\n",
        "alembic/env.py": "# my own environment\n",
    }
    for name, text in custom.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    existing = '[project]\nname = "mine"\n'
    (tmp_path / "pyproject.toml").write_text(existing, encoding="utf-8")

    result = run_in(tmp_path, "init", "--models", "models", "--metadata", "models:metadata")
    assert result.code == 0, f"{result.out}\n{result.err}"
    for name, text in custom.items():
        assert (tmp_path / name).read_text(encoding="utf-8") == text
        assert f"kept    {name}" in result.out
    pyproject = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    assert pyproject.startswith(existing)
    assert "[tool.schema]" in pyproject
    assert 'metadata = "models:metadata"' in pyproject


def test_init_again_changes_nothing(snapshotted: Project) -> None:
    pyproject = (snapshotted.root / "pyproject.toml").read_bytes()
    before = written_files(snapshotted)
    result = snapshotted.run("init", "--models", "other", "--metadata", "other:metadata")
    assert "created" not in result.out
    assert "kept    pyproject.toml" in result.out
    assert (snapshotted.root / "pyproject.toml").read_bytes() == pyproject
    assert written_files(snapshotted) == before


# --- 10. diff --exit-code and snapshot --dry-run -------------------------------------------


def widen_name(project: Project) -> None:
    project.write_models(GROWERS.replace("String(50)", "String(60)"))


def test_diff_exit_code(snapshotted: Project) -> None:
    unchanged = snapshotted.run("diff", "--exit-code", check=False)
    assert unchanged.code == 0 and "No changes" in unchanged.out
    widen_name(snapshotted)
    assert_found(snapshotted.run("diff", "--exit-code", check=False), "growers.name")
    plain = snapshotted.run("diff", check=False)
    assert plain.code == 0 and "growers.name" in plain.out


def test_snapshot_dry_run_writes_nothing(snapshotted: Project) -> None:
    widen_name(snapshotted)
    before = written_files(snapshotted)
    result = snapshotted.run("snapshot", "-m", "widen", "--dry-run")
    assert "growers.name" in result.out and "String(length=60)" in result.out
    assert "nothing written" in result.out
    assert written_files(snapshotted) == before


UNNAMED_CHECK = '''
import sqlalchemy as sa

metadata = sa.MetaData()
growers = sa.Table(
    "growers", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("status", sa.Enum({values}, name="grow_status")),
    sa.CheckConstraint("status <> 'paused'"),
)
'''


def test_unnamed_check_on_an_enum_column_whose_values_change(sqlite_project: Project) -> None:
    """PostgreSQL must drop and re-create the CHECK around the column's conversion: it needs a
    name to do so, which the error asks for before anything is written."""
    models = sqlite_project.root / "models.py"
    models.write_text(UNNAMED_CHECK.format(values="'active', 'paused', 'archived'"))
    sqlite_project.run("snapshot", "-m", "init")
    models.write_text(UNNAMED_CHECK.format(values="'active', 'paused'"))
    before = written_files(sqlite_project)
    result = sqlite_project.run("snapshot", "-m", "archived goes", "--allow-destructive", "ok",
                                check=False)
    assert_bad_input(result, "table growers", "CHECK constraint on column status", "needs a name")
    assert written_files(sqlite_project) == before
