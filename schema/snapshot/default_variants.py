"""Server defaults as the snapshot records them, also those each database writes its own way.

A construct compiled per database (``@compiles``: Prefect's ``GenerateUUID`` is
``(GEN_RANDOM_UUID())`` on PostgreSQL and a ``randomblob`` expression on SQLite) has no one
recorded form that writes every database's DDL.  The snapshot records it as a mapping, target
database -> that database's default (``{postgresql: "text('(GEN_RANDOM_UUID())')", sqlite:
...}``), only where the targets' DDL differs; a plain string otherwise.  Read back, the
mapping is one :class:`DefaultPerDatabase` that compiles to each database's own SQL, so DDL,
verification and adoption get the database's default; a revision writes it as a conditional
on the database it runs on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import elements, functions
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement, ColumnElement
from sqlalchemy.sql.schema import DefaultClause

from ..compat import compiled_by_hook
from ..dialect_modules import DIALECT_MODULE_NAMES, dialect_named
from .expressions import ExpressionError, default_to_sql, default_to_text, text_to_default

RecordedDefault = str | dict[str, str]


class DefaultPerDatabase(ColumnElement[Any]):
    """A server default whose SQL is chosen by the database it is compiled for."""

    inherit_cache = False  # the variants are plain attributes, not part of a cache key

    def __init__(self, variants: dict[str, str]) -> None:
        self.variants = dict(sorted(variants.items()))  # database -> recorded default text


@compiles(DefaultPerDatabase)
def _compile(element: DefaultPerDatabase, compiler: SQLCompiler, **kw: Any) -> str:
    name = "mysql" if compiler.dialect.name == "mariadb" else compiler.dialect.name
    if name not in element.variants:
        raise ExpressionError(f"no server default is recorded for {name} (recorded for "
                              f"{', '.join(element.variants)})")
    return default_to_sql(text_to_default(element.variants[name]), compiler.dialect) or "NULL"


def recorded_default(default: object, databases: Iterable[str]) -> RecordedDefault:
    """The server default's recorded form, proven to write the same DDL on every target
    database once read back.  A construct compiled per database (``@compiles``, Prefect's
    ``GenerateUUID``) would read back as a plain function of its name, and one whose hook
    reads back the same (Prefect's for ``now()``) writes that SQL only where the hook is
    imported: both are recorded as the SQL each target writes, one ``text(...)``, or a mapping
    per database where they differ."""
    text = default_to_text(default)
    # a hook's SQL is recorded as written: the revision must not depend on importing it
    hooked = compiled_by_hook(getattr(default, "arg", None))
    if not hooked and not _may_read_back_otherwise(default, text):
        return text
    written = {name: _default_ddl(default, dialect_named(name)) for name in sorted(databases)}
    read_back = text_to_default(text)
    if not hooked and all(_default_ddl(read_back, dialect_named(name)) == ddl
                          for name, ddl in written.items()):
        return text
    variants = {name: f"text({ddl!r})" for name, ddl in written.items()}
    return variants if len(set(variants.values())) > 1 else next(iter(variants.values()))


def _may_read_back_otherwise(default: object, text: str) -> bool:
    """Whether the recorded text could write other DDL than ``default``: not for strings, plain
    ``text()`` (its SQL is recorded as is) or a ``func.x()`` that reads back as the same class
    (the common case, decided without compiling anything: this runs for every column)."""
    arg = getattr(default, "arg", None)
    if isinstance(arg, str | elements.True_ | elements.False_):
        return False
    if isinstance(arg, elements.TextClause):
        return text != f"text({arg.text!r})"  # bound values were written out
    if isinstance(arg, functions.FunctionElement) and not list(arg.clauses):
        return type(getattr(func, arg.name)()) is not type(arg)
    return True


def _default_ddl(default: object, dialect: Dialect) -> str | None:
    """The default as ``dialect``'s DDL writes it, bound values included."""
    arg = getattr(default, "arg", None)
    if isinstance(arg, ClauseElement):
        return str(arg.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    return default_to_sql(default, dialect)


def build_default(recorded: RecordedDefault) -> DefaultClause:
    """The ``DefaultClause`` of a recorded server default: a string or a per-database mapping
    (checked: known databases, each a default this format reads)."""
    if isinstance(recorded, str):
        return text_to_default(recorded)
    if not isinstance(recorded, dict) or len(recorded) < 2:
        raise ExpressionError("a per-database server default maps two or more databases to "
                              "their default")
    for name, text in recorded.items():
        if name not in DIALECT_MODULE_NAMES:
            raise ExpressionError(f"{name!r} is not a database of this format "
                                  f"({', '.join(sorted(DIALECT_MODULE_NAMES))})")
        if not isinstance(text, str):
            raise ExpressionError(f"the default for {name} must be a string, not {text!r}")
        text_to_default(text)
    return DefaultClause(DefaultPerDatabase(recorded))


def per_database(default: object) -> dict[str, str] | None:
    """The recorded variants of a built server default, if it is one per database."""
    arg = getattr(default, "arg", None)
    return arg.variants if isinstance(arg, DefaultPerDatabase) else None


def show_default(recorded: RecordedDefault) -> str:
    """A recorded default for a change line: as written, a mapping as ``{db: default, ...}``."""
    if isinstance(recorded, str):
        return recorded
    return "{" + ", ".join(f"{name}: {text}" for name, text in sorted(recorded.items())) + "}"
