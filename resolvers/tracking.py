"""After the hire: employment records (with the location tier), follow-ups (跟踪监测) and one-to-one
assistance cases (一对一实名制帮扶); writes go through ``attempt`` (role gate, savepoint, audit)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, extract, select, update

from auth import rules
from models.base import AnyColumn
from models.destinations import DestinationKind
from models.organisations import Membership, Organisation, OrganisationKind, Role
from models.people import Person
from models.positions import Position
from models.regions import RegionLevel
from models.settings import get_settings
from models.tracking import (
    DUE_WINDOW_DAYS,
    ActionKind,
    AssistanceAction,
    AssistanceCase,
    CaseOutcome,
    CaseState,
    EmploymentRecord,
    EndReason,
    FollowUp,
    FollowUpDue,
    FollowUpStatus,
    add_months,
)
from resolvers import alerts, destinations
from resolvers.context import Context
from resolvers.outcomes import Checks, Outcome, attempt, key_of, reject, today
from resolvers.pagination import Page, paginate
from resolvers.regions import in_region

EMPLOYMENT_SORTS: dict[str, tuple[AnyColumn, ...]] = {
    "newest": (EmploymentRecord.start_date.desc(),),
    "income": (EmploymentRecord.monthly_income.desc(),),
}


def employment_records_statement(
    ctx: Context,
    *,
    region: str | None = None,
    employer_id: int | None = None,
    person_id: int | None = None,
    location_tier: str | None = None,
    start_year: int | None = None,
    current: bool | None = None,
    sort: str = "newest",
) -> Select:
    conditions = [rules.rows(ctx.viewer, "employment_records")]
    if region:
        conditions.append(in_region(EmploymentRecord.work_region_code, region))
    if employer_id is not None:
        conditions.append(EmploymentRecord.employer_id == employer_id)
    if person_id is not None:
        conditions.append(EmploymentRecord.person_id == person_id)
    if location_tier:
        conditions.append(
            rules.argument(
                ctx.viewer,
                "EmploymentFilter",
                "location_tier",
                EmploymentRecord.location_tier == location_tier,
                EmploymentRecord.person_id,
            )
        )
    if start_year is not None:
        conditions.append(extract("year", EmploymentRecord.start_date) == start_year)
    if current is not None:
        conditions.append(
            EmploymentRecord.end_date.is_(None)
            if current
            else EmploymentRecord.end_date.is_not(None)
        )
    return (
        select(EmploymentRecord)
        .where(*conditions)
        .order_by(*EMPLOYMENT_SORTS[sort], EmploymentRecord.id)
    )


async def employment_records(
    ctx: Context, first: int | None, after: str | None, **filters: Any
) -> Page:
    return await paginate(ctx, employment_records_statement(ctx, **filters), first, after)


def assistance_cases_statement(
    ctx: Context,
    *,
    state: str | None = None,
    person_id: int | None = None,
    owner_id: int | None = None,
) -> Select:
    """Cases the viewer may see, open ones first, then the most recently opened."""
    conditions = [rules.rows(ctx.viewer, "assistance_cases")]
    if state:
        conditions.append(AssistanceCase.state == state)
    if person_id is not None:
        conditions.append(AssistanceCase.person_id == person_id)
    if owner_id is not None:
        conditions.append(AssistanceCase.owner_org_id == owner_id)
    closed = AssistanceCase.state != CaseState.OPEN  # false sorts first: open cases lead
    return (
        select(AssistanceCase)
        .where(*conditions)
        .order_by(closed, AssistanceCase.opened_on.desc(), AssistanceCase.id)
    )


async def assistance_cases(
    ctx: Context, first: int | None, after: str | None, **filters: Any
) -> Page:
    return await paginate(ctx, assistance_cases_statement(ctx, **filters), first, after)


# --- the follow-up schedule as lists: a school's or agency's due and overdue follow-ups -------


class DueState:
    DUE = "due"  # due within the window (DUE_WINDOW_DAYS), not yet overdue
    OVERDUE = "overdue"  # past its date, not done


def due_condition(state: str | None, on: date) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [FollowUpDue.done_on.is_(None)]
    if state == DueState.OVERDUE:
        conditions.append(FollowUpDue.due_on < on)
    elif state == DueState.DUE:
        conditions += [
            FollowUpDue.due_on >= on,
            FollowUpDue.due_on <= on + timedelta(days=DUE_WINDOW_DAYS),
        ]
    else:
        conditions.append(FollowUpDue.due_on <= on + timedelta(days=DUE_WINDOW_DAYS))
    return conditions


def follow_up_dues_statement(
    ctx: Context, *, state: str | None = None, person_id: int | None = None
) -> Select:
    """Scheduled follow-ups not done, the viewer's (auth.rules ``follow_up_dues``), oldest
    first: overdue ones lead."""
    conditions = [rules.rows(ctx.viewer, "follow_up_dues"), *due_condition(state, today())]
    if person_id is not None:
        conditions.append(FollowUpDue.person_id == person_id)
    return select(FollowUpDue).where(*conditions).order_by(FollowUpDue.due_on, FollowUpDue.id)


async def follow_up_dues(
    ctx: Context, first: int | None, after: str | None, **filters: Any
) -> Page:
    return await paginate(ctx, follow_up_dues_statement(ctx, **filters), first, after)


# --- writing: follow-ups (跟踪监测) and one-to-one help (一对一实名制帮扶) ---------------------

MAX_INCOME = 1_000_000
MAX_TEXT = 2000
WORKING = (FollowUpStatus.EMPLOYED, FollowUpStatus.OWN_BUSINESS)


def _check_date(checks: Checks, on: date, field_name: str, label: str) -> None:
    """``label`` is the field as the form calls it, so the message names the field and the rule."""
    checks.require(on <= today(), field_name, "IN_FUTURE", f"{label}不能晚于今天。")
    checks.date_in_years(on, field_name, label)


def _check_text(
    checks: Checks,
    value: str | None,
    field_name: str,
    label: str,
    limit: int = MAX_TEXT,
    required: bool = True,
) -> None:
    text = (value or "").strip()
    if required:
        checks.require(bool(text), field_name, "REQUIRED", f"请填写{label}。")
    checks.require(len(text) <= limit, field_name, "TOO_LONG", f"{label}最多 {limit} 个字符。")


async def visible_person(ctx: Context, person_global_id: str) -> int:
    person_id = key_of(person_global_id, "Person", "person_id")
    statement = select(Person.id).where(Person.id == person_id, rules.rows(ctx.viewer, "persons"))
    if await ctx.session.scalar(statement) is None:
        raise reject("person_id", "NOT_FOUND", "在您可帮扶的人员中没有找到此人。")
    return person_id


def _county_only(ctx: Context) -> None:
    if ctx.viewer.role == Role.BUREAU and ctx.viewer.region_level != RegionLevel.COUNTY:
        raise reject(None, "COUNTY_ONLY", "实名帮扶由县级乡村振兴局负责。")


# --- the follow-up schedule (跟踪回访) and jobs that end ----------------------------------------


def schedule_rows(record_id: int, person_id: int, start: date) -> list[dict[str, Any]]:
    """The follow-up points of a job that started on ``start`` (the seeds write the same)."""
    return [
        {
            "person_id": person_id,
            "employment_record_id": record_id,
            "months": months,
            "due_on": add_months(start, months),
        }
        for months in get_settings().follow_up_months
    ]


def schedule_follow_ups(ctx: Context, record: EmploymentRecord) -> None:
    """A job opened (flushed, so it has an id): its follow-ups fall due from its start."""
    ctx.session.add_all(
        FollowUpDue(**row) for row in schedule_rows(record.id, record.person_id, record.start_date)
    )


async def _mark_dues_done(ctx: Context, follow_up: FollowUp) -> None:
    """A follow-up counts for every open point of the person due within the window after it."""
    await ctx.session.execute(
        update(FollowUpDue)
        .where(
            FollowUpDue.person_id == follow_up.person_id,
            FollowUpDue.done_on.is_(None),
            FollowUpDue.due_on <= follow_up.on_date + timedelta(days=DUE_WINDOW_DAYS),
        )
        .values(done_on=follow_up.on_date, follow_up_id=follow_up.id)
        .execution_options(synchronize_session=False)
    )


async def open_jobs(ctx: Context, person_id: int) -> list[EmploymentRecord]:
    statement = select(EmploymentRecord).where(
        EmploymentRecord.person_id == person_id, EmploymentRecord.end_date.is_(None)
    )
    return list(await ctx.session.scalars(statement.with_for_update()))


async def end_jobs(
    ctx: Context, jobs: list[EmploymentRecord], ended_on: date, reason: EndReason, field: str
) -> None:
    """End each job on ``ended_on``; its follow-up points after that date go with it."""
    for job in jobs:
        if ended_on < job.start_date:
            raise reject(field, "BEFORE_START", "工作结束日期不能早于入职日期。")
        job.end_date, job.end_reason = ended_on, reason
        await ctx.session.execute(
            delete(FollowUpDue)
            .where(
                FollowUpDue.employment_record_id == job.id,
                FollowUpDue.done_on.is_(None),
                FollowUpDue.due_on > ended_on,
            )
            .execution_options(synchronize_session=False)
        )
    await ctx.session.flush()


def _check_end_reason(
    checks: Checks, jobs: list[EmploymentRecord], reason: EndReason | None, field: str
) -> None:
    checks.require(
        not jobs or reason is not None,
        field,
        "JOB_STILL_OPEN",
        "此人仍有在职记录：请填写原工作的结束原因（主动离职、被辞退或合同到期）。",
    )


FOLLOW_UP_DESTINATIONS = {
    FollowUpStatus.UNEMPLOYED: DestinationKind.NOT_EMPLOYED,
    FollowUpStatus.STUDYING: DestinationKind.FURTHER_STUDY,
    FollowUpStatus.OWN_BUSINESS: DestinationKind.OWN_BUSINESS,
}
"""What a graduate's destination becomes when a follow-up reports their job has ended."""


async def record_follow_up(
    ctx: Context, person_global_id: str, values: dict[str, Any]
) -> Outcome[FollowUp]:
    """A dated status check of a graduate by the school, the agency helping them or the county.

    A status other than employed, for someone with an open job, ends that job: the follow-up
    must then say why (``end_reason``), and the graduate's destination follows (待就业, 升学,
    自主创业). It marks the scheduled follow-ups it answers done and runs the alert rules.
    The Excel import of follow-ups calls this same function, row by row."""

    async def work() -> FollowUp:
        checks = Checks()
        _check_date(checks, values["on_date"], "on_date", "回访日期")
        income = values.get("monthly_income")
        checks.require(
            income is None or 0 <= income <= MAX_INCOME,
            "monthly_income",
            "OUT_OF_RANGE",
            "月收入（元）应在 0 至 1,000,000 之间。",
        )
        checks.require(
            not income or values["status"] in WORKING,
            "monthly_income",
            "INCOME_WITHOUT_WORK",
            "只有已就业或自主创业的毕业生才填写月收入。",
        )
        _check_text(checks, values.get("note"), "note", "备注", required=False)
        checks.done()
        _county_only(ctx)
        person_id = await visible_person(ctx, person_global_id)
        ending = (
            [] if values["status"] == FollowUpStatus.EMPLOYED else await open_jobs(ctx, person_id)
        )
        _check_end_reason(checks, ending, values.get("end_reason"), "end_reason")
        checks.done()
        follow_up = FollowUp(
            person_id=person_id,
            on_date=values["on_date"],
            status=values["status"],
            monthly_income=income,
            note=(values.get("note") or "").strip() or None,
            recorded_by_id=ctx.viewer.user_id,
        )
        ctx.session.add(follow_up)
        await ctx.session.flush()
        # The written row must pass the role's write rule (Hasura's insert check); else the
        # savepoint takes it back.
        allowed = select(FollowUp.id).where(
            FollowUp.id == follow_up.id, rules.writes(ctx.viewer, "follow_ups")
        )
        if await ctx.session.scalar(allowed) is None:
            raise reject("person_id", "NOT_FOUND", "在您跟踪的人员中没有找到此人。")
        await _mark_dues_done(ctx, follow_up)
        if ending:
            await end_jobs(ctx, ending, values["on_date"], values["end_reason"], "end_reason")
            await destinations.derive(
                ctx, person_id, FOLLOW_UP_DESTINATIONS[values["status"]], values["on_date"]
            )
        await alerts.evaluate_for(ctx, [person_id])
        return follow_up

    return await attempt(ctx, "recordFollowUp", work)


async def end_employment(
    ctx: Context, record_global_id: str, values: dict[str, Any]
) -> Outcome[EmploymentRecord]:
    """The employer (its own employee), the school (its graduate) or the county bureau ends a
    job with a date and a reason; the graduate becomes available for matching again (an open
    record is what "in work" means) and their destination becomes 待就业."""

    async def work() -> EmploymentRecord:
        checks = Checks()
        _check_date(checks, values["ended_on"], "ended_on", "离职日期")
        checks.done()
        _county_only(ctx)
        record_id = key_of(record_global_id, "EmploymentRecord", "id")
        statement = select(EmploymentRecord).where(
            EmploymentRecord.id == record_id, rules.writes(ctx.viewer, "employment_records")
        )
        record = (await ctx.session.scalars(statement.with_for_update())).first()
        if record is None:
            raise reject("id", "NOT_FOUND", "在您可办理的就业记录中没有找到该记录。")
        if record.end_date is not None:
            raise reject("id", "ALREADY_ENDED", "该工作已经结束。")
        await end_jobs(ctx, [record], values["ended_on"], values["reason"], "ended_on")
        if not await open_jobs(ctx, record.person_id):
            await destinations.derive(
                ctx, record.person_id, DestinationKind.NOT_EMPLOYED, values["ended_on"]
            )
        await alerts.evaluate_for(ctx, [record.person_id])
        return record

    return await attempt(ctx, "endEmployment", work)


async def _assignee(ctx: Context, agency_global_id: str | None) -> int | None:
    """The agency a county bureau assigns a case to (an approved agency member), or None."""
    if agency_global_id is None:
        return None
    if ctx.viewer.role != Role.BUREAU:
        raise reject(
            "assign_to", "BUREAU_ONLY", "只有县级乡村振兴局可以把帮扶对象交给人力资源服务机构。"
        )
    agency_id = key_of(agency_global_id, "Organisation", "assign_to")
    agency = await ctx.session.get(Organisation, agency_id)
    if (
        agency is None
        or agency.kind != OrganisationKind.AGENCY
        or agency.membership != Membership.APPROVED
    ):
        raise reject("assign_to", "NOT_AN_AGENCY", "只能交给已入盟的人力资源服务机构。")
    return agency_id


async def open_assistance_case(
    ctx: Context, person_global_id: str, values: dict[str, Any]
) -> Outcome[AssistanceCase]:
    """一人一档: a file of help by real name, owned by the viewer's organisation — or, when a county
    bureau assigns it, by an agency, which then sees the person in clear (an authority's act)."""

    async def work() -> AssistanceCase:
        checks = Checks()
        _check_text(checks, values.get("reason"), "reason", "帮扶原因", limit=256)
        _check_text(checks, values.get("plan"), "plan", "帮扶计划", required=False)
        _check_text(checks, values.get("goals"), "goals", "帮扶目标", required=False)
        checks.done()
        _county_only(ctx)
        assignee = await _assignee(ctx, values.get("assign_to"))
        person_id = await visible_person(ctx, person_global_id)
        owner = assignee or ctx.viewer.organisation_id
        already = select(AssistanceCase.id).where(
            AssistanceCase.person_id == person_id,
            AssistanceCase.owner_org_id == owner,
            AssistanceCase.state == CaseState.OPEN,
        )
        if await ctx.session.scalar(already) is not None:
            raise reject("person_id", "CASE_ALREADY_OPEN", "该单位已为此人建立了未结案的帮扶档案。")
        case = AssistanceCase(
            person_id=person_id,
            owner_org_id=owner,
            owner_user_id=None if assignee else ctx.viewer.user_id,
            assigned_by_org_id=ctx.viewer.organisation_id if assignee else None,
            reason=values["reason"].strip(),
            plan=(values.get("plan") or "").strip() or None,
            goals=(values.get("goals") or "").strip() or None,
            state=CaseState.OPEN,
            opened_on=today(),
        )
        ctx.session.add(case)
        await ctx.session.flush()
        if values.get("alert_id"):
            await alerts.handle_with_case(ctx, values["alert_id"], case)
        return case

    return await attempt(ctx, "openAssistanceCase", work)


async def _own_open_case(ctx: Context, case_id: int, field_name: str = "case_id") -> AssistanceCase:
    statement = (
        select(AssistanceCase)
        .where(AssistanceCase.id == case_id, rules.writes(ctx.viewer, "assistance_cases"))
        .with_for_update()
    )
    case = (await ctx.session.scalars(statement)).first()
    if case is None:
        raise reject(field_name, "NOT_FOUND", "在本单位的帮扶档案中没有找到该档案。")
    if case.state != CaseState.OPEN:
        raise reject(field_name, "CASE_CLOSED", "该帮扶档案已结案。")
    return case


async def _recommended_position(ctx: Context, values: dict[str, Any]) -> int | None:
    """The position an action recommends (a job, an internship, a public-welfare place), if any:
    one the viewer may see, of a kind that fits the action."""
    if not values.get("position_id"):
        return None
    position_id = key_of(values["position_id"], "Position", "position_id")
    statement = select(Position.kind).where(
        Position.id == position_id, rules.rows(ctx.viewer, "positions")
    )
    kind = await ctx.session.scalar(statement)
    if kind is None:
        raise reject("position_id", "NOT_FOUND", "没有找到该岗位。")
    wanted = POSITION_KIND_OF_ACTION.get(values["kind"])
    if wanted is not None and kind != wanted:
        raise reject("position_id", "WRONG_KIND", "所选岗位的类别与帮扶措施的类别不符。")
    return position_id


# The position kind an action of these kinds must point at (a job recommendation takes any).
POSITION_KIND_OF_ACTION = {
    ActionKind.INTERNSHIP: "internship",
    ActionKind.PUBLIC_WELFARE_POSITION: "public_welfare",
}


async def add_assistance_action(
    ctx: Context, case_global_id: str, values: dict[str, Any]
) -> Outcome[AssistanceCase]:
    """一人一策: one typed step of the plan, planned on a date and due by another, on an open case
    of the viewer's organisation; its outcome is recorded when it is done."""

    async def work() -> AssistanceCase:
        checks = Checks()
        _check_date(checks, values["on_date"], "on_date", "帮扶日期")
        checks.date_in_years(values["due_on"], "due_on", "完成期限")
        checks.require(
            values["due_on"] >= values["on_date"],
            "due_on",
            "DATE_RANGE",
            "完成期限不能早于帮扶日期。",
        )
        _check_text(checks, values.get("action"), "action", "帮扶措施")
        checks.done()
        case = await _own_open_case(ctx, key_of(case_global_id, "AssistanceCase", "case_id"))
        if values["on_date"] < case.opened_on:
            raise reject("on_date", "BEFORE_OPENED", "帮扶措施的日期不能早于立案日期。")
        ctx.session.add(
            AssistanceAction(
                case_id=case.id,
                on_date=values["on_date"],
                kind=values["kind"],
                action=values["action"].strip(),
                due_on=values["due_on"],
                position_id=await _recommended_position(ctx, values),
                user_id=ctx.viewer.user_id,
            )
        )
        await ctx.session.flush()
        return case

    return await attempt(ctx, "addAssistanceAction", work)


async def record_action_outcome(
    ctx: Context, action_global_id: str, values: dict[str, Any]
) -> Outcome[AssistanceCase]:
    """The outcome of one step (e.g. 已面试，未录用), once, on an open case the viewer owns."""

    async def work() -> AssistanceCase:
        checks = Checks()
        _check_date(checks, values["done_on"], "done_on", "完成日期")
        _check_text(checks, values.get("outcome"), "outcome", "措施结果")
        checks.done()
        action_id = key_of(action_global_id, "AssistanceAction", "action_id")
        action = await ctx.session.get(AssistanceAction, action_id)
        if action is None:
            raise reject("action_id", "NOT_FOUND", "在本单位的帮扶档案中没有找到该措施。")
        case = await _own_open_case(ctx, action.case_id, "action_id")
        if action.done_on is not None:
            raise reject("action_id", "ALREADY_DONE", "该措施的结果已记录。")
        if values["done_on"] < action.on_date:
            raise reject("done_on", "DATE_RANGE", "完成日期不能早于帮扶日期。")
        action.outcome, action.done_on = values["outcome"].strip(), values["done_on"]
        await ctx.session.flush()
        return case

    return await attempt(ctx, "recordActionOutcome", work)


async def close_assistance_case(
    ctx: Context, case_global_id: str, values: dict[str, Any]
) -> Outcome[AssistanceCase]:
    async def work() -> AssistanceCase:
        checks = Checks()
        _check_date(checks, values["closed_on"], "closed_on", "结案日期")
        _check_text(checks, values.get("outcome"), "outcome", "帮扶结果")
        checks.done()
        case = await _own_open_case(ctx, key_of(case_global_id, "AssistanceCase", "case_id"))
        if values["closed_on"] < case.opened_on:
            raise reject("closed_on", "DATE_RANGE", "结案日期不能早于立案日期。")
        case.state, case.closed_on, case.outcome = (
            CaseState.CLOSED,
            values["closed_on"],
            values["outcome"].strip(),
        )
        case.outcome_kind = CaseOutcome(values["outcome_kind"])
        await ctx.session.flush()
        return case

    return await attempt(ctx, "closeAssistanceCase", work)
