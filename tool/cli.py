"""Click commands. Each one calls a typed function in ``schema`` and prints its result.

Exit codes: 0 success, 1 differences or problems found, 2 bad usage or bad input.
Heavy modules (SQLAlchemy, Alembic) are imported inside the commands so ``tool --help`` is fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from schema.project import Project

EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2
F = TypeVar("F", bound=Callable[..., Any])


class ToolState:
    """Options shared by every command."""

    def __init__(self, project_dir: Path | None, debug: bool) -> None:
        self.project_dir = project_dir
        self.debug = debug

    def project(self) -> Project:
        from schema.project import Project

        return Project.open(self.project_dir)


def reports_errors(function: F) -> F:
    """Turn ``SchemaToolError`` into one line on stderr and exit 2 (a traceback with --debug)."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from schema.errors import SchemaToolError

        state = click.get_current_context().find_object(ToolState)
        try:
            return function(*args, **kwargs)
        except SchemaToolError as exc:
            if state is not None and state.debug:
                raise
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # an internal error still gets one line unless --debug
            if state is not None and state.debug:
                raise
            click.echo(f"error: {type(exc).__name__}: {exc} (run with --debug for details)",
                       err=True)
            sys.exit(EXIT_USAGE)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Project folder (default: nearest folder with [tool.schema] upward).")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.pass_context
def cli(ctx: click.Context, project_dir: Path | None, debug: bool) -> None:
    """Schema as code for SQLAlchemy and Alembic: snapshot, review, apply."""
    ctx.obj = ToolState(project_dir, debug)


@cli.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--models", "models", multiple=True, help="Model module or package (repeatable).")
@click.option("--metadata", help="Where the MetaData is, as module:attribute.")
@reports_errors
def init(directory: Path | None, models: tuple[str, ...], metadata: str | None) -> None:
    """Scaffold alembic.ini, alembic/, snapshots/ and [tool.schema]; never overwrites."""
    from schema.init import init_project

    target = directory or click.get_current_context().find_object(ToolState).project_dir or Path()
    target.mkdir(parents=True, exist_ok=True)
    result = init_project(target, list(models) or None, metadata)
    for path in result.created:
        click.echo(f"created {path}")
    for path in result.kept:
        click.echo(f"kept    {path} (exists)")


@cli.command()
@click.option("-m", "--message", required=True, help="Revision message.")
@click.option("--rev-id", help="Revision id to use instead of a generated one.")
@click.option("--dry-run", is_flag=True, help="Show the changes, write nothing.")
@click.pass_obj
@reports_errors
def snapshot(state: ToolState, message: str, rev_id: str | None, dry_run: bool) -> None:
    """Record model changes: new snapshot files plus an Alembic revision."""
    from schema.snapshot import take_snapshot

    project = state.project()
    result = take_snapshot(project, message, rev_id=rev_id, dry_run=dry_run)
    if result.revision is None and not result.changes:
        click.echo("No changes: the models match the snapshot.")
        return
    for change in result.changes:
        click.echo(change.describe())
    if dry_run:
        click.echo("dry run: nothing written")
        return
    click.echo(f"wrote revision {result.revision}: {_relative(result.revision_path, project)}")
    click.echo(f"updated {len(result.written) - 1} snapshot file(s) in "
               f"{_relative(project.store.directory, project)}")


@cli.command()
@click.option("--exit-code", is_flag=True, help="Exit 1 when there are changes.")
@click.pass_obj
@reports_errors
def diff(state: ToolState, exit_code: bool) -> None:
    """Show what `tool snapshot` would record, without writing anything."""
    from schema.snapshot import compare_models

    schema_diff = compare_models(state.project())
    if not schema_diff.changes:
        click.echo("No changes: the models match the snapshot.")
        return
    for change in schema_diff.changes:
        click.echo(change.describe())
    if exit_code:
        sys.exit(EXIT_FOUND)


@cli.command()
@click.pass_obj
@reports_errors
def check(state: ToolState) -> None:
    """Exit 0 only if models, snapshot, manifest and Alembic history agree."""
    from schema.check import check_project

    project = state.project()
    problems = check_project(project)
    if problems:
        for problem in problems:
            click.echo(problem.describe())
        sys.exit(EXIT_FOUND)
    manifest = project.store.read_manifest()
    assert manifest is not None
    click.echo(f"ok: models match the snapshot ({len(manifest.tables)} tables) at head "
               f"{manifest.head}; all checksums match")


@cli.command()
@click.option("--url", help="Database URL (default: DATABASE_URL, then alembic.ini).")
@click.pass_obj
@reports_errors
def apply(state: ToolState, url: str | None) -> None:
    """Upgrade the database to head, then verify it against the head snapshot."""
    from schema.apply import apply as apply_revisions

    result = apply_revisions(state.project(), url)
    if result.upgraded:
        click.echo(f"upgraded {result.url} from {result.before or 'an empty schema'} "
                   f"to {result.after}")
    else:
        click.echo(f"{result.url} is already at head {result.after}")
    for note in result.notes:
        click.echo(f"note: {note}")
    if result.drift:
        click.echo(f"drift: the database differs from the snapshot at {result.after}:")
        for line in result.drift:
            click.echo(f"  {line}")
        sys.exit(EXIT_FOUND)
    click.echo(f"verified: the database matches the snapshot at {result.after}")


@cli.command()
@click.pass_obj
@reports_errors
def rehash(state: ToolState) -> None:
    """Re-sign the manifest after a reviewed edit of snapshot or revision files."""
    from schema.snapshot import rehash as rehash_manifest

    manifest = rehash_manifest(state.project())
    click.echo(f"re-signed manifest: {len(manifest.tables)} tables, "
               f"{len(manifest.revisions)} revisions, head {manifest.head}")


def _relative(path: Path | None, project: Project) -> str:
    if path is None:
        return ""
    try:
        return str(path.resolve().relative_to(project.config.root))
    except ValueError:
        return str(path)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="tool")
