"""Which ENUM types are native named types (PostgreSQL creates them as types of their own) and how
they are told apart: facts the planner, validation and verification share."""

from __future__ import annotations

from sqlalchemy import Enum

EnumKey = tuple[str | None, str]


def native_enum(type_: object) -> Enum | None:
    """The type if it is a named ENUM that PostgreSQL creates as a type of its own."""
    if isinstance(type_, Enum) and type_.native_enum and type_.name:
        return type_
    return None


def enum_key(enum: Enum) -> EnumKey:
    return (enum.schema, str(enum.name))


def only_added(old: Enum, new: Enum) -> bool:
    """Whether ``new`` is ``old`` with values added (in any place), none removed or moved."""
    return [value for value in new.enums if value in old.enums] == list(old.enums)
