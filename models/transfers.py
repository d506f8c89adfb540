"""Student transfers and enrolment requests: how a school comes to hold a person it does not hold.

A school's ledger write about someone outside its own students — an unknown resident ID number,
another school's student, a census child, a graduate — changes nothing stored: it files a
request that the person's current school or the county bureau of the household's region decides
(resolvers.transfers). The row keeps the identity as the school typed it (the requester never
sees the stored one before acceptance) and, once accepted, the student record it replaced: the
history of where a person studied lives here, as ``student_records`` holds one record a person.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped, enum_column
from models.people import StudentStatus


class TransferState(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class StudentTransfer(Timestamped, Base):
    __tablename__ = "student_transfers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requesting_school_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Who the request is about, matched when it is decided (the person may appear meanwhile).
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    # The identity as typed (name, phone, education, household category, relocated): a new
    # person is created from it; a known person keeps the stored one.
    identity: Mapped[dict] = mapped_column(JSON, default=dict)
    claimed_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    # The household the school asked to add a new person to (a sibling's, found within its
    # remit); its region is the claimed region. None: a household of their own.
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    # The person concerned: known when filed, or created on acceptance. Never shown to the requester.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    major_code: Mapped[str] = mapped_column(ForeignKey("majors.code"))
    entry_year: Mapped[int] = mapped_column(Integer)
    expected_graduation_year: Mapped[int] = mapped_column(Integer)
    record_status: Mapped[StudentStatus] = mapped_column(enum_column(StudentStatus))
    state: Mapped[TransferState] = mapped_column(
        enum_column(TransferState), index=True, default=TransferState.PENDING
    )
    # The record an acceptance replaced (school_id, major_code, years, status): kept, not lost.
    replaced_record: Mapped[dict | None] = mapped_column(JSON)
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("entry_year <= expected_graduation_year", name="entry_before_graduation"),
    )
