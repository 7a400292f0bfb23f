"""The real-world corpus's CI slice: its two lightest packages on every database
(``python -m corpus run --package optuna --package celery``; the full corpus runs on demand,
see docs/realworld.md).  The first run installs them from the package index into the cache
(``~/.cache/cultivar-corpus``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from corpus.packages import LIGHTEST

from .conftest import REPO

DATABASES = {"sqlite": None, "postgresql": "TEST_POSTGRES_URL", "mariadb": "TEST_MYSQL_URL"}
# what a step may end as: the package's own failures are findings, not the tool's; these two
# packages' models are sound, so a refusal would be the tool's error
ACCEPTED = {"ok", "upstream", "-"}


def test_lightest_packages_on_every_database(tmp_path: Path) -> None:
    missing = [variable for variable in DATABASES.values()
               if variable and not os.environ.get(variable)]
    if missing:
        pytest.skip(f"{', '.join(missing)} not set: the corpus runs on all three databases")
    results = tmp_path / "results.json"
    packages = [arg for name in LIGHTEST for arg in ("--package", name)]
    done = subprocess.run([sys.executable, "-m", "corpus", "run", *packages,
                           "--db", ",".join(DATABASES), "--json", str(results)],
                          cwd=REPO, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    outcomes = json.loads(results.read_text())
    assert sorted((o["package"], o["database"]) for o in outcomes) == sorted(
        (name, database) for name in LIGHTEST for database in DATABASES)
    for outcome in outcomes:
        names = [step["name"] for step in outcome["steps"]]
        assert names[:7] == ["snapshot", "apply", "drift", "autogen", "edit", "downgrade",
                             "upgrade"], done.stdout
        assert {step["status"] for step in outcome["steps"]} <= ACCEPTED, done.stdout
