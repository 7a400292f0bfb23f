"""The column type each target database gets from one of the project's own TypeDecorators.

A TypeDecorator may choose another implementation per database in ``load_dialect_impl``
(Prefect's ``UUID`` is ``CHAR(36)`` on SQLite and MariaDB and ``UUID`` on PostgreSQL, its
``Timestamp`` ``DATETIME`` on SQLite).  The snapshot records the type such a column is stored
as: the generic ``impl``, plus a ``with_variant`` for each target database on which that
choice writes other DDL.  Revisions, verification and adoption build from it what
``create_all`` builds, without running the decorator's code again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.types import SchemaType, TypeDecorator, TypeEngine

from ..dialect_modules import dialect_named
from .expressions import ExpressionError, compiled, public_type, type_on


def stored_type(decorator: TypeDecorator[Any], databases: Iterable[str]) -> TypeEngine[Any]:
    """``decorator``'s ``impl`` with a variant for each of ``databases`` on which
    ``load_dialect_impl`` gives a column type of other DDL; the ``impl`` itself (so the
    snapshot does not change) where it gives none.  A choice the snapshot cannot record
    raises :class:`ExpressionError` saying which database and why."""
    impl = decorator.impl_instance
    if type(decorator).load_dialect_impl is TypeDecorator.load_dialect_impl:
        return impl  # SQLAlchemy's own gives every database the impl
    variants: dict[str, TypeEngine[Any]] = {}
    for name in sorted(databases):
        chosen = _dialect_impl(decorator, name)
        if _ddl(chosen, name, decorator) == _ddl(impl, name, decorator):
            continue
        if type_on(impl, name) is not impl:  # impl=X().with_variant(...) overridden again
            raise ExpressionError(f"{_label(decorator)}: its impl has a variant for {name} and "
                                  "load_dialect_impl chooses another type there")
        if isinstance(chosen, SchemaType):  # its CHECK or ENUM type would be the variant's
            raise ExpressionError(f"{_label(decorator)}: load_dialect_impl chooses "
                                  f"{type(chosen).__name__} on {name}; a Boolean or Enum chosen "
                                  "per database cannot be recorded, give it as impl")
        variants[name] = chosen
    for name, variant in variants.items():
        impl = impl.with_variant(variant, name)
    return impl


def _dialect_impl(decorator: TypeDecorator[Any], name: str) -> TypeEngine[Any]:
    """The type ``load_dialect_impl`` gives database ``name``, normalised as SQLAlchemy does at
    DDL time (``dialect.type_descriptor``) and named by its public class, proven to write the
    DDL ``create_all`` writes for the decorator there."""
    dialect = dialect_named(name)
    try:  # the project's code: whatever it raises is a problem of the models
        chosen = decorator.load_dialect_impl(dialect)
        if not isinstance(chosen, TypeEngine):
            raise TypeError(f"it returned {chosen!r}, not a SQLAlchemy type instance")
        chosen = dialect.type_descriptor(chosen)
    except Exception as exc:
        raise ExpressionError(f"{_label(decorator)}.load_dialect_impl failed on {name}: "
                              f"{type(exc).__name__}: {exc}") from None
    try:
        chosen = public_type(chosen)
    except ExpressionError as exc:
        raise ExpressionError(f"{_label(decorator)} on {name}: {exc}") from None
    wanted = _ddl(decorator, name, decorator)
    if _ddl(chosen, name, decorator) != wanted:
        raise ExpressionError(f"{_label(decorator)} writes {wanted} on {name}, which its "
                              f"load_dialect_impl type {type(chosen).__name__} does not "
                              "reproduce; it cannot be recorded")
    return chosen


def _ddl(type_: TypeEngine[Any], name: str, decorator: TypeDecorator[Any]) -> str | None:
    """The column type DDL of ``type_`` on database ``name``; the decorator's code may fail."""
    try:
        return compiled(type_, name)
    except Exception as exc:
        raise ExpressionError(f"{_label(decorator)}: its type cannot be written on {name}: "
                              f"{type(exc).__name__}: {exc}") from None


def _label(decorator: TypeDecorator[Any]) -> str:
    cls = type(decorator)
    return f"{cls.__module__}.{cls.__qualname__}"
