"""``--fleet NAME`` of `tool apply`, `tool status` and `tool drift`: one project's revisions on
every target of ``[tool.schema.fleets.NAME]`` (docs/fleets.md)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cultivar_schema.cli.base import ToolState

if TYPE_CHECKING:
    from cultivar_schema.apply.fleet.rollout import Work
    from cultivar_schema.apply.run import ApplyOptions

F = TypeVar("F", bound=Callable[..., Any])


class ShardType(click.ParamType):
    """``--shard I/N``."""

    name = "I/N"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        from cultivar_schema.apply.fleet.targets import Shard

        try:
            return Shard.parse(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def fleet_options(function: F) -> F:
    """``--fleet``, ``--shard``, ``--stage`` and ``--parallel``, shared by the three commands."""
    for option in reversed((
            click.option("--fleet", metavar="NAME",
                         help="Every target of [tool.schema.fleets.NAME] (docs/fleets.md)."),
            click.option("--shard", type=ShardType(), metavar="I/N",
                         help="With --fleet: only the I-th of N stable parts of the fleet."),
            click.option("--stage", "only_stage", metavar="NAME",
                         help="With --fleet: only this stage's targets."),
            click.option("--parallel", type=click.IntRange(min=1), metavar="N",
                         help="With --fleet: targets at once in a stage that names none "
                              "(default: the fleet's parallel, else 1)."))):
        function = option(function)
    return function


def refuse_without_fleet(fleet: str | None, **given: object) -> None:
    """--shard, --stage, --parallel (and --format markdown of apply and status) mean nothing
    without --fleet; ``given`` maps each option as the user wrote it to its value."""
    used = [name for name, value in given.items() if value]
    if fleet is None and used:
        raise click.UsageError(f"{', '.join(used)} needs --fleet NAME")


def run_fleet_command(state: ToolState, work: Work, fleet: str, shard: Any,
                      only_stage: str | None, parallel: int | None, output: str,
                      options: ApplyOptions | None = None) -> None:
    """Resolve the fleet, run ``work`` on it, print the summary and exit with its code."""
    from cultivar_schema.apply.fleet.config import fleet_config
    from cultivar_schema.apply.fleet.report import fleet_json, fleet_lines, fleet_markdown
    from cultivar_schema.apply.fleet.rollout import Work, run_fleet
    from cultivar_schema.apply.fleet.targets import fleet_targets, in_shard, stages
    from cultivar_schema.apply.run import ApplyOptions, prepare
    from cultivar_schema.cli.progress import progress
    from cultivar_schema.errors import SchemaToolError

    project = state.project()
    config = fleet_config(project.config.fleets, fleet)
    # checked before any target is listed: a broken project touches no database
    prepared = prepare(project) if work is Work.APPLY else None
    found = in_shard(stages(config, fleet_targets(config, project.config.root), parallel), shard)
    if only_stage is not None:
        if only_stage not in {stage.name for stage in found}:
            raise SchemaToolError(f"fleet {fleet}: no stage {only_stage!r} (stages: "
                                  f"{', '.join(stage.name for stage in found)})")
        found = [stage for stage in found if stage.name == only_stage]
    with progress(f"{work.value} --fleet {fleet}", enabled=output == "text"):
        run = run_fleet(project, fleet, found, work, config.on_error,
                        options or ApplyOptions(), prepared)
    if output == "json":
        click.echo(fleet_json(run), nl=False)
    elif output == "markdown":
        click.echo(fleet_markdown(run), nl=False)
    else:
        paint = state.painter(output)
        for line in fleet_lines(run, paint):
            paint.echo(line)
    sys.exit(int(run.exit_code))
