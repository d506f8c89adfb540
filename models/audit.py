"""The audit log: every read of unmasked personal data and every mutation. Append-only."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, enum_column


class AuditAction(enum.StrEnum):
    READ_PERSONAL = "read_personal"
    MUTATION = "mutation"


class AuditRecord(Base):
    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    action: Mapped[AuditAction] = mapped_column(enum_column(AuditAction))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    operation: Mapped[str] = mapped_column(String(128))
    subject_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    # The subject's household region, so a bureau can query the log inside its subtree.
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
