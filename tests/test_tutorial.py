"""The README's tutorial, walked as a newcomer would: a fresh virtual environment with the tool
installed from this checkout, a throwaway project holding the tutorial's models, and every
`tool` command of the tutorial's shell blocks run in order (the model edit it describes is made
between the two blocks)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

EMAIL = '    email: Mapped[str | None] = mapped_column(String(200))\n'


def _tutorial() -> tuple[str, list[list[str]]]:
    """The models module and the `tool` command lines of each shell block."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Tutorial", 1)[1].split("\n## ", 1)[0]
    [models] = re.findall(r"```python\n(.*?)```", section, re.S)
    blocks = [[line.split("#", 1)[0].strip() for line in block.splitlines()
               if line.startswith("tool ")]
              for block in re.findall(r"```sh\n(.*?)```", section, re.S)]
    return models, [block for block in blocks if block]


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    installed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                                str(REPO)], capture_output=True, text=True, timeout=900)
    if installed.returncode != 0 and "Could not find a version" in installed.stderr:
        pytest.skip("the package index is unreachable: cannot install into a fresh environment")
    assert installed.returncode == 0, installed.stderr
    return venv


def test_the_tutorial_works_as_written(fresh_venv: Path, tmp_path: Path) -> None:
    models, (first, second) = _tutorial()
    project = tmp_path / "shop_project"
    (project / "shop").mkdir(parents=True)
    (project / "shop" / "__init__.py").write_text("")
    (project / "shop" / "models.py").write_text(models)
    env = {key: value for key, value in os.environ.items()
           if key not in {"DATABASE_URL", "PYTHONPATH", "VIRTUAL_ENV"}}
    env["PATH"] = f"{fresh_venv / 'bin'}{os.pathsep}{env['PATH']}"

    def run(line: str) -> str:
        done = subprocess.run(["bash", "-c", line], cwd=project, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, f"{line}: exit {done.returncode}\n{done.stdout}{done.stderr}"
        return done.stdout

    assert "models found: shop.models" in run(first[0])
    for line in first[1:]:
        run(line)
    (project / "shop" / "models.py").write_text(models + EMAIL)
    outputs = {line: run(line) for line in second}
    assert any("+ column customers.email" in out for out in outputs.values()), outputs
    assert (project / "shop_project.db").is_file()
