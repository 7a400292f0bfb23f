"""Colour and progress, one way for every command: colour by ``--color``, ``NO_COLOR`` and
``FORCE_COLOR`` (a terminal's only by default, never JSON), and a self-overwriting progress line
on a terminal's stderr that is gone when the work ends and never there when piped or in JSON.
Terminals are real pseudo-terminals (pty) around a real ``python -m cultivar_schema.cli``."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import threading
from pathlib import Path
from typing import Any

from cultivar_schema.progress import listening

from .conftest import TOOL, Project, Result
from .json_documents import validated

GREEN, RED, ESCAPE = "\x1b[32m", "\x1b[31m", "\x1b["
GROWERS = 'growers = Table("growers", metadata, Column("id", Integer, primary_key=True))\n'
PLANTS = 'plants = Table("plants", metadata, Column("id", Integer, primary_key=True))\n'


def tool(project: Project, *args: str, **environ: str) -> Result:
    """The CLI in this process with ``environ`` set (and NO_COLOR/FORCE_COLOR unset unless
    given); its stdout is not a terminal."""
    return project.invoke(*args, check=False,
                          environ={"NO_COLOR": None, "FORCE_COLOR": None, **environ})


def in_terminal(project: Project, stream: str, *args: str, **environ: str) -> tuple[str, str]:
    """``tool ARGS`` with ``stream`` (stdout or stderr) on a pseudo-terminal and the
    other piped: (what the terminal got, what the pipe got)."""
    controller, terminal = pty.openpty()
    env = {key: value for key, value in project.env().items()
           if key not in ("NO_COLOR", "FORCE_COLOR")}
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, stream: terminal}
    child = subprocess.Popen([*TOOL, *args], cwd=project.root,
                             env={**env, **environ}, stdin=subprocess.DEVNULL, **pipes)
    os.close(terminal)
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the child closed the terminal (EIO)
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    piped = child.communicate(timeout=300)[0 if stream == "stderr" else 1]
    reader.join(timeout=60)
    os.close(controller)
    assert child.returncode in (0, 1), (child.returncode, piped)
    return b"".join(chunks).decode(), piped.decode()


class Steps:
    """A progress ``Listener`` that keeps what it hears: (stage, total, items advanced)."""

    def __init__(self) -> None:
        self.heard: list[list[Any]] = []

    def stage(self, name: str, total: int | None) -> None:
        self.heard.append([name, total, 0])

    def advance(self, count: int) -> None:
        self.heard[-1][2] += count


def pending_change(project: Project) -> None:
    project.write_models(GROWERS)
    project.invoke("snapshot", "-m", "growers")
    project.write_models(GROWERS + PLANTS)


def test_every_command_that_prints_changes_colours_them_the_same_way(
        sqlite_project: Project) -> None:
    project = sqlite_project
    pending_change(project)
    for args in (["snapshot", "--dry-run", "-m", "x"], ["diff"]):
        assert f"{GREEN}+ table plants" in tool(project, "--color", "always", *args).out
        assert f"{GREEN}+ table plants" in tool(project, *args, FORCE_COLOR="1").out
        assert ESCAPE not in tool(project, *args).out  # not a terminal
        assert ESCAPE not in tool(project, *args, FORCE_COLOR="1", NO_COLOR="1").out
        assert ESCAPE not in tool(project, "--color", "never", *args, FORCE_COLOR="1").out
    problems = tool(project, "--color", "always", "check")
    assert problems.code == 1 and f"{RED}models differ from the snapshot: + table plants" in \
        problems.out
    as_json = tool(project, "--color", "always", "diff", "--format", "json")
    assert ESCAPE not in as_json.out and validated(as_json.out, "diff")
    assert ESCAPE not in tool(project, "--color", "always", "diff", "--format", "markdown").out
    recorded = tool(project, "--color", "always", "snapshot", "-m", "plants")
    assert f"{GREEN}wrote revision" in recorded.out
    applied = tool(project, "--color", "always", "apply")
    assert f"{GREEN}verified: the database matches" in applied.out
    assert f"{GREEN}applied  " in applied.out
    assert f"pending:  {GREEN}none" in tool(project, "--color", "always", "status").out
    assert f"{GREEN}no drift" in tool(project, "--color", "always", "drift").out
    assert f"{GREEN}ok: models match" in tool(project, "--color", "always", "check").out


def test_colour_is_a_terminals_unless_no_color(sqlite_project: Project) -> None:
    pending_change(sqlite_project)
    shown, _ = in_terminal(sqlite_project, "stdout", "diff")
    assert f"{GREEN}+ table plants" in shown
    shown, _ = in_terminal(sqlite_project, "stdout", "diff", NO_COLOR="1")
    assert ESCAPE not in shown and "+ table plants" in shown
    piped = sqlite_project.run("diff")
    assert ESCAPE not in piped.out and "+ table plants" in piped.out


def test_progress_on_a_terminal_only(tmp_path: Path, sqlite_project: Project) -> None:
    project = sqlite_project
    project.write_models("".join(
        f't{i} = Table("t{i}", metadata, Column("id", Integer, primary_key=True))\n'
        for i in range(30)))
    progress, out = in_terminal(project, "stderr", "snapshot", "-m", "first", "--dry-run")
    assert "\r\x1b[Ksnapshot: importing the models (" in progress
    assert "\r\x1b[Ksnapshot: recording tables " in progress and "/30 (" in progress
    assert progress.endswith("\r\x1b[K")  # erased: what follows starts on a clean line
    assert "\r" not in out and out.startswith("+ table t0\n")
    progress, out = in_terminal(project, "stderr", "snapshot", "-m", "first")
    assert "\r\x1b[Ksnapshot: writing snapshot files " in progress
    assert re.search(r"\r\x1b\[Ksnapshot: writing the revision \d+/30 \(", progress)
    assert progress.endswith("\r\x1b[K") and "wrote revision" in out
    project.write_models('t = Table("t", metadata, Column("id", Integer, primary_key=True))\n')
    quiet, out = in_terminal(project, "stderr", "diff", "--format", "json")
    assert quiet == "" and validated(out, "diff")
    piped = project.run("check", check=False)
    assert piped.err == "" and "models differ" in piped.out
    quiet, out = in_terminal(project, "stderr", "snapshot", "-m", "t", "--format", "json",
                             "--allow-destructive", "a test")
    assert quiet == "" and validated(out, "snapshot")["revision"]
    head = validated(out, "snapshot")["revision"]
    progress, out = in_terminal(project, "stderr", "squash", "--to", head)
    assert re.search(r"\r\x1b\[Ksquash: writing the revision \d+/1 \(", progress)
    assert progress.endswith("\r\x1b[K") and out.startswith("squashed 2 revisions")


def test_writing_the_revision_advances_once_per_new_table(sqlite_project: Project) -> None:
    """What the progress line counts while the revision is written: each table's operation
    (the first snapshot of many tables spends most of its time there)."""
    sqlite_project.write_models("".join(
        f't{i} = Table("t{i}", metadata, Column("id", Integer, primary_key=True))\n'
        for i in range(12)))
    steps = Steps()
    with listening(steps):  # not a terminal: the command installs no listener of its own
        sqlite_project.invoke("snapshot", "-m", "first")
    assert ["writing the revision", 12, 12] in steps.heard
    assert ["recording tables", 12, 12] in steps.heard
