"""Typed schema changes: what the diff finds and every later stage consumes."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from ..dialects.table_options import MIGRATED_OPTIONS
from ..snapshot.default_variants import show_default
from ..snapshot.expressions import same_ddl, text_to_type


class Action(enum.Enum):
    """What happens to an object."""

    ADD = "add"
    DROP = "drop"
    ALTER = "alter"
    RENAME = "rename"  # ``old`` holds the old name; the data stays

    @property
    def sign(self) -> str:
        """The sign used in every listing: a rename alters the object in place."""
        return {"add": "+", "drop": "-"}.get(self.value, "~")


class Kind(enum.Enum):
    """The kind of schema object a change touches."""

    TABLE = "table"
    COLUMN = "column"
    PRIMARY_KEY = "primary key"
    FOREIGN_KEY = "foreign key"
    UNIQUE = "unique constraint"
    CHECK = "check constraint"
    INDEX = "index"


@dataclass(frozen=True)
class Change:
    """One difference between two snapshots.

    ``old``/``new`` hold the snapshot dicts of the object (for ADD/DROP) or the attribute's
    values (for ALTER, where ``attribute`` names what changed).
    """

    action: Action
    kind: Kind
    table: str
    name: str | None = None
    attribute: str | None = None
    old: Any = None
    new: Any = None

    @property
    def ddl_free(self) -> bool:
        """A column type change no database sees (``asdecimal``, String -> Unicode, ...): it
        is recorded in the snapshot, and the revision does nothing for it."""
        return (self.kind is Kind.COLUMN and self.attribute == "type"
                and same_ddl(text_to_type(self.old), text_to_type(self.new)))

    def describe(self) -> str:
        """One human line: ``+ table plants``, ``~ column plants.x: nullable true -> false``."""
        sign = self.action.sign
        if self.kind is Kind.TABLE:
            subject = f"table {self.table}"
        elif self.kind is Kind.COLUMN:
            subject = f"column {self.table}.{self.name}"
        else:
            item = self.new or self.old or {}
            columns = ", ".join(item.get("columns") or item.get("expressions", []))
            label = self.name or "(unnamed)"
            unique_index = self.kind is Kind.INDEX and item.get("unique")
            kind = "unique index" if unique_index else self.kind.value
            subject = f"{kind} {label} on {self.table}"
            if self.action is not Action.ALTER and columns:
                subject += f" ({columns})"
            if self.action is not Action.ALTER and item.get("dialect_options"):
                # a partial index re-created with another condition must not read the same
                subject += " " + ", ".join(f"{key}={_show(value, True)}" for key, value
                                           in sorted(item["dialect_options"].items()))
            if self.action is not Action.ALTER and item.get("dialects"):  # ddl_if(dialect=...)
                subject += f" only on {', '.join(item['dialects'])}"
        if self.action is Action.RENAME:
            return f"{sign} {subject}: renamed from {self.old}"
        if self.action is Action.ALTER:
            verbatim = self.attribute in ("type", "impl", "server_default")
            show = _show_default if self.attribute == "server_default" else _show
            note = _no_ddl(self.old, self.new) if self.attribute == "dialect_options" else (
                " (snapshot only, no DDL)" if self.ddl_free else "")
            return (f"{sign} {subject}: {self.attribute} "
                    f"{show(self.old, verbatim)} -> {show(self.new, verbatim)}{note}")
        return f"{sign} {subject}"


def _no_ddl(old: dict[str, Any] | None, new: dict[str, Any] | None) -> str:
    """Changed table options no revision changes: only some MariaDB/MySQL ones are migrated
    (the plan refuses the others when their database is a target)."""
    old, new = old or {}, new or {}
    keys = sorted(key for key in old.keys() | new.keys()
                  if old.get(key) != new.get(key) and key not in MIGRATED_OPTIONS)
    return f" (snapshot only, no DDL: {', '.join(keys)})" if keys else ""


def _show_default(value: Any, verbatim: bool) -> str:
    """A server default as recorded: one for every database, or one per database."""
    return show_default(value) if isinstance(value, dict) else _show(value, verbatim)


def _show(value: Any, verbatim: bool) -> str:
    """Types and SQL defaults as written in the snapshot; other strings quoted."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and verbatim:
        return value
    return repr(value)
