"""Households, persons and the three ledgers (3张清单) a census keeps of them.

(a) ``EnrolmentIntention`` — children's willingness to enter vocational school;
(b) ``StudentRecord`` — current Yulu students (and, once graduated, where they studied);
(c) ``EmploymentIntention`` — graduates' employment intentions.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
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
from sqlalchemy.sql.expression import false, true

from models.base import Base, Timestamped, Versioned, enum_column


class HouseholdCategory(enum.StrEnum):
    LIFTED = "lifted"  # 脱贫户
    UNSTABLE = "unstable"  # 监测对象: 脱贫不稳定户
    MARGINAL = "marginal"  # 监测对象: 边缘易致贫户
    SUDDEN_HARDSHIP = "sudden_hardship"  # 监测对象: 突发严重困难户


MONITORED_CATEGORIES = frozenset(
    {HouseholdCategory.UNSTABLE, HouseholdCategory.MARGINAL, HouseholdCategory.SUDDEN_HARDSHIP}
)


REGISTRATION_NUMBER_LENGTH = 32


class Household(Timestamped, Base):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)  # 户籍地
    # 户号 of the household register (户口簿): siblings are found by it. Unique within a county,
    # as the public-security registers number households per county; unknown for older rows.
    registration_number: Mapped[str | None] = mapped_column(String(REGISTRATION_NUMBER_LENGTH))
    # The current category; every change is kept in household_category_changes.
    category: Mapped[HouseholdCategory] = mapped_column(enum_column(HouseholdCategory))
    relocated: Mapped[bool] = mapped_column(Boolean, default=False)  # 易地扶贫搬迁

    # A unique index, not a constraint: SQLite adds and drops it without rebuilding the table
    # that persons refer to.
    __table_args__ = (
        Index(
            "uq_households_region_code_registration_number",
            "region_code",
            "registration_number",
            unique=True,
        ),
    )


class HouseholdCategoryChange(Base):
    """A change of a household's category (e.g. 脱贫不稳定户 → 脱贫户, or a family newly identified
    for monitoring), made by the county bureau of its region with a date and a reason. The first
    row of a household (``from_category`` None) is the category it was registered with."""

    __tablename__ = "household_category_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    from_category: Mapped[HouseholdCategory | None] = mapped_column(
        enum_column(HouseholdCategory, name="from_category")
    )
    to_category: Mapped[HouseholdCategory] = mapped_column(
        enum_column(HouseholdCategory, name="to_category")
    )
    changed_on: Mapped[date] = mapped_column(Date)  # effective date (认定日期)
    reason: Mapped[str] = mapped_column(Text)
    changed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_by_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Gender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"


class Education(enum.StrEnum):
    """Highest education reached, in ascending order (positions require a minimum)."""

    JUNIOR_MIDDLE = "junior_middle"
    SECONDARY_VOCATIONAL = "secondary_vocational"
    HIGHER_VOCATIONAL = "higher_vocational"
    BACHELOR = "bachelor"


EDUCATION_RANK = {level: rank for rank, level in enumerate(Education)}


class Person(Timestamped, Versioned, Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), index=True)
    # 身份证号, GB 11643, validated with stdnum.cn.ric before it gets here.
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    gender: Mapped[Gender] = mapped_column(enum_column(Gender))
    birth_date: Mapped[date] = mapped_column(Date)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    education: Mapped[Education] = mapped_column(enum_column(Education))
    certificates: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The graduate's switch: may enterprises and agencies see me unmasked as a candidate?
    consent_to_share: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (CheckConstraint("length(id_number) = 18", name="id_number_length"),)


class EnrolmentIntention(Timestamped, Base):
    """Ledger (a): a child's willingness to enter vocational school, one row per yearly survey
    (a new survey year adds a row; the earlier years stay as they were answered)."""

    __tablename__ = "enrolment_intentions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    survey_year: Mapped[int] = mapped_column(Integer, index=True)
    wants_vocational: Mapped[bool] = mapped_column(Boolean)
    preferred_major_code: Mapped[str | None] = mapped_column(ForeignKey("majors.code"))
    preferred_school_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    note: Mapped[str | None] = mapped_column(Text)
    # Closed: the child left the census (moved away, registered twice, ...); kept, not deleted.
    closed_on: Mapped[date | None] = mapped_column(Date)
    close_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("person_id", "survey_year"),)


class StudentStatus(enum.StrEnum):
    STUDYING = "studying"
    GRADUATED = "graduated"
    WITHDRAWN = "withdrawn"


class StudentRecord(Timestamped, Base):
    """Ledger (b): a Yulu student at a school (kept after graduation: 学籍地 of the graduate)."""

    __tablename__ = "student_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    major_code: Mapped[str] = mapped_column(ForeignKey("majors.code"), index=True)
    entry_year: Mapped[int] = mapped_column(Integer)
    expected_graduation_year: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[StudentStatus] = mapped_column(enum_column(StudentStatus), index=True)
    # Closed (status withdrawn: 退学, 转出联盟, ...), with the date and the school's reason.
    closed_on: Mapped[date | None] = mapped_column(Date)
    close_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("entry_year <= expected_graduation_year", name="entry_before_graduation"),
    )


class LocationTier(enum.StrEnum):
    """Where a job is relative to the household's registered region."""

    IN_COUNTY = "in_county"
    IN_PROVINCE = "in_province"
    CROSS_PROVINCE = "cross_province"


def location_tier(household_region: str, work_region: str) -> LocationTier:
    """The tier of a job in ``work_region`` for a household registered in ``household_region``."""
    if household_region == work_region:
        return LocationTier.IN_COUNTY
    if household_region[:2] == work_region[:2]:
        return LocationTier.IN_PROVINCE
    return LocationTier.CROSS_PROVINCE


employment_intention_occupations = Table(
    "employment_intention_occupations",
    Base.metadata,
    Column(
        "intention_id", ForeignKey("employment_intentions.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("occupation_code", ForeignKey("occupations.code"), primary_key=True),
    # Matching looks graduates up by the occupation they want; the key covers the join back.
    Index("ix_employment_intention_occupations_by_occupation", "occupation_code", "intention_id"),
)

employment_intention_regions = Table(
    "employment_intention_regions",
    Base.metadata,
    Column(
        "intention_id", ForeignKey("employment_intentions.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("region_code", ForeignKey("regions.code"), primary_key=True),
)


class EmploymentIntention(Timestamped, Base):
    """Ledger (c): a graduate's employment intention (求职意向)."""

    __tablename__ = "employment_intentions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), unique=True)
    graduation_year: Mapped[int] = mapped_column(Integer, index=True)
    # Farthest the graduate is willing to go; None means anywhere.
    preferred_tier: Mapped[LocationTier | None] = mapped_column(enum_column(LocationTier))
    expected_salary: Mapped[int | None] = mapped_column(Integer)
    wants_further_study: Mapped[bool] = mapped_column(Boolean, default=False)
    wants_own_business: Mapped[bool] = mapped_column(Boolean, default=False)
    # Looking for work: a first job, or (once employed) a change. A hire through the alliance
    # clears it; the graduate sets it again to seek a change.
    seeking: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    # Matching keys: copies of the student record's major, the household's priority flags and
    # the graduate's availability, so matching can pick and order a million graduates from this
    # one table. Derived, never edited: models.matching_keys refreshes them on every ORM flush
    # that touches their sources.
    match_major_code: Mapped[str | None] = mapped_column(ForeignKey("majors.code"))
    match_monitored: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    match_key_county: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    match_relocated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    match_education: Mapped[Education | None] = mapped_column(
        enum_column(Education, name="match_education")
    )
    match_region_code: Mapped[str | None] = mapped_column(String(6))  # the household's county
    # Available for matching: seeking, or not in work (no open employment record).
    match_available: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    __table_args__ = (
        CheckConstraint(
            "expected_salary IS NULL OR expected_salary >= 0", name="salary_not_negative"
        ),
        # Covers what matching reads to pick and order a band of graduates by major, so that
        # reading ten thousand candidates stays inside the index (an index-only scan).
        Index(
            "ix_employment_intentions_matching",
            "match_major_code",
            "match_monitored",
            "match_key_county",
            "match_relocated",
            "expected_salary",
            "seeking",
            "match_available",
            "match_education",
            "preferred_tier",
            "match_region_code",
            "id",
            "person_id",
        ),
    )
