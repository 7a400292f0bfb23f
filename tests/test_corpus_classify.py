"""The corpus's independent look at adoption's differences (``corpus.classify``): defaults and
primary-key names, which each database spells its own way, are classified true or false alarm
by the database's own reading of the models' column or key, and partial indexes' conditions
by the inspector's, never left ``unchecked``."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from corpus.classify import ATTRIBUTE, Verdict, classify, name_counts
from corpus.probe import same_reading
from corpus.steps import listed_differences
from cultivar_schema.verify.drift import schema_drift


def _history(url: str) -> None:
    """The database as a package's history left it: a default and a key name the models lack."""
    metadata = sa.MetaData()
    sa.Table("things", metadata, sa.Column("id", sa.Integer),
             sa.Column("status", sa.String(20), server_default="ACTIVE"),
             sa.Column("made", sa.Date, server_default=sa.text("CURRENT_DATE")),
             sa.PrimaryKeyConstraint("id", name="things_pk"),
             sa.Index("ix_things_status", "status", postgresql_where=sa.text("status IS NOT NULL"),
                      sqlite_where=sa.text("status IS NOT NULL")),
             sa.Index("ix_things_made", "made"),
             sa.Column("level", sa.Integer), sa.CheckConstraint("level > 0"),
             sa.CheckConstraint("level > 0"))  # MLflow's history adds a CHECK twice
    sa.Table("others", metadata, sa.Column("id", sa.Integer),
             sa.PrimaryKeyConstraint("id", name="others_key"),
             sa.Column("ok", sa.Integer), sa.CheckConstraint("ok IN (0, 1)"))
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    metadata.create_all(engine)
    engine.dispose()


def _models() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("things", metadata, sa.Column("id", sa.Integer),
             sa.Column("status", sa.String(20)),
             sa.Column("made", sa.Date, server_default=sa.text("CURRENT_DATE")),
             sa.PrimaryKeyConstraint("id", name="things_pkey"),
             sa.Index("ix_things_status", "status"), sa.Index("ix_things_made", "made"),
             sa.Column("level", sa.Integer), sa.CheckConstraint("level > 0"))
    sa.Table("others", metadata, sa.Column("id", sa.Integer),
             sa.PrimaryKeyConstraint("id", name="others_key"),
             sa.Column("ok", sa.Integer), sa.CheckConstraint(sa.column("ok").in_([0, 1])))
    return metadata


UNNAMED_OK = {"sqlite": "CHECK (ok IN (0, 1))", "postgresql": "others_ok_check",
              "mysql": "CONSTRAINT_1"}


def test_defaults_and_key_names_are_checked_independently(database_url: str) -> None:
    _history(database_url)
    models = _models()
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        listed = schema_drift(connection, models)
        dialect = connection.dialect.name
    engine.dispose()
    # what the tool lists here: the default the models lack, and (where a database keeps key
    # names) the history's key name
    assert [line for line in listed if line.startswith("column things.status: default is ")]
    assert any(line.startswith("primary key of things: named things_pk in the database")
               for line in listed) == (dialect != "mysql")
    assert any(line.startswith("index ix_things_status on things: the database indexes rows "
                               "where") for line in listed) == (dialect != "mysql")
    assert any("not in the snapshot (it checks " in line for line in listed)
    invented = ["column things.made: default is curdate() in the database, the snapshot says "
                "CURRENT_DATE",
                "primary key of others: named others_k in the database, the snapshot says "
                "others_key",
                "primary key of others: ['id', 'x'] in the database, the snapshot says ['id']",
                "index ix_things_made on things: the database indexes every row, the snapshot "
                "says rows where made IS NULL",
                # the one unnamed CHECK of others, as the database names it, is the models'
                f"check constraint {UNNAMED_OK[dialect]} on others: not in the snapshot (it "
                "checks 'ok IN (0, 1)')"]
    verdicts = {item.line: item for item in classify(database_url, models, listed + invented)}
    for line in listed:
        assert verdicts[line].verdict is Verdict.TRUE, verdicts[line]
    for line in invented:
        assert verdicts[line].verdict is Verdict.FALSE, verdicts[line]
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:  # the probes leave nothing behind
        assert sorted(sa.inspect(connection).get_table_names()) == ["others", "things"]
    engine.dispose()


def test_a_name_given_twice_is_counted_in_the_models(tmp_path: Path) -> None:
    """MLflow's history attaches a second CHECK ``source_type`` to its models' ``runs`` as it
    is imported: the tool's "given twice" is checked by counting the MetaData's names."""
    models = sa.MetaData()
    runs = sa.Table("runs", models, sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("source", sa.String(10)),
                    sa.CheckConstraint("source <> ''", name="source_type"))
    before = name_counts(models)
    sa.CheckConstraint(runs.c.source.in_(["a", "b"]), name="source_type")  # attaches itself
    line = ("error: models: table runs: {} name {} is given twice; the snapshot tells a table's "
            "check constraints apart by name")
    verdicts = classify(f"sqlite:///{tmp_path / 'db.sqlite'}", models, [
        line.format("check constraint", "source_type"), line.format("index", "ix_runs_source")],
        before)
    assert [item.verdict for item in verdicts] == [Verdict.TRUE, Verdict.FALSE], verdicts
    assert "(1 before the package's history was imported)" in verdicts[0].evidence


def test_a_difference_that_spans_lines_is_one() -> None:
    """A default SQLite keeps as written, over several lines (Prefect's), was split into a
    dozen 'unchecked' pieces."""
    out = ("the database differs from the models (2 difference(s)); nothing recorded:\n"
           "  column events.id: default is (lower(\n    hex(randomblob(4)))\n) in the database, "
           "the snapshot says uuid_default()\n"
           "  index ix_events_at on events: not in the snapshot\n")
    listed = listed_differences(out)
    assert listed == ["column events.id: default is (lower(\n    hex(randomblob(4)))\n) in the "
                      "database, the snapshot says uuid_default()",
                      "index ix_events_at on events: not in the snapshot"]
    assert ATTRIBUTE.match(listed[0])


def test_a_default_is_read_without_its_layout() -> None:
    """SQLite keeps a default's text as the DDL wrote it: Prefect's history wrote its UUID
    default over other lines than its models' ``@compiles`` does."""
    history = "(\n    lower(hex(randomblob(4)))\n    || '-'\n)"
    assert same_reading(history, "lower(hex(randomblob(4))) || '-'")
    assert not same_reading("(a) + (b)", "a) + (b")
    assert not same_reading("'a  b'", "'a b'")  # inside a literal, spaces are the value
    assert not same_reading("0", None) and same_reading(None, None)
