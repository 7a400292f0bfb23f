"""Drift verification compares the snapshot's tables a batch at a time (schema/verify/drift.py):
the lines must be those of one comparison of every table, in the same order, whatever the
batches' size, with differences in every batch and keys between batches."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from cultivar_schema.verify import drift


def _models() -> sa.MetaData:
    """Seven tables, each referring to the one before it (so keys cross every batch)."""
    metadata = sa.MetaData()
    for number in range(7):
        columns: list[sa.SchemaItem] = [
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(40), nullable=False),
            sa.Column("size", sa.Integer),
            sa.CheckConstraint("size > 0", name=f"ck_{number}"),
            sa.Index(f"ix_t{number}_name", "name"),
        ]
        if number:
            columns.append(sa.Column("parent_id", sa.ForeignKey(f"t{number - 1}.id")))
        sa.Table(f"t{number}", metadata, *columns)
    return metadata


def test_batches_report_what_one_comparison_reports(
        database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each kind of difference, in several batches: a missing table, a stray one, a column
    added, an index dropped, a CHECK changed; batches of 2 and of all tables agree line for
    line."""
    models = _models()
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            live = _models()
            live.remove(live.tables["t6"])
            live.tables["t2"].append_column(sa.Column("extra", sa.Integer))
            sa.Table("stray", live, sa.Column("id", sa.Integer, primary_key=True))
            live.create_all(connection)
            connection.execute(sa.schema.DropIndex(live.tables["t4"].indexes.pop()))
            if connection.dialect.name != "sqlite":  # SQLite cannot drop a CHECK in place
                connection.exec_driver_sql("ALTER TABLE t5 DROP CONSTRAINT ck_5")
                connection.exec_driver_sql("ALTER TABLE t5 ADD CONSTRAINT ck_5 CHECK (size > 1)")
        with engine.connect() as connection:
            monkeypatch.setattr(drift, "BATCH_TABLES", 1000)
            whole = drift.schema_drift(connection, models)
            monkeypatch.setattr(drift, "BATCH_TABLES", 2)
            batched = drift.schema_drift(connection, models)
    finally:
        engine.dispose()
    assert batched == whole
    assert "table t6: missing from the database" in whole
    assert "table stray: not in the snapshot" in whole
    assert "column t2.extra: not in the snapshot" in whole
    assert "index ix_t4_name on t4: missing from the database" in whole
    if not database_url.startswith("sqlite"):
        assert any(line.startswith("check constraint ck_5 on t5") for line in whole), whole
