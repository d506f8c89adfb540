"""Recruitment fairs (专场招聘): by industry, region or speciality; online or offline."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped, enum_column


class FairKind(enum.StrEnum):
    INDUSTRY = "industry"
    REGIONAL = "regional"
    SPECIALITY = "speciality"
    GENERAL = "general"


class FairMode(enum.StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    HYBRID = "hybrid"


fair_enterprises = Table(
    "fair_enterprises",
    Base.metadata,
    Column("fair_id", ForeignKey("fairs.id", ondelete="CASCADE"), primary_key=True),
    Column("enterprise_id", ForeignKey("organisations.id"), primary_key=True),
)

fair_positions = Table(
    "fair_positions",
    Base.metadata,
    Column("fair_id", ForeignKey("fairs.id", ondelete="CASCADE"), primary_key=True),
    Column("position_id", ForeignKey("positions.id"), primary_key=True),
)

fair_registrations = Table(
    "fair_registrations",
    Base.metadata,
    Column("fair_id", ForeignKey("fairs.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("persons.id"), primary_key=True, index=True),
    Column("registered_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    # Registered by the graduate themself or by their school (on their behalf): only such a
    # registration clears the graduate for the organiser (auth.rules), not the organiser's own.
    Column("with_consent", Boolean, server_default=false(), nullable=False),
)


class Fair(Timestamped, Base):
    __tablename__ = "fairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[FairKind] = mapped_column(enum_column(FairKind))
    mode: Mapped[FairMode] = mapped_column(enum_column(FairMode))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)

    __table_args__ = (CheckConstraint("starts_on <= ends_on", name="date_range"),)
