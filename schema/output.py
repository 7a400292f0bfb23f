"""What every command's output shares: JSON documents that name their format, and the hook
through which text is coloured.

Every JSON document a command prints is an object whose first keys are ``format``
(``"tool.<kind>/<version>"``; the version is bumped only on an incompatible change, and
``docs/schemas/<kind>.json`` is its JSON Schema) and ``ok`` (false only in the error document
``tool.error/1``, which every command prints instead of its own on failure).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

# kind -> version of every JSON document; docs/schemas/<kind>.json describes each
FORMATS: dict[str, int] = {
    "diff": 1, "check": 1, "snapshot": 1, "adoption": 1, "apply": 1, "apply-dry-run": 1,
    "status": 1, "drift": 1, "resolve": 1, "init": 1, "revision": 1, "rehash": 1,
    "rebase": 1, "merge": 1, "squash": 1, "error": 1, "fleet": 1,
}

# Colours text by what it says (``paint(text, role)``); the roles are a change's sign
# ("+", "-", "~"), a risk's severity ("error", "warning", "info"), "ok" and "problem".
Paint = Callable[[str, str], str]


def plain(text: str, role: str) -> str:
    """The :data:`Paint` that adds nothing (files, pipes, JSON, ``NO_COLOR``)."""
    return text


def format_name(kind: str) -> str:
    """``tool.diff/1``: the ``format`` of a document of this kind."""
    return f"tool.{kind}/{FORMATS[kind]}"


def document(kind: str, data: Mapping[str, Any], ok: bool = True) -> str:
    """A JSON document of ``kind``: ``format`` and ``ok`` first, then ``data``, indented."""
    return json.dumps({"format": format_name(kind), "ok": ok, **data}, indent=2,
                      default=str) + "\n"
