"""Relapse-risk early warning (防止返贫 就业风险预警): rules as data, and the alerts they raise.

``AlertRule`` rows hold each rule's threshold (one row per kind, loaded by the migration with
the defaults below; change a threshold by updating its row: ``yulu alerts rules``):
- ``job_lost``: a job ended and no other job is open ``threshold`` days later (0: at once);
- ``income_below_floor``: the latest known monthly income (a follow-up's, else the open job's)
  is below ``threshold`` yuan;
- ``income_drop``: the latest follow-up income is down by ``threshold`` percent or more from
  the one before it (or from the job's starting income);
- ``no_follow_up``: a graduate in work (an open job) has had no follow-up for ``threshold``
  months (counted from the latest follow-up, else the job's start);
- ``monitored_not_employed``: a graduate of a monitored household (监测对象) has no employed
  destination and no open job ``threshold`` days after graduating (graduation: 30 June of the
  cohort year).

An alert is raised once per triggering fact (``fact``: e.g. the ended job's id, the follow-up's
id, the last contact's date, the cohort), so raising again changes nothing; and a person has at
most one open alert per rule. It goes into the work queue of the household's county bureau
(``county_code``) and the responsible school (the student record's) or agency (owner of an open
help case). It is handled by opening or linking a help case (``state`` = handled,
``case_id``), or dismissed with a reason (``state`` = dismissed).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped, enum_column


class AlertKind(enum.StrEnum):
    JOB_LOST = "job_lost"  # 失业（岗位终止）
    INCOME_BELOW_FLOOR = "income_below_floor"  # 收入低于下限
    INCOME_DROP = "income_drop"  # 收入明显下降
    NO_FOLLOW_UP = "no_follow_up"  # 长期未回访
    MONITORED_NOT_EMPLOYED = "monitored_not_employed"  # 监测户毕业生未就业


DEFAULT_THRESHOLDS: dict[AlertKind, int] = {
    AlertKind.JOB_LOST: 0,  # days without a new job
    AlertKind.INCOME_BELOW_FLOOR: 2000,  # yuan a month (重庆 最低工资 二类 2,000 元)
    AlertKind.INCOME_DROP: 30,  # percent
    AlertKind.NO_FOLLOW_UP: 6,  # months
    AlertKind.MONITORED_NOT_EMPLOYED: 180,  # days after graduating
}
THRESHOLD_UNITS: dict[AlertKind, str] = {
    AlertKind.JOB_LOST: "天",
    AlertKind.INCOME_BELOW_FLOOR: "元/月",
    AlertKind.INCOME_DROP: "%",
    AlertKind.NO_FOLLOW_UP: "个月",
    AlertKind.MONITORED_NOT_EMPLOYED: "天",
}


class AlertRule(Base):
    __tablename__ = "alert_rules"

    kind: Mapped[AlertKind] = mapped_column(enum_column(AlertKind), primary_key=True)
    threshold: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (CheckConstraint("threshold >= 0", name="threshold_not_negative"),)


class AlertState(enum.StrEnum):
    OPEN = "open"
    HANDLED = "handled"  # a help case was opened or linked
    DISMISSED = "dismissed"


class Alert(Timestamped, Base):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[AlertKind] = mapped_column(enum_column(AlertKind), index=True)
    fact: Mapped[str] = mapped_column(String(64))
    # The household's county bureau works it; the school of the student record too.
    county_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    raised_on: Mapped[date] = mapped_column(Date, index=True)
    threshold: Mapped[int] = mapped_column(Integer)  # the rule's threshold when raised
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[AlertState] = mapped_column(
        enum_column(AlertState), default=AlertState.OPEN, index=True
    )
    case_id: Mapped[int | None] = mapped_column(ForeignKey("assistance_cases.id"))
    dismissal_reason: Mapped[str | None] = mapped_column(Text)
    handled_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("person_id", "kind", "fact"),
        # At most one open alert per person and rule, even when two writers raise at once.
        Index(
            "uq_alerts_open",
            "person_id",
            "kind",
            unique=True,
            sqlite_where=text("state = 'open'"),
            postgresql_where=text("state = 'open'"),
        ),
        CheckConstraint("(state = 'handled') = (case_id IS NOT NULL)", name="handled_has_case"),
        CheckConstraint(
            "(state = 'dismissed') = (dismissal_reason IS NOT NULL)", name="dismissed_has_reason"
        ),
    )
