"""The ``tool`` command line.  Each command calls a typed function in ``schema`` and prints its
result; this module holds the schema-authoring commands (init, snapshot, revision, diff, check,
rehash), ``deploy`` and ``team`` the others.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cultivar_schema.cli import deploy, team  # noqa: F401 - their commands register on the group
from cultivar_schema.cli.base import EXIT_FOUND, ToolState, cli, examples, relative, reports_errors
from cultivar_schema.cli.colour import Painter
from cultivar_schema.cli.options import format_option
from cultivar_schema.cli.progress import paused, progress

if TYPE_CHECKING:
    from cultivar_schema.author.record import SnapshotResult
    from cultivar_schema.project import Project

__all__ = ["cli", "main"]

@cli.command(epilog=examples("tool init --models app.models --metadata app.models:Base.metadata"))
@click.argument("directory", required=False, metavar="[DIR]",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--models", "models", multiple=True, metavar="MODULE",
              help="Model module or package (repeatable).")
@click.option("--metadata", metavar="MODULE:ATTR", help="Where the MetaData is.")
@format_option("text", "json")
@reports_errors
def init(directory: Path | None, models: tuple[str, ...], metadata: str | None,
         output: str) -> None:
    """Scaffold alembic.ini, alembic/, snapshots/ and [tool.schema]; never overwrites."""
    from cultivar_schema.author.init import init_project

    target = directory or click.get_current_context().find_object(ToolState).project_dir or Path()
    target.mkdir(parents=True, exist_ok=True)
    interactive = output == "text" and sys.stdin.isatty() and sys.stdout.isatty()
    result = init_project(target, list(models) or None, metadata,
                          _ask_models if interactive else None)
    if output == "json":
        from cultivar_schema.cli.formats import init_json

        click.echo(init_json(result, target), nl=False)
        return
    for path in result.created:
        click.echo(f"created {path}")
    for path in result.extended:
        click.echo(f"added   [tool.schema] to {path}")
    for path in result.kept:
        click.echo(f"kept    {path} (exists)")
    for note in result.notes:
        click.echo(f"note: {note}")


@cli.command(epilog=examples(
    'tool snapshot -m "add plant notes"',
    "tool snapshot --dry-run --format json",
    'tool snapshot --baseline --url "$DATABASE_URL"'))
@click.option("-m", "--message", metavar="MESSAGE",
              help="Revision message (required unless --baseline/--from-db).")
@click.option("--rev-id", metavar="ID", help="Revision id to use instead of a generated one.")
@click.option("--dry-run", is_flag=True, help="Show the changes and risks, write nothing.")
@click.option("--baseline", is_flag=True,
              help="Adopt an Alembic project: record the models as the state at its head.")
@click.option("--url", metavar="URL",
              help="With --baseline: first check that this database matches.")
@click.option("--from-db", metavar="URL", help="Reflect this database into snapshot files.")
@click.option("--out", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              help="With --from-db: the folder to write (default: snapshots/ when empty).")
@click.option("--allow-destructive", metavar="REASON",
              help="Write a revision with destructive changes; the reason is recorded.")
@click.option("--rename-table", "rename_tables", multiple=True, metavar="OLD=NEW",
              help="Table OLD was renamed to NEW: keep its rows (repeatable).")
@click.option("--rename-column", "rename_columns", multiple=True, metavar="TABLE.OLD=NEW",
              help="Column OLD of TABLE was renamed to NEW: keep its data (repeatable).")
@format_option("text", "json")
@click.pass_obj
@reports_errors
def snapshot(state: ToolState, message: str | None, rev_id: str | None, dry_run: bool,
             baseline: bool, url: str | None, from_db: str | None, out: Path | None,
             allow_destructive: str | None, rename_tables: tuple[str, ...],
             rename_columns: tuple[str, ...], output: str) -> None:
    """Record model changes: new snapshot files plus an Alembic revision.

    Destructive changes (dropping tables or columns, narrowing types, removing ENUM values) are
    refused unless --allow-destructive gives the reviewed reason.
    """
    from cultivar_schema.author.record import Policy, take_snapshot

    if baseline or from_db:
        with progress("snapshot", output == "text"):
            _adopt(state.project(), baseline, url, from_db, out, output)
        return
    if message is None:
        raise click.UsageError("give the revision message: -m MESSAGE")

    if allow_destructive is not None and not allow_destructive.strip():
        raise click.BadParameter("give the reason the change is safe",
                                 param_hint="--allow-destructive")
    project = state.project()
    interactive = output == "text" and sys.stdin.isatty() and sys.stdout.isatty()
    policy = Policy(allow_destructive, _renames(rename_tables, rename_columns),
                    _ask_rename if interactive else None)
    with progress("snapshot", output == "text"):
        result = take_snapshot(project, message, rev_id=rev_id, dry_run=dry_run, policy=policy)
    if output == "json":
        from cultivar_schema.cli.formats import snapshot_json

        click.echo(snapshot_json(result, dry_run, project), nl=False)
    else:
        _print_snapshot(result, dry_run, project, state.painter())


def _print_snapshot(result: SnapshotResult, dry_run: bool, project: Project,
                    paint: Painter) -> None:
    """What `tool snapshot` recorded (or would, with --dry-run), coloured like `tool diff`."""
    from cultivar_schema.review.report import change_lines

    if result.revision is None and not result.changes:
        click.echo("No changes: the models match the snapshot.")
        return
    for line in change_lines(result.changes, result.risks, paint):
        paint.echo(line)
    if dry_run:
        click.echo("dry run: nothing written")
        return
    paint.echo(f"wrote revision {result.revision}: {relative(result.revision_path, project)}",
               "ok")
    click.echo(f"updated {len(result.written) - 1} snapshot file(s) in "
               f"{relative(project.store.directory, project)}")


def _adopt(project: Project, baseline: bool, url: str | None, from_db: str | None,
           out: Path | None, output: str) -> None:
    """`tool snapshot --baseline` and `--from-db`."""
    from cultivar_schema.cli.formats import adoption_json
    from cultivar_schema.errors import ModelProblems
    from cultivar_schema.team.adopt import snapshot_from_database, take_baseline

    if baseline and from_db:
        raise click.UsageError("--baseline and --from-db are two different adoptions: pick one")
    if from_db:
        done = snapshot_from_database(project, from_db, out)
        if output == "json":
            click.echo(adoption_json("snapshot --from-db", done, project), nl=False)
            return
        click.echo(f"reflected {done.tables} table(s) at revision {done.revision or 'none'} into "
                   f"{relative(done.written[0].parent, project)}")
        return
    done = take_baseline(project, url)
    if output == "json" and not done.problems:  # problems: the error document lists them
        click.echo(adoption_json("snapshot --baseline", done, project), nl=False)
    elif done.differences and output == "text":
        click.echo(f"the database differs from the models ({len(done.differences)} "
                   "difference(s)); nothing recorded:")
        for line in done.differences:
            click.echo(f"  {line}")
    elif not done.problems:
        click.echo(f"baseline: recorded {done.tables} table(s) as the schema at revision "
                   f"{done.revision}; no revision written")
    if done.problems:  # the models' own problems, listed with the differences
        raise ModelProblems(done.problems)
    if done.differences:
        sys.exit(EXIT_FOUND)


@cli.command(epilog=examples('tool revision -m "backfill plant names"'))
@click.option("-m", "--message", required=True, metavar="MESSAGE", help="Revision message.")
@click.option("--rev-id", metavar="ID", help="Revision id to use instead of a generated one.")
@format_option("text", "json")
@click.pass_obj
@reports_errors
def revision(state: ToolState, message: str, rev_id: str | None, output: str) -> None:
    """An empty revision for a data migration; the schema (snapshot) carries forward.  Edit it,
    then run `tool rehash` once it is reviewed."""
    from cultivar_schema.author.record import empty_revision

    project = state.project()
    result = empty_revision(project, message, rev_id)
    if output == "json":
        from cultivar_schema.cli.formats import revision_json

        click.echo(revision_json(result, project), nl=False)
        return
    click.echo(f"wrote revision {result.revision}: {relative(result.revision_path, project)}")
    click.echo("write the data migration in upgrade() and downgrade(), then `tool rehash`")


@cli.command(epilog=examples(
    "tool diff",
    "tool diff --base origin/main --head models --format markdown"))
@click.option("--base", default="snapshot", show_default=True, metavar="SIDE",
              help="What to compare from: models, snapshot, a snapshot DIR or a git REF "
                   "(origin/main).")
@click.option("--head", default="models", show_default=True, metavar="SIDE",
              help="What to compare to: models, snapshot, a snapshot DIR or a git REF.")
@format_option("text", "markdown", "json")
@click.option("--exit-code", is_flag=True, help="Exit 1 when there are changes.")
@click.pass_obj
@reports_errors
def diff(state: ToolState, base: str, head: str, output: str, exit_code: bool) -> None:
    """Show the changes between two schemas, with their risks (default: what `tool snapshot`
    would record)."""
    from cultivar_schema.review.compare import review
    from cultivar_schema.review.report import to_json, to_markdown, to_text

    with progress("diff", output != "json"):
        result = review(state.project(), base, head)
    if output == "json":
        click.echo(to_json(result), nl=False)
    elif output == "markdown":
        click.echo(to_markdown(result), nl=False)
    else:
        paint = state.painter()
        click.echo(to_text(result, paint), nl=False, color=paint.enabled)
    if exit_code and result.changes:
        sys.exit(EXIT_FOUND)


@cli.command(epilog=examples(
    "tool diagram",
    "tool diagram plants harvests --side models",
    "tool diagram --side origin/main --format svg > schema.svg"))
@click.argument("tables", nargs=-1, metavar="[TABLE]...")
@click.option("--side", default="snapshot", show_default=True, metavar="SIDE",
              help="What to draw: models, snapshot, a snapshot folder or a git ref.")
@format_option("mermaid", "dot", "svg")
@click.pass_obj
@reports_errors
def diagram(state: ToolState, tables: tuple[str, ...], side: str, output: str) -> None:
    """Draw the schema as an entity-relationship diagram: every table, or the TABLES named and
    the tables one foreign key away.  SVG needs Graphviz's `dot`."""
    from cultivar_schema.review.draw import Format, draw
    from cultivar_schema.review.mermaid import MERMAID_MAX_TEXT

    text = draw(state.project(), side, tables, Format(output))
    click.echo(text, nl=False)
    if output == "mermaid" and len(text) > MERMAID_MAX_TEXT:
        click.echo(f"note: {len(text):,} characters: mermaid renders up to "
                   f"{MERMAID_MAX_TEXT:,} by default; name some tables to draw a part", err=True)


@cli.command(epilog=examples("tool check", "tool check --format json"))
@format_option("text", "json")
@click.pass_obj
@reports_errors
def check(state: ToolState, output: str) -> None:
    """Exit 0 only if models, snapshot, manifest and Alembic history agree."""
    from cultivar_schema.author.integrity import project_problems

    project = state.project()
    manifest = project.store.read_manifest()
    with progress("check", output != "json"):
        problems = project_problems(project, manifest)
    if output == "json":
        from cultivar_schema.cli.formats import check_json

        click.echo(check_json(problems, manifest), nl=False)
    elif problems:
        paint = state.painter()
        for problem in problems:
            paint.echo(f"{paint(problem.message, 'problem')} (fix: {problem.fix})")
    else:
        assert manifest is not None
        state.painter().echo(f"ok: models match the snapshot ({len(manifest.tables)} tables) "
                             f"at head {manifest.head}; all checksums match", "ok")
    if problems:
        sys.exit(EXIT_FOUND)


@cli.command(epilog=examples("tool rehash", "tool rehash --format json"))
@format_option("text", "json")
@click.pass_obj
@reports_errors
def rehash(state: ToolState, output: str) -> None:
    """Re-sign the manifest after a reviewed edit of snapshot or revision files."""
    from cultivar_schema.author.rehash import rehash as rehash_manifest

    manifest = rehash_manifest(state.project())
    if output == "json":
        from cultivar_schema.cli.formats import rehash_json

        click.echo(rehash_json(manifest), nl=False)
        return
    click.echo(f"re-signed manifest: {len(manifest.tables)} tables, "
               f"{len(manifest.revisions)} revisions, head {manifest.head}")


def _renames(tables: tuple[str, ...], columns: tuple[str, ...]) -> Any:
    """--rename-table OLD=NEW and --rename-column TABLE.OLD=NEW as Renames."""
    from cultivar_schema.diff.renames import Renames

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
    with paused():
        return click.confirm(f"{alike.describe()}: rename it (keeping its data)?",
                             default=False)


def _ask_models(found: list[Any]) -> Any:
    """Which of several MetaData `tool init` found (asked only in a terminal)."""
    for number, item in enumerate(found, 1):
        click.echo(f"  {number}. {item.metadata} (models: {', '.join(item.models)})")
    number = click.prompt("Which MetaData holds your models?",
                          type=click.IntRange(1, len(found)), default=1)
    return found[number - 1]


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="tool")
