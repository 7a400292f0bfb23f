"""A :class:`~schema.review.diagram.Diagram` as Graphviz DOT, and as SVG through ``dot``.

Tables are nodes ``t1``, ``t2``, ... whatever their names; names, types and notes appear only
inside HTML-like labels, escaped, so no name can end a label or add a statement.
"""

from __future__ import annotations

import html
import shutil
import subprocess

from ..errors import SchemaToolError
from .diagram import Attribute, Diagram, Entity, Relation

_MARK_COLOURS = {"+": "#1a7f37", "-": "#cf222e", "*": "#9a6700"}
_HEADER_COLOURS = {"+": "#dafbe1", "-": "#ffebe9", "*": "#fff8c5"}


def to_dot(diagram: Diagram) -> str:
    """The DOT text: one table-shaped node per table, one edge per foreign key (child to
    parent; dashed when the change drops it)."""
    ids = {entity.key: f"t{number}" for number, entity in enumerate(diagram.entities, 1)}
    lines = ["digraph schema {",
             '    graph [rankdir=LR, fontname="Helvetica"];',
             '    node [shape=plaintext, fontname="Helvetica", fontsize=11];',
             '    edge [fontname="Helvetica", fontsize=9, dir=both];']
    lines += [f"    {ids[entity.key]} [label=<{_table(entity)}>];"
              for entity in diagram.entities]
    lines += [_edge(ids, relation) for relation in diagram.relations]
    return "\n".join(lines + ["}"]) + "\n"


def to_svg(dot_text: str) -> str:
    """``dot_text`` drawn by Graphviz's ``dot`` as SVG."""
    dot = shutil.which("dot")
    if dot is None:
        raise SchemaToolError("--format svg needs Graphviz's `dot`, which is not installed "
                              "(e.g. apt-get install graphviz); --format dot writes its input")
    done = subprocess.run([dot, "-Tsvg"], input=dot_text.encode("utf-8"), capture_output=True,
                          check=False)
    if done.returncode != 0:
        problem = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SchemaToolError(f"dot failed: {problem[-1] if problem else done.returncode}")
    return done.stdout.decode("utf-8")


def _text(text: str) -> str:
    """Label text: escaped for HTML-like labels, without characters that are not printable."""
    return html.escape("".join(char if char.isprintable() else "?" for char in text))


def _table(entity: Entity) -> str:
    sign = entity.notes[0][0] if entity.notes else ""
    title = f"<B>{_text(entity.key)}</B>" + "".join(
        f"<BR/><I>{_text(note)}</I>" for note in entity.notes)
    colour = "#f6f8fa" if entity.neighbour else _HEADER_COLOURS.get(sign, "#ddf4ff")
    rows = [f'<TR><TD BGCOLOR="{colour}" COLSPAN="3">{title}</TD></TR>']
    rows += [_row(attribute) for attribute in entity.attributes]
    return ('<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">'
            + "".join(rows) + "</TABLE>")


def _row(attribute: Attribute) -> str:
    sizes = ", ".join(map(str, attribute.type.sizes))
    type_text = attribute.type.name + (f"({sizes})" if sizes else "")
    notes = "; ".join(attribute.notes)
    colour = _MARK_COLOURS.get(notes[:1], "#57606a")
    cells = [f'<TD ALIGN="LEFT">{_text(attribute.name)}</TD>',
             f'<TD ALIGN="LEFT">{_text(type_text)}</TD>',
             f'<TD ALIGN="LEFT">{_text(" ".join(attribute.keys))}'
             + (f' <FONT COLOR="{colour}">{_text(notes)}</FONT>' if notes else "") + "</TD>"]
    return "<TR>" + "".join(cells) + "</TR>"


def _edge(ids: dict[str, str], relation: Relation) -> str:
    style = "dashed" if relation.mark == "-" else "solid"
    colour = _MARK_COLOURS.get(relation.mark, "#57606a")
    label = (f"{relation.mark} " if relation.mark else "") + ", ".join(relation.columns)
    head = "teeodot" if relation.optional else "teetee"
    tail = "teeodot" if relation.unique else "crowodot"
    return (f"    {ids[relation.child]} -> {ids[relation.parent]} [label=<{_text(label)}>, "
            f'style={style}, color="{colour}", arrowhead={head}, arrowtail={tail}];')
