"""Alembic's revision map read from the revision files' text, not by importing them.

Alembic builds its revision map by importing every revision file: at 1,000 revisions that is
1,000 files compiled (or read from bytecode) and executed, with their imports, on every command.
The map needs only four module-level names per file (``revision``, ``down_revision``,
``branch_labels``, ``depends_on``), which every revision Alembic or the tool writes assigns
as literals on lines of their own: they are read here from the text, in the same read that
hashes the file for the manifest.  The module itself is imported only when something other
than those names is asked for (``upgrade()`` while `tool apply` runs it, its docstring for
`tool status`), and an imported module whose names differ from what the text said is refused.
A file whose names are not plain literals is imported as Alembic would, so the map is always
Alembic's own.
"""

from __future__ import annotations

import ast
import hashlib
import re
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .compat import script_directory_loading, script_directory_of, script_from_path
from .errors import SchemaToolError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import Script, ScriptDirectory

NAMES = ("revision", "down_revision", "branch_labels", "depends_on")
# `name = literal` or `name: annotation = literal` at the start of a line, a comment allowed;
# matched after a newline rather than at ``^``, which the regex engine tries at every character
# (three times slower over a thousand files), so the text is searched with one put in front
_ASSIGNMENT = re.compile(
    r"\n(revision|down_revision|branch_labels|depends_on)[ \t]*(?::[^=\n]*)?=[ \t]*(.+?)"
    r"[ \t]*(?:#[^'\"\n]*)?$", re.MULTILINE)


def _identifier(value: Any) -> bool:
    """None, a revision id, or a tuple or list of them: what Alembic accepts in these names."""
    return value is None or isinstance(value, str) or (
        isinstance(value, (tuple, list)) and all(isinstance(item, str) for item in value))


_NOT_LITERAL = object()
_PLAIN_STRING = re.compile(r"'[^'\\\n]*'|\"[^\"\\\n]*\"")


def _literal(text: str) -> Any:
    """The value of a literal; the common ones (None, a quoted id) without ``ast``, which
    costs ten times more."""
    if text == "None":
        return None
    if _PLAIN_STRING.fullmatch(text):
        return text[1:-1]
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return _NOT_LITERAL


def read_names(text: str) -> dict[str, Any] | None:
    """The four names of a revision file's text, or None unless each is assigned once, as a
    literal Alembic accepts, and ``revision`` is a string."""
    found: dict[str, Any] = {}
    for match in _ASSIGNMENT.finditer(f"\n{text}"):
        name = match.group(1)
        if name in found:
            return None
        found[name] = value = _literal(match.group(2))
        if value is _NOT_LITERAL:
            return None
        if not _identifier(found[name]):
            return None
    if not isinstance(found.get("revision"), str) or "down_revision" not in found:
        return None
    return {name: found.get(name) for name in NAMES}


class DeferredModule:
    """A revision's module as far as the revision map needs it; anything else imports it."""

    def __init__(self, path: Path, names: dict[str, Any]) -> None:
        self.__dict__.update(names)
        self.__dict__["_path"] = path

    @property
    def __doc__(self) -> str | None:  # type: ignore[override]
        return self._module.__doc__

    @property
    def _module(self) -> ModuleType:
        module = self.__dict__.get("_loaded")
        if module is None:
            from alembic.util import load_python_file

            path: Path = self._path
            module = load_python_file(path.parent, path.name)
            differ = [name for name in NAMES if getattr(module, name, None) != self.__dict__[name]]
            if differ:
                raise SchemaToolError(f"{path}: {differ[0]} is {getattr(module, differ[0], None)!r}"
                                      f" when imported but {self.__dict__[differ[0]]!r} as "
                                      "written; write it as a literal")
            self.__dict__["_loaded"] = module
        return module

    def __getattr__(self, name: str) -> Any:  # only for names not read from the text
        return getattr(self._module, name)


class RevisionFiles:
    """One project's revision files, each read once: its sha256 and its Alembic ``Script``."""

    def __init__(self, config: Config, known: dict[str, tuple[str, dict[str, Any]]]) -> None:
        self._known = known  # sha256 and names by path, of files read already (revision_list)
        self.digests: dict[str, str] = {}  # by path, as Alembic's Script.path spells it
        self.imported: list[Path] = []  # files whose names are not literals
        self.scripts: ScriptDirectory = script_directory_loading(config, self._load)

    def _load(self, scripts: ScriptDirectory, path: Path) -> Script | None:
        known = self._known.get(str(path))
        if known is not None:
            self.digests[str(path)], names = known
        else:
            data = path.read_bytes()
            self.digests[str(path)] = hashlib.sha256(data).hexdigest()
            names = read_names(data.decode("utf-8", "replace"))
        if names is None:
            self.imported.append(path)
            return script_from_path(scripts, path)
        return deferred_script(path, names)

    def digest(self, path: str) -> str:
        """sha256 of a revision file, as read when the map was built."""
        found = self.digests.get(path)
        if found is None:  # a sourceless folder, or a file written since: Alembic loaded it
            found = self.digests[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        return found


def deferred_script(path: Path, names: dict[str, Any]) -> Script:
    """Alembic's ``Script`` for a revision file whose names were read from its text."""
    from alembic.script import Script

    return Script(DeferredModule(path, names), names["revision"], path)  # type: ignore[arg-type]


def scripts_on_heads(config: Config, heads: list[tuple[Path, dict[str, Any]]]
                     ) -> ScriptDirectory:
    """A ScriptDirectory whose revision map holds only the ``heads`` (path and names), each
    standing alone as a base (its parents are not in the map): enough to write a revision on
    top of them, for which Alembic would otherwise build the map of every revision."""
    return script_directory_of(config, lambda scripts: iter(
        [deferred_script(path, {**names, "down_revision": None}) for path, names in heads]))
