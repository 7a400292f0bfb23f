"""Cached virtual environments outside the repository: one per corpus package, and the one
``tests/test_versions.py`` runs the oldest supported Alembic and SQLAlchemy in.

Each holds its requirements (a corpus package, pinned, and this project's own dependencies);
the project itself is not installed there but put on ``PYTHONPATH`` when it runs there (with
:func:`import_root`), so a venv built once serves every checkout.  A venv is named after what
it is for and reused once complete (a marker file written last, listing what was installed);
when its requirements change, pip brings it in line (it keeps what already satisfies them).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from .packages import Package

REPO = Path(__file__).resolve().parent.parent
MARKER = "corpus-complete.txt"


def import_root(folder: Path) -> Path:
    """``folder``, made a ``PYTHONPATH`` entry where ``import cultivar_schema`` finds this
    checkout as an install would: ``schema/`` as the package and ``tool/`` as its ``cli``
    (pyproject.toml's package-dir), through symbolic links."""
    package = folder / "cultivar_schema"
    package.mkdir(parents=True, exist_ok=True)
    for entry in [*(REPO / "schema").iterdir(), REPO / "tool"]:
        link = package / ("cli" if entry.name == "tool" else entry.name)
        if not link.is_symlink():
            link.symlink_to(entry, target_is_directory=entry.is_dir())
    return folder


def cache_root() -> Path:
    """``$CORPUS_CACHE``, else ``$XDG_CACHE_HOME/cultivar-corpus`` (``~/.cache/...``)."""
    if os.environ.get("CORPUS_CACHE"):
        return Path(os.environ["CORPUS_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cultivar-corpus"


def our_requirements() -> list[str]:
    """The tool's runtime and database-driver requirements (pyproject.toml)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    return [*project["dependencies"], *extras["postgres"], *extras["mysql"]]


def _pip(python: Path, requirements: list[str]) -> None:
    done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", *requirements],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"pip install {' '.join(requirements)} failed:\n"
                           f"{done.stderr[-2000:]}")


def python_of(package: Package) -> Path:
    """The package's venv interpreter, creating the venv or bringing it up to date when needed."""
    digest = hashlib.sha256(package.requirement.encode()).hexdigest()[:12]
    return cached_python(f"{package.name}-{digest}", [package.requirement, *our_requirements()])


def cached_python(name: str, wanted: list[str]) -> Path:
    """The interpreter of the cached venv ``name`` holding ``wanted``, created or brought up to
    date when needed (a RuntimeError with pip's message when pip fails)."""
    folder = cache_root() / name
    python, marker = folder / "bin" / "python", folder / MARKER
    if marker.exists():
        if marker.read_text(encoding="utf-8").splitlines() != wanted:
            _pip(python, wanted)  # the requirements changed: pip keeps what already satisfies
            marker.write_text("\n".join(wanted) + "\n", encoding="utf-8")
        return python
    if folder.exists():  # an install that was interrupted
        shutil.rmtree(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    try:
        _pip(python, wanted)
    except RuntimeError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    marker.write_text("\n".join(wanted) + "\n", encoding="utf-8")
    return python
