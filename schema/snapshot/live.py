"""The live schema as drift verification reads it, through the inspector Alembic's comparison
used (``verify.drift``).

Read table by table, each kind of reflection costs one query per table on PostgreSQL (its
single-table methods are its multi-table ones given one name) and, on SQLite, a scan of
``sqlite_master`` per table, a second time after Alembic's comparison had read the same through
an inspector of its own: at 2,000 tables, seconds.  :class:`LiveSchema` reads each kind once
for all the snapshot's tables of a schema (``get_multi_*``), through the inspector Alembic
filled, so SQLite's per-table cache already holds it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from sqlalchemy import Table
from sqlalchemy.engine import Connection, Dialect, Inspector
from sqlalchemy.engine.reflection import ObjectKind, ObjectScope


class TableSource(Protocol):
    """What the checks read of the snapshot: its tables (a ``MetaData``, or a :class:`Batch`)."""

    @property
    def tables(self) -> Mapping[str, Table]: ...


@dataclass(frozen=True)
class Batch:
    """Some of a ``MetaData``'s tables, verified together and then forgotten (see ``drift``)."""

    tables: Mapping[str, Table]


class Reflected(Enum):
    """A kind of per-table reflection, by the name of its ``Inspector.get_*`` method."""

    COLUMNS = "columns"
    PRIMARY_KEY = "pk_constraint"
    CHECKS = "check_constraints"
    INDEXES = "indexes"
    TABLE_OPTIONS = "table_options"


class LiveSchema:
    """Per-table reflection of the live schema for the snapshot tables of ``source``, each
    kind fetched for all of a schema's tables at its first use; other tables are read alone.
    Results are what ``Inspector.get_<kind>(name, schema=...)`` returns for each table."""

    def __init__(self, inspector: Inspector, source: TableSource) -> None:
        self.inspector = inspector
        self.dialect: Dialect = inspector.dialect
        self.bind: Connection = inspector.bind  # type: ignore[assignment]
        self._names: dict[str | None, set[str]] = {}
        for table in source.tables.values():
            self._names.setdefault(_plain(table.schema), set()).add(str(table.name))
        self._read: dict[tuple[Reflected, str | None], Mapping[tuple[str | None, str], Any]] = {}

    def has_table(self, name: str, schema: str | None = None) -> bool:
        """Whether table ``name`` exists (the inspector caches the answer)."""
        return self.inspector.has_table(name, schema=schema)

    def get_columns(self, name: str, schema: str | None = None) -> list[Any]:
        """The reflected columns of ``name``."""
        return self._of(Reflected.COLUMNS, name, schema)  # type: ignore[no-any-return]

    def get_pk_constraint(self, name: str, schema: str | None = None) -> Any:
        """The reflected primary key of ``name``."""
        return self._of(Reflected.PRIMARY_KEY, name, schema)

    def get_check_constraints(self, name: str, schema: str | None = None) -> list[Any]:
        """The reflected CHECKs of ``name`` (NotImplementedError where a dialect has none)."""
        return self._of(Reflected.CHECKS, name, schema)  # type: ignore[no-any-return]

    def get_indexes(self, name: str, schema: str | None = None) -> list[Any]:
        """The reflected indexes of ``name``."""
        return self._of(Reflected.INDEXES, name, schema)  # type: ignore[no-any-return]

    def get_table_options(self, name: str, schema: str | None = None) -> dict[str, Any]:
        """The reflected table options of ``name``."""
        return self._of(Reflected.TABLE_OPTIONS, name, schema)  # type: ignore[no-any-return]

    def get_table_names(self, schema: str | None = None) -> list[str]:
        """Every table of ``schema``."""
        return self.inspector.get_table_names(schema=schema)

    def get_sequence_names(self, schema: str | None = None) -> list[str]:
        """Every sequence of ``schema``."""
        return self.inspector.get_sequence_names(schema=schema)

    def get_enums(self, schema: str) -> Sequence[dict[str, Any]]:
        """PostgreSQL: the ENUM types of ``schema`` (``"*"``: of every schema)."""
        return self.inspector.get_enums(schema=schema)  # type: ignore[attr-defined, no-any-return]

    def _of(self, kind: Reflected, name: str, schema: str | None) -> Any:
        found = self._all(kind, _plain(schema)).get((schema, name), _MISSING)
        if found is _MISSING:  # not a snapshot table, or not reflected with the others:
            # read alone, it fails (or not) exactly as before
            return getattr(self.inspector, f"get_{kind.value}")(name, schema=schema)
        return found

    def _all(self, kind: Reflected,
             schema: str | None) -> Mapping[tuple[str | None, str], Any]:
        key = (kind, schema)
        if key not in self._read:
            names = sorted(self._names.get(schema, ()))
            try:
                # any kind and scope, as the single-table methods ask (views, temporary tables)
                self._read[key] = dict(getattr(self.inspector, f"get_multi_{kind.value}")(
                    schema=schema, filter_names=names, kind=ObjectKind.ANY,
                    scope=ObjectScope.ANY)) if names else {}
            except NotImplementedError:  # the single-table method says so for each table
                self._read[key] = {}
        return self._read[key]


_MISSING = object()


def _plain(schema: str | None) -> str | None:
    """A schema name as a plain string: SQLAlchemy's reflection cache keys a ``quoted_name``
    (a Table's ``name`` and ``schema``) apart from the same plain name, which Alembic uses."""
    return None if schema is None else str(schema)
