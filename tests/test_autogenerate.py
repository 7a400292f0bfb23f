"""Plain `alembic revision --autogenerate` with the env.py `tool init` writes agrees with
`tool drift`: after `tool apply`, it finds nothing to do, on every database."""

from __future__ import annotations

from .conftest import Project

# Types each database stores under another name: MariaDB makes Float(precision=53) a DOUBLE
# and LargeBinary(100000) a MEDIUMBLOB, PostgreSQL makes Float(precision=20) a REAL.
MODELS = """
from sqlalchemy import LargeBinary

samples = Table(
    "samples", metadata,
    Column("id", Integer, primary_key=True),
    Column("reading", sa.Float(precision=53)),
    Column("rough", sa.Float(precision=20)),
    Column("raw", LargeBinary(length=100000)),
)
"""


def test_autogenerate_is_empty_after_apply(project: Project) -> None:
    project.write_models(MODELS)
    project.invoke("snapshot", "-m", "samples")
    assert "verified" in project.run("apply").out
    before = set(project.revision_files())
    project.alembic("revision", "--autogenerate", "-m", "probe")
    (probe,) = set(project.revision_files()) - before
    body = probe.read_text()
    assert body.count("    pass\n") == 2, body  # models and database agree: nothing to do
