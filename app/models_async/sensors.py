"""Sensor models: environment sensors and their time-series readings."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Sensor(Base):
    """A physical sensor (temperature, humidity, CO2, ...) in a zone."""

    __tablename__ = "sensors"
    __table_args__ = {"comment": "Environment sensors"}

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int | None] = mapped_column(
        ForeignKey("zones.id", ondelete="SET NULL"), index=True
    )
    serial: Mapped[str] = mapped_column(
        String(64), unique=True, comment="Manufacturer serial number"
    )
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(
        String(30), comment="temperature / humidity / co2 / soil_moisture ..."
    )
    unit: Mapped[str] = mapped_column(String(16), server_default="C")
    is_enabled: Mapped[bool] = mapped_column(Boolean, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    readings: Mapped[list[SensorReading]] = relationship(
        "SensorReading", back_populates="sensor", passive_deletes=True
    )


class SensorReading(Base):
    """A single value reported by a sensor."""

    __tablename__ = "sensor_readings"
    __table_args__ = (
        Index("ix_sensor_readings_sensor_id_recorded_at", "sensor_id", "recorded_at"),
        {"comment": "Time-series sensor values"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sensor_id: Mapped[int] = mapped_column(
        ForeignKey("sensors.id", ondelete="CASCADE")
    )
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    value: Mapped[float] = mapped_column(Float, comment="Value in the sensor's unit")

    sensor: Mapped[Sensor] = relationship("Sensor", back_populates="readings")
