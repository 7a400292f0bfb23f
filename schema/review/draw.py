"""`tool diagram`: the tables of one side (models, snapshot, a snapshot folder or a git ref),
all of them or some with their neighbours, drawn as mermaid, Graphviz DOT or SVG."""

from __future__ import annotations

import enum
from collections.abc import Sequence

from ..project import Project
from .compare import open_side, side_tables
from .diagram import schema_diagram
from .graphviz import to_dot, to_svg
from .mermaid import to_mermaid


class Format(enum.Enum):
    """What `tool diagram` writes."""

    MERMAID = "mermaid"
    DOT = "dot"
    SVG = "svg"


def draw(project: Project, side: str, names: Sequence[str], output: Format) -> str:
    """The diagram of ``side``'s tables, or of the tables ``names`` and their neighbours."""
    diagram = schema_diagram(side_tables(open_side(project, side)), names, side)
    if output is Format.MERMAID:
        return to_mermaid(diagram)
    dot = to_dot(diagram)
    return dot if output is Format.DOT else to_svg(dot)
