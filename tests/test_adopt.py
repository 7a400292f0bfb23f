"""Adoption: a project with plain `alembic revision --autogenerate` history, and a database
built without Alembic, brought under the tool without running DDL."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import sqlalchemy as sa
import yaml

from cultivar_schema.errors import ExitCode

from .conftest import MODELS_HEADER, Project, new_project

FIXTURES = Path(__file__).parent / "fixtures"

MODELS = MODELS_HEADER + textwrap.dedent("""
    growers = Table("growers", metadata, Column("id", Integer, primary_key=True),
                    Column("name", String(50), nullable=False))
    plants = Table("plants", metadata, Column("id", Integer, primary_key=True),
                   Column("grower_id", Integer, ForeignKey("growers.id")))
""")
# What the stock env.py needs to let `tool apply` run it (README, "Adopting").
ENV_PY_HOOK = '''
    connection = config.attributes.get("connection")
    if connection is not None:  # tool apply passes its own connection and options
        context.configure(connection=connection, target_metadata=target_metadata,
                          **config.attributes.get("tool_configure", {}))
        with context.begin_transaction():
            context.run_migrations()
        return

    connectable = engine_from_config('''


def execute(url: str, *statements: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def legacy_alembic_project(root: Path, url: str) -> Project:
    """`alembic init` + one `alembic revision --autogenerate`, upgraded: no tool involved."""
    root.mkdir()
    project = Project(root, url)
    project.alembic("init", "alembic")
    (root / "models.py").write_text(MODELS)
    env_py = root / "alembic" / "env.py"
    env_py.write_text(env_py.read_text().replace(
        "target_metadata = None",
        "import sys\nsys.path.insert(0, '.')\nfrom models import metadata as target_metadata"))
    ini = root / "alembic.ini"
    ini.write_text(ini.read_text().replace("driver://user:pass@localhost/dbname", url))
    project.alembic("revision", "--autogenerate", "-m", "initial")
    project.alembic("upgrade", "head")
    return project


def test_adopt_an_alembic_project(tmp_path: Path, database_url: str) -> None:
    project = legacy_alembic_project(tmp_path / "legacy", database_url)
    (head,) = [path.name.split("_")[0] for path in project.revision_files()]
    init = project.invoke("init", "--models", "models", "--metadata", "models:metadata")
    assert "kept    " in init.out and "note: " in init.out and "tool_configure" in init.out
    adopted = project.invoke("snapshot", "--baseline", "--url", database_url)
    assert f"at revision {head}; no revision written" in adopted.out
    assert len(project.revision_files()) == 1
    assert project.invoke("check").code == 0
    manifest = yaml.safe_load((project.root / "snapshots" / "manifest.yaml").read_text())
    assert manifest["head"] == head and set(manifest["tables"]) == {"growers", "plants"}
    # tool apply needs the documented env.py hook; then it verifies and continues the history
    refused = project.invoke("apply", check=False)
    assert refused.code == ExitCode.USAGE and "tool_configure" in refused.err
    env_py = project.root / "alembic" / "env.py"
    env_py.write_text(env_py.read_text().replace("\n    connectable = engine_from_config(",
                                                 ENV_PY_HOOK, 1))
    assert "already at head" in project.invoke("apply", "--no-backup").out
    (project.root / "models.py").write_text(MODELS.replace(
        'Column("name", String(50), nullable=False))',
        'Column("name", String(50), nullable=False), Column("email", String(80)))'))
    project.invoke("snapshot", "-m", "grower email")
    assert "upgraded" in project.invoke("apply", "--no-backup").out
    assert project.drift() == []


def test_baseline_refuses_a_database_that_differs(tmp_path: Path, database_url: str) -> None:
    project = legacy_alembic_project(tmp_path / "legacy", database_url)
    project.invoke("init", "--models", "models", "--metadata", "models:metadata")
    execute(database_url, "ALTER TABLE growers ADD COLUMN nickname VARCHAR(20)")
    refused = project.invoke("snapshot", "--baseline", "--url", database_url, check=False)
    assert refused.code == ExitCode.FOUND and "nickname" in refused.out
    assert "nothing recorded" in refused.out
    assert not (project.root / "snapshots" / "manifest.yaml").exists()


def create_by_hand(url: str, models: str) -> None:
    """Build the schema with SQLAlchemy's create_all: no Alembic, no tool."""
    module = type(sys)("hand_made")
    exec(compile(models, "hand_made.py", "exec"), module.__dict__)  # noqa: S102 - test models
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        module.metadata.create_all(engine)
    finally:
        engine.dispose()


def test_baseline_a_database_created_by_hand(tmp_path: Path, database_url: str) -> None:
    create_by_hand(database_url, MODELS)
    project = new_project(tmp_path / "proj", database_url)
    project.write_models(MODELS.removeprefix(MODELS_HEADER))
    project.invoke("snapshot", "-m", "initial")
    stamped = project.invoke("apply", "--baseline")
    assert "stamped the database at" in stamped.out
    status = project.invoke("status")
    assert "pending:  none" in status.out and "no drift" in status.out
    # a second database that does not match is not stamped
    other = tmp_path / "other.db"
    if database_url.startswith("sqlite"):
        create_by_hand(f"sqlite:///{other}", MODELS.replace("String(50)", "String(60)"))
        refused = project.invoke("apply", "--baseline", "--url", f"sqlite:///{other}",
                                 check=False)
        assert refused.code == ExitCode.FOUND and "growers.name" in refused.out
        again = project.invoke("apply", "--baseline", check=False)
        assert again.code == ExitCode.USAGE and "already" in again.err


def assert_stamped_without_drift(tmp_path: Path, database_url: str, models: str) -> None:
    """A project of ``models`` snapshots, stamps the database by hand (``apply --baseline``)
    and finds no drift."""
    project = new_project(tmp_path / "proj", database_url)
    (project.root / "models.py").write_text(models)
    project.invoke("snapshot", "-m", "initial")
    stamped = project.invoke("apply", "--baseline")
    assert "stamped the database at" in stamped.out, stamped
    assert project.drift() == []


def test_baseline_a_database_created_by_hand_with_types_chosen_per_database(
        tmp_path: Path, database_url: str) -> None:
    """Own TypeDecorators that choose their type per database in load_dialect_impl (a GUID
    that is CHAR(36) on SQLite and MariaDB and UUID on PostgreSQL, JSONB, SQLite's DATETIME):
    the snapshot builds what create_all built, so the database is stamped without a difference
    (the snapshot rebuilt the generic impl: CHAR(32) and TIMESTAMP, as Prefect's adoption
    showed on SQLite)."""
    models = (FIXTURES / "own_type_decorators_varying_by_database" / "after.py").read_text()
    create_by_hand(database_url, models)
    assert_stamped_without_drift(tmp_path, database_url, models)


def test_baseline_a_database_whose_defaults_per_database_are_spelled_otherwise(
        tmp_path: Path, database_url: str) -> None:
    """A default compiled per database, which the database keeps in other words than the
    models write: PostgreSQL keeps GEN_RANDOM_UUID() in lower case, SQLite the text as some
    other DDL laid it out over lines (Prefect's history and its models): the same default,
    stamped without a difference."""
    models = (FIXTURES / "server_default_compiled_per_database" / "after.py").read_text()
    create_by_hand(database_url, models.replace("(GEN_RANDOM_UUID())", "(gen_random_uuid())")
                   .replace("(lower(hex(randomblob(16))))", "(\\n  LOWER(hex(randomblob(16))) \\n)")
                   .replace("(uuid())", "(UUID( ))"))
    assert_stamped_without_drift(tmp_path, database_url, models)


def test_snapshot_from_database(tmp_path: Path, database_url: str) -> None:
    create_by_hand(database_url, MODELS)
    project = new_project(tmp_path / "proj", database_url)
    done = project.invoke("snapshot", "--from-db", database_url)
    assert "reflected 2 table(s) at revision none into snapshots" in done.out
    growers = yaml.safe_load((project.root / "snapshots" / "tables" / "growers.yaml").read_text())
    assert [c["name"] for c in growers["columns"]] == ["id", "name"]
    assert all("nextval" not in str(c.get("server_default")) for c in growers["columns"])
    # a second reflection goes elsewhere, and tool diff can compare the two
    reflected = str(project.root / "reflected")
    project.invoke("snapshot", "--from-db", database_url, "--out", reflected)
    assert project.invoke("diff", "--base", reflected, "--head", "snapshot").out.startswith(
        "No changes")


def test_snapshot_from_database_says_it_as_the_models_do(tmp_path: Path,
                                                         database_url: str) -> None:
    """A database built by the tool and reflected with --from-db is the models' snapshot again:
    reflection's own words (INTEGER() for Integer(), autoincrement on every column, an empty
    postgresql_include, postgresql_ignore_search_path on a table in another schema, MariaDB's
    int(11) and default engine and character set) were all differences from the models that
    were none; so were MariaDB's PRIMARY for every primary key's name (spelled as the models
    name it now)."""
    project = new_project(tmp_path / "proj", database_url)
    schema = database_url.startswith("postgresql")  # SQLite keeps no time zone flag either
    if schema:  # a key into another schema makes SQLAlchemy reflect with search-path options
        pyproject = project.root / "pyproject.toml"
        pyproject.write_text(pyproject.read_text() + 'databases = ["postgresql"]\n')
    project.write_models(MODELS.removeprefix(MODELS_HEADER) + textwrap.dedent("""
        harvests = Table("harvests", metadata, Column("id", Integer, primary_key=True),
                         Column("plant_id", Integer, ForeignKey("plants.id"), index=True),
                         Column("weight", Numeric(8, 2)), Column("at", DateTime(timezone=TZ)),
                         Column("note", Text), Column("done", Boolean))
    """).replace("TZ", str(schema)) + (textwrap.dedent("""
        sales = Table("sales", metadata, Column("id", Integer, primary_key=True),
                      schema="reporting")
        orders = Table("orders", metadata, Column("id", Integer, primary_key=True),
                       Column("sale_id", Integer, ForeignKey("reporting.sales.id")))
    """) if schema else ""))
    project.invoke("snapshot", "-m", "initial")
    project.invoke("apply")
    reflected = project.root / "reflected"
    project.invoke("snapshot", "--from-db", database_url, "--out", str(reflected))
    assert "ignore_search_path" not in "".join(
        path.read_text() for path in (reflected / "tables").glob("*.yaml"))
    diff = project.invoke("diff", "--base", str(reflected), "--head", "snapshot").out
    assert diff.startswith("No changes"), diff


DEFAULTS = """
    import sqlalchemy as sa
    from sqlalchemy import Column, Date, DateTime, Integer, MetaData, Numeric, String, Table

    metadata = MetaData()  # no naming convention: each database names the keys its own way
    things = Table(
        "things", metadata, Column("id", Integer, primary_key=True),
        Column("made", Date, server_default=sa.text("CURRENT_DATE")),
        Column("at", DateTime, server_default=sa.func.now()),
        Column("at2", DateTime, server_default=sa.text("CURRENT_TIMESTAMP")),
        Column("status", String(20), server_default="ACTIVE"),
        Column("n", Integer, server_default="0"), Column("ok", sa.Boolean,
                                                          server_default=sa.false()),
        Column("on", sa.Boolean, server_default=sa.text("true")),
        Column("quote", String(20), server_default="it's"),
        Column("price", Numeric(8, 2), server_default=sa.text("(1.50)")))
    pairs = Table("pairs", metadata, Column("a", Integer), Column("b", String(10)),
                  sa.PrimaryKeyConstraint("a", "b", name="pairs_key"))
    tasks = Table(  # celery's: a variant for another database, a sequence, options for SQLite
        "tasks", metadata,
        Column("id", Integer().with_variant(sa.BigInteger(), "mssql"), sa.Sequence("task_seq"),
               primary_key=True, autoincrement=True),
        Column("task_id", String(155), unique=True), Column("owner", String(20), index=True),
        Column("code", String(20)), sa.UniqueConstraint("owner", "code"),
        sa.Index("ix_tasks_code", "code", postgresql_where=sa.text("code IS NOT NULL"),
                 mysql_length=10),
        sqlite_autoincrement=True)
    versions = Table(  # optuna's: no autoincrement asked for, an Enum without a CHECK, a
        # double-precision Float, an unnamed foreign key and CHECK (the database names them)
        "versions", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
        Column("state", sa.Enum("RUNNING", "DONE", name="state")),
        Column("score", sa.Float(precision=53)),
        Column("thing_id", Integer, sa.ForeignKey("things.id")),
        sa.CheckConstraint("id BETWEEN 1 AND 9"))
"""


def test_snapshot_from_database_spells_defaults_and_keys_as_the_models_do(
        tmp_path: Path, database_url: str) -> None:
    """Each database respells defaults (MariaDB: curdate(), current_timestamp(), 0 for false;
    PostgreSQL: 'ACTIVE'::character varying, false; SQLite: '0' and 1.50 without parentheses),
    names keys its own way (PostgreSQL things_pkey, tasks_task_id_key, versions_thing_id_fkey
    and versions_id_check for unnamed ones, MariaDB PRIMARY for all, a unique index task_id
    for an unnamed unique constraint, versions_ibfk_1 and CONSTRAINT_1), stores a CHECK its own
    way (PostgreSQL: id >= 1 AND id <= 9) and Float(53) as DOUBLE PRECISION, and
    cannot hold what is for other databases (a type's variant, options) or only SQLAlchemy's
    (a column's Sequence): on a database the tool built, the reflection said each differently
    from the models.  A default that truly differs from the models' still shows."""
    project = new_project(tmp_path / "proj", database_url)
    (project.root / "models.py").write_text(textwrap.dedent(DEFAULTS))
    project.invoke("snapshot", "-m", "initial")
    project.invoke("apply")
    reflected = project.root / "reflected"
    project.invoke("snapshot", "--from-db", database_url, "--out", str(reflected))
    diff = project.invoke("diff", "--base", str(reflected), "--head", "snapshot").out
    assert diff.startswith("No changes"), diff
    (project.root / "models.py").write_text(textwrap.dedent(DEFAULTS).replace(
        'server_default="ACTIVE"', 'server_default="NEW"').replace(
        'Column("code", String(20))', 'Column("code", String(30))'))
    again = project.root / "again"
    project.invoke("snapshot", "--from-db", database_url, "--out", str(again))
    diff = project.invoke("diff", "--base", str(again), "--head", "models").out
    assert sorted(line for line in diff.splitlines() if line[:2] in ("+ ", "- ", "~ ")) == [
        "~ column tasks.code: type String(length=20) -> String(length=30)",
        "~ column things.status: server_default "
        + {"postgresql": "text(\"'ACTIVE'::character varying\")"}.get(
            database_url.split(":")[0], "text(\"'ACTIVE'\")") + " -> 'NEW'"], diff


def test_baseline_lists_model_problems_with_the_differences(tmp_path: Path,
                                                            database_url: str) -> None:
    """A model problem no longer blocks `--baseline --url` before the database is compared:
    the problems (error lines, exit 2) come with the differences, and nothing is recorded."""
    project = legacy_alembic_project(tmp_path / "legacy", database_url)
    project.invoke("init", "--models", "models", "--metadata", "models:metadata")
    execute(database_url, "ALTER TABLE growers ADD COLUMN nickname VARCHAR(20)")
    (project.root / "models.py").write_text(MODELS + textwrap.dedent("""
        pots = Table("pots", metadata, Column("id", Integer, primary_key=True),
                     Column("plant_id", Integer, ForeignKey("plants.nope")))
    """))
    refused = project.invoke("snapshot", "--baseline", "--url", database_url, check=False)
    assert refused.code == ExitCode.USAGE, refused
    assert "nothing recorded" in refused.out and "nickname" in refused.out
    assert refused.err.splitlines() == [
        "error: models: table pots: foreign key fk_pots_plant_id_plants refers to column "
        "plants.nope, which table plants does not have"]
    assert not (project.root / "snapshots" / "manifest.yaml").exists()


def test_baseline_leaves_out_the_tables_keyed_to_a_table_with_a_problem(
        tmp_path: Path, database_url: str) -> None:
    """A table keyed to a table left out for its problem is left out too, and said so: the
    comparison stopped with NoReferencedTableError (MLflow's issues -> runs)."""
    project = legacy_alembic_project(tmp_path / "legacy", database_url)
    project.invoke("init", "--models", "models", "--metadata", "models:metadata")
    (project.root / "models.py").write_text(
        MODELS + 'Index("ix_growers_nothing", _table=growers)\n')
    refused = project.invoke("snapshot", "--baseline", "--url", database_url, check=False)
    assert refused.code == ExitCode.USAGE, refused
    assert refused.err.splitlines() == [
        "error: models: table growers: index ix_growers_nothing has no columns",
        "error: models: table plants: not compared with the database: its foreign key refers "
        "to growers, left out for its own problem"]
    assert "Error" not in refused.err
    assert not (project.root / "snapshots" / "manifest.yaml").exists()


def test_baseline_leaves_out_the_tables_keyed_to_a_table_that_cannot_be_recorded(
        tmp_path: Path, database_url: str) -> None:
    """A table that cannot be recorded at all (a CHECK whose parameter has no value: the DDL
    could not be written) is left out with the tables keyed to it: the comparison stopped with
    NoReferencedTableError (Prefect's agent -> work_queue, when its Pydantic columns could not
    be recorded)."""
    project = legacy_alembic_project(tmp_path / "legacy", database_url)
    project.invoke("init", "--models", "models", "--metadata", "models:metadata")
    (project.root / "models.py").write_text(MODELS + textwrap.dedent("""
        from sqlalchemy import CheckConstraint, bindparam, column

        growers.append_constraint(
            CheckConstraint(column("id") > bindparam("floor"), name="floor"))
    """))
    refused = project.invoke("snapshot", "--baseline", "--url", database_url, check=False)
    assert refused.code == ExitCode.USAGE, refused
    assert refused.err.splitlines() == [
        "error: models: table growers: check constraint ck_growers_floor: parameter floor has "
        "no value (DDL would write NULL); give it one or write the SQL out",
        "error: models: table plants: not compared with the database: its foreign key refers "
        "to growers, left out for its own problem"]
    assert not (project.root / "snapshots" / "manifest.yaml").exists()


def test_init_follows_the_script_location_of_alembic_ini(tmp_path: Path) -> None:
    """`tool init` beside an alembic.ini whose script_location is another folder fills in that
    folder (it created an unused alembic/), and a missing script.py.mako is an error naming it
    that says how to get it back (it was a raw FileNotFoundError)."""
    root = tmp_path / "legacy"
    root.mkdir()
    project = Project(root, f"sqlite:///{tmp_path / 'legacy.db'}")
    project.alembic("init", "migrations")
    (root / "migrations" / "script.py.mako").unlink()
    init = project.invoke("init", "--models", "models", "--metadata", "models:metadata")
    assert not (root / "alembic").exists(), init.out
    assert f"created {root / 'migrations' / 'script.py.mako'}" in init.out
    assert f"kept    {root / 'migrations' / 'env.py'} (exists)" in init.out
    (root / "models.py").write_text(MODELS)
    (root / "migrations" / "script.py.mako").unlink()
    refused = project.invoke("snapshot", "-m", "initial", check=False)
    assert refused.code == ExitCode.USAGE and refused.err == (
        f"error: {root / 'migrations' / 'script.py.mako'}: no such file; Alembic writes "
        "revisions from this template: `tool init` puts it back (it adds only what is "
        "missing)\n")
    project.invoke("init")
    project.invoke("snapshot", "-m", "initial")
    assert len(list((root / "migrations" / "versions").glob("*.py"))) == 1
