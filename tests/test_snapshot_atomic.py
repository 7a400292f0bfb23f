"""`tool snapshot` writes the revision, table files and manifest together or not at all."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cultivar_schema import journal
from cultivar_schema.author.record import take_snapshot
from cultivar_schema.errors import SchemaToolError
from cultivar_schema.project import Project as SchemaProject

from .conftest import Project
from .test_roundtrip import BASE, STEPS


def test_failure_while_writing_leaves_nothing_behind(
    sqlite_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    sqlite_project.write_models(BASE.models())
    sqlite_project.run("snapshot", "-m", "base")
    before = sqlite_project.snapshot_files()
    revisions = sqlite_project.revision_files()

    # In-process from here: a module name no other test imports.
    sqlite_project.write_models(STEPS[0].models())
    (sqlite_project.root / "models.py").rename(sqlite_project.root / "models_atomic.py")
    pyproject = sqlite_project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("\"models", "\"models_atomic"))

    real_replace = os.replace
    calls = []

    def failing_replace(src: str | Path, dst: str | Path) -> None:
        calls.append(dst)
        if len(calls) == 3:  # the revision and the journal's first records are written
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(journal.os, "replace", failing_replace)
    with pytest.raises(SchemaToolError, match="cannot write: disk full; nothing was changed"):
        take_snapshot(SchemaProject.open(sqlite_project.root), "add harvests")
    assert sqlite_project.snapshot_files() == before
    assert sqlite_project.revision_files() == revisions
    leftovers = [p for p in sqlite_project.root.rglob("*")
                 if p.name.endswith((".tmp", ".bak", ".part")) or ".tool-journal" in p.name]
    assert leftovers == []
