"""Application settings and optional extensions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import JSON, Boolean, DateTime, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Setting(Base):
    """A global key/value setting with a JSON value."""

    __tablename__ = "settings"
    __table_args__ = {"comment": "Global key/value settings"}

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    value: Mapped[Any] = mapped_column(JSON, comment="JSON-encoded setting value")
    description: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Extension(Base):
    """An optional feature module that can be toggled and configured."""

    __tablename__ = "extensions"
    __table_args__ = {"comment": "Toggleable extensions / plugins"}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=sa.false())
    config: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, comment="Extension-specific configuration"
    )
    installed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
