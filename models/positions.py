"""Positions (岗位) posted by enterprises and aggregated into the position demand list."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped, Versioned, enum_column
from models.people import Education


class PositionKind(enum.StrEnum):
    REGULAR = "regular"
    INTERNSHIP = "internship"  # 见习
    PUBLIC_WELFARE = "public_welfare"  # 公益性岗位
    ASSISTANCE_WORKSHOP = "assistance_workshop"  # 帮扶车间


class PositionState(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


position_majors = Table(
    "position_majors",
    Base.metadata,
    Column("position_id", ForeignKey("positions.id", ondelete="CASCADE"), primary_key=True),
    Column("major_code", ForeignKey("majors.code"), primary_key=True),
    # Matching looks positions up by the majors they accept.
    Index("ix_position_majors_by_major", "major_code", "position_id"),
)


class Position(Timestamped, Versioned, Base):
    __tablename__ = "positions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(128))
    occupation_code: Mapped[str] = mapped_column(ForeignKey("occupations.code"), index=True)
    kind: Mapped[PositionKind] = mapped_column(enum_column(PositionKind))
    state: Mapped[PositionState] = mapped_column(
        enum_column(PositionState), default=PositionState.DRAFT
    )
    min_education: Mapped[Education] = mapped_column(enum_column(Education))
    headcount: Mapped[int] = mapped_column(Integer)
    filled: Mapped[int] = mapped_column(Integer, default=0)
    salary_min: Mapped[int] = mapped_column(Integer)  # yuan per month
    salary_max: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)  # work place
    benefits: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    required_certificates: Mapped[list[str]] = mapped_column(JSON, default=list)
    yulu_priority: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint("headcount >= 0", name="headcount_not_negative"),
        CheckConstraint("filled >= 0 AND filled <= headcount", name="within_headcount"),
        CheckConstraint("salary_min >= 0 AND salary_min <= salary_max", name="salary_range"),
        CheckConstraint("valid_from <= valid_until", name="validity_range"),
        # The demand list and matching both start from open positions by occupation.
        Index("ix_positions_state_occupation", "state", "occupation_code"),
    )
