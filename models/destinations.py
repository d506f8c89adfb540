"""Graduate destinations (毕业去向): where each graduate of a cohort went, with history.

A graduate has at most one *current* destination (``is_current``; a partial unique index holds
it); recording a new one supersedes the old, which stays as history (``superseded_on``). The
cohort is the graduation year of the graduate's employment intention (ledger c).

Meaning of the kinds, for every figure built on them (the yearly evaluation):
- ``alliance_job``: employed through the alliance (a hire on an alliance position; linked to its
  employment record);
- ``other_job``: employed by an employer outside the alliance's pipeline (employer name, optional
  unified social credit code, work region, monthly income, start date; linked to the employment
  record it opened);
- ``flexible``: flexible employment (灵活就业: gig, seasonal, self-employed without a business);
- ``own_business``: started a business (自主创业);
- ``further_study``: further study (升学);
- ``military``: military service (应征入伍);
- ``public_welfare``: a public-welfare position (公益性岗位);
- ``not_employed``: looking for work, not yet employed (待就业);
- ``not_seeking``: not looking for work (暂不就业).

``EMPLOYED_KINDS`` are the destinations that count as employed (the employment rate's numerator:
employed destinations ÷ cohort); ``PLACED_KINDS`` add further study and military service (the
ministry's 去向落实率). A destination is *verified* when an authority confirmed it — e.g. the
social-insurance partner's contribution records (``verification`` = ``social_insurance``).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped, enum_column


class DestinationKind(enum.StrEnum):
    ALLIANCE_JOB = "alliance_job"  # 联盟内就业
    OTHER_JOB = "other_job"  # 其他单位就业
    FLEXIBLE = "flexible"  # 灵活就业
    OWN_BUSINESS = "own_business"  # 自主创业
    FURTHER_STUDY = "further_study"  # 升学
    MILITARY = "military"  # 应征入伍
    PUBLIC_WELFARE = "public_welfare"  # 公益性岗位
    NOT_EMPLOYED = "not_employed"  # 待就业
    NOT_SEEKING = "not_seeking"  # 暂不就业


EMPLOYED_KINDS = frozenset(
    {
        DestinationKind.ALLIANCE_JOB,
        DestinationKind.OTHER_JOB,
        DestinationKind.FLEXIBLE,
        DestinationKind.OWN_BUSINESS,
        DestinationKind.PUBLIC_WELFARE,
    }
)
PLACED_KINDS = EMPLOYED_KINDS | {DestinationKind.FURTHER_STUDY, DestinationKind.MILITARY}
JOB_KINDS = frozenset({DestinationKind.ALLIANCE_JOB, DestinationKind.OTHER_JOB})
"""Kinds with an employer: each is one employment record (employment_records)."""


class DestinationSource(enum.StrEnum):
    """Who recorded it (the recorder's role), within their remit (auth.rules)."""

    SCHOOL = "school"
    GRADUATE = "graduate"
    AGENCY = "agency"
    BUREAU = "bureau"
    ENTERPRISE = "enterprise"  # the employer ended the job (endEmployment): 待就业 follows
    HIRE = "hire"  # an alliance hire (transitionApplication to HIRED) recorded it


class GraduateDestination(Timestamped, Base):
    __tablename__ = "graduate_destinations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    cohort_year: Mapped[int] = mapped_column(Integer, index=True)  # graduation year
    kind: Mapped[DestinationKind] = mapped_column(enum_column(DestinationKind), index=True)
    # Since when it holds (a job's start date; the date study or service began).
    since: Mapped[date] = mapped_column(Date)
    employment_record_id: Mapped[int | None] = mapped_column(ForeignKey("employment_records.id"))
    employer_name: Mapped[str | None] = mapped_column(String(128))
    employer_credit_code: Mapped[str | None] = mapped_column(String(18))
    work_region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    monthly_income: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[DestinationSource] = mapped_column(enum_column(DestinationSource))
    recorded_on: Mapped[date] = mapped_column(Date)
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    superseded_on: Mapped[date | None] = mapped_column(Date)
    # Confirmed by an authority (e.g. social-insurance contributions): who, how, when.
    verification: Mapped[str | None] = mapped_column(String(32))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))

    __table_args__ = (
        CheckConstraint(
            "monthly_income IS NULL OR monthly_income >= 0", name="income_not_negative"
        ),
        CheckConstraint("is_current = (superseded_on IS NULL)", name="current_not_superseded"),
        # One current destination per graduate: the history keeps the rest.
        Index(
            "uq_graduate_destinations_current",
            "person_id",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
    )
