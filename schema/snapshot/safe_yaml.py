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
import re
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


# A manifest lists a sha256 per revision file and per table: at 1,000 revisions, two thousand
# scalars that PyYAML's constructor (Python even over libyaml) resolves and builds one by one,
# 12 ms of the 30 ms a long history adds to `tool check`.  A top-level block of such lines in
# the form the tool writes is read with a regular expression, YAML reads the rest.
_DIGEST = r"(?=[0-9]*[a-f])[0-9a-f]{64}"  # a letter in it: 64 digits would be a YAML int
_DIGEST_PAIR = re.compile(rf"  ([A-Za-z0-9_][A-Za-z0-9_.\-]*): ({_DIGEST})\n")
_DIGEST_BLOCK = re.compile(rf"^([a-z_]+):\n((?:  [A-Za-z0-9_][A-Za-z0-9_.\-]*: {_DIGEST}\n)+)",
                           re.MULTILINE)
_RESOLVER = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"


def parse_digest_yaml(where: str, text: str) -> Any:
    """``parse_yaml(where, text)``, the same value, faster for mappings of names to sha256s.

    A block is taken only where YAML would read the same: each name a plain string (a name
    ending in ``.py`` cannot be anything else; others are asked of YAML's resolver), no name
    twice, the block a top-level key (its placeholder must come back as a top-level ``{}``).
    Otherwise the whole text is YAML's, errors included."""
    blocks: dict[str, dict[str, str]] = {}

    def take(match: re.Match[str]) -> str:
        pairs = _DIGEST_PAIR.findall(match.group(2))
        mapping = dict(pairs)
        name = match.group(1)
        if len(mapping) != len(pairs) or name in blocks or not all(
                key.endswith(".py") or _RESOLVER.resolve(yaml.ScalarNode, key, (True, False))
                == _STR for key in mapping):
            return match.group(0)
        blocks[name] = mapping
        return f"{name}: {{}}\n"

    lighter = _DIGEST_BLOCK.sub(take, text)
    if not blocks:
        return parse_yaml(where, text)
    try:
        data = parse_yaml(where, lighter)
    except SnapshotFileError:  # reported by YAML on the whole text, at the right line
        return parse_yaml(where, text)
    if not isinstance(data, dict) or any(data.get(name) != {} for name in blocks):
        return parse_yaml(where, text)
    data.update(blocks)
    return data


def digest_block(name: str, mapping: dict[str, str]) -> str | None:
    """``name:`` and its mapping of names to sha256s as PyYAML's block style writes them, or
    None unless it would write each line plainly (``parse_digest_yaml``'s counterpart, for
    the same reason: dumping a thousand revisions' scalars one by one costs 10 ms)."""
    if not mapping or not all(
            len(key) < 128 and _DIGEST_PAIR.fullmatch(f"  {key}: {value}\n") and (
                key.endswith(".py")
                or _RESOLVER.resolve(yaml.ScalarNode, key, (True, False)) == _STR)
            for key, value in mapping.items()):
        return None  # PyYAML writes a key of 128 characters or more as a complex key
    return f"{name}:\n" + "".join(f"  {key}: {value}\n" for key, value in mapping.items())


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
