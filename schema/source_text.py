"""Text written into generated Python source (a revision's docstring, its comments) so that it
stays text: nothing a user typed and no name a snapshot holds can end the string or the comment
line and become code."""

from __future__ import annotations

import unicodedata


def _escaped(char: str) -> str:
    """A control character (or other unprintable one) as its Python escape, else itself."""
    if char.isprintable() or unicodedata.category(char) == "Zs":
        return char
    return char.encode("unicode_escape").decode("ascii")


def in_docstring(text: str) -> str:
    """``text`` escaped for the inside of a triple-quoted Python string, whose value is
    ``text`` again: backslashes escaped, control characters written as escapes (line breaks
    kept), and a quote escaped only where it would make three in a row or end the text, so
    the change lines reviewers read keep their quotes as they are."""
    out: list[str] = []
    quotes = 0  # unescaped quotes just written
    for index, char in enumerate(text):
        if char == '"':
            last = index == len(text) - 1
            escape = quotes == 2 or last
            out.append('\\"' if escape else char)
            quotes = 0 if escape else quotes + 1
            continue
        quotes = 0
        out.append("\\\\" if char == "\\" else char if char == "\n" else _escaped(char))
    return "".join(out)


def comment(text: str) -> str:
    """``text`` as one comment line: a line break in a name would start a line of code."""
    return "".join(_escaped(c) for c in text)
