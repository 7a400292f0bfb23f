"""The real-world corpus's CI slice: its two lightest packages on every database
(``python -m corpus run --package optuna --package celery``; the full corpus runs on demand,
see docs/realworld.md).  The first run installs them from the package index into the cache
(``~/.cache/cultivar-corpus``)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from corpus.packages import LIGHTEST

from .conftest import REPO

DATABASES = {"sqlite": None, "postgresql": "TEST_POSTGRES_URL", "mariadb": "TEST_MYSQL_URL"}


@pytest.mark.parametrize("package", LIGHTEST)
def test_corpus_package_on_every_database(package: str) -> None:
    missing = [variable for variable in DATABASES.values()
               if variable and not os.environ.get(variable)]
    if missing:
        pytest.skip(f"{', '.join(missing)} not set: the corpus runs on all three databases")
    done = subprocess.run([sys.executable, "-m", "corpus", "run", "--package", package,
                           "--db", ",".join(DATABASES)], cwd=REPO, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    rows = [line for line in done.stdout.splitlines() if line.startswith(package + " ")]
    assert len(rows) == len(DATABASES), done.stdout
    for row in rows:
        assert "FAIL" not in row.split(), done.stdout
