"""Relapse-risk early warning (防止返贫 就业风险预警): the rules of ``alert_rules`` evaluated in
SQL, the alerts they raise, and their handling (a help case, or dismissal with a reason).

``evaluate`` is the one engine: for every enabled rule it selects the persons whose timeline
crosses the threshold as of ``today`` — all of them (the daily run, ``yulu alerts run``) or the
persons a write just touched (``evaluate_for``, called by follow-ups, destinations and ended
jobs) — and raises an alert for each triggering fact not raised before, skipping a person who
already has an open alert of that rule. Raising twice therefore raises nothing new. The
definitions of the rules are in models.alerts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, case, exists, func, or_, select, true
from sqlalchemy.orm import aliased

from auth import rules
from models.alerts import Alert, AlertKind, AlertRule, AlertState
from models.audit import AuditAction, AuditRecord
from models.destinations import PLACED_KINDS, GraduateDestination
from models.people import (
    MONITORED_CATEGORIES,
    EmploymentIntention,
    Household,
    Person,
    StudentRecord,
)
from models.regions import Region, subtree_bounds
from models.tracking import (
    AssistanceCase,
    CaseState,
    EmploymentRecord,
    FollowUp,
    FollowUpDue,
    FollowUpStatus,
)
from resolvers import tracking
from resolvers.batching import MAX_RELATED
from resolvers.context import Context
from resolvers.notices import months_ago
from resolvers.outcomes import Outcome, attempt, key_of, reject, today
from resolvers.pagination import Page, paginate
from resolvers.regions import children, in_region, level_of

GRADUATION_MONTH_DAY = (6, 30)  # a cohort graduates on 30 June of its year
WORKING_STATUSES = (FollowUpStatus.EMPLOYED, FollowUpStatus.OWN_BUSINESS)


@dataclass(frozen=True)
class Trigger:
    person_id: int
    fact: str
    detail: dict[str, Any]


def _among(column: Any, person_ids: Sequence[int] | None) -> ColumnElement[bool]:
    return column.in_(person_ids) if person_ids is not None else true()


def _open_job(person_id: Any) -> ColumnElement[bool]:
    return exists().where(
        EmploymentRecord.person_id == person_id, EmploymentRecord.end_date.is_(None)
    )


def _latest_income_follow_up() -> tuple[Any, ColumnElement[bool]]:
    """The person's latest follow-up that reported an income (latest date, then latest id)."""
    latest, later = FollowUp, aliased(FollowUp)
    newer = exists().where(
        later.person_id == latest.person_id,
        later.monthly_income.is_not(None),
        or_(
            later.on_date > latest.on_date,
            and_(later.on_date == latest.on_date, later.id > latest.id),
        ),
    )
    return latest, and_(latest.monthly_income.is_not(None), ~newer)


# --- the rules: each a query of (person, fact, detail values) ---------------------------------


def _job_lost(threshold: int, on: date, person_ids: Sequence[int] | None) -> Select:
    """The person's latest-ended job, ended ``threshold`` days ago or more, and no job since."""
    job, other = EmploymentRecord, aliased(EmploymentRecord)
    later_or_open = exists().where(
        other.person_id == job.person_id,
        other.id != job.id,
        or_(
            other.end_date.is_(None),
            other.end_date > job.end_date,
            other.start_date >= job.end_date,
        ),
    )
    return select(job.person_id, job.id, job.end_date, job.end_reason, job.employer_name).where(
        job.end_date.is_not(None),
        job.end_date <= on - timedelta(days=threshold),
        ~later_or_open,
        _among(job.person_id, person_ids),
    )


def _job_lost_triggers(rows: Any) -> list[Trigger]:
    return [
        Trigger(
            person_id,
            f"job:{job_id}",
            {"ended_on": ended.isoformat(), "reason": str(reason or ""), "employer": employer},
        )
        for person_id, job_id, ended, reason, employer in rows
    ]


def _income_below_floor(threshold: int, on: date, person_ids: Sequence[int] | None):
    """The latest known income: the latest follow-up's, else (none since the job began) the
    open job's own; below ``threshold`` yuan. Two queries: (follow-up, job)."""
    latest, is_latest = _latest_income_follow_up()
    by_follow_up = select(latest.person_id, latest.id, latest.monthly_income, latest.on_date).where(
        is_latest,
        latest.status.in_(WORKING_STATUSES),
        latest.monthly_income < threshold,
        latest.on_date <= on,
        _among(latest.person_id, person_ids),
    )
    reported_since = exists().where(
        FollowUp.person_id == EmploymentRecord.person_id,
        FollowUp.monthly_income.is_not(None),
        FollowUp.on_date >= EmploymentRecord.start_date,
    )
    by_job = select(
        EmploymentRecord.person_id,
        EmploymentRecord.id,
        EmploymentRecord.monthly_income,
        EmploymentRecord.start_date,
    ).where(
        EmploymentRecord.end_date.is_(None),
        EmploymentRecord.monthly_income < threshold,
        EmploymentRecord.start_date <= on,
        ~reported_since,
        _among(EmploymentRecord.person_id, person_ids),
    )
    return by_follow_up, by_job


def _income_drop(threshold: int, on: date, person_ids: Sequence[int] | None) -> Select:
    """The latest follow-up income against the one before it (else the job's starting income,
    the latest job begun by then), down by ``threshold`` percent or more."""
    latest, is_latest = _latest_income_follow_up()
    earlier = aliased(FollowUp)
    before = (
        select(earlier.monthly_income)
        .where(
            earlier.person_id == latest.person_id,
            earlier.monthly_income.is_not(None),
            or_(
                earlier.on_date < latest.on_date,
                and_(earlier.on_date == latest.on_date, earlier.id < latest.id),
            ),
        )
        .order_by(earlier.on_date.desc(), earlier.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    started = (
        select(EmploymentRecord.monthly_income)
        .where(
            EmploymentRecord.person_id == latest.person_id,
            EmploymentRecord.start_date <= latest.on_date,
        )
        .order_by(EmploymentRecord.start_date.desc(), EmploymentRecord.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    previous = func.coalesce(before, started)
    return select(latest.person_id, latest.id, latest.monthly_income, previous).where(
        is_latest,
        latest.on_date <= on,
        previous > 0,
        latest.monthly_income * 100 <= previous * (100 - threshold),
        _among(latest.person_id, person_ids),
    )


def _no_follow_up(threshold: int, on: date, person_ids: Sequence[int] | None) -> Select:
    """In work (an open job), and neither a follow-up nor a job start since ``threshold``
    months; the fact is the last contact, so a later gap raises again."""
    cutoff = months_ago(on, threshold)
    last_follow_up = (
        select(func.max(FollowUp.on_date))
        .where(FollowUp.person_id == EmploymentRecord.person_id, FollowUp.on_date <= on)
        .scalar_subquery()
    )
    return (
        select(EmploymentRecord.person_id, func.max(EmploymentRecord.start_date), last_follow_up)
        .where(EmploymentRecord.end_date.is_(None), _among(EmploymentRecord.person_id, person_ids))
        .group_by(EmploymentRecord.person_id)
        .having(
            func.max(EmploymentRecord.start_date) <= cutoff,
            or_(last_follow_up.is_(None), last_follow_up <= cutoff),
        )
    )


def _monitored_not_employed(threshold: int, on: date, person_ids: Sequence[int] | None) -> Select:
    """A graduate of a monitored household, ``threshold`` days past graduation, without an open
    job and without a current destination that places them (work, study, service)."""
    graduated_by = on - timedelta(days=threshold)
    month, day = GRADUATION_MONTH_DAY
    latest_cohort = (
        graduated_by.year
        if (graduated_by.month, graduated_by.day) >= (month, day)
        else graduated_by.year - 1
    )
    placed = exists().where(
        GraduateDestination.person_id == EmploymentIntention.person_id,
        GraduateDestination.is_current,
        GraduateDestination.kind.in_(sorted(PLACED_KINDS)),
    )
    return (
        select(EmploymentIntention.person_id, EmploymentIntention.graduation_year)
        .join(Person, Person.id == EmploymentIntention.person_id)
        .join(Household, Household.id == Person.household_id)
        .where(
            Household.category.in_(sorted(MONITORED_CATEGORIES)),
            EmploymentIntention.graduation_year <= latest_cohort,
            ~_open_job(EmploymentIntention.person_id),
            ~placed,
            _among(EmploymentIntention.person_id, person_ids),
        )
    )


async def _triggers(
    session: Any, kind: AlertKind, threshold: int, on: date, person_ids
) -> list[Trigger]:
    if kind == AlertKind.JOB_LOST:
        return _job_lost_triggers(await session.execute(_job_lost(threshold, on, person_ids)))
    if kind == AlertKind.INCOME_BELOW_FLOOR:
        by_follow_up, by_job = _income_below_floor(threshold, on, person_ids)
        found = [
            Trigger(p, f"follow_up:{i}", {"income": income, "on": day.isoformat()})
            for p, i, income, day in await session.execute(by_follow_up)
        ]
        found += [
            Trigger(p, f"job:{i}", {"income": income, "on": day.isoformat()})
            for p, i, income, day in await session.execute(by_job)
        ]
        return found
    if kind == AlertKind.INCOME_DROP:
        return [
            Trigger(p, f"follow_up:{i}", {"income": income, "before": before})
            for p, i, income, before in await session.execute(
                _income_drop(threshold, on, person_ids)
            )
        ]
    if kind == AlertKind.NO_FOLLOW_UP:
        found = []
        for person_id, started, followed in await session.execute(
            _no_follow_up(threshold, on, person_ids)
        ):
            last = max(day for day in (started, followed) if day is not None)
            found.append(
                Trigger(person_id, f"since:{last.isoformat()}", {"last_contact": last.isoformat()})
            )
        return found
    if kind == AlertKind.MONITORED_NOT_EMPLOYED:
        return [
            Trigger(p, f"cohort:{year}", {"cohort": year})
            for p, year in await session.execute(_monitored_not_employed(threshold, on, person_ids))
        ]
    raise AssertionError(kind)


async def _new_only(session: Any, kind: AlertKind, triggers: list[Trigger]) -> list[Trigger]:
    """Drop facts raised before (any state) and persons with an open alert of this rule; one
    trigger per person (the first: rules list their latest fact first or alone)."""
    if not triggers:
        return []
    raised, busy = set(), set()
    for person_id, fact, state in await _in_chunks(
        session,
        sorted({t.person_id for t in triggers}),
        lambda chunk: select(Alert.person_id, Alert.fact, Alert.state).where(
            Alert.kind == kind, Alert.person_id.in_(chunk)
        ),
    ):
        raised.add((person_id, fact))
        if state == AlertState.OPEN:
            busy.add(person_id)
    fresh: dict[int, Trigger] = {}
    for trigger in triggers:
        if (trigger.person_id, trigger.fact) in raised or trigger.person_id in busy:
            continue
        fresh.setdefault(trigger.person_id, trigger)
    return list(fresh.values())


async def _places(session: Any, person_ids: list[int]) -> dict[int, tuple[str, int | None]]:
    """person → (the household's county, the school of the student record)."""
    rows = await _in_chunks(
        session,
        person_ids,
        lambda chunk: (
            select(Person.id, Household.region_code, StudentRecord.school_id)
            .join(Household, Household.id == Person.household_id)
            .outerjoin(StudentRecord, StudentRecord.person_id == Person.id)
            .where(Person.id.in_(chunk))
        ),
    )
    return {person_id: (county, school) for person_id, county, school in rows}


# Bound parameters per statement: PostgreSQL (asyncpg) takes at most 32,767, SQLite 32,766; the
# first run over a bench-scale alliance triggers for some 100,000 persons.
IDS_PER_STATEMENT = 10_000


async def _in_chunks(
    session: Any, ids: Sequence[int], statement: Callable[[Sequence[int]], Select]
) -> list[Row]:
    rows: list[Row] = []
    for start in range(0, len(ids), IDS_PER_STATEMENT):
        rows.extend(await session.execute(statement(ids[start : start + IDS_PER_STATEMENT])))
    return rows


async def evaluate(session: Any, on: date, person_ids: Sequence[int] | None = None) -> list[Alert]:
    """Raise the alerts due as of ``on`` (for ``person_ids`` only, when given); returns them."""
    enabled = await session.execute(
        select(AlertRule.kind, AlertRule.threshold)
        .where(AlertRule.enabled)
        .order_by(AlertRule.kind)
    )
    raised: list[Alert] = []
    for kind, threshold in list(enabled):
        fresh = await _new_only(
            session, kind, await _triggers(session, kind, threshold, on, person_ids)
        )
        places = await _places(session, [t.person_id for t in fresh]) if fresh else {}
        for trigger in fresh:
            county, school = places[trigger.person_id]
            raised.append(
                Alert(
                    person_id=trigger.person_id,
                    kind=kind,
                    fact=trigger.fact,
                    county_code=county,
                    school_id=school,
                    raised_on=on,
                    threshold=threshold,
                    detail=trigger.detail,
                    state=AlertState.OPEN,
                )
            )
    session.add_all(raised)
    await session.flush()
    return raised


async def evaluate_for(ctx: Context, person_ids: list[int]) -> None:
    """The rules on a write: the persons it touched, as of today; the raised alerts' ids go
    into the write's audit record."""
    raised = await evaluate(ctx.session, today(), person_ids)
    if raised:
        ctx.audit.stage(alerts_raised=[alert.id for alert in raised])


def audit_raised(raised: list[Alert]) -> list[AuditRecord]:
    """The daily run's audit records: one per alert, by the system."""
    return [
        AuditRecord(
            action=AuditAction.MUTATION,
            actor_role="system",
            operation="alerts.run",
            subject_person_id=alert.person_id,
            region_code=alert.county_code,
            fields=[],
            detail={"alert_id": alert.id, "kind": alert.kind.value, "fact": alert.fact},
            at=datetime.now(UTC),
        )
        for alert in raised
    ]


# --- reading: the work queue -------------------------------------------------------------------


def alerts_statement(
    ctx: Context,
    *,
    state: str | None = None,
    kind: str | None = None,
    person_id: int | None = None,
) -> Select:
    """Alerts the viewer may see (auth.rules ``alerts``), open ones first, newest first."""
    conditions = [rules.rows(ctx.viewer, "alerts")]
    if state:
        conditions.append(Alert.state == state)
    if kind:
        conditions.append(Alert.kind == kind)
    if person_id is not None:
        conditions.append(Alert.person_id == person_id)
    closed = Alert.state != AlertState.OPEN
    return (
        select(Alert).where(*conditions).order_by(closed, Alert.raised_on.desc(), Alert.id.desc())
    )


async def alerts(ctx: Context, first: int | None, after: str | None, **filters: Any) -> Page:
    return await paginate(ctx, alerts_statement(ctx, **filters), first, after)


# --- handling ----------------------------------------------------------------------------------


async def _open_alert(ctx: Context, alert_global_id: str, field: str = "id") -> Alert:
    alert_id = key_of(alert_global_id, "Alert", field)
    statement = select(Alert).where(
        Alert.id == alert_id, rules.rows(ctx.viewer, "alerts"), rules.writes(ctx.viewer, "alerts")
    )
    alert = (await ctx.session.scalars(statement.with_for_update())).first()
    if alert is None:
        raise reject(field, "NOT_FOUND", "在您负责处置的预警中没有找到该预警。")
    if alert.state != AlertState.OPEN:
        raise reject(field, "ALERT_CLOSED", "该预警已处置。")
    return alert


def _close(ctx: Context, alert: Alert, state: AlertState) -> None:
    alert.state = state
    alert.handled_by_user_id = ctx.viewer.user_id
    alert.handled_by_org_id = ctx.viewer.organisation_id
    alert.handled_at = datetime.now(UTC)


async def handle_with_case(ctx: Context, alert_global_id: str, case: AssistanceCase) -> None:
    """``openAssistanceCase(alertId:)``: the new case handles the alert (same person)."""
    alert = await _open_alert(ctx, alert_global_id, "alert_id")
    if alert.person_id != case.person_id:
        raise reject("alert_id", "OTHER_PERSON", "预警与帮扶档案不是同一个人。")
    alert.case_id = case.id
    _close(ctx, alert, AlertState.HANDLED)
    await ctx.session.flush()


async def link_alert_to_case(
    ctx: Context, alert_global_id: str, case_global_id: str
) -> Outcome[Alert]:
    """Handle an alert with an open help case of the same person that the viewer can see."""

    async def work() -> Alert:
        alert = await _open_alert(ctx, alert_global_id)
        case_id = key_of(case_global_id, "AssistanceCase", "case_id")
        case = await ctx.session.scalar(
            select(AssistanceCase).where(
                AssistanceCase.id == case_id, rules.rows(ctx.viewer, "assistance_cases")
            )
        )
        if case is None or case.person_id != alert.person_id or case.state != CaseState.OPEN:
            raise reject("case_id", "NOT_FOUND", "没有找到此人未结案的帮扶档案。")
        alert.case_id = case.id
        _close(ctx, alert, AlertState.HANDLED)
        await ctx.session.flush()
        return alert

    return await attempt(ctx, "linkAlertToCase", work)


async def dismiss_alert(ctx: Context, alert_global_id: str, reason: str) -> Outcome[Alert]:
    async def work() -> Alert:
        text = (reason or "").strip()
        if not text:
            raise reject("reason", "REQUIRED", "请填写忽略预警的原因。")
        if len(text) > 500:
            raise reject("reason", "TOO_LONG", "忽略原因最多 500 个字符。")
        alert = await _open_alert(ctx, alert_global_id)
        alert.dismissal_reason = text
        _close(ctx, alert, AlertState.DISMISSED)
        await ctx.session.flush()
        return alert

    return await attempt(ctx, "dismissAlert", work)


async def run_daily(session: Any, on: date) -> dict[AlertKind, int]:
    """``yulu alerts run``: every rule over every person; counts raised per rule (audited)."""
    raised = await evaluate(session, on)
    session.add_all(audit_raised(raised))
    await session.flush()
    counts = dict.fromkeys(AlertKind, 0)
    for alert in raised:
        counts[alert.kind] += 1
    return counts


async def rules_of(ctx: Context) -> list[AlertRule]:
    """The rules, for those who work alerts (the role's ``alerts`` table: FORBIDDEN elsewhere)."""
    rules.permission(ctx.viewer, "alerts")
    return list(await ctx.session.scalars(select(AlertRule).order_by(AlertRule.kind)))


# --- the bureau's dashboard: overdue follow-ups and open alerts per sub-region ------------------


@dataclass(frozen=True)
class TrackingCounts:
    region_code: str
    overdue_follow_ups: int
    due_follow_ups: int
    open_alerts: int


async def _by_county(ctx: Context, statement: Select) -> dict[str, int]:
    return {county: count for county, count in await ctx.session.execute(statement)}


async def tracking_overview(ctx: Context, region_code: str) -> list[TrackingCounts]:
    """Counts (no personal data) for the region, then each direct sub-region: scheduled
    follow-ups overdue and due, open alerts — each through the viewer's row rules."""
    rules.require_statistics(ctx.viewer, region_code)
    on = today()
    within_region = in_region(Household.region_code, region_code)

    # Overdue and due in one pass over the region's open dues (both lie inside the window).
    dues = (
        select(
            Household.region_code,
            func.coalesce(func.sum(case((FollowUpDue.due_on < on, 1), else_=0)), 0),
            func.coalesce(func.sum(case((FollowUpDue.due_on >= on, 1), else_=0)), 0),
        )
        .select_from(FollowUpDue)
        .join(Person, Person.id == FollowUpDue.person_id)
        .join(Household, Household.id == Person.household_id)
        .where(
            rules.rows(ctx.viewer, "follow_up_dues"),
            within_region,
            *tracking.due_condition(None, on),
        )
        .group_by(Household.region_code)
    )
    open_alerts = (
        select(Alert.county_code, func.count())
        .where(rules.rows(ctx.viewer, "alerts"), Alert.state == AlertState.OPEN)
        .where(in_region(Alert.county_code, region_code))
        .group_by(Alert.county_code)
    )
    overdue, due = {}, {}
    for county, overdue_count, due_count in await ctx.session.execute(dues):
        overdue[county], due[county] = int(overdue_count), int(due_count)
    alerted = await _by_county(ctx, open_alerts)
    shown = [region_code] + [region.code for region in await real_children(ctx, region_code)]

    def total(counts: dict[str, int], code: str) -> int:
        bounds = subtree_bounds(code, level_of(code))
        low, high = bounds if bounds else ("", "999999")
        return sum(n for county, n in counts.items() if low <= county <= high)

    return [
        TrackingCounts(code, total(overdue, code), total(due, code), total(alerted, code))
        for code in shown
    ]


async def real_children(ctx: Context, code: str) -> list[Region]:
    """The real sub-regions: a municipality's 市辖区 / 县 groupings give way to their counties."""
    found: list[Region] = []
    for child in await children(ctx, code):
        found += await children(ctx, child.code) if child.is_grouping else [child]
    return found[:MAX_RELATED]
