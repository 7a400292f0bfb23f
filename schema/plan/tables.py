"""One side's tables of a revision, built on demand from snapshot dicts: the one lookup type
every planner module takes."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import MetaData, Table

from ..errors import SchemaToolError
from ..snapshot.load import InvalidSnapshotData, build_table
from ..snapshot.serialize import TableDict


class Tables:
    """SQLAlchemy tables built on demand from one side's snapshot dicts.

    Building a table also builds the tables its foreign keys refer to, so Alembic can resolve
    them while rendering.
    """

    def __init__(self, *sides: Mapping[str, TableDict | None],
                 naming_convention: Mapping[str, str] | None = None) -> None:
        self._sides = sides
        # the models' convention names the CHECKs Boolean/Enum types create, as at runtime
        self._metadata = MetaData(naming_convention=dict(naming_convention or {}) or None)
        self._built: dict[str, Table] = {}

    def __getitem__(self, key: str) -> Table:
        # a worklist, not recursion: a chain of keys 1,000 tables deep is a real schema
        pending = [key]
        while pending:
            wanted = pending.pop()
            if wanted in self._built:
                continue
            data = next(side[wanted] for side in self._sides if side.get(wanted) is not None)
            try:
                self._built[wanted] = build_table(data, self._metadata,  # type: ignore[arg-type]
                                                  stored_types=True)
            except InvalidSnapshotData as exc:
                raise SchemaToolError(f"table {wanted}: {exc.problem}") from None
            pending.extend(fk["referred_table"]
                           for fk in data.get("foreign_keys", [])  # type: ignore[union-attr]
                           if fk["referred_table"] in self)
        return self._built[key]

    def get(self, key: str) -> Table | None:
        """The table, or None when this side does not have it."""
        return self[key] if key in self else None

    def __contains__(self, key: object) -> bool:
        return any(side.get(key) is not None for side in self._sides)  # type: ignore[arg-type]

    def keys(self) -> list[str]:
        return sorted({key for side in self._sides for key, data in side.items()
                       if data is not None})

