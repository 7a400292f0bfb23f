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
            if click.get_current_context().params.get("output") == "json":
                import json

                click.echo(json.dumps({"ok": False, "exit_code": int(exc.exit_code),
                                       "error": str(exc)}, indent=2))
            else:
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
    for note in result.notes:
        click.echo(f"note: {note}")


@cli.command()
@click.option("-m", "--message", help="Revision message (required unless --baseline/--from-db).")
@click.option("--rev-id", help="Revision id to use instead of a generated one.")
@click.option("--dry-run", is_flag=True, help="Show the changes and risks, write nothing.")
@click.option("--baseline", is_flag=True,
              help="Adopt an Alembic project: record the models as the state at its head.")
@click.option("--url", help="With --baseline: first check that this database matches.")
@click.option("--from-db", metavar="URL", help="Reflect this database into snapshot files.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="With --from-db: the folder to write (default: snapshots/ when empty).")
@click.option("--allow-destructive", metavar="REASON",
              help="Write a revision with destructive changes; the reason is recorded.")
@click.option("--rename-table", "rename_tables", multiple=True, metavar="OLD=NEW",
              help="Table OLD was renamed to NEW: keep its rows (repeatable).")
@click.option("--rename-column", "rename_columns", multiple=True, metavar="TABLE.OLD=NEW",
              help="Column OLD of TABLE was renamed to NEW: keep its data (repeatable).")
@click.pass_obj
@reports_errors
def snapshot(state: ToolState, message: str | None, rev_id: str | None, dry_run: bool,
             baseline: bool, url: str | None, from_db: str | None, out: Path | None,
             allow_destructive: str | None, rename_tables: tuple[str, ...],
             rename_columns: tuple[str, ...]) -> None:
    """Record model changes: new snapshot files plus an Alembic revision.

    Destructive changes (dropping tables or columns, narrowing types, removing ENUM values) are
    refused unless --allow-destructive gives the reviewed reason.
    """
    from schema.snapshot import Policy, take_snapshot

    if baseline or from_db:
        _adopt(state.project(), baseline, url, from_db, out)
        return
    if message is None:
        raise click.UsageError("give the revision message: -m MESSAGE")

    if allow_destructive is not None and not allow_destructive.strip():
        raise click.BadParameter("give the reason the change is safe",
                                 param_hint="--allow-destructive")
    project = state.project()
    policy = Policy(allow_destructive, _renames(rename_tables, rename_columns),
                    _ask_rename if sys.stdin.isatty() and sys.stdout.isatty() else None)
    result = take_snapshot(project, message, rev_id=rev_id, dry_run=dry_run, policy=policy)
    if result.revision is None and not result.changes:
        click.echo("No changes: the models match the snapshot.")
        return
    for change in result.changes:
        click.echo(change.describe())
    for risk in result.risks:
        click.echo(f"risk: {risk.describe()}")
    if dry_run:
        click.echo("dry run: nothing written")
        return
    click.echo(f"wrote revision {result.revision}: {_relative(result.revision_path, project)}")
    click.echo(f"updated {len(result.written) - 1} snapshot file(s) in "
               f"{_relative(project.store.directory, project)}")


def _adopt(project: Project, baseline: bool, url: str | None, from_db: str | None,
           out: Path | None) -> None:
    """`tool snapshot --baseline` and `--from-db`."""
    from schema.adopt import snapshot_from_database, take_baseline

    if baseline and from_db:
        raise click.UsageError("--baseline and --from-db are two different adoptions: pick one")
    if from_db:
        done = snapshot_from_database(project, from_db, out)
        click.echo(f"reflected {done.tables} table(s) at revision {done.revision or 'none'} into "
                   f"{_relative(done.written[0].parent, project)}")
        return
    done = take_baseline(project, url)
    if done.differences:
        click.echo(f"the database differs from the models ({len(done.differences)} "
                   "difference(s)); nothing recorded:")
        for line in done.differences:
            click.echo(f"  {line}")
        sys.exit(EXIT_FOUND)
    click.echo(f"baseline: recorded {done.tables} table(s) as the schema at revision "
               f"{done.revision}; no revision written")


@cli.command()
@click.option("-m", "--message", required=True, help="Revision message.")
@click.option("--rev-id", help="Revision id to use instead of a generated one.")
@click.pass_obj
@reports_errors
def revision(state: ToolState, message: str, rev_id: str | None) -> None:
    """An empty revision for a data migration; the schema (snapshot) carries forward.  Edit it,
    then run `tool rehash` once it is reviewed."""
    from schema.snapshot import empty_revision

    project = state.project()
    result = empty_revision(project, message, rev_id)
    click.echo(f"wrote revision {result.revision}: {_relative(result.revision_path, project)}")
    click.echo("write the data migration in upgrade() and downgrade(), then `tool rehash`")


@cli.command()
@click.option("--base", default="snapshot", show_default=True,
              help="What to compare from: models, snapshot, or a git ref (origin/main).")
@click.option("--head", default="models", show_default=True,
              help="What to compare to: models, snapshot, or a git ref.")
@click.option("--format", "output", type=click.Choice(["text", "markdown", "json"]),
              default="text", show_default=True)
@click.option("--exit-code", is_flag=True, help="Exit 1 when there are changes.")
@click.pass_obj
@reports_errors
def diff(state: ToolState, base: str, head: str, output: str, exit_code: bool) -> None:
    """Show the changes between two schemas, with their risks (default: what `tool snapshot`
    would record)."""
    import os

    from schema.report import to_json, to_markdown, to_text
    from schema.review import review

    result = review(state.project(), base, head)
    if output == "json":
        click.echo(to_json(result), nl=False)
    elif output == "markdown":
        click.echo(to_markdown(result), nl=False)
    else:
        colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        click.echo(to_text(result, colour), nl=False, color=colour)
    if exit_code and result.changes:
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


URL_OPTION = click.option("--url", help="Database URL (default: DATABASE_URL, then alembic.ini).")


def format_option(*choices: str) -> Callable[[F], F]:
    return click.option("--format", "output", type=click.Choice(list(choices)),
                        default=choices[0], show_default=True)


@cli.command()
@URL_OPTION
@click.option("--lock-timeout", type=click.FloatRange(min=0), default=60.0, show_default=True,
              help="Seconds to wait for another deploy's lock; then exit 3, running nothing.")
@click.option("--dry-run", is_flag=True, help="Print the SQL that would run; change nothing.")
@click.option("--backup/--no-backup", default=None,
              help="Copy the SQLite file before upgrading (default: on for SQLite files).")
@click.option("--allow-edited", "allow_edited", multiple=True, metavar="REV",
              help="Run although applied revision REV's file changed since (logged).")
@click.option("--baseline", is_flag=False, flag_value="head", default=None, metavar="[REV]",
              help="Stamp a database without Alembic history at REV (default head), without "
                   "DDL, once its schema matches that snapshot.")
@click.option("--pg-lock-timeout", metavar="DURATION",
              help="PostgreSQL lock_timeout for the revisions' statements, e.g. 5s.")
@click.option("--pg-statement-timeout", metavar="DURATION",
              help="PostgreSQL statement_timeout for the revisions' statements, e.g. 10min.")
@format_option("text", "json")
@click.pass_obj
@reports_errors
def apply(state: ToolState, url: str | None, lock_timeout: float, dry_run: bool,
          backup: bool | None, allow_edited: tuple[str, ...], baseline: str | None,
          pg_lock_timeout: str | None, pg_statement_timeout: str | None, output: str) -> None:
    """Upgrade the database to head under a deploy lock, one transaction per revision, then
    verify it against the head snapshot.  Exit codes: README, "Exit codes"."""
    from schema.apply.report import apply_json, dry_run_json
    from schema.apply.run import ApplyOptions
    from schema.apply.run import apply as apply_revisions

    project = state.project()
    if baseline is not None:
        _stamp_baseline(project, baseline, url, lock_timeout)
        return
    if dry_run:
        from schema.apply.dry_run import dry_run as render_sql

        planned = render_sql(project, url)
        if output == "json":
            click.echo(dry_run_json(planned))
        elif not planned.pending:
            click.echo(f"-- {planned.url} is already at head {planned.head}: nothing to run")
        else:
            click.echo(f"-- dry run: {planned.url} from {planned.before or 'base'} to "
                       f"{planned.head} ({len(planned.pending)} revision(s)); nothing was run")
            click.echo(planned.sql, nl=False)
        return

    def progress(revision: str, message: str, seconds: float | None) -> None:
        if output == "text":
            click.echo(f"applying {revision} ({message}) ..." if seconds is None
                       else f"applied  {revision} in {seconds:.2f} s")

    options = ApplyOptions(url, lock_timeout, backup, allow_edited, pg_lock_timeout,
                           pg_statement_timeout)
    result = apply_revisions(project, options, progress)
    if output == "json":
        click.echo(apply_json(result))
        sys.exit(EXIT_FOUND if result.drift else EXIT_OK)
    if result.backup is not None:
        click.echo(f"backup: {result.backup}")
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


def _stamp_baseline(project: Project, revision: str, url: str | None, timeout: float) -> None:
    from schema.adopt import baseline_database

    done = baseline_database(project, revision, url, timeout)
    if done.differences:
        click.echo(f"the database differs from the snapshot at {done.revision} "
                   f"({len(done.differences)} difference(s)); nothing stamped:")
        for line in done.differences:
            click.echo(f"  {line}")
        sys.exit(EXIT_FOUND)
    click.echo(f"baseline: stamped the database at {done.revision} without running DDL")


@cli.command()
@URL_OPTION
@format_option("text", "json")
@click.pass_obj
@reports_errors
def status(state: ToolState, url: str | None, output: str) -> None:
    """Current and pending revisions, the deploy lock's holder, and drift.  Exit 1 when the
    database is behind, has drifted or holds a partially applied revision."""
    from schema.apply.report import status_json, status_lines
    from schema.apply.status import status as read_status

    current = read_status(state.project(), url)
    click.echo(status_json(current) if output == "json" else "\n".join(status_lines(current)))
    if current.pending or current.partial or current.drift.differences:
        sys.exit(EXIT_FOUND)


@cli.command()
@URL_OPTION
@format_option("text", "markdown", "json")
@click.pass_obj
@reports_errors
def drift(state: ToolState, url: str | None, output: str) -> None:
    """Differences between a live database and the snapshot of its current revision; exit 1
    when there are any."""
    from schema.apply.report import drift_json, drift_lines, drift_markdown
    from schema.apply.status import drift as find_drift

    found = find_drift(state.project(), url)
    if output == "json":
        click.echo(drift_json(found))
    elif output == "markdown":
        click.echo(drift_markdown(found), nl=False)
    else:
        click.echo("\n".join(drift_lines(found)))
    if found.differences or not found.checked:
        sys.exit(EXIT_FOUND)


@cli.command()
@click.argument("revision")
@click.option("--applied", "outcome", flag_value="applied",
              help="You finished the revision by hand: record it as applied.")
@click.option("--rolled-back", "outcome", flag_value="rolled-back",
              help="You undid what it changed: record the database at the revision before.")
@URL_OPTION
@click.option("--lock-timeout", type=click.FloatRange(min=0), default=60.0, show_default=True)
@click.pass_obj
@reports_errors
def resolve(state: ToolState, revision: str, outcome: str | None, url: str | None,
            lock_timeout: float) -> None:
    """Close a partially applied revision (MariaDB/MySQL) after fixing it by hand."""
    from schema.apply.resolve import resolve as resolve_partial

    if outcome is None:
        raise click.UsageError("say what you did: --applied or --rolled-back")
    done = resolve_partial(state.project(), revision, outcome == "applied", url, lock_timeout)
    if done.note:
        click.echo(f"note: {done.note}")
    click.echo(f"resolved {done.revision} as {outcome}: {done.url} is at "
               f"{done.at or 'base'}; run `tool apply` to continue")


@cli.command()
@click.option("--onto", metavar="REF", help="The branch merged in (default: origin/main, main).")
@click.pass_obj
@reports_errors
def rebase(state: ToolState, onto: str | None) -> None:
    """After merging the main branch: move this branch's revisions on top of its head."""
    from schema.branches import rebase as rebase_branch

    project = state.project()
    done = rebase_branch(project, onto)
    if not done.revisions:
        click.echo(f"nothing to rebase: this branch's revisions already follow {done.onto}")
        return
    click.echo(f"rebased {len(done.revisions)} revision(s) onto {done.onto}: "
               f"{', '.join(done.revisions)}")
    for path in done.paths:
        click.echo(f"wrote {_relative(path, project)}")
    click.echo("review the revisions, then commit them with the snapshot")


@cli.command()
@click.option("-m", "--message", default="merge heads", show_default=True)
@click.pass_obj
@reports_errors
def merge(state: ToolState, message: str) -> None:
    """Join two Alembic heads with a merge revision, once the models combine both."""
    from schema.branches import merge as merge_heads

    project = state.project()
    done = merge_heads(project, message)
    click.echo(f"wrote merge revision {done.revisions[0]}: {_relative(done.paths[0], project)}")


@cli.command()
@click.option("--to", "to", required=True, metavar="REV",
              help="The last revision to fold into one (its id is kept).")
@click.pass_obj
@reports_errors
def squash(state: ToolState, to: str) -> None:
    """Replace the revisions up to REV with one that builds REV's schema from nothing."""
    from schema.squash import squash as squash_chain

    project = state.project()
    done = squash_chain(project, to)
    click.echo(f"squashed {len(done.replaced)} revisions into {done.revision}: "
               f"{_relative(done.path, project)}")
    click.echo("databases before this revision must be upgraded to it before they take "
               "this change; databases at it or past it upgrade normally")


@cli.command()
@click.pass_obj
@reports_errors
def rehash(state: ToolState) -> None:
    """Re-sign the manifest after a reviewed edit of snapshot or revision files."""
    from schema.snapshot import rehash as rehash_manifest

    manifest = rehash_manifest(state.project())
    click.echo(f"re-signed manifest: {len(manifest.tables)} tables, "
               f"{len(manifest.revisions)} revisions, head {manifest.head}")


def _renames(tables: tuple[str, ...], columns: tuple[str, ...]) -> Any:
    """--rename-table OLD=NEW and --rename-column TABLE.OLD=NEW as Renames."""
    from schema.diff.renames import Renames

    renames = Renames()
    for value in tables:
        old, sep, new = value.partition("=")
        if not (sep and old and new):
            raise click.BadParameter(f"{value!r}: expected OLD=NEW", param_hint="--rename-table")
        renames.tables[new] = old
    for value in columns:
        qualified, sep, new = value.partition("=")
        table, dot, old = qualified.rpartition(".")
        if not (sep and dot and table and old and new):
            raise click.BadParameter(f"{value!r}: expected TABLE.OLD=NEW",
                                     param_hint="--rename-column")
        renames.columns.setdefault(table, {})[new] = old
    return renames


def _ask_rename(alike: Any) -> bool:
    return click.confirm(f"{alike.describe()}: rename it (keeping its data)?", default=False)


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
