"""A :class:`~schema.review.diagram.Diagram` as a mermaid ``erDiagram``.

Names come from the models and are hostile input: nothing of theirs is written where mermaid
reads syntax.  Every table gets an identifier of ASCII letters, digits and ``_`` and shows its
name as a quoted alias (``t_a_b["a b"]``); a column whose name is not such a word is written
in that spelling with its real name in the comment; types are shortened to ``Numeric(10-2)``,
which every mermaid since 10 reads as a type.  Quoted text loses what would end or escape the
quotes (``"``), start a directive or comment (``%``), an entity (``#``, ``&``), markup
(``<``, ``>``) or a generic type (``~``, read even inside quotes; mermaid 10 backtracks for
minutes on one), and every character that is not printable; a line mentioning ``direction TB``
would be taken for a direction statement, so the word is broken with a zero-width space.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .diagram import Attribute, Diagram, Entity, Relation, TypeName

# Words mermaid's erDiagram lexer reads as keywords before it reads a name (case-insensitive).
_KEYWORDS = {"erdiagram", "style", "classdef", "class", "subgraph", "end", "direction", "one",
             "many", "only", "optionally", "zero", "to", "u", "title", "acctitle", "accdescr"}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_UNSAFE_IN_QUOTES = set('"%#&<>\\`~')
# mermaid's default maxTextSize: longer text is not drawn (GitHub and GitLab keep the default).
MERMAID_MAX_TEXT = 50_000
_DIRECTION = re.compile(r"(direction)(\s)", re.IGNORECASE)


def to_mermaid(diagram: Diagram) -> str:
    """The ``erDiagram`` text: one block per table, then one line per foreign key."""
    ids = _identifiers(entity.key for entity in diagram.entities)
    lines = ["erDiagram"]
    for entity in diagram.entities:
        lines += _entity_lines(ids[entity.key], entity)
    lines += [_relation_line(ids, relation) for relation in diagram.relations]
    return "\n".join(lines) + "\n"


def quoted(text: str) -> str:
    """``text`` as mermaid quoted text: what cannot be inside the quotes becomes ``?``."""
    safe = "".join("?" if char in _UNSAFE_IN_QUOTES or not char.isprintable() else char
                   for char in text)
    return '"' + _DIRECTION.sub("\\1\u200b\\2", safe) + '"'


def _identifiers(keys: Iterable[str]) -> dict[str, str]:
    """A mermaid identifier per table: its name when that is a plain word, else a spelling of
    it made unique."""
    keys = list(keys)
    ids = {key: key for key in keys if _plain(key)}
    used = {key.lower() for key in ids}  # mermaid's lexer ignores case; keep ids distinct
    for key in keys:
        if key in ids:
            continue
        base = "t_" + re.sub(r"[^A-Za-z0-9_]+", "_", key)
        candidate, number = base, 1
        while candidate.lower() in used:
            number += 1
            candidate = f"{base}_{number}"
        ids[key] = candidate
        used.add(candidate.lower())
    return ids


def _plain(name: str) -> bool:
    return bool(_WORD.fullmatch(name)) and name.lower() not in _KEYWORDS


def _entity_lines(identifier: str, entity: Entity) -> list[str]:
    title = entity.key + (f" ({'; '.join(entity.notes)})" if entity.notes else "")
    head = f"    {identifier}" + (f"[{quoted(title)}]" if title != identifier else "")
    if not entity.attributes:
        return [head]
    return [head + " {", *(_attribute_line(attribute) for attribute in entity.attributes),
            "    }"]


def _attribute_line(attribute: Attribute) -> str:
    name, notes = _word(attribute.name), list(attribute.notes)
    if name != attribute.name:
        notes.insert(0, f"name: {attribute.name}")
    parts = [_type(attribute.type), name]
    if attribute.keys:
        parts.append(", ".join(attribute.keys))
    if notes:
        parts.append(quoted("; ".join(notes)))
    return "        " + " ".join(parts)


def _word(name: str) -> str:
    """``name`` as an attribute word: ASCII letters, digits and ``_``, not a key keyword (PK,
    FK, UK) and not starting with a digit."""
    word = re.sub(r"[^A-Za-z0-9_]+", "_", name)
    if not word or word[0].isdigit() or word.lower() in ("pk", "fk", "uk"):
        word = "_" + word
    return word


def _type(type_name: TypeName) -> str:
    """``Numeric(10-2)``: mermaid 10 reads no comma or space in a type."""
    word = _word(type_name.name)
    return word + (f"({'-'.join(map(str, type_name.sizes))})" if type_name.sizes else "")


def _relation_line(ids: dict[str, str], relation: Relation) -> str:
    """``parent ||--o{ child : "columns"``: a dropped key is drawn dashed."""
    parent_side = "|o" if relation.optional else "||"
    child_side = "o|" if relation.unique else "o{"
    line = ".." if relation.mark == "-" else "--"
    label = ", ".join(relation.columns)
    if relation.mark:
        label = f"{relation.mark} {label}"
    return (f"    {ids[relation.parent]} {parent_side}{line}{child_side} {ids[relation.child]}"
            f" : {quoted(label)}")
