"""The yearly evaluation (成效评估) as published: a region's figures for a year, frozen.

A published report is sent upward, so a later correction of the ledgers must not rewrite it
silently: each publication is a new version holding the figures as they were (JSON), who
published them and when; the page compares the latest version with the live figures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class EvaluationSnapshot(Base):
    __tablename__ = "evaluation_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)  # the date the figures are as of
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    published_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (UniqueConstraint("region_code", "year", "version"),)
