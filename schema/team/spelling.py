"""A reflected table spelled as the models spell it, for ``tool snapshot --from-db``.

``snapshot.reflected`` takes out what is only how SQLAlchemy reflects; what remains is the
database's own words for things the models say another way, and on a database the tool built
``tool diff`` against the models' snapshot listed them as changes that are none: a default
(MariaDB keeps ``CURRENT_DATE`` as ``curdate()`` and ``false()`` as ``0``, PostgreSQL ``'x'`` as
``'x'::character varying``, SQLite ``(1.50)`` as ``1.50``) and the primary key's name (MariaDB
calls every one ``PRIMARY``; PostgreSQL names an unnamed one ``<table>_pkey``).  Each is spelled
as the models' table does only where verification counts both as one on that database, so a
real difference still shows.
"""

from __future__ import annotations

from sqlalchemy.engine import Dialect

from ..snapshot.expressions import default_to_sql, text_to_default
from ..snapshot.serialize import TableDict
from ..verify.defaults import normalize_default


def spelled_as(data: TableDict, models: TableDict | None, dialect: Dialect) -> None:
    """Spell the reflected table ``data`` as the models' ``models`` do wherever they mean the
    same on ``dialect``: its defaults (compared as verification compares them) and its primary
    key's name.  Without the models' table, the name the database gives an unnamed key is
    dropped (what models that name none record)."""
    key = data.get("primary_key")
    wanted = (models or {}).get("primary_key")
    if key is not None:
        unnamed = {"postgresql": f"{data['name']}_pkey"}.get(dialect.name)
        if wanted is not None and wanted["columns"] == key["columns"] and (
                dialect.name == "mysql" or key["name"] in (wanted["name"], unnamed)):
            key["name"] = wanted["name"]  # MariaDB keeps no name to compare
        elif key["name"] == unnamed:
            key["name"] = None
    theirs = {column["name"]: column for column in (models or {}).get("columns", [])}
    for column in data["columns"]:
        default, their = column.get("server_default"), theirs.get(column["name"], {})
        if default is not None and "server_default" in their and _same_default(
                default, their["server_default"], dialect):
            column["server_default"] = their["server_default"]


def _same_default(reflected: str, models: str, dialect: Dialect) -> bool:
    """Whether two recorded defaults are one on ``dialect``, as verification compares them."""
    return normalize_default(default_to_sql(text_to_default(reflected), dialect)) == \
        normalize_default(default_to_sql(text_to_default(models), dialect))
