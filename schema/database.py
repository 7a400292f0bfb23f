"""Connections to a live database for sync and async URLs, with passwords never shown.

``mask_url`` is how every URL is shown, and ``reason`` how every driver error is: both hide the
password, whether it is in the user-info part (``user:secret@``) or in the query string
(``?password=secret``, which psycopg, asyncpg and PyMySQL all accept).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote, quote_plus

from sqlalchemy import exc as sa_exc
from sqlalchemy import pool, text
from sqlalchemy.engine import URL, Connection, Engine, create_engine, make_url

from .errors import DatabaseError

T = TypeVar("T")
MASK = "***"
TENANT_SCHEMA = "tool_tenant_schema"  # key of Connection.info: see in_schema()
# query options holding a secret: password, passwd, sslpassword, pwd, *secret*, *token*
SECRET_OPTION = re.compile(r"pass|pwd|secret|token", re.IGNORECASE)


def mask_url(url: str) -> str:
    """The URL with its password and the secrets of its query string replaced by ``***``."""
    try:
        parsed = make_url(url)
    except Exception:  # unparsable: show only a scheme that looks like one
        scheme, sep, _ = url.partition("://")
        return f"{scheme}://{MASK}" if sep and re.fullmatch(r"[\w+.-]+", scheme) else MASK
    shown = parsed.set(query={}).render_as_string(hide_password=True)
    options = [f"{quote_plus(key)}={MASK if SECRET_OPTION.search(key) else quote_plus(value)}"
               for key in sorted(parsed.query)
               for value in _values(parsed.query[key])]
    return shown + ("?" + "&".join(options) if options else "")


def _values(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else value


def _secrets(url: str) -> set[str]:
    """The secret values in ``url``, as typed and as URL-encoded, to hide them in messages."""
    try:
        parsed = make_url(url)
    except Exception:
        return set()
    values = {value for key, value in parsed.query.items() if SECRET_OPTION.search(key)
              for value in _values(value)}
    if parsed.password:
        values.add(str(parsed.password))
    # short values would hide ordinary words; drivers never echo a password anyway
    return {form for value in values if len(value) >= 4
            for form in (value, quote(value, safe=""), quote_plus(value))}


def parse_url(url: str) -> URL:
    """``url`` parsed; a malformed one (``:notaport``) is one error naming it, masked."""
    try:
        return make_url(url)
    except (sa_exc.ArgumentError, ValueError, TypeError) as exc:
        problem = "its port is not a number" if "int()" in str(exc) else reason(exc, url)
        raise DatabaseError(f"cannot use database URL {mask_url(url)}: {problem}") from None


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
    parsed = parse_url(url)
    try:
        is_async = parsed.get_dialect().is_async
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError, ImportError) as exc:
        raise DatabaseError(f"cannot use database URL {mask_url(url)}: {reason(exc, url)}") \
            from None
    database = sqlite_file(url)
    if database is not None and not create and not database.is_file():
        raise DatabaseError(f"{database}: no such SQLite database file (from {mask_url(url)}); "
                            "only `tool apply` creates one")
    connected = False

    def guarded(connection: Connection) -> T:
        nonlocal connected
        connected = True
        if connection.dialect.name == "mysql":  # imported only where needed
            from .mysql_reflection import unescaping_reflection
            unescaping_reflection(connection.dialect)
        # once connected, a failure is a statement's, not the connection's
        try:
            return work(connection)
        except sa_exc.DBAPIError as exc:
            raise DatabaseError(
                f"database {mask_url(url)}: a statement failed: {reason(exc, url)}"
            ) from exc

    try:
        if is_async:
            return asyncio.run(_run_async(url, guarded))
        with _engine(url).connect() as connection:
            return guarded(connection)
    except BrokenPipeError:  # our own output's reader went away (tool apply | head -1)
        raise
    except (sa_exc.OperationalError, sa_exc.InterfaceError, OSError) as exc:
        # async drivers (asyncpg) raise plain OSErrors such as ConnectionRefusedError
        raise DatabaseError(f"cannot connect to {mask_url(url)}: {reason(exc, url)}") from None
    except Exception as exc:
        if connected:
            raise
        # asyncpg's refusals are bare DBAPIErrors; a driver may choke on an option
        # (PyMySQL's ?charset=nope is an AttributeError)
        options = ", ".join(sorted(parsed.query))
        hint = f" (check the URL's options: {options})" if options and not isinstance(
            exc, sa_exc.DBAPIError) else ""
        raise DatabaseError(f"cannot connect to {mask_url(url)}{hint}: "
                            f"{type(exc).__name__}: {reason(exc, url)}") from None


def in_schema(connection: Connection, schema: str | None) -> None:
    """Make PostgreSQL ``schema`` the only one the connection's unqualified names (and the
    reflection of ``schema=None``) see, for this session: a tenant's schema, which
    ``connection.info[TENANT_SCHEMA]`` then names (verification leaves the other tenants'
    schemas alone).  None: no change."""
    if schema is None:
        return
    quoted = connection.dialect.identifier_preparer.quote_identifier(schema)
    connection.execute(text("SELECT set_config('search_path', :path, false)"), {"path": quoted})
    connection.commit()
    connection.info[TENANT_SCHEMA] = schema


def forget_engine(url: str) -> None:
    """Drop the engine kept for ``url`` (a fleet works on each of hundreds of URLs once)."""
    engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()


_ENGINES: dict[str, Engine] = {}


def _engine(url: str) -> Engine:
    """One engine per URL for the life of the process.  It holds no connection (NullPool), but
    its compiled-statement cache spares recompiling the reflection queries verification runs
    when a process works on a database more than once (tests, `apply` then verify)."""
    if url not in _ENGINES:
        _ENGINES[url] = create_engine(url, poolclass=pool.NullPool)
    return _ENGINES[url]


async def _run_async(url: str, work: Callable[[Connection], T]) -> T:
    from sqlalchemy.ext.asyncio import create_async_engine  # async URLs only: it imports the ORM

    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


def reason(exc: BaseException, url: str | None = None) -> str:
    """The first line of a driver's error, with the secrets of ``url`` hidden."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()
    line = text[0] if text else type(original).__name__
    for secret in sorted(_secrets(url), key=len, reverse=True) if url else ():
        line = line.replace(secret, MASK)
    return line
