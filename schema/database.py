"""Connections to a live database for sync and async URLs, with passwords never shown."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import exc as sa_exc
from sqlalchemy import pool
from sqlalchemy.engine import Connection, Engine, create_engine, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from .errors import DatabaseError

T = TypeVar("T")


def mask_url(url: str) -> str:
    """The URL with its password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # unparsable: show only the scheme
        return url.split("://", 1)[0] + "://***"


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for in-memory databases and other dialects."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).resolve()


def run_on_connection(url: str, work: Callable[[Connection], T], create: bool = False) -> T:
    """Open ``url`` (sync or async driver) and run ``work`` with a sync ``Connection``.

    A SQLite file that does not exist is an error unless ``create`` (only `tool apply` builds a
    database): connecting would create it empty, and a typo would then read as "no drift".
    """
    try:
        parsed = make_url(url)
        is_async = parsed.get_dialect().is_async
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError, ImportError) as exc:
        raise DatabaseError(f"cannot use database URL {mask_url(url)}: {reason(exc)}") from None
    database = sqlite_file(url)
    if database is not None and not create and not database.is_file():
        raise DatabaseError(f"{database}: no such SQLite database file (from {mask_url(url)}); "
                            "only `tool apply` creates one")

    def guarded(connection: Connection) -> T:
        if connection.dialect.name == "mysql":  # imported only where needed
            from .mysql_reflection import unescaping_reflection
            unescaping_reflection(connection.dialect)
        # once connected, a failure is a statement's, not the connection's
        try:
            return work(connection)
        except sa_exc.DBAPIError as exc:
            raise DatabaseError(
                f"database {mask_url(url)}: a statement failed: {reason(exc)}"
            ) from exc

    try:
        if is_async:
            return asyncio.run(_run_async(url, guarded))
        with _engine(url).connect() as connection:
            return guarded(connection)
    except (sa_exc.OperationalError, sa_exc.InterfaceError, OSError) as exc:
        # async drivers (asyncpg) raise plain OSErrors such as ConnectionRefusedError
        raise DatabaseError(f"cannot connect to {mask_url(url)}: {reason(exc)}") from None


_ENGINES: dict[str, Engine] = {}


def _engine(url: str) -> Engine:
    """One engine per URL for the life of the process.  It holds no connection (NullPool), but
    its compiled-statement cache spares recompiling the reflection queries verification runs
    when a process works on a database more than once (tests, `apply` then verify)."""
    if url not in _ENGINES:
        _ENGINES[url] = create_engine(url, poolclass=pool.NullPool)
    return _ENGINES[url]


async def _run_async(url: str, work: Callable[[Connection], T]) -> T:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


def reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__
