"""What needs the viewer (issue 14, item 11): counts of the work waiting for each role, read
through the role's own row rules, all in one SQL statement.

- referrals awaiting an answer: the graduate's own, a school's students', an agency's own;
- applications moved by the enterprise in the last 30 days (graduate);
- applications waiting for the enterprise (已投递 on its positions);
- follow-ups due: the scheduled follow-ups (跟踪回访计划) of a school's graduates or an agency's
  cases that are overdue or due within 30 days (models.tracking.FollowUpDue);
- open relapse-risk alerts (就业风险预警) in a school's or an agency's queue;
- join requests waiting (admins).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, exists, func, select

from auth import rules
from models.alerts import Alert, AlertState
from models.applications import Application, ApplicationEvent, Stage
from models.organisations import Membership, Organisation, Role
from models.tracking import DUE_WINDOW_DAYS, FollowUpDue
from resolvers.context import Context
from resolvers.outcomes import today as china_today

MOVED_WITHIN = timedelta(days=30)
ENTERPRISE_MOVES = (Stage.INTERVIEW, Stage.OFFER, Stage.HIRED, Stage.REJECTED)


class NoticeKind(enum.Enum):
    REFERRALS_AWAITING = "referrals_awaiting"
    APPLICATIONS_MOVED = "applications_moved"
    APPLICATIONS_WAITING = "applications_waiting"
    FOLLOW_UPS_DUE = "follow_ups_due"
    ALERTS_OPEN = "alerts_open"
    JOIN_REQUESTS = "join_requests"


NOTICES_OF_ROLE: dict[Role | None, tuple[NoticeKind, ...]] = {
    Role.GRADUATE: (NoticeKind.REFERRALS_AWAITING, NoticeKind.APPLICATIONS_MOVED),
    Role.SCHOOL: (NoticeKind.REFERRALS_AWAITING, NoticeKind.FOLLOW_UPS_DUE, NoticeKind.ALERTS_OPEN),
    Role.AGENCY: (NoticeKind.REFERRALS_AWAITING, NoticeKind.FOLLOW_UPS_DUE, NoticeKind.ALERTS_OPEN),
    Role.ENTERPRISE: (NoticeKind.APPLICATIONS_WAITING,),
    Role.ADMIN: (NoticeKind.JOIN_REQUESTS,),
}
"""Which notices each role gets. Bureaus may decide join requests of their region too, but have
no page to decide them on yet, so they get none."""


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    count: int


def months_ago(today: date, months: int) -> date:
    """The same day ``months`` earlier (the month's last day where it is shorter)."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    for day in range(today.day, 0, -1):
        try:
            return date(year, month + 1, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _count(entity, *conditions: ColumnElement[bool]):
    return select(func.count()).select_from(entity).where(*conditions).scalar_subquery()


def _applications(ctx: Context, *conditions: ColumnElement[bool]):
    return _count(Application, rules.rows(ctx.viewer, "applications"), *conditions)


def _counter(ctx: Context, kind: NoticeKind, today: date):
    viewer = ctx.viewer
    if kind == NoticeKind.REFERRALS_AWAITING:
        return _applications(ctx, Application.stage == Stage.RECOMMENDED)
    if kind == NoticeKind.APPLICATIONS_WAITING:
        return _applications(ctx, Application.stage == Stage.APPLIED)
    if kind == NoticeKind.APPLICATIONS_MOVED:
        moved = exists().where(
            ApplicationEvent.application_id == Application.id,
            ApplicationEvent.to_stage.in_(ENTERPRISE_MOVES),
            ApplicationEvent.at >= datetime.combine(today - MOVED_WITHIN, time(), UTC),
        )
        return _applications(ctx, moved)
    if kind == NoticeKind.FOLLOW_UPS_DUE:
        due = FollowUpDue.due_on <= today + timedelta(days=DUE_WINDOW_DAYS)
        return _count(
            FollowUpDue,
            rules.rows(viewer, "follow_up_dues"),
            FollowUpDue.done_on.is_(None),
            due,
        )
    if kind == NoticeKind.ALERTS_OPEN:
        return _count(Alert, rules.rows(viewer, "alerts"), Alert.state == AlertState.OPEN)
    if kind == NoticeKind.JOIN_REQUESTS:
        return _count(
            Organisation,
            rules.writes(viewer, "organisations"),
            Organisation.membership == Membership.PENDING,
        )
    raise AssertionError(kind)


async def notices(ctx: Context, today: date | None = None) -> list[Notice]:
    """The viewer's notices, in their role's order, counted in one statement."""
    kinds = NOTICES_OF_ROLE.get(ctx.viewer.role, ())
    if not kinds:
        return []
    today = today or china_today()
    counts = (
        await ctx.session.execute(select(*(_counter(ctx, kind, today) for kind in kinds)))
    ).one()
    return [Notice(kind, count) for kind, count in zip(kinds, counts, strict=True)]
