"""Colour, one way for every command: change lines by their sign, risks by their severity,
outcomes as good or bad news.

Whether to colour (:func:`wanted`): ``--color always|never`` decides; with ``auto`` (the
default) a non-empty ``NO_COLOR`` turns colour off, else a non-empty ``FORCE_COLOR`` turns it
on, else only a terminal gets colour.  JSON and markdown are never coloured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import IO

import click

# role (see schema.output.Paint) -> click.style arguments
STYLES: dict[str, dict[str, str | bool]] = {
    "+": {"fg": "green"}, "-": {"fg": "red"}, "~": {"fg": "yellow"},
    "error": {"fg": "red", "bold": True}, "warning": {"fg": "yellow"}, "info": {"fg": "cyan"},
    "ok": {"fg": "green"}, "problem": {"fg": "red"},
}


class ColourMode(StrEnum):
    """``--color``."""

    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


def wanted(mode: ColourMode, environ: Mapping[str, str], stream: IO[str]) -> bool:
    """Whether text written to ``stream`` gets colour (module docstring)."""
    if mode is not ColourMode.AUTO:
        return mode is ColourMode.ALWAYS
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@dataclass(frozen=True)
class Painter:
    """Paints text by role when colour is on; a :data:`cultivar_schema.output.Paint`."""

    enabled: bool

    def __call__(self, text: str, role: str) -> str:
        if not self.enabled or role not in STYLES:
            return text
        return click.style(text, **STYLES[role])  # type: ignore[arg-type]

    def echo(self, text: str = "", role: str | None = None) -> None:
        """Print ``text`` on stdout, painted by ``role``; click keeps the colour codes only
        when colour is on (also when piped with ``--color always``)."""
        click.echo(self(text, role) if role else text, color=self.enabled)
