"""Targeted (定向班), customised (定制班) and short skills-training classes run by a school with
a partner enterprise; positions reserved for the class's graduates; enrolments."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped, Versioned, enum_column


class ClassKind(enum.StrEnum):
    TARGETED = "targeted"
    CUSTOMISED = "customised"
    SHORT_TRAINING = "short_training"


class_reserved_positions = Table(
    "class_reserved_positions",
    Base.metadata,
    Column("class_id", ForeignKey("training_classes.id", ondelete="CASCADE"), primary_key=True),
    Column("position_id", ForeignKey("positions.id"), primary_key=True),
    # Matching asks which classes a position is reserved for.
    Index("ix_class_reserved_positions_by_position", "position_id", "class_id"),
)


class TrainingClass(Timestamped, Versioned, Base):
    __tablename__ = "training_classes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[ClassKind] = mapped_column(enum_column(ClassKind))
    name: Mapped[str] = mapped_column(String(128))
    major_code: Mapped[str | None] = mapped_column(ForeignKey("majors.code"))
    cohort_year: Mapped[int] = mapped_column(Integer)
    seats: Mapped[int] = mapped_column(Integer)
    # A counter rather than COUNT(*) so "never more than seats" is one conditional UPDATE.
    enrolled: Mapped[int] = mapped_column(Integer, default=0)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    training_plan: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("seats >= 0", name="seats_not_negative"),
        CheckConstraint("enrolled >= 0 AND enrolled <= seats", name="within_seats"),
        CheckConstraint("starts_on <= ends_on", name="date_range"),
        CheckConstraint(
            "kind = 'short_training' OR enterprise_id IS NOT NULL",
            name="partner_for_targeted_and_customised",
        ),
    )


class Enrolment(Base):
    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (UniqueConstraint("class_id", "person_id"),)
