"""One vocabulary for the options of every command: durations in one form, metavars that say
what a value is (``URL``, ``DIR``, ``REV``, ``DURATION``), and ``--format``.

A DURATION is a number with an optional unit: ``60`` and ``60s`` are seconds, ``500ms``
milliseconds, ``5m`` (or ``5min``) minutes, ``1h`` an hour; decimals are allowed (``0.5``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

_UNITS = {"": 1.0, "s": 1.0, "ms": 0.001, "m": 60.0, "min": 60.0, "h": 3600.0}
_DURATION = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|min|m|h)?\s*", re.IGNORECASE)


def parse_duration(text: str) -> float:
    """Seconds in ``text`` (``60``, ``60s``, ``500ms``, ``5m``, ``5min``, ``1h``); ValueError
    for anything else."""
    match = _DURATION.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a duration: give a number of seconds, or one with a "
                         "unit: 500ms, 60s, 5m, 1h")
    return float(match[1]) * _UNITS[(match[2] or "").lower()]


def postgresql_milliseconds(seconds: float | None) -> str | None:
    """A duration as PostgreSQL's ``lock_timeout``/``statement_timeout`` setting (``5000ms``);
    never ``0ms`` for a positive one, which PostgreSQL reads as "no timeout"."""
    if seconds is None:
        return None
    milliseconds = round(seconds * 1000)
    return f"{max(milliseconds, 1) if seconds > 0 else 0}ms"


class Duration(click.ParamType):
    """A DURATION option (module docstring): its value is in seconds."""

    name = "DURATION"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        if isinstance(value, float | int):
            return float(value)
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


URL_OPTION = click.option("--url", metavar="URL",
                          help="Database URL (default: DATABASE_URL, then alembic.ini).")
LOCK_TIMEOUT_OPTION = click.option(
    "--lock-timeout", type=Duration(), default="60s", show_default=True, metavar="DURATION",
    help="How long to wait for another deploy's lock; then exit 3, running nothing.")


def format_option(*choices: str) -> Callable[[F], F]:
    """``--format``: the first choice is the default; ``json`` prints a versioned document."""
    return click.option("--format", "output", type=click.Choice(list(choices)),
                        default=choices[0], show_default=True,
                        help="Output: json is a document with a format version "
                             "(docs/schemas/)." if "json" in choices else "Output.")
