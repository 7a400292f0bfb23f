"""Without ``fcntl`` (Windows), the commands that lock nothing on this machine still run: a
deploy to PostgreSQL or MariaDB locks on the server, and no module imports ``fcntl`` or
``msvcrt`` before it takes a file lock (``schema/file_locks.py``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import Project, server_database

# Runs the CLI with fcntl made unimportable, as on Windows.
WITHOUT_FCNTL = textwrap.dedent("""
    import sys
    sys.modules["fcntl"] = None
    from cultivar_schema.cli.cli import main
    sys.argv = ["tool", *sys.argv[1:]]
    main()
""")


def _run_without_fcntl(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", WITHOUT_FCNTL, *args], cwd=project.root,
                          env=project.env(), capture_output=True, text=True, timeout=300)


def test_no_module_imports_a_lock_library_when_imported() -> None:
    probe = ("import sys, pkgutil, importlib, schema, tool\n"
             "sys.modules['fcntl'] = None\n"
             "for package in (schema, tool):\n"
             "    for info in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
             "        if not info.name.endswith('__main__'):\n"
             "            importlib.import_module(info.name)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def postgres_url() -> object:
    yield from server_database("TEST_POSTGRES_URL", "PostgreSQL")


def test_deploy_commands_run_without_fcntl_against_postgresql(tmp_path: Path,
                                                               postgres_url: str) -> None:
    project = Project(tmp_path / "proj", postgres_url)
    project.root.mkdir()
    project.invoke("init", "--models", "models", "--metadata", "models:metadata")
    project.write_models("""
        growers = Table("growers", metadata, Column("id", Integer, primary_key=True))
    """)
    project.invoke("snapshot", "-m", "growers")
    for args, code in ((["check"], 0), (["status"], 1), (["apply", "--no-backup"], 0),
                       (["status"], 0), (["drift"], 0)):
        done = _run_without_fcntl(project, *args)
        assert done.returncode == code, f"tool {' '.join(args)}: {done.stdout}{done.stderr}"
    assert "verified" in _run_without_fcntl(project, "apply").stdout
