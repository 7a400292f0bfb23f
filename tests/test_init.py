"""`tool init` on a project of one's own: it finds the models (or says exactly what to fill in),
says what it added to an existing pyproject.toml, leaves existing files' permissions and gives new
ones the umask's (not 0600)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from cultivar_schema.author.init import init_project

from .conftest import Project

BASE = """
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
"""
MODEL = """
from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from shop.db.base import Base


class {name}(Base):
    __tablename__ = "{table}"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
"""


def _shop(root: Path, tables: tuple[str, ...] = ("orders", "customers")) -> None:
    for package in ("shop", "shop/db", "shop/db/models"):
        (root / package).mkdir(parents=True, exist_ok=True)
        (root / package / "__init__.py").write_text("")
    (root / "shop" / "db" / "base.py").write_text(BASE)
    for table in tables:
        (root / "shop" / "db" / "models" / f"{table}.py").write_text(
            MODEL.format(name=table.title(), table=table))
    (root / "shop" / "views.py").write_text("raise SystemExit('never imported by init')\n")


def test_init_finds_the_models_and_the_first_snapshot_works(tmp_path: Path) -> None:
    root = tmp_path / "shop_project"
    root.mkdir()
    _shop(root)
    project = Project(root, f"sqlite:///{tmp_path / 'shop.db'}")
    out = project.invoke("init").out
    assert ("note: models found: shop.db.models.customers, shop.db.models.orders, MetaData "
            "shop.db.base:Base.metadata (shop/db/base.py): if that is not right, set models "
            f"and metadata in [tool.schema] of {root / 'pyproject.toml'}") in out
    snapshot = project.invoke("snapshot", "-m", "first").out
    assert "+ table customers" in snapshot and "+ table orders" in snapshot


def test_many_model_modules_are_named_by_their_package(tmp_path: Path) -> None:
    _shop(tmp_path, tuple(f"t{number}" for number in range(8)))
    init_project(tmp_path)
    assert 'models = ["shop.db.models"]' in (tmp_path / "pyproject.toml").read_text()


def test_without_models_init_says_exactly_what_to_edit(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    out = Project(root, "sqlite://").invoke("init").out
    assert (f"note: no SQLAlchemy models found under {root}: set models and metadata in "
            f"[tool.schema] of {root / 'pyproject.toml'} (e.g. models = [\"myapp.models\"], "
            'metadata = "myapp.models:Base.metadata"); it names app.models until then') in out


def test_of_several_metadata_the_chooser_picks(tmp_path: Path) -> None:
    _shop(tmp_path)
    (tmp_path / "legacy.py").write_text(textwrap.dedent("""
        from sqlalchemy import Column, Integer, MetaData, Table
        metadata = MetaData()
        old = Table("old", metadata, Column("id", Integer, primary_key=True))
    """))
    offered = []
    result = init_project(tmp_path, choose=lambda found: offered.extend(found) or found[1])
    assert [item.metadata for item in offered] == ["legacy:metadata",
                                                   "shop.db.base:Base.metadata"]
    text = (tmp_path / "pyproject.toml").read_text()
    assert 'metadata = "shop.db.base:Base.metadata"' in text
    assert "also found legacy:metadata" in result.notes[0]


def test_an_existing_pyproject_is_extended_and_keeps_its_permissions(tmp_path: Path) -> None:
    root = tmp_path / "existing"
    root.mkdir()
    pyproject = root / "pyproject.toml"
    pyproject.write_text('[project]\nname = "existing"\n')
    pyproject.chmod(0o664)
    out = Project(root, "sqlite://").invoke("init", "--models", "models").out
    assert f"added   [tool.schema] to {pyproject}" in out
    assert f"created {pyproject}" not in out
    assert pyproject.stat().st_mode & 0o777 == 0o664
    assert pyproject.read_text().startswith('[project]\nname = "existing"\n\n[tool.schema]\n')
    assert 'metadata = "models:Base.metadata"' in pyproject.read_text()


def test_new_files_take_the_umasks_permissions(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        Project(tmp_path, "sqlite://").invoke("init", "--models", "models")
    finally:
        os.umask(previous)
    for name in ("alembic.ini", "alembic/env.py", "alembic/script.py.mako", "pyproject.toml"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o644, name
