"""Models cannot fool the CI gate: an exit, an exception or a signal while the models import is
an error (exit 2) naming the module, for every command that imports them (issue 18)."""

from __future__ import annotations

import pytest

from .conftest import Project
from .test_bad_input import GROWERS, assert_bad_input, written_files

COMMANDS = [("check",), ("snapshot", "-m", "x"), ("diff", "--exit-code"), ("revision", "-m", "x")]
ENDINGS = {
    "exit-0": ("import sys\nsys.exit(0)", "SystemExit", "exit code 0"),
    "exit-none": ("raise SystemExit", "SystemExit", "exit code None"),
    "os-exit-builtin": ("exit()", "SystemExit", "exit code None"),
    "sigterm": ("import os, signal\nos.kill(os.getpid(), signal.SIGTERM)", "SIGTERM", ""),
    "sigint": ("import os, signal\nos.kill(os.getpid(), signal.SIGINT)", "SIGINT", ""),
    "keyboard-interrupt": ("raise KeyboardInterrupt", "KeyboardInterrupt", ""),
    "base-exception": ("raise BaseException('odd')", "BaseException: odd", ""),
}


@pytest.fixture
def snapshotted(sqlite_project: Project) -> Project:
    sqlite_project.write_models(GROWERS)
    sqlite_project.run("snapshot", "-m", "init")
    return sqlite_project


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("ending", list(ENDINGS))
def test_models_that_end_the_process_are_an_error(snapshotted: Project, ending: str,
                                                  command: tuple[str, ...]) -> None:
    code, *fragments = ENDINGS[ending]
    snapshotted.write_models(GROWERS + code + "\n")
    before = written_files(snapshotted)
    result = snapshotted.run(*command, check=False)
    assert_bad_input(result, "cannot import model module models", "models.py, line",
                     *(f for f in fragments if f))
    assert written_files(snapshotted) == before


def test_signal_handlers_are_restored_after_the_import(snapshotted: Project) -> None:
    """In-process: the handlers the import installs do not outlive it."""
    import signal

    before = signal.getsignal(signal.SIGTERM)
    snapshotted.invoke("check")
    assert signal.getsignal(signal.SIGTERM) is before


def test_exit_from_a_submodule_of_a_models_package(snapshotted: Project) -> None:
    package = snapshotted.root / "models_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "quiet.py").write_text("import sys\nsys.exit(0)\n")
    pyproject = snapshotted.root / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(text.replace('models = ["models"]', 'models = ["models", "models_pkg"]'))
    assert "models_pkg" in pyproject.read_text()
    result = snapshotted.run("check", check=False)
    assert_bad_input(result, "cannot import model module models_pkg.quiet", "exit code 0")


@pytest.mark.parametrize("command", [("apply",), ("drift",), ("status",)], ids=" ".join)
def test_type_module_that_exits_when_a_snapshot_imports_it(sqlite_project: Project,
                                                           command: tuple[str, ...]) -> None:
    """`tool apply`, `drift` and `status` import the project's own TypeDecorators from the
    snapshot without the models: a module that exits there is an error too, not exit 0."""
    project = sqlite_project
    project.write_models(
        "class Money(sa.types.TypeDecorator):\n    impl = Numeric(12, 2)\n    cache_ok = True\n\n"
        'orders = Table("orders", metadata, Column("id", Integer, primary_key=True), '
        'Column("total", Money()))\n')
    project.run("snapshot", "-m", "money")
    project.run("apply")
    models = project.root / "models.py"
    models.write_text("import sys\nsys.exit(0)\n" + models.read_text())
    result = project.run(*command, check=False)
    assert_bad_input(result, "cannot import model module models", "exit code 0")
