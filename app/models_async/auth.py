"""Authentication models: user accounts and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class User(Base):
    """A registered grower account."""

    __tablename__ = "users"
    __table_args__ = {"comment": "Registered user accounts"}

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(
        String(255), unique=True, comment="Login e-mail, stored lowercase"
    )
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(
        String(255), comment="Password hash (argon2/bcrypt), never plain text"
    )
    display_name: Mapped[str | None] = mapped_column(String(120))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=sa.true())
    is_admin: Mapped[bool] = mapped_column(Boolean, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    api_tokens: Mapped[list[ApiToken]] = relationship(
        "ApiToken", back_populates="user", passive_deletes=True
    )


class ApiToken(Base):
    """A personal API token used by scripts and sensor gateways."""

    __tablename__ = "api_tokens"
    __table_args__ = {"comment": "Hashed personal API tokens"}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(
        String(64), unique=True, comment="SHA-256 hex digest of the token"
    )
    scopes: Mapped[list[Any] | None] = mapped_column(JSON)
    revoked: Mapped[bool] = mapped_column(Boolean, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship("User", back_populates="api_tokens")
