"""The snapshot file format: canonical text, safe parsing, stable and distinct file names."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
import yaml

from cultivar_schema.snapshot.default_variants import build_default
from cultivar_schema.snapshot.expressions import (
    ExpressionError,
    allow_type_modules,
    default_to_sql,
    default_to_text,
    text_to_default,
    text_to_type,
    type_to_text,
)
from cultivar_schema.snapshot.serialize import HEADER, dump_table, table_file_name, table_to_dict

from .conftest import Project

TYPES = [
    sa.String(100), sa.String(10, collation="C"), sa.Text(), sa.Integer(), sa.BigInteger(),
    sa.SmallInteger(), sa.Numeric(12, 2), sa.Float(), sa.Boolean(), sa.DateTime(timezone=True),
    sa.Date(), sa.Time(), sa.JSON(), sa.Uuid(), sa.LargeBinary(), sa.Enum("a", "b", name="ab"),
]


@pytest.mark.parametrize("type_", TYPES, ids=lambda t: type_to_text(t))
def test_types_round_trip(type_: sa.types.TypeEngine) -> None:
    text = type_to_text(type_)
    assert type_to_text(text_to_type(text)) == text


def test_types_are_written_in_sqlalchemy_terms() -> None:
    assert type_to_text(sa.String(100)) == "String(length=100)"
    assert type_to_text(sa.Numeric(12, 2)) == "Numeric(precision=12, scale=2)"
    assert type_to_text(sa.Enum("a", "b", name="ab")) == "Enum('a', 'b', name='ab')"


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')", "os.system('x')", "String(length=open('x'))",
    "String(**{'length': 1})", "lambda: 1", "String(length=1) + 1",
])
def test_the_type_parser_refuses_anything_else(text: str) -> None:
    with pytest.raises(ExpressionError):
        text_to_type(text)


@pytest.mark.parametrize("default", [
    sa.schema.DefaultClause("draft"), sa.schema.DefaultClause(sa.text("0")),
    sa.schema.DefaultClause(sa.func.now()), sa.schema.DefaultClause(sa.true()),
    sa.schema.DefaultClause(sa.false()),
])
def test_server_defaults_round_trip(default: sa.schema.DefaultClause) -> None:
    text = default_to_text(default)
    assert default_to_text(text_to_default(text)) == text


def test_a_server_default_per_database_compiles_to_each_and_refuses_bad_mappings() -> None:
    from sqlalchemy.dialects import mysql, postgresql, sqlite

    built = build_default({"postgresql": "text('(gen_random_uuid())')", "sqlite": "'x'"})
    assert default_to_sql(built, postgresql.dialect()) == "(gen_random_uuid())"
    assert default_to_sql(built, sqlite.dialect()) == "'x'"
    with pytest.raises(ExpressionError, match="no server default is recorded for mysql"):
        default_to_sql(built, mysql.dialect())
    for bad, problem in [({"sqlite": "'x'"}, "two or more"), ({"oracle": "'x'", "sqlite": "'y'"},
                         "'oracle' is not a database"), ({"mysql": 1, "sqlite": "'y'"},
                         "must be a string"), ({"mysql": "os.system()", "sqlite": "'y'"},
                         "not a server default")]:
        with pytest.raises(ExpressionError, match=problem):
            build_default(bad)


def test_file_text_is_canonical_and_plain_yaml() -> None:
    metadata = sa.MetaData()
    table = sa.Table(
        "t", metadata, sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("s", sa.String(5), server_default="draft"),
        sa.Index("ix_b", "s"), sa.Index("ix_a", "id", "s"),
    )
    text = dump_table(table_to_dict(table))
    assert text.startswith(HEADER)
    assert "server_default: \"'draft'\"\n" in text
    assert "columns: [id, s]" in text
    assert text.index("name: ix_a") < text.index("name: ix_b")
    assert "!!" not in text and "!<" not in text  # no YAML tags
    assert yaml.safe_load(text)["indexes"][0] == {"name": "ix_a", "columns": ["id", "s"]}


def test_file_names_are_stable_and_distinct() -> None:
    names = ["users", "Users", "USERS", "a/b", "a b", "a_b", "reporting.sales", "ünïcode",
             "x" * 300]
    files = [table_file_name(name) for name in names]
    assert len({f.lower() for f in files}) == len(names)
    assert files[0] == "users.yaml" and files[6] == "reporting.sales.yaml"
    assert all("/" not in f and " " not in f and len(f) < 120 for f in files)
    assert files == [table_file_name(name) for name in names]


def test_odd_table_names_get_their_own_files(sqlite_project: Project) -> None:
    # plants and Plants are two tables only where names keep their case: PostgreSQL
    pyproject = sqlite_project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'databases = ["postgresql"]\n')
    sqlite_project.write_models('''
        for name in ("plants", "Plants", "plant/logs", "select"):
            Table(name, metadata, Column("id", Integer, primary_key=True))
    ''')
    sqlite_project.run("snapshot", "-m", "odd names")
    tables = [name for name in sqlite_project.snapshot_files() if name.startswith("tables/")]
    assert len(tables) == 4
    assert "tables/plants.yaml" in tables and "tables/select.yaml" in tables
    assert sqlite_project.run("check").code == 0


def test_own_types_are_imported_back_only_from_the_model_packages() -> None:
    class Money(sa.types.TypeDecorator):  # defined outside any configured package
        impl = sa.Numeric(12, 2)
        cache_ok = True

    allow_type_modules(("app.models_async",))
    try:
        with pytest.raises(ExpressionError, match="must live under"):
            type_to_text(Money())
        for text in ("os.system()", "subprocess.Popen()", "app.models_async.base.Base()"):
            with pytest.raises(ExpressionError):
                text_to_type(text)
    finally:
        allow_type_modules(())


def test_unchanged_tables_are_compared_without_writing_yaml(
        sqlite_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """The manifest's table fingerprints let `tool check` and `tool diff` skip the YAML of
    tables that did not change; a manifest without them (an older one) still works."""
    project = sqlite_project
    project.write_models('growers = Table("growers", metadata, '
                         'Column("id", Integer, primary_key=True))\n'
                         'plants = Table("plants", metadata, '
                         'Column("id", Integer, primary_key=True))\n')
    project.invoke("snapshot", "-m", "initial")
    manifest_path = project.root / "snapshots" / "manifest.yaml"
    manifest = yaml.safe_load(manifest_path.read_text())
    assert set(manifest["table_fingerprints"]) == {"growers", "plants"}
    written: list[str] = []
    monkeypatch.setattr("cultivar_schema.author.compare.dump_table",
                        lambda data, *args: written.append(data["name"]) or dump_table(data))
    project.invoke("check")
    assert written == []
    project.write_models('growers = Table("growers", metadata, '
                         'Column("id", Integer, primary_key=True), Column("name", String(9)))\n'
                         'plants = Table("plants", metadata, '
                         'Column("id", Integer, primary_key=True))\n')
    assert project.invoke("diff").out.startswith("+ column growers.name")
    assert written == []  # the diff needs no YAML at all
    project.invoke("snapshot", "-m", "names")
    assert written == ["growers"]  # only the changed table's file is written
    # an older manifest without fingerprints: compared by file hash, re-signed with them
    del manifest["table_fingerprints"]
    text = manifest_path.read_text()
    manifest_path.write_text(text[:text.index("table_fingerprints:")])
    project.invoke("check")
    project.invoke("rehash")
    assert "table_fingerprints:" in manifest_path.read_text()
