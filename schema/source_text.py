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
    ``text`` again: backslashes escaped, and a quote where it could help end the string (next to
    another quote, or last), so a reviewer still reads ``say "hi"``; control characters written
    as escapes (line breaks kept)."""
    out = []
    for i, c in enumerate(text):
        if c == "\\" or (c == '"' and text[i + 1:i + 2] in ('"', "")):
            out.append("\\" + c)
        else:
            out.append(c if c == "\n" else _escaped(c))
    return "".join(out)


def comment(text: str) -> str:
    """``text`` as one comment line: a line break in a name would start a line of code."""
    return "".join(_escaped(c) for c in text)
