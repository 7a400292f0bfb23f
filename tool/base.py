"""What every command shares: the click group, its state, error reporting and options.

Exit codes are ``ExitCode`` in ``schema/errors.py`` (README, "Exit codes").  Heavy modules
(SQLAlchemy, Alembic) are imported inside the commands so ``tool --help`` is fast.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from cultivar_schema.cli.colour import ColourMode, Painter, wanted

if TYPE_CHECKING:
    from cultivar_schema.project import Project

EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2
F = TypeVar("F", bound=Callable[..., Any])


class ToolState:
    """Options shared by every command."""

    def __init__(self, project_dir: Path | None, debug: bool,
                 colour: ColourMode = ColourMode.AUTO) -> None:
        self.project_dir = project_dir
        self.debug = debug
        self.colour = colour

    def painter(self, output: str = "text") -> Painter:
        """How to colour what a command prints on stdout as ``output`` (only text is)."""
        return Painter(output == "text" and wanted(self.colour, os.environ, sys.stdout))

    def project(self) -> Project:
        from cultivar_schema.project import Project

        project = Project.open(self.project_dir)
        if project.recovered is not None:
            click.echo(f"note: {project.recovered.describe()}", err=True)
        return project


def reports_errors(function: F) -> F:
    """Turn ``SchemaToolError`` into one line on stderr (one per problem) and its exit code, an
    internal error into one line and exit 2; ``--debug`` adds the traceback and never changes
    the code.  A reader that goes away (``tool check | head -1``) is left to click, which ends
    the command quietly."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from cultivar_schema.errors import SchemaToolError

        state = click.get_current_context().find_object(ToolState)
        debug = state is not None and state.debug
        try:
            return function(*args, **kwargs)
        except SchemaToolError as exc:
            # several problems (ModelProblems): one line each
            _fail(str(exc), getattr(exc, "problems", None) or [str(exc)], exc.exit_code, debug)
        except (click.exceptions.Exit, click.ClickException, SystemExit, BrokenPipeError):
            raise
        except Exception as exc:  # an internal error still gets one line
            message = f"{type(exc).__name__}: {exc}"
            hint = "" if debug else " (run with --debug for details)"
            _fail(message, [message + hint], EXIT_USAGE, debug)

    return wrapper  # type: ignore[return-value]


def _fail(message: str, lines: list[str], code: int, debug: bool) -> NoReturn:
    """Report the exception being handled (``lines`` on stderr, or a JSON document with
    --format json), after its traceback with --debug, and exit with ``code``."""
    if debug:
        traceback.print_exc()
    if click.get_current_context().params.get("output") == "json":
        _echo_error_document(message, lines, code)
    else:
        for line in lines:
            click.echo(f"error: {line}", err=True)
    sys.exit(code)


def _echo_error_document(message: str, lines: list[str], code: int) -> None:
    from cultivar_schema.output import document

    click.echo(document("error", {"exit_code": int(code), "error": message, "problems": lines},
                        ok=False), nl=False)


def json_requested(args: list[str]) -> bool:
    """Whether ``args`` (the command line after the program name) ask for ``--format json``,
    read without click, which has not parsed them (or failed to): the last ``--format``
    before a ``--`` wins, as in click, wherever it stands."""
    wanted = None
    for position, token in enumerate(args):
        if token == "--":
            break
        if token == "--format" and position + 1 < len(args):
            wanted = args[position + 1]
        elif token.startswith("--format="):
            wanted = token.partition("=")[2]
    return wanted == "json"


@contextmanager
def usage_errors_as_json(wanted: bool) -> Iterator[None]:
    """Click's own errors (unknown option, missing argument, bad choice or DURATION, ...) as
    the ``tool.error/1`` document on stdout when ``wanted``, with click's exit code; click
    prints its usage text otherwise."""
    try:
        yield
    except click.ClickException as exc:
        if not wanted:
            raise
        context = getattr(exc, "ctx", None)
        where = f"{context.command_path}: " if context is not None else ""
        message = where + exc.format_message()
        _echo_error_document(message, [message], exc.exit_code)
        raise click.exceptions.Exit(exc.exit_code) from None


class ToolGroup(click.Group):
    """The ``tool`` group: with ``--format json`` on the command line, click's usage errors
    are JSON documents too, whether the group's options or the command's are wrong."""

    _JSON = "cultivar_schema.json_requested"  # key in the contexts' shared ``meta``

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        wanted = json_requested(list(args))
        with usage_errors_as_json(wanted):
            context = super().make_context(info_name, args, parent, **extra)
        context.meta[self._JSON] = wanted
        return context

    def invoke(self, ctx: click.Context) -> Any:
        with usage_errors_as_json(ctx.meta.get(self._JSON, False)):
            return super().invoke(ctx)


@click.group(cls=ToolGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog='Exit codes: README, "Exit codes" (0 ok, 1 found, 2 bad input, 3-6 deploys).')
@click.version_option(package_name="cultivar-schema", prog_name="tool",
                      message="%(prog)s %(version)s (cultivar-schema)")
@click.option("--project", "project_dir", metavar="DIR",
              type=click.Path(file_okay=False, path_type=Path),
              help="Project folder (default: nearest folder with [tool.schema] upward).")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.option("--color", "colour", type=click.Choice([mode.value for mode in ColourMode]),
              default=ColourMode.AUTO.value, show_default=True,
              help="Colour text output: auto is a terminal's, unless NO_COLOR is set "
                   "(FORCE_COLOR: also when piped).")
@click.pass_context
def cli(ctx: click.Context, project_dir: Path | None, debug: bool, colour: str) -> None:
    """Schema as code for SQLAlchemy and Alembic: snapshot, review, apply."""
    ctx.obj = ToolState(project_dir, debug, ColourMode(colour))


def examples(*lines: str) -> str:
    """A command's help epilog: its examples, kept as written (click does not rewrap a block
    that starts with \\b), and where the exit codes are."""
    return ("\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)
            + '\n\nExit codes: README, "Exit codes".')


def relative(path: Path | None, project: Project) -> str:
    """``path`` relative to the project folder, for messages."""
    if path is None:
        return ""
    try:
        return str(path.resolve().relative_to(project.config.root))
    except ValueError:
        return str(path)
