"""Projects whose Alembic options live in ``pyproject.toml`` (``[tool.alembic]``, Alembic 1.16+,
``alembic init -t pyproject``) work with every command, as plain ``alembic`` does on them."""

from __future__ import annotations

import textwrap
from pathlib import Path

from .conftest import MODELS_HEADER, Project

MODELS = MODELS_HEADER + textwrap.dedent("""
    growers = Table("growers", metadata, Column("id", Integer, primary_key=True),
                    Column("name", String(50), nullable=False))
""")
MORE = MODELS + 'plants = Table("plants", metadata, Column("id", Integer, primary_key=True))\n'


def test_every_command_reads_tool_alembic_in_pyproject(tmp_path: Path) -> None:
    root = tmp_path / "modern"
    root.mkdir()
    project = Project(root, f"sqlite:///{tmp_path / 'modern.db'}")
    project.alembic("init", "-t", "pyproject", "migrations")
    assert "script_location" not in (root / "alembic.ini").read_text()
    (root / "migrations" / "env.py").unlink()  # the tool's env.py lets `tool apply` run it
    project.invoke("init", "--models", "models", "--metadata", "models:metadata")
    assert not (root / "alembic").exists()
    assert (root / "migrations" / "env.py").is_file()
    (root / "models.py").write_text(MODELS)

    project.invoke("snapshot", "-m", "growers")
    assert len(list((root / "migrations" / "versions").glob("*.py"))) == 1
    project.invoke("check")
    assert "verified" in project.invoke("apply").out
    (root / "models.py").write_text(MORE)
    project.invoke("snapshot", "-m", "plants")
    status = project.invoke("status", check=False)
    assert status.code == 1 and "plants" in status.out, status.out  # 1: a revision is pending
    project.invoke("apply")
    assert "no drift" in project.invoke("drift").out
    project.alembic("downgrade", "-1")  # plain alembic reads the same options
    project.alembic("upgrade", "head")
    project.invoke("drift")


def test_a_pyproject_without_script_location_names_both_places(tmp_path: Path) -> None:
    root = tmp_path / "broken"
    root.mkdir()
    project = Project(root, f"sqlite:///{tmp_path / 'broken.db'}")
    project.alembic("init", "-t", "pyproject", "migrations")
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("script_location", "# script_location"))
    refused = project.invoke("init", "--models", "models", "--metadata", "models:metadata",
                             check=False)
    assert refused.code == 2
    assert refused.err == (f"error: {root / 'alembic.ini'}: no script_location in [alembic] or "
                           "in [tool.alembic] of pyproject.toml\n")


def test_init_without_alembic_ini_keeps_the_script_location_of_pyproject(tmp_path: Path) -> None:
    """The alembic.ini `tool init` writes beside ``[tool.alembic]`` names no script_location
    (the ini's would win over pyproject's), and the scripts go where pyproject says."""
    root = tmp_path / "toml_only"
    root.mkdir()
    project = Project(root, f"sqlite:///{tmp_path / 'toml_only.db'}")
    (root / "pyproject.toml").write_text('[tool.alembic]\nscript_location = "%(here)s/db"\n')
    project.invoke("init", "--models", "models", "--metadata", "models:metadata")
    assert "script_location" not in (root / "alembic.ini").read_text()
    assert (root / "db" / "env.py").is_file() and not (root / "alembic").exists()
    (root / "models.py").write_text(MODELS)
    project.invoke("snapshot", "-m", "growers")
    project.invoke("apply")
    assert len(list((root / "db" / "versions").glob("*.py"))) == 1
