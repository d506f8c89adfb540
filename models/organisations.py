"""Alliance members (schools, enterprises, agencies, bureaus) and the people who sign in for them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped, enum_column


class OrganisationKind(enum.StrEnum):
    SCHOOL = "school"
    ENTERPRISE = "enterprise"
    AGENCY = "agency"
    BUREAU = "bureau"


class Membership(enum.StrEnum):
    """Alliance membership: a member applies, a bureau of its region approves."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class SchoolLevel(enum.StrEnum):
    SECONDARY_VOCATIONAL = "secondary_vocational"  # 中职
    HIGHER_VOCATIONAL = "higher_vocational"  # 高职
    TECHNICIAN = "technician"  # 技工院校


class Organisation(Timestamped, Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind), index=True)
    name: Mapped[str] = mapped_column(String(128))
    # 统一社会信用代码, GB 32100, validated with stdnum.cn.uscc before it gets here.
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    membership: Mapped[Membership] = mapped_column(
        enum_column(Membership), default=Membership.PENDING, index=True
    )
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    school_level: Mapped[SchoolLevel | None] = mapped_column(enum_column(SchoolLevel))
    is_central_soe: Mapped[bool] = mapped_column(Boolean, default=False)
    industry: Mapped[str | None] = mapped_column(String(64))
    contact_phone: Mapped[str | None] = mapped_column(String(20))

    __table_args__ = (
        CheckConstraint("length(credit_code) = 18", name="credit_code_length"),
        CheckConstraint(
            "(kind = 'school') = (school_level IS NOT NULL)", name="school_level_for_schools"
        ),
    )


class Role(enum.StrEnum):
    ENTERPRISE = "enterprise"
    SCHOOL = "school"
    AGENCY = "agency"
    BUREAU = "bureau"
    GRADUATE = "graduate"
    ADMIN = "admin"


class User(Timestamped, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Sign-in failures in a row from any address (past a ceiling every attempt on the account is
    # slowed down, never refused), and until when some address is locked out of the account by
    # its own failures (shown to admins; other addresses are not). See auth.passwords.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Access tokens carry the generation they were issued in; a password reset or deactivation
    # moves it on, and every token issued before is refused at once (auth.resource).
    token_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        CheckConstraint(
            "(role = 'graduate') = (person_id IS NOT NULL)", name="graduate_has_person"
        ),
        CheckConstraint(
            "role IN ('graduate', 'admin') OR organisation_id IS NOT NULL",
            name="member_role_has_organisation",
        ),
    )
