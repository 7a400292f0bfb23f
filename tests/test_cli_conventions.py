"""Conventions users of other migration tools expect from the command line: ``--version``, an
example in every command's help, and the help pointing at the README's exit codes."""

from __future__ import annotations

import re
import subprocess
from importlib.metadata import version

import pytest
from click.testing import CliRunner

from cultivar_schema.cli.cli import cli

from .conftest import REPO, TOOL


def test_version() -> None:
    done = subprocess.run([*TOOL, "--version"], capture_output=True,
                          text=True, check=True)
    assert done.stdout == f"tool {version('cultivar-schema')} (cultivar-schema)\n"


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_shows_an_example_and_where_exit_codes_are(command: str) -> None:
    shown = CliRunner().invoke(cli, [command, "--help"]).output
    examples = shown.split("Examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert examples and all(line.strip().startswith(("tool ", "git ")) for line in examples)
    assert f"tool {command}" in "\n".join(examples)
    assert 'Exit codes: README, "Exit codes".' in shown


def test_the_readme_has_the_exit_codes_heading_the_help_names() -> None:
    assert re.search(r"^#+ Exit codes$", (REPO / "README.md").read_text(), re.M)
