"""The oldest Alembic and SQLAlchemy that ``pyproject.toml`` allows, tested.

``pyproject.toml`` bounds both to the range the suite was run with: the whole suite runs on the
newest (what ``pip install -e '.[test]'`` brings), and this test runs a slice of it on the
oldest (the lower bounds): the pinned revisions of every golden case and the planner's, lint and
review unit tests, which together go through every private Alembic and SQLAlchemy API the tool
fences in ``schema/compat.py`` (the goldens' database runs on the oldest versions were checked
by hand when the bounds were set: CI's time would double on its 2 cores). The slice runs in a
cached virtual environment (``corpus/venvs.py``: ``~/.cache/cultivar-corpus/oldest-...``) built
from the package index the first time; outside CI the test is skipped, saying why, when the
index cannot be reached.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from corpus.venvs import cached_python, import_root

from .conftest import REPO

BOUNDED = ("alembic", "sqlalchemy")
# every revision the goldens write, rendered (the private Alembic APIs), and the planner's, lint
# and review tests, and drift verification in batches (Alembic's comparison run in parts); not the
# goldens' database runs, which would double CI's time on 2 cores
SLICE = ["tests/test_pinned_revisions.py", "tests/test_plan_operations.py", "tests/test_lint.py",
         "tests/test_review.py", "tests/test_drift_batches.py"]


def _requirements() -> list[str]:
    """The runtime and test requirements of ``pyproject.toml``."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["test"]]


def _bounds(requirement: Requirement) -> dict[str, str]:
    return {spec.operator: spec.version for spec in requirement.specifier}


def oldest_requirements() -> list[str]:
    """The requirements with Alembic and SQLAlchemy pinned to their lower bounds."""
    pinned = []
    for text in _requirements():
        requirement = Requirement(text)
        if requirement.name.lower() in BOUNDED:
            extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
            text = f"{requirement.name}{extras}=={_bounds(requirement)['>=']}"
        pinned.append(text)
    return pinned


def index_reachable(requirement: str) -> bool:
    """Whether pip can fetch ``requirement`` alone (no dependencies) from the package index."""
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                               "--dest", folder, requirement], capture_output=True, timeout=600)
    return done.returncode == 0


def test_alembic_and_sqlalchemy_are_bounded() -> None:
    """Both have a lower bound (tested here) and an upper one (the newest tested)."""
    found = {Requirement(text).name.lower(): _bounds(Requirement(text))
             for text in _requirements() if Requirement(text).name.lower() in BOUNDED}
    assert sorted(found) == sorted(BOUNDED)
    for name, bounds in found.items():
        assert {">=", "<"} <= bounds.keys(), f"{name} needs a lower and an upper bound"


def test_slice_on_oldest_alembic_and_sqlalchemy(tmp_path: Path) -> None:
    start = time.monotonic()
    wanted = oldest_requirements()
    try:
        python = cached_python("oldest-alembic-sqlalchemy", wanted)
    except RuntimeError:
        pins = [text for text in wanted if "==" in text]
        if os.environ.get("CI") or index_reachable(pins[0]):
            raise
        pytest.skip(f"the package index cannot be reached: pip cannot download {pins[0]}")
    built = time.monotonic() - start
    # SQLite only: the database servers are the whole suite's, on the newest versions
    env = {key: value for key, value in os.environ.items()
           if key not in ("TEST_POSTGRES_URL", "TEST_MYSQL_URL", "PYTEST_ADDOPTS")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(import_root(tmp_path / "imports"))])
    done = subprocess.run([str(python), "-m", "pytest", "-p", "no:cacheprovider", "-n", "2",
                           "-q", *SLICE], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=1200)
    summary = done.stdout.strip().splitlines()[-1:]
    pins = ", ".join(text for text in wanted if "==" in text)
    print(f"\n{pins}: venv {built:.1f}s, slice {time.monotonic() - start - built:.1f}s: {summary}")
    assert done.returncode == 0, f"{done.stdout[-6000:]}\n{done.stderr[-2000:]}"
