"""The shipped CI workflow and pre-commit hooks run as written, on a git copy of this repository
with a pull request that adds a column."""

from __future__ import annotations

import shlex

import yaml

from .conftest import REPO, Project, git

WORKFLOW = REPO / ".github" / "workflows" / "schema-review.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"


def tool_commands(script: str, base: str) -> list[list[str]]:
    """The `tool ...` commands of a workflow step, with the base branch filled in."""
    script = script.replace("\\\n", " ").replace('"origin/${{ github.base_ref }}"', base)
    return [shlex.split(line.split(">")[0]) for line in script.splitlines()
            if line.strip().startswith("tool ")]


def test_workflow_steps_run_on_a_pull_request(repo_copy: Project) -> None:
    root = repo_copy.root
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "main")
    git(root, "checkout", "-q", "-b", "feature")
    models = root / "app" / "models_async" / "grow.py"
    text = models.read_text()
    anchor = '    notes: Mapped[str | None] = mapped_column(Text)\n'
    assert anchor in text
    models.write_text(text.replace(anchor, anchor + "    ph_target: Mapped[float | None]\n", 1))
    repo_copy.run("snapshot", "-m", "ph target")

    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["review"]["steps"]
    commands = [command for step in steps if "run" in step
                for command in tool_commands(step["run"], "main")]
    assert [c[:2] for c in commands] == [["tool", "check"], ["tool", "diff"]]
    outputs = [repo_copy.run(*command[1:]).out for command in commands]
    assert outputs[0].startswith("ok: models match the snapshot")
    assert outputs[1].startswith("### Schema diff\n\n`main` → `snapshot`: **1 change: 1 added**")
    assert "| `+` | column " in outputs[1] and "add_column" in outputs[1]


def test_pre_commit_hooks_run(repo_copy: Project) -> None:
    hooks = yaml.safe_load(HOOKS.read_text())
    assert {hook["id"] for hook in hooks} == {"schema-check", "schema-diff"}
    for hook in hooks:
        # system: the project's own Python, which can import its models (see the hooks file)
        assert hook["language"] == "system" and hook["pass_filenames"] is False
        command = shlex.split(hook["entry"])
        assert command[:3] == ["python", "-m", "cultivar_schema.cli"]
        result = repo_copy.run(*command[3:], check=False)
        assert result.code == 0, (hook["id"], result)
