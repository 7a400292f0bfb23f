"""Teamwork commands: rebase, merge and squash."""

from __future__ import annotations

import click

from cultivar_schema.cli.base import ToolState, cli, examples, relative, reports_errors
from cultivar_schema.cli.options import format_option
from cultivar_schema.cli.progress import progress


@cli.command(epilog=examples("git merge origin/main && tool rebase"))
@click.option("--onto", metavar="REF", help="The branch merged in (default: origin/main, main).")
@format_option("text", "json")
@click.pass_obj
@reports_errors
def rebase(state: ToolState, onto: str | None, output: str) -> None:
    """After merging the main branch: move this branch's revisions on top of its head."""
    from cultivar_schema.team.branches import rebase as rebase_branch

    project = state.project()
    done = rebase_branch(project, onto)
    if output == "json":
        from cultivar_schema.cli.formats import rebase_json

        click.echo(rebase_json(done, project), nl=False)
        return
    if not done.revisions:
        click.echo(f"nothing to rebase: this branch's revisions already follow {done.onto}")
        return
    click.echo(f"rebased {len(done.revisions)} revision(s) onto {done.onto}: "
               f"{', '.join(done.revisions)}")
    for path in done.paths:
        click.echo(f"wrote {relative(path, project)}")
    click.echo("review the revisions, then commit them with the snapshot")


@cli.command(epilog=examples('tool merge -m "join the notes and sensors branches"'))
@click.option("-m", "--message", default="merge heads", show_default=True, metavar="MESSAGE")
@format_option("text", "json")
@click.pass_obj
@reports_errors
def merge(state: ToolState, message: str, output: str) -> None:
    """Join two Alembic heads with a merge revision, once the models combine both."""
    from cultivar_schema.team.branches import merge as merge_heads

    project = state.project()
    done = merge_heads(project, message)
    if output == "json":
        from cultivar_schema.cli.formats import merge_json

        click.echo(merge_json(done, project), nl=False)
        return
    click.echo(f"wrote merge revision {done.revisions[0]}: {relative(done.paths[0], project)}")


@cli.command(epilog=examples("tool squash --to 3f2a9c1b7d4e"))
@click.option("--to", "to", required=True, metavar="REV",
              help="The last revision to fold into one (its id is kept).")
@format_option("text", "json")
@click.pass_obj
@reports_errors
def squash(state: ToolState, to: str, output: str) -> None:
    """Replace the revisions up to REV with one that builds REV's schema from nothing."""
    from cultivar_schema.team.squash import squash as squash_chain

    project = state.project()
    with progress("squash", output == "text"):  # a revision of the whole schema: a long one
        done = squash_chain(project, to)
    if output == "json":
        from cultivar_schema.cli.formats import squash_json

        click.echo(squash_json(done, project), nl=False)
        return
    click.echo(f"squashed {len(done.replaced)} revisions into {done.revision}: "
               f"{relative(done.path, project)}")
    click.echo("databases before this revision must be upgraded to it before they take "
               "this change; databases at it or past it upgrade normally")
