"""Snapshot files are data, and data from a pull request may be hostile: read them with a
bounded size, as UTF-8, and with a YAML loader that refuses what canonical files never hold.

Canonical snapshot files never contain aliases, merge keys or a key twice in one mapping.
Aliases are what makes a few hundred bytes of YAML expand into gigabytes ("billion laughs"), so
the loader refuses the first alias it meets, before anything is built from it; a duplicate key
would otherwise let the last value win silently.  PyYAML's C parser is used when libyaml is
installed; only the construction of Python objects, where the checks are, runs in Python.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node

from ..errors import SnapshotFileError

# Far above any real table file (a 1,000-column table is about 100 kB) or manifest (about 160
# bytes a table: 4 MiB is 25,000 tables); a bigger file is refused before it is read.
MAX_FILE_BYTES = 4 * 1024 * 1024

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"


class StrictSafeLoader(_Base):  # type: ignore[valid-type, misc]
    """PyYAML's safe loader refusing aliases, merge keys (``<<``) and duplicate keys."""

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        # an alias is the same node met again: refuse it instead of building it once more
        if node in self.constructed_objects or node in self.recursive_objects:
            raise ConstructorError(None, None, "aliases (*name) are not allowed in snapshot "
                                   "files (the node anchored here is used again)",
                                   node.start_mark)
        return super().construct_object(node, deep)

    def flatten_mapping(self, node: MappingNode) -> None:
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                raise ConstructorError(None, None, "merge keys (<<) are not allowed in "
                                       "snapshot files", key_node.start_mark)

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, MappingNode):
            raise ConstructorError(None, None, f"expected a mapping, found {node.id}",
                                   node.start_mark)
        self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in mapping
            except TypeError:
                raise ConstructorError(None, None, "a mapping key must be a plain value",
                                       key_node.start_mark) from None
            if duplicate:
                raise ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def parse_yaml(where: str, text: str) -> Any:
    """Load YAML text strictly; problems name ``where`` and the line."""
    try:
        return yaml.load(text, Loader=StrictSafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise SnapshotFileError(where, f"invalid YAML: {exc.problem}", line) from None
    except yaml.YAMLError as exc:
        raise SnapshotFileError(where, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise SnapshotFileError(where, "invalid YAML: nested too deeply") from None


def too_large(size: int) -> str | None:
    """The problem with a snapshot file of ``size`` bytes, if any."""
    if size > MAX_FILE_BYTES:
        return (f"{size:,} bytes, more than the {MAX_FILE_BYTES:,} a snapshot file may hold; "
                "refused unread")
    return None


def decode(where: str, data: bytes) -> str:
    """A snapshot file's bytes as text; not UTF-8 is an error naming the file and line."""
    if (problem := too_large(len(data))) is not None:
        raise SnapshotFileError(where, problem)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SnapshotFileError(where, f"not valid UTF-8 (byte {data[exc.start]:#04x} at "
                                f"offset {exc.start})", line) from None


def read_text(path: Path, where: str) -> str:
    """A snapshot file's text, refused unread when it is larger than a snapshot file can be."""
    try:
        with path.open("rb") as handle:
            if (problem := too_large(os.fstat(handle.fileno()).st_size)) is not None:
                raise SnapshotFileError(where, problem)
            data = handle.read(MAX_FILE_BYTES + 1)  # a file that grew meanwhile stops here
    except OSError as exc:
        raise SnapshotFileError(where, f"cannot read: {exc.strerror}") from None
    return decode(where, data)
