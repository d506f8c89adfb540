"""Applications and referrals of a person to a position, moved through an explicit stage machine."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped, Versioned, enum_column


class ApplicationSource(enum.StrEnum):
    SELF = "self"
    SCHOOL = "school"
    AGENCY = "agency"
    FAIR = "fair"


class Stage(enum.StrEnum):
    RECOMMENDED = "recommended"
    APPLIED = "applied"
    INTERVIEW = "interview"
    OFFER = "offer"
    HIRED = "hired"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class RejectionReason(enum.StrEnum):
    SKILLS_MISMATCH = "skills_mismatch"
    EDUCATION = "education"
    LOCATION = "location"
    SALARY = "salary"
    POSITION_FILLED = "position_filled"
    NO_SHOW = "no_show"
    OTHER = "other"


class Application(Timestamped, Versioned, Base):
    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id"), index=True)
    source: Mapped[ApplicationSource] = mapped_column(enum_column(ApplicationSource))
    referrer_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    fair_id: Mapped[int | None] = mapped_column(ForeignKey("fairs.id"), index=True)
    stage: Mapped[Stage] = mapped_column(enum_column(Stage), index=True)
    rejection_reason: Mapped[RejectionReason | None] = mapped_column(enum_column(RejectionReason))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("person_id", "position_id"),
        CheckConstraint(
            "(stage = 'rejected') = (rejection_reason IS NOT NULL)",
            name="reason_iff_rejected",
        ),
    )


class ApplicationEvent(Base):
    """One stage transition: the pipeline's history, never rewritten."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    from_stage: Mapped[Stage | None] = mapped_column(enum_column(Stage, name="from_stage"))
    to_stage: Mapped[Stage] = mapped_column(enum_column(Stage, name="to_stage"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(256))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
