"""Declarative base, naming convention and lazily created async engine."""

from __future__ import annotations

import functools
import os

from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

DATABASE_URL: str = os.environ.get(
    "DATABASE_URL", "sqlite+aiosqlite:///./cultivar_async.db"
)


class Base(DeclarativeBase):
    """Declarative base shared by every CultivAR model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@functools.cache
def get_engine() -> AsyncEngine:
    """Return the process-wide async engine, creating it on first use."""
    return create_async_engine(DATABASE_URL)


@functools.cache
def get_session_factory() -> async_sessionmaker[AsyncSession]:
    """Return the process-wide async session factory bound to the engine."""
    return async_sessionmaker(get_engine(), expire_on_commit=False)
