"""After the hire: employment records (with the location tier), follow-ups (跟踪监测) and one-to-one
assistance cases (一对一实名制帮扶); writes go through ``attempt`` (role gate, savepoint, audit)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, extract, select

from auth import rules
from models.base import AnyColumn
from models.organisations import Membership, Organisation, OrganisationKind, Role
from models.people import Person
from models.regions import RegionLevel
from models.tracking import (
    AssistanceAction,
    AssistanceCase,
    CaseState,
    EmploymentRecord,
    FollowUp,
    FollowUpStatus,
)
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


async def _visible_person(ctx: Context, person_global_id: str) -> int:
    person_id = key_of(person_global_id, "Person", "person_id")
    statement = select(Person.id).where(Person.id == person_id, rules.rows(ctx.viewer, "persons"))
    if await ctx.session.scalar(statement) is None:
        raise reject("person_id", "NOT_FOUND", "在您可帮扶的人员中没有找到此人。")
    return person_id


def _county_only(ctx: Context) -> None:
    if ctx.viewer.role == Role.BUREAU and ctx.viewer.region_level != RegionLevel.COUNTY:
        raise reject(None, "COUNTY_ONLY", "实名帮扶由县级乡村振兴局负责。")


async def record_follow_up(
    ctx: Context, person_global_id: str, values: dict[str, Any]
) -> Outcome[FollowUp]:
    """A dated status check of a graduate by the school, the agency helping them or the county."""

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
        person_id = await _visible_person(ctx, person_global_id)
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
        return follow_up

    return await attempt(ctx, "recordFollowUp", work)


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
        checks.done()
        _county_only(ctx)
        assignee = await _assignee(ctx, values.get("assign_to"))
        person_id = await _visible_person(ctx, person_global_id)
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
            state=CaseState.OPEN,
            opened_on=today(),
        )
        ctx.session.add(case)
        await ctx.session.flush()
        return case

    return await attempt(ctx, "openAssistanceCase", work)


async def _own_open_case(ctx: Context, case_global_id: str) -> AssistanceCase:
    case_id = key_of(case_global_id, "AssistanceCase", "case_id")
    statement = (
        select(AssistanceCase)
        .where(AssistanceCase.id == case_id, rules.writes(ctx.viewer, "assistance_cases"))
        .with_for_update()
    )
    case = (await ctx.session.scalars(statement)).first()
    if case is None:
        raise reject("case_id", "NOT_FOUND", "在本单位的帮扶档案中没有找到该档案。")
    if case.state != CaseState.OPEN:
        raise reject("case_id", "CASE_CLOSED", "该帮扶档案已结案。")
    return case


async def add_assistance_action(
    ctx: Context, case_global_id: str, values: dict[str, Any]
) -> Outcome[AssistanceCase]:
    """一人一策: one step of the plan, dated, on an open case of the viewer's organisation."""

    async def work() -> AssistanceCase:
        checks = Checks()
        _check_date(checks, values["on_date"], "on_date", "帮扶日期")
        _check_text(checks, values.get("action"), "action", "帮扶措施")
        checks.done()
        case = await _own_open_case(ctx, case_global_id)
        if values["on_date"] < case.opened_on:
            raise reject("on_date", "BEFORE_OPENED", "帮扶措施的日期不能早于立案日期。")
        ctx.session.add(
            AssistanceAction(
                case_id=case.id,
                on_date=values["on_date"],
                action=values["action"].strip(),
                user_id=ctx.viewer.user_id,
            )
        )
        await ctx.session.flush()
        return case

    return await attempt(ctx, "addAssistanceAction", work)


async def close_assistance_case(
    ctx: Context, case_global_id: str, values: dict[str, Any]
) -> Outcome[AssistanceCase]:
    async def work() -> AssistanceCase:
        checks = Checks()
        _check_date(checks, values["closed_on"], "closed_on", "结案日期")
        _check_text(checks, values.get("outcome"), "outcome", "帮扶结果")
        checks.done()
        case = await _own_open_case(ctx, case_global_id)
        if values["closed_on"] < case.opened_on:
            raise reject("closed_on", "DATE_RANGE", "结案日期不能早于立案日期。")
        case.state, case.closed_on, case.outcome = (
            CaseState.CLOSED,
            values["closed_on"],
            values["outcome"].strip(),
        )
        await ctx.session.flush()
        return case

    return await attempt(ctx, "closeAssistanceCase", work)
