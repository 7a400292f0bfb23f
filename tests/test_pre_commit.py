"""The shipped pre-commit hooks (``.pre-commit-hooks.yaml``) run with the real ``pre-commit`` in
a throwaway git repository whose models are a package of its own: the commit passes when the
snapshot is recorded and is stopped when the models changed without one.  (The hooks were
``language: python``, whose isolated environment cannot import a project's models.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import REPO, Project, git

pytest.importorskip("pre_commit", reason="pre-commit is a test extra: pip install -e '.[test]'")


def _commit(project: Project, message: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**project.env(), "PRE_COMMIT_HOME": str(home),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    git(project.root, "add", "-A")
    return subprocess.run(["git", "commit", "-qm", message], cwd=project.root, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_shipped_hooks_stop_a_commit_of_unrecorded_models(tmp_path: Path) -> None:
    project = Project(tmp_path / "repo", f"sqlite:///{tmp_path / 'app.db'}")
    package = project.root / "shop"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text(
        "from sqlalchemy import Column, Integer, MetaData, Table\n"
        "metadata = MetaData()\n"
        "orders = Table('orders', metadata, Column('id', Integer, primary_key=True))\n")
    project.invoke("init", "--models", "shop.models", "--metadata", "shop.models:metadata")
    project.invoke("snapshot", "-m", "orders")
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (project.root / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}))
    git(project.root, "init", "-q", "-b", "main")
    home = tmp_path / "pre-commit-home"
    installed = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=project.root,
                               env={**project.env(), "PRE_COMMIT_HOME": str(home)},
                               capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr

    first = _commit(project, "orders", home)
    assert first.returncode == 0, first.stdout + first.stderr

    models = package / "models.py"
    models.write_text(models.read_text() + "Table('items', metadata, "
                      "Column('id', Integer, primary_key=True))\n")
    stopped = _commit(project, "items without a snapshot", home)
    report = stopped.stdout + stopped.stderr  # git passes the hook's output on stderr
    assert stopped.returncode == 1, report
    assert "- hook id: schema-check" in report and "- hook id: schema-diff" in report, report
    assert "+ table items" in report and "No module named" not in report

    project.invoke("snapshot", "-m", "items")
    recorded = _commit(project, "items", home)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
