"""Marketing models: newsletter, waitlist and blog."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class NewsletterSubscriber(Base):
    """An e-mail address subscribed to the newsletter."""

    __tablename__ = "newsletter_subscribers"
    __table_args__ = {"comment": "Newsletter subscriptions (double opt-in)"}

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    confirmed: Mapped[bool] = mapped_column(
        Boolean, server_default=sa.false(), comment="Double opt-in completed"
    )
    subscribed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WaitlistEntry(Base):
    """A person waiting for early access."""

    __tablename__ = "waitlist"
    __table_args__ = (
        CheckConstraint("position > 0", name="position_positive"),
        {"comment": "Early-access waitlist"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    position: Mapped[int] = mapped_column(
        Integer, index=True, comment="1-based place in the queue"
    )
    referral_code: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class BlogPost(Base):
    """A blog article; unpublished while published_at is NULL."""

    __tablename__ = "blog_posts"
    __table_args__ = {"comment": "Blog articles"}

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    slug: Mapped[str] = mapped_column(
        String(200), unique=True, comment="URL path segment"
    )
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text, comment="Markdown source")
    status: Mapped[str] = mapped_column(String(20), server_default="draft")
    published_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), index=True
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
