"""Validate a command's ``--format json`` output against its JSON Schema in docs/schemas/."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from cultivar_schema.output import format_name

SCHEMAS = Path(__file__).resolve().parent.parent / "docs" / "schemas"


@cache
def schemas() -> dict[str, dict[str, Any]]:
    """Every schema file by name (``diff.json``)."""
    return {path.name: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(SCHEMAS.glob("*.json"))}


@cache
def _validator(kind: str) -> Draft202012Validator:
    registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in schemas().values())
    return Draft202012Validator(schemas()[f"{kind}.json"], registry=registry)


def validated(text: str, kind: str) -> dict[str, Any]:
    """The document in ``text``, after checking it is one JSON document of ``kind`` that its
    schema accepts (every error listed)."""
    document = json.loads(text)
    errors = [f"{'/'.join(map(str, error.absolute_path)) or '(document)'}: {error.message}"
              for error in _validator(kind).iter_errors(document)]
    assert not errors, f"{format_name(kind)} does not match docs/schemas/{kind}.json:\n" + \
        "\n".join(errors)
    assert document["format"] == format_name(kind)
    return document
