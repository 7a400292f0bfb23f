"""Golden fixtures: one folder per construct under ``tests/fixtures/``, run on every database.

Each folder holds ``before.py`` and ``after.py`` (complete models modules), ``expected.txt`` (the
change lines `tool snapshot` prints for before -> after, in order), ``expected_upgrade.py`` (the
revision it writes, pinned by ``tests/test_pinned_revisions.py``) and optionally ``case.toml``;
``tests/fixtures/README.md`` describes the format.  For each case and database:

1. ``before.py`` is snapshotted and applied (and verified) on an empty database;
2. ``after.py`` is snapshotted: the printed change lines equal ``expected.txt`` exactly, and the
   revision's docstring lists the same lines;
3. ``tool apply`` upgrades and verifies, and the tool's verification can tell the upgraded
   database from the before snapshot (else the next step would prove nothing);
4. ``alembic downgrade -1`` gives back exactly the before snapshot, ``alembic upgrade head`` the
   after snapshot again, and ``tool check`` passes.

A case with ``error`` in its ``case.toml`` instead expects `tool snapshot` to refuse
``after.py``: exit code 2, that text in one of its ``error:`` lines (one per problem), nothing
written.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from cultivar_schema.config import load_config
from cultivar_schema.database import run_on_connection
from cultivar_schema.snapshot.serialize import table_key
from cultivar_schema.snapshot.store import SnapshotStore

from .conftest import ALLOW, Project, new_project

FIXTURES = Path(__file__).parent / "fixtures"
DATABASES = ("sqlite", "postgresql", "mysql")
CHANGE_PREFIXES = ("+ ", "- ", "~ ")
CASE_FILES = {"before.py", "after.py", "expected.txt", "expected_upgrade.py", "case.toml"}
CASE_KEYS = {"databases", "schema_options", "error", "rows", "unchanged_on", "notes"}


@dataclass(frozen=True)
class Case:
    """One fixture folder, read and checked for well-formedness."""

    name: str
    before: str
    after: str
    expected: tuple[str, ...] | None
    error: str | None = None
    databases: tuple[str, ...] = DATABASES
    schema_options: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    unchanged_on: tuple[str, ...] = ()
    notes: dict[str, list[str]] = field(default_factory=dict)


def load_case(folder: Path) -> Case:
    """Read a fixture folder; a malformed one fails collection with the reason."""
    where = f"tests/fixtures/{folder.name}"
    stray = sorted(p.name for p in folder.iterdir() if p.name not in CASE_FILES
                   and p.name != "__pycache__")
    if stray:
        raise ValueError(f"{where}: unexpected file(s) {stray}; allowed: {sorted(CASE_FILES)}")
    settings: dict[str, Any] = {}
    if (folder / "case.toml").is_file():
        settings = tomllib.loads((folder / "case.toml").read_text(encoding="utf-8"))
        unknown = sorted(set(settings) - CASE_KEYS)
        if unknown:
            raise ValueError(f"{where}/case.toml: unknown key(s) {unknown}; known: "
                             f"{sorted(CASE_KEYS)}")
    databases = tuple(settings.get("databases", DATABASES))
    if not databases or set(databases) - set(DATABASES):
        raise ValueError(f"{where}/case.toml: databases must be a non-empty subset of {DATABASES}")
    unchanged_on = tuple(settings.get("unchanged_on", ()))
    if set(unchanged_on) - set(databases):
        raise ValueError(f"{where}/case.toml: unchanged_on must be a subset of {databases}")
    notes = settings.get("notes", {})
    if set(notes) - set(databases):
        raise ValueError(f"{where}/case.toml: notes must be keyed by databases of {databases}")
    error = settings.get("error")
    expected_file = folder / "expected.txt"
    expected = None
    if error is None:
        if not expected_file.is_file():
            raise ValueError(f"{where}: expected.txt is missing")
        expected = tuple(expected_file.read_text(encoding="utf-8").splitlines())
        bad = [line for line in expected if not line.startswith(CHANGE_PREFIXES)]
        if not expected or bad:
            raise ValueError(f"{where}/expected.txt: every line must be a change line "
                             f"starting with one of {CHANGE_PREFIXES}; got {bad or 'none'}")
    elif expected_file.exists() or (folder / "expected_upgrade.py").exists():
        raise ValueError(f"{where}: an error case has no expected.txt or expected_upgrade.py "
                         "(nothing is printed or written)")
    return Case(
        name=folder.name,
        before=(folder / "before.py").read_text(encoding="utf-8"),
        after=(folder / "after.py").read_text(encoding="utf-8"),
        expected=expected,
        error=error,
        databases=databases,
        schema_options=settings.get("schema_options", {}),
        rows=settings.get("rows", {}),
        unchanged_on=unchanged_on,
        notes=notes,
    )


CASES = [load_case(folder) for folder in sorted(FIXTURES.iterdir()) if folder.is_dir()]


# One test per (case, database the case runs on), through conftest's ``database_url`` fixture.
PAIRS = [(case, database) for case in CASES for database in case.databases]
IDS = [f"{case.name}-{database}" for case, database in PAIRS]


# --- helpers -------------------------------------------------------------------------------


def write_models(project: Project, source: str) -> None:
    """``models.py`` is the fixture module verbatim (it defines ``metadata`` itself)."""
    (project.root / "models.py").write_text(source, encoding="utf-8")


def configure(project: Project, options: dict[str, Any]) -> None:
    """Merge ``options`` into the project's ``[tool.schema]`` table (replacing existing keys)."""
    path = project.root / "pyproject.toml"
    text = path.read_text(encoding="utf-8")
    for key, value in options.items():
        assert isinstance(value, (str, bool, int, list)), f"{key}: unsupported value {value!r}"
        line = f"{key} = {json.dumps(value)}"  # JSON strings, lists and booleans are TOML too
        text, replaced = re.subn(rf"(?m)^{re.escape(key)} = .*$", line, text)
        if not replaced:
            text = text.replace("[tool.schema]\n", f"[tool.schema]\n{line}\n", 1)
    path.write_text(text, encoding="utf-8")
    table = tomllib.loads(text)["tool"]["schema"]
    assert {key: table.get(key) for key in options} == options


def ignored_tables(project: Project, source: str) -> list[sa.Table]:
    """The tables of a models module that ``ignore_tables`` excludes from the snapshot."""
    namespace: dict[str, Any] = {}
    exec(compile(source, "before.py", "exec"), namespace)
    ignores = load_config(project.root).ignores
    return [table for table in namespace["metadata"].tables.values()
            if ignores(table_key(table.schema, table.name))]


def live_columns(project: Project, tables: list[sa.Table]) -> dict[str, list[str]]:
    """The columns each of these tables has in the database now."""
    if not tables:
        return {}

    def read(connection: sa.Connection) -> dict[str, list[str]]:
        inspector = sa.inspect(connection)
        return {table.name: [column["name"] for column in inspector.get_columns(table.name)]
                for table in tables if inspector.has_table(table.name)}

    return run_on_connection(project.url, read)


def insert_rows(project: Project, rows: dict[str, list[dict[str, Any]]]) -> None:
    def insert(connection: sa.Connection) -> None:
        metadata = sa.MetaData()
        for name, items in rows.items():
            connection.execute(sa.Table(name, metadata, autoload_with=connection).insert(), items)
        connection.commit()

    run_on_connection(project.url, insert)


def row_counts(project: Project, names: list[str]) -> dict[str, int]:
    def count(connection: sa.Connection) -> dict[str, int]:
        return {name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name)))
                .scalar_one() for name in names}

    return run_on_connection(project.url, count)


def change_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(CHANGE_PREFIXES)]


def written_files(project: Project) -> dict[str, bytes]:
    """Every file under ``snapshots/`` and ``alembic/versions/``."""
    files = {}
    for folder in ("snapshots", "alembic/versions"):
        for path in sorted((project.root / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                files[str(path.relative_to(project.root))] = path.read_bytes()
    return files


# --- the runner ----------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "database_url"), PAIRS, ids=IDS, indirect=["database_url"])
def test_golden(case: Case, database_url: str, tmp_path: Path) -> None:
    project = new_project(tmp_path / "proj", database_url)
    configure(project, case.schema_options)

    # before.py: snapshot, apply on an empty database (plus tables managed by others), seed.
    write_models(project, case.before)
    legacy = ignored_tables(project, case.before)
    if legacy:
        run_on_connection(project.url, lambda connection: (
            legacy[0].metadata.create_all(connection, tables=legacy), connection.commit()),
            create=True)
    legacy_columns = live_columns(project, legacy)
    project.invoke("snapshot", "-m", "before")
    applied = project.invoke("apply", check=False)
    assert applied.code == 0 and "verified" in applied.out, f"apply before:\n{applied.out}"
    insert_rows(project, case.rows)
    previous = tmp_path / "before-snapshots"
    shutil.copytree(project.root / "snapshots", previous)

    write_models(project, case.after)
    if case.error is not None:
        files = written_files(project)
        refused = project.invoke("snapshot", "-m", "after", *ALLOW, check=False)
        assert refused.code == 2, f"exit {refused.code}:\n{refused.out}{refused.err}"
        lines = refused.err.splitlines()  # one line per problem, all of them at once
        assert lines and all(line.startswith("error: ") for line in lines), refused.err
        assert any(case.error in line for line in lines), refused.err
        assert change_lines(refused.out) == []
        assert written_files(project) == files, "a refused snapshot wrote files"
        return

    # after.py: exactly the expected change lines, in the terminal and in the revision.
    out = project.invoke("snapshot", "-m", "after", *ALLOW).out
    assert change_lines(out) == list(case.expected or ()), out
    wrote = re.search(r"^wrote revision \w+: (.+)$", out, re.MULTILINE)
    assert wrote, out
    revision = (project.root / wrote[1]).read_text(encoding="utf-8")
    docstring = ast.get_docstring(ast.parse(revision), clean=False) or ""
    assert [line.strip() for line in docstring.splitlines()
            if line.strip().startswith(CHANGE_PREFIXES)] == list(case.expected or ())
    manifest = SnapshotStore(project.root / "snapshots").read_manifest()
    assert manifest is not None
    config = load_config(project.root)
    assert not [key for key in manifest.tables if config.ignores(key)], manifest.tables

    applied = project.invoke("apply", check=False)
    assert applied.code == 0 and "verified" in applied.out, f"apply after:\n{applied.out}"
    backend = make_url(database_url).get_backend_name()
    for note in case.notes.get(backend, []):  # what verification says it cannot see there
        assert f"note: {note}" in applied.out.splitlines(), applied.out
    # The downgrade check below proves something only if verification can tell them apart.
    if backend not in case.unchanged_on:
        assert project.drift(previous) != [], (
            "verification cannot tell the upgraded database from the before snapshot, so "
            "neither this upgrade nor the downgrade below is really verified")
    kept = [name for name in case.rows if name in manifest.tables]
    assert row_counts(project, kept) == {name: len(case.rows[name]) for name in kept}

    project.migrate("downgrade", "-1")
    assert project.drift(previous) == [], "downgrade -1 does not give back the before schema"
    project.migrate("upgrade", "head")
    assert project.drift() == [], "upgrade head does not give the after schema again"
    assert live_columns(project, legacy) == legacy_columns, "an ignored table was touched"
    checked = project.invoke("check", check=False)
    assert checked.code == 0, f"tool check:\n{checked.out}{checked.err}"
