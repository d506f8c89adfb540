"""Households, persons and the three ledgers (3张清单) a census keeps of them.

(a) ``EnrolmentIntention`` — children's willingness to enter vocational school;
(b) ``StudentRecord`` — current Yulu students (and, once graduated, where they studied);
(c) ``EmploymentIntention`` — graduates' employment intentions.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from datetime import date
from typing import Any

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
    bindparam,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import select, update
from sqlalchemy.sql.expression import false, true

from models.base import Base, Timestamped, Versioned, enum_column
from models.db import create_engine
from models.settings import get_settings


class HouseholdCategory(enum.StrEnum):
    LIFTED = "lifted"  # 脱贫户
    UNSTABLE = "unstable"  # 监测对象: 脱贫不稳定户
    MARGINAL = "marginal"  # 监测对象: 边缘易致贫户
    SUDDEN_HARDSHIP = "sudden_hardship"  # 监测对象: 突发严重困难户


MONITORED_CATEGORIES = frozenset(
    {HouseholdCategory.UNSTABLE, HouseholdCategory.MARGINAL, HouseholdCategory.SUDDEN_HARDSHIP}
)


class Household(Timestamped, Base):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)  # 户籍地
    category: Mapped[HouseholdCategory] = mapped_column(enum_column(HouseholdCategory))
    relocated: Mapped[bool] = mapped_column(Boolean, default=False)  # 易地扶贫搬迁


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


def id_number_hmac(id_number: str, key: str | None = None) -> str | None:
    """The person key partners compute from the ID numbers they hold (gateway/PARTNERS.md):
    lowercase hex HMAC-SHA256 of the 18-character ID number (final ``x`` upper-cased), under the
    federation key shared with them. None when the person key is off (no key configured)."""
    key = key if key is not None else get_settings().federation_key
    if key is None:
        return None
    message = id_number.strip().upper().encode("ascii")
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def _hmac_of_inserted(context: Any) -> str | None:
    return id_number_hmac(context.get_current_parameters()["id_number"])


class Person(Timestamped, Versioned, Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), index=True)
    # 身份证号, GB 11643, validated with stdnum.cn.ric before it gets here.
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    # The person key (id_number_hmac above), kept so a partner's key finds its row by an index;
    # recomputed with the ID number, and for every row by `yulu federation-rekey`.
    # Indexed, not unique: the ID number's own constraint already says one person per number
    # (and names the field when a duplicate is refused).
    id_number_hmac: Mapped[str | None] = mapped_column(
        String(64), index=True, default=_hmac_of_inserted
    )
    phone: Mapped[str | None] = mapped_column(String(20))
    gender: Mapped[Gender] = mapped_column(enum_column(Gender))
    birth_date: Mapped[date] = mapped_column(Date)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    education: Mapped[Education] = mapped_column(enum_column(Education))
    certificates: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The graduate's switch: may enterprises and agencies see me unmasked as a candidate?
    consent_to_share: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (CheckConstraint("length(id_number) = 18", name="id_number_length"),)


def rekey_statement_and_rows(rows: Any) -> tuple[Any, list[dict[str, Any]]]:
    """An UPDATE of every person's key under the key configured now, with its parameters, for
    ``(id, id_number)`` rows: used by the migration that added the column and by
    ``yulu federation-rekey`` after the key changed (sync and async connections alike)."""
    statement = (
        update(Person)
        .where(Person.id == bindparam("person_id"))
        .values(id_number_hmac=bindparam("key"))
    )
    return statement, [{"person_id": id_, "key": id_number_hmac(number)} for id_, number in rows]


async def rekey_all(database_url: str) -> int:
    """Every person's key recomputed under the key configured now; how many persons."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            rows = (await connection.execute(select(Person.id, Person.id_number))).all()
            if rows:
                await connection.execute(*rekey_statement_and_rows(rows))
    finally:
        await engine.dispose()
    return len(rows)


@event.listens_for(Person, "before_update")
def _rekey_changed_id_number(_mapper: Any, _connection: Any, person: Person) -> None:
    person.id_number_hmac = id_number_hmac(person.id_number)


class EnrolmentIntention(Timestamped, Base):
    """Ledger (a): a child's willingness to enter vocational school, from the yearly survey."""

    __tablename__ = "enrolment_intentions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), unique=True)
    survey_year: Mapped[int] = mapped_column(Integer, index=True)
    wants_vocational: Mapped[bool] = mapped_column(Boolean)
    preferred_major_code: Mapped[str | None] = mapped_column(ForeignKey("majors.code"))
    preferred_school_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    note: Mapped[str | None] = mapped_column(Text)


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
