"""SQLAlchemy's dialect modules, each imported the first time something needs it.

A dialect's package imports all of its drivers' modules (``sqlalchemy.dialects.mysql`` fifteen
of them); a SQLite-only project never needs PostgreSQL's or MariaDB's.  The tool asks for a
dialect's module by name here, when a project's databases or its URL need that database or a
snapshot's type text names it (``postgresql.JSONB()``), and never imports one at module level.
"""

from __future__ import annotations

import functools
import importlib
import sys
from types import ModuleType

from sqlalchemy.engine import Dialect

# The dialect modules a snapshot's type texts may name (``mysql.SET(...)``), in the order the
# snapshot format looks a type class up in them.
DIALECT_MODULE_NAMES = ("postgresql", "mysql", "sqlite")
_PACKAGE = "sqlalchemy.dialects"


def dialect_module(name: str) -> ModuleType:
    """``sqlalchemy.dialects.NAME`` for one of ``DIALECT_MODULE_NAMES``, imported now if it
    was not yet; KeyError for any other name (a hostile text must not import what it names)."""
    if name not in DIALECT_MODULE_NAMES:
        raise KeyError(name)
    return importlib.import_module(f"{_PACKAGE}.{name}")


@functools.cache
def dialect_named(name: str) -> Dialect:
    """The SQLAlchemy dialect of a target database (``sqlite``, ``postgresql``, ``mysql``)."""
    return dialect_module(name).dialect()  # type: ignore[no-any-return]


def module_of_type(cls: type) -> str | None:
    """The dialect module a type class comes from (``mysql`` for ``mysql.SET``), or None for a
    class of no dialect of ``DIALECT_MODULE_NAMES``."""
    package, _, rest = cls.__module__.partition(f"{_PACKAGE}.")
    name = rest.split(".")[0]
    return name if not package and name in DIALECT_MODULE_NAMES else None


def is_dialect_type(value: object, name: str, *class_names: str) -> bool:
    """Whether ``value`` is an instance of one of a dialect's classes (``mysql``, ``DOUBLE``)
    without importing the dialect: a value can only be an instance of a class whose module is
    imported already, so a dialect not imported yet answers False."""
    module = sys.modules.get(f"{_PACKAGE}.{name}")
    if module is None:
        return False
    return isinstance(value, tuple(getattr(module, class_name) for class_name in class_names))
