"""Deploy commands: apply, status, drift and resolve."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from cultivar_schema.cli.base import EXIT_FOUND, EXIT_OK, ToolState, cli, examples, reports_errors
from cultivar_schema.cli.fleet import fleet_options, refuse_without_fleet, run_fleet_command
from cultivar_schema.cli.options import (
    LOCK_TIMEOUT_OPTION,
    URL_OPTION,
    Duration,
    format_option,
    postgresql_milliseconds,
)

if TYPE_CHECKING:
    from cultivar_schema.project import Project


@cli.command(epilog=examples(
    'tool apply --url "$DATABASE_URL" --lock-timeout 2m --pg-lock-timeout 5s',
    "tool apply --dry-run",
    "tool apply --fleet tenants --shard 2/4 --parallel 8"))
@URL_OPTION
@LOCK_TIMEOUT_OPTION
@click.option("--dry-run", is_flag=True, help="Print the SQL that would run; change nothing.")
@click.option("--backup/--no-backup", default=None,
              help="Copy the SQLite file before upgrading (default: on for SQLite files).")
@click.option("--allow-edited", "allow_edited", multiple=True, metavar="REV",
              help="Run although applied revision REV's file changed since (logged).")
@click.option("--baseline", is_flag=False, flag_value="head", default=None, metavar="[REV]",
              help="Stamp a database without Alembic history at REV (default head), without "
                   "DDL, once its schema matches that snapshot.")
@click.option("--pg-lock-timeout", type=Duration(), metavar="DURATION",
              help="PostgreSQL lock_timeout for the revisions' statements, e.g. 5s.")
@click.option("--pg-statement-timeout", type=Duration(), metavar="DURATION",
              help="PostgreSQL statement_timeout for the revisions' statements, e.g. 10m.")
@fleet_options
@format_option("text", "json", "markdown")
@click.pass_obj
@reports_errors
def apply(state: ToolState, url: str | None, lock_timeout: float, dry_run: bool,
          backup: bool | None, allow_edited: tuple[str, ...], baseline: str | None,
          pg_lock_timeout: float | None, pg_statement_timeout: float | None,
          fleet: str | None, shard: object, only_stage: str | None, parallel: int | None,
          output: str) -> None:
    """Upgrade the database (or every target of a fleet) to head under a deploy lock, one
    transaction per revision, then verify it against the head snapshot.  Durations: 60 or
    60s, 500ms, 5m, 1h.  Markdown: with --fleet."""
    from cultivar_schema.apply.report import apply_json, apply_lines
    from cultivar_schema.apply.run import ApplyOptions
    from cultivar_schema.apply.run import apply as apply_revisions

    refuse_without_fleet(fleet, **{"--shard": shard, "--stage": only_stage,
                                   "--parallel": parallel,
                                   "--format markdown": output == "markdown"})
    options = ApplyOptions(url, lock_timeout, backup, allow_edited,
                           postgresql_milliseconds(pg_lock_timeout),
                           postgresql_milliseconds(pg_statement_timeout))
    if fleet is not None:
        alone = [name for name, value in (("--url", url), ("--dry-run", dry_run),
                                          ("--baseline", baseline)) if value]
        if alone:
            raise click.UsageError(f"{', '.join(alone)} does not combine with --fleet")
        from cultivar_schema.apply.fleet.rollout import Work

        run_fleet_command(state, Work.APPLY, fleet, shard, only_stage, parallel, output,
                          options)
    project = state.project()
    if baseline is not None:
        _stamp_baseline(project, baseline, url, lock_timeout, output)
        return
    if dry_run:
        _dry_run(project, url, output)
        return
    paint = state.painter(output)

    def progress(revision: str, message: str, seconds: float | None) -> None:
        if output == "text":
            paint.echo(f"applying {revision} ({message}) ..." if seconds is None
                       else paint(f"applied  {revision} in {seconds:.2f} s", "ok"))

    result = apply_revisions(project, options, progress)
    if output == "json":
        click.echo(apply_json(result), nl=False)
    else:
        for line in apply_lines(result, paint):
            paint.echo(line)
    sys.exit(EXIT_FOUND if result.drift else EXIT_OK)


def _dry_run(project: Project, url: str | None, output: str) -> None:
    """`tool apply --dry-run`: the SQL of the pending revisions."""
    from cultivar_schema.apply.dry_run import dry_run as render_sql
    from cultivar_schema.apply.report import dry_run_json

    planned = render_sql(project, url)
    if output == "json":
        click.echo(dry_run_json(planned), nl=False)
    elif not planned.pending:
        click.echo(f"-- {planned.url} is already at head {planned.head}: nothing to run")
    else:
        click.echo(f"-- dry run: {planned.url} from {planned.before or 'base'} to "
                   f"{planned.head} ({len(planned.pending)} revision(s)); nothing was run")
        click.echo(planned.sql, nl=False)


def _stamp_baseline(project: Project, revision: str, url: str | None, timeout: float,
                    output: str) -> None:
    from cultivar_schema.cli.formats import adoption_json
    from cultivar_schema.team.adopt import baseline_database

    done = baseline_database(project, revision, url, timeout)
    if output == "json":
        click.echo(adoption_json("apply --baseline", done, project), nl=False)
    elif done.differences:
        click.echo(f"the database differs from the snapshot at {done.revision} "
                   f"({len(done.differences)} difference(s)); nothing stamped:")
        for line in done.differences:
            click.echo(f"  {line}")
    else:
        click.echo(f"baseline: stamped the database at {done.revision} without running DDL")
    if done.differences:
        sys.exit(EXIT_FOUND)


@cli.command(epilog=examples("tool status --format json", "tool status --fleet tenants"))
@URL_OPTION
@fleet_options
@format_option("text", "json", "markdown")
@click.pass_obj
@reports_errors
def status(state: ToolState, url: str | None, fleet: str | None, shard: object,
           only_stage: str | None, parallel: int | None, output: str) -> None:
    """Current and pending revisions, the deploy lock's holder, and drift.  Exit 1 when the
    database (a target of the fleet) is behind, has drifted or holds a partially applied
    revision.  Markdown: with --fleet."""
    from cultivar_schema.apply.report import status_json, status_lines
    from cultivar_schema.apply.status import status as read_status

    _fleet_inspection(state, "status", url, fleet, shard, only_stage, parallel, output)
    current = read_status(state.project(), url)
    if output == "json":
        click.echo(status_json(current), nl=False)
    else:
        paint = state.painter()
        paint.echo("\n".join(status_lines(current, paint)))
    if current.pending or current.partial or current.drift.differences:
        sys.exit(EXIT_FOUND)


@cli.command(epilog=examples("tool drift --format markdown", "tool drift --fleet tenants"))
@URL_OPTION
@fleet_options
@format_option("text", "markdown", "json")
@click.pass_obj
@reports_errors
def drift(state: ToolState, url: str | None, fleet: str | None, shard: object,
          only_stage: str | None, parallel: int | None, output: str) -> None:
    """Differences between a live database (each target of a fleet) and the snapshot of its
    current revision; exit 1 when there are any."""
    from cultivar_schema.apply.report import drift_json, drift_lines, drift_markdown
    from cultivar_schema.apply.status import drift as find_drift

    _fleet_inspection(state, "drift", url, fleet, shard, only_stage, parallel, output)
    found = find_drift(state.project(), url)
    if output == "json":
        click.echo(drift_json(found), nl=False)
    elif output == "markdown":
        click.echo(drift_markdown(found), nl=False)
    else:
        paint = state.painter()
        paint.echo("\n".join(drift_lines(found, paint)))
    if found.differences or not found.checked:
        sys.exit(EXIT_FOUND)


def _fleet_inspection(state: ToolState, command: str, url: str | None, fleet: str | None,
                      shard: object, only_stage: str | None, parallel: int | None,
                      output: str) -> None:
    """`tool status|drift --fleet`: run and exit; without --fleet, return (after refusing the
    fleet's options)."""
    markdown = command == "status" and output == "markdown"
    refuse_without_fleet(fleet, **{"--shard": shard, "--stage": only_stage,
                                   "--parallel": parallel, "--format markdown": markdown})
    if fleet is None:
        return
    if url is not None:
        raise click.UsageError("--url does not combine with --fleet")
    from cultivar_schema.apply.fleet.rollout import Work

    run_fleet_command(state, Work(command), fleet, shard, only_stage, parallel, output)


@cli.command(epilog=examples("tool resolve 3f2a9c1b7d4e --applied"))
@click.argument("revision", metavar="REV")
@click.option("--applied", "outcome", flag_value="applied",
              help="You finished the revision by hand: record it as applied.")
@click.option("--rolled-back", "outcome", flag_value="rolled-back",
              help="You undid what it changed: record the database at the revision before.")
@URL_OPTION
@LOCK_TIMEOUT_OPTION
@format_option("text", "json")
@click.pass_obj
@reports_errors
def resolve(state: ToolState, revision: str, outcome: str | None, url: str | None,
            lock_timeout: float, output: str) -> None:
    """Close a partially applied revision (MariaDB/MySQL) after fixing it by hand."""
    from cultivar_schema.apply.report import resolve_json
    from cultivar_schema.apply.resolve import resolve as resolve_partial

    if outcome is None:
        raise click.UsageError("say what you did: --applied or --rolled-back")
    done = resolve_partial(state.project(), revision, outcome == "applied", url, lock_timeout)
    if output == "json":
        click.echo(resolve_json(done), nl=False)
        return
    if done.note:
        click.echo(f"note: {done.note}")
    click.echo(f"resolved {done.revision} as {outcome}: {done.url} is at "
               f"{done.at or 'base'}; run `tool apply` to continue")
