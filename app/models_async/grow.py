"""Grow models: genetics, zones, grows, plants and their history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Breeder(Base):
    """A seed bank or breeder that releases cultivars."""

    __tablename__ = "breeders"
    __table_args__ = {"comment": "Seed banks and breeders"}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    website: Mapped[str | None] = mapped_column(String(255))
    country: Mapped[str | None] = mapped_column(
        String(2), comment="ISO 3166-1 alpha-2 country code"
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    cultivars: Mapped[list[Cultivar]] = relationship(
        "Cultivar", back_populates="breeder", passive_deletes=True
    )


class Cultivar(Base):
    """A named strain / cultivar, optionally tied to its breeder."""

    __tablename__ = "cultivars"
    __table_args__ = (
        UniqueConstraint("breeder_id", "name"),
        CheckConstraint(
            "flowering_days IS NULL OR flowering_days > 0",
            name="flowering_days_positive",
        ),
        {"comment": "Strains / cultivars, unique per breeder"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    breeder_id: Mapped[int | None] = mapped_column(
        ForeignKey("breeders.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    genetics: Mapped[str | None] = mapped_column(
        String(30), comment="indica / sativa / hybrid / autoflower"
    )
    flowering_days: Mapped[int | None] = mapped_column(
        comment="Breeder-stated flowering time in days"
    )
    description: Mapped[str | None] = mapped_column(Text)

    breeder: Mapped[Breeder | None] = relationship(
        "Breeder", back_populates="cultivars"
    )


class Zone(Base):
    """A physical grow space (tent, room, greenhouse bed)."""

    __tablename__ = "zones"
    __table_args__ = (
        CheckConstraint("area_m2 IS NULL OR area_m2 > 0", name="area_positive"),
        {"comment": "Physical grow spaces: tents, rooms, beds"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(30), server_default="tent")
    area_m2: Mapped[Decimal | None] = mapped_column(
        Numeric(8, 2), comment="Floor area in square metres"
    )
    is_indoor: Mapped[bool] = mapped_column(Boolean, server_default=sa.true())


class Grow(Base):
    """A grow cycle run by a user, optionally in a zone."""

    __tablename__ = "grows"
    __table_args__ = {"comment": "Grow cycles"}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    zone_id: Mapped[int | None] = mapped_column(
        ForeignKey("zones.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(
        String(20), server_default="planning", comment="planning/active/finished"
    )
    started_on: Mapped[date | None] = mapped_column(Date)
    finished_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    plants: Mapped[list[Plant]] = relationship(
        "Plant", back_populates="grow", passive_deletes=True
    )


class Plant(Base):
    """An individual plant within a grow."""

    __tablename__ = "plants"
    __table_args__ = (
        CheckConstraint("height_cm >= 0", name="height_non_negative"),
        {"comment": "Individual plants"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grow_id: Mapped[int] = mapped_column(
        ForeignKey("grows.id", ondelete="CASCADE"), index=True
    )
    cultivar_id: Mapped[int | None] = mapped_column(
        ForeignKey("cultivars.id", ondelete="SET NULL"), index=True
    )
    label: Mapped[str] = mapped_column(String(64), comment="Tag written on the pot")
    stage: Mapped[str] = mapped_column(String(20), server_default="seedling")
    height_cm: Mapped[Decimal | None] = mapped_column(
        Numeric(6, 1), comment="Latest measured height in centimetres"
    )
    planted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_mother: Mapped[bool] = mapped_column(Boolean, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    grow: Mapped[Grow] = relationship("Grow", back_populates="plants")
    cultivar: Mapped[Cultivar | None] = relationship("Cultivar")
    activities: Mapped[list[PlantActivity]] = relationship(
        "PlantActivity", back_populates="plant", passive_deletes=True
    )


class PlantActivity(Base):
    """A logged action on a plant (watering, feeding, training...)."""

    __tablename__ = "plant_activities"
    __table_args__ = (
        sa.Index("ix_plant_activities_plant_id_occurred_at", "plant_id", "occurred_at"),
        {"comment": "Plant journal entries"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plant_id: Mapped[int] = mapped_column(ForeignKey("plants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(
        String(30), comment="water / feed / train / transplant / note ..."
    )
    notes: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    plant: Mapped[Plant] = relationship("Plant", back_populates="activities")


class Measurement(Base):
    """A manual measurement taken on a plant."""

    __tablename__ = "measurements"
    __table_args__ = (
        CheckConstraint("ph IS NULL OR (ph >= 0 AND ph <= 14)", name="ph_range"),
        {"comment": "Manual plant measurements"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plant_id: Mapped[int] = mapped_column(
        ForeignKey("plants.id", ondelete="CASCADE"), index=True
    )
    metric: Mapped[str] = mapped_column(String(40), comment="e.g. height, ec, ph")
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(16))
    ph: Mapped[Decimal | None] = mapped_column(Numeric(4, 2))
    measured_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Harvest(Base):
    """The harvest outcome of a plant."""

    __tablename__ = "harvests"
    __table_args__ = (
        CheckConstraint("wet_weight_g >= 0", name="wet_weight_non_negative"),
        CheckConstraint("dry_weight_g >= 0", name="dry_weight_non_negative"),
        {"comment": "Harvest weights per plant"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plant_id: Mapped[int] = mapped_column(
        ForeignKey("plants.id", ondelete="CASCADE"), unique=True
    )
    wet_weight_g: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    dry_weight_g: Mapped[Decimal | None] = mapped_column(
        Numeric(10, 2), comment="Weight after drying, in grams"
    )
    harvested_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
