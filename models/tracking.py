"""After the hire: employment records, dated follow-ups (跟踪监测) and one-to-one assistance
cases (一对一实名制帮扶, 一人一档、一人一策)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped, enum_column
from models.people import LocationTier


class EndReason(enum.StrEnum):
    """Why a job ended: told by a follow-up (the school, the agency, the county) or the employer."""

    LEFT = "left"  # 主动离职
    DISMISSED = "dismissed"  # 被辞退
    CONTRACT_ENDED = "contract_ended"  # 合同到期


class EmploymentRecord(Timestamped, Base):
    """One job. It ends with a date and a reason; a new job is a new record, so a person's
    records are their work history, and "in work" means an open record (end_date NULL), which is
    what matching's availability reads (models.matching_keys)."""

    __tablename__ = "employment_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Employers outside the alliance are recorded by name only.
    employer_name: Mapped[str] = mapped_column(String(128))
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), unique=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[EndReason | None] = mapped_column(enum_column(EndReason))
    monthly_income: Mapped[int] = mapped_column(Integer)
    work_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    # Derived when written, relative to the household's registered region (户籍地).
    location_tier: Mapped[LocationTier] = mapped_column(enum_column(LocationTier))

    __table_args__ = (
        CheckConstraint("end_date IS NULL OR start_date <= end_date", name="date_range"),
        CheckConstraint("monthly_income >= 0", name="income_not_negative"),
        CheckConstraint("end_reason IS NULL OR end_date IS NOT NULL", name="reason_needs_end"),
    )


class FollowUpStatus(enum.StrEnum):
    EMPLOYED = "employed"
    UNEMPLOYED = "unemployed"
    STUDYING = "studying"
    OWN_BUSINESS = "own_business"


class FollowUp(Base):
    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    on_date: Mapped[date] = mapped_column(Date)
    status: Mapped[FollowUpStatus] = mapped_column(enum_column(FollowUpStatus))
    monthly_income: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint(
            "monthly_income IS NULL OR monthly_income >= 0", name="income_not_negative"
        ),
    )


class CaseState(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CaseOutcome(enum.StrEnum):
    """How a case of help ended (the yearly evaluation counts closed cases by it)."""

    EMPLOYED = "employed"  # 实现就业
    PUBLIC_WELFARE = "public_welfare"  # 公益性岗位安置
    OWN_BUSINESS = "own_business"  # 自主创业
    FURTHER_STUDY = "further_study"  # 升学
    NOT_SEEKING = "not_seeking"  # 暂不就业
    UNREACHABLE = "unreachable"  # 无法联系
    TRANSFERRED = "transferred"  # 转交其他单位


class ActionKind(enum.StrEnum):
    """The typed steps of a plan (一人一策), as the action plan names the kinds of help."""

    JOB_RECOMMENDATION = "job_recommendation"  # 岗位推荐
    INTERNSHIP = "internship"  # 就业见习
    SKILLS_TRAINING = "skills_training"  # 技能培训
    PUBLIC_WELFARE_POSITION = "public_welfare_position"  # 公益性岗位
    ENTREPRENEURSHIP_SUPPORT = "entrepreneurship_support"  # 创业扶持
    CAREER_GUIDANCE = "career_guidance"  # 职业指导


class AssistanceCase(Timestamped, Base):
    __tablename__ = "assistance_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The bureau that assigned the case to its owner (an agency): an authority's act, which clears
    # the person for the owner; a case the owner opened itself does not (auth.rules).
    assigned_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    reason: Mapped[str] = mapped_column(String(256))
    plan: Mapped[str | None] = mapped_column(Text)
    # What the plan aims at (e.g. 三个月内实现稳定就业), so the outcome can be judged against it.
    goals: Mapped[str | None] = mapped_column(Text)
    state: Mapped[CaseState] = mapped_column(enum_column(CaseState), default=CaseState.OPEN)
    outcome: Mapped[str | None] = mapped_column(Text)
    outcome_kind: Mapped[CaseOutcome | None] = mapped_column(enum_column(CaseOutcome))
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint("closed_on IS NULL OR opened_on <= closed_on", name="date_range"),
        CheckConstraint("(state = 'closed') = (closed_on IS NOT NULL)", name="closed_has_date"),
        # Cases closed before outcomes were typed keep a null kind; an open case never has one.
        CheckConstraint("state = 'closed' OR outcome_kind IS NULL", name="open_has_no_outcome"),
    )


class AssistanceAction(Base):
    __tablename__ = "assistance_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("assistance_cases.id"), index=True)
    on_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[ActionKind | None] = mapped_column(enum_column(ActionKind))
    action: Mapped[str] = mapped_column(Text)
    # A step is planned with a due date and done when its outcome is recorded.
    due_on: Mapped[date | None] = mapped_column(Date)
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id"))
    outcome: Mapped[str | None] = mapped_column(Text)
    done_on: Mapped[date | None] = mapped_column(Date)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        CheckConstraint("due_on IS NULL OR on_date <= due_on", name="due_after_planned"),
        CheckConstraint("(outcome IS NULL) = (done_on IS NULL)", name="done_has_outcome"),
    )


class FollowUpDue(Base):
    """One point of the follow-up schedule (跟踪回访): ``months`` after a job's start (the
    schedule is ``Settings.follow_up_months``, default 1, 3, 6 and 12). Written when the job
    opens; done by the first follow-up of the person dated no earlier than ``DUE_WINDOW_DAYS``
    before it; overdue when not done by ``due_on``. A job that ends drops its points after the
    end (there is nobody left to follow up there; the job-lost alert takes over)."""

    __tablename__ = "follow_up_dues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    employment_record_id: Mapped[int] = mapped_column(
        ForeignKey("employment_records.id", ondelete="CASCADE")
    )
    months: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    follow_up_id: Mapped[int | None] = mapped_column(ForeignKey("follow_ups.id"))

    __table_args__ = (UniqueConstraint("employment_record_id", "months"),)


DUE_WINDOW_DAYS = 30
"""A scheduled follow-up appears on the due list this many days early, and a follow-up dated
in that window counts for it."""


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where it is shorter)."""
    year, month = divmod(start.year * 12 + start.month - 1 + months, 12)
    for day in range(start.day, 0, -1):
        try:
            return date(year, month + 1, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")
