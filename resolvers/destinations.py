"""Graduate destinations (毕业去向): recorded by the school, the graduate, the agency owning the
case or the county bureau (auth.rules: ``graduate_destinations`` writes), with source and date;
verified by a county bureau (e.g. against social-insurance contributions). A job destination
opens an employment record (and its follow-up schedule); any destination recorded while a job is
open ends that job, with the reason given. See models.destinations for what each kind means.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from stdnum.cn import uscc

from auth import rules
from models.destinations import (
    EMPLOYED_KINDS,
    JOB_KINDS,
    DestinationKind,
    DestinationSource,
    GraduateDestination,
)
from models.organisations import Role
from models.people import EmploymentIntention, Household, Person, StudentRecord, location_tier
from models.regions import Region
from models.tracking import EmploymentRecord
from resolvers import alerts, tracking
from resolvers.context import Context
from resolvers.outcomes import Checks, Outcome, attempt, key_of, reject, today

SOURCE_OF_ROLE: dict[Role | None, DestinationSource] = {
    Role.SCHOOL: DestinationSource.SCHOOL,
    Role.GRADUATE: DestinationSource.GRADUATE,
    Role.AGENCY: DestinationSource.AGENCY,
    Role.BUREAU: DestinationSource.BUREAU,
    Role.ENTERPRISE: DestinationSource.ENTERPRISE,
}
WITH_INCOME = EMPLOYED_KINDS
WITH_EMPLOYER = frozenset({DestinationKind.OTHER_JOB, DestinationKind.PUBLIC_WELFARE})
MAX_INCOME = 1_000_000


class VerificationSource:
    """How a destination was confirmed (``GraduateDestination.verification``)."""

    SOCIAL_INSURANCE = "social_insurance"  # 社保缴费记录
    EMPLOYER = "employer"  # 用人单位确认
    BUREAU_CHECK = "bureau_check"  # 乡村振兴局核实
    ALL = (SOCIAL_INSURANCE, EMPLOYER, BUREAU_CHECK)


async def cohort_of(ctx: Context, person_id: int) -> int | None:
    """The graduation year: the employment intention's, else a graduated student record's."""
    intention = await ctx.session.scalar(
        select(EmploymentIntention.graduation_year).where(
            EmploymentIntention.person_id == person_id
        )
    )
    if intention is not None:
        return intention
    return await ctx.session.scalar(
        select(StudentRecord.expected_graduation_year).where(
            StudentRecord.person_id == person_id, StudentRecord.status == "graduated"
        )
    )


async def _supersede_current(ctx: Context, person_id: int, on: date) -> None:
    statement = select(GraduateDestination).where(
        GraduateDestination.person_id == person_id, GraduateDestination.is_current
    )
    for current in await ctx.session.scalars(statement.with_for_update()):
        current.is_current, current.superseded_on = False, on
    await ctx.session.flush()  # before the new current row: one current per graduate


async def _add(
    ctx: Context,
    person_id: int,
    cohort: int,
    values: dict[str, Any],
    source: DestinationSource | None = None,
) -> GraduateDestination:
    """The new current destination; ``source`` defaults to the writer's role."""
    await _supersede_current(ctx, person_id, today())
    destination = GraduateDestination(
        person_id=person_id,
        cohort_year=cohort,
        source=source or SOURCE_OF_ROLE[ctx.viewer.role],
        recorded_on=today(),
        recorded_by_user_id=ctx.viewer.user_id,
        recorded_by_org_id=ctx.viewer.organisation_id,
        is_current=True,
        **values,
    )
    ctx.session.add(destination)
    await ctx.session.flush()
    return destination


async def derive(ctx: Context, person_id: int, kind: DestinationKind, since: date) -> None:
    """A destination that follows from another write (a job ended, a hire): recorded with the
    writer's source, for graduates only (a cohort is needed)."""
    cohort = await cohort_of(ctx, person_id)
    if cohort is not None:
        await _add(ctx, person_id, cohort, {"kind": kind, "since": since})


async def record_hire(ctx: Context, record: EmploymentRecord) -> None:
    """An alliance hire (transitionApplication → HIRED): 联盟内就业, linked to its record."""
    cohort = await cohort_of(ctx, record.person_id)
    tracking.schedule_follow_ups(ctx, record)
    if cohort is None:
        return
    await _add(
        ctx,
        record.person_id,
        cohort,
        {
            "kind": DestinationKind.ALLIANCE_JOB,
            "since": record.start_date,
            "employment_record_id": record.id,
            "employer_name": record.employer_name,
            "work_region_code": record.work_region_code,
            "monthly_income": record.monthly_income,
        },
        source=DestinationSource.HIRE,  # the hire itself, whoever moved the application
    )


def _check(checks: Checks, values: dict[str, Any]) -> None:
    kind = values["kind"]
    tracking._check_date(checks, values["since"], "since", "去向起始日期")
    checks.require(
        kind != DestinationKind.ALLIANCE_JOB,
        "kind",
        "RECORDED_BY_HIRE",
        "联盟内就业由企业在联盟岗位上录用时自动记录；联盟外的工作请选“其他单位就业”。",
    )
    name = (values.get("employer_name") or "").strip()
    code = (values.get("employer_credit_code") or "").strip()
    income = values.get("monthly_income")
    if kind == DestinationKind.OTHER_JOB:
        checks.require(bool(name), "employer_name", "REQUIRED", "请填写用人单位名称。")
        checks.require(
            bool(values.get("work_region_code")), "work_region_code", "REQUIRED", "请选择工作地。"
        )
        checks.require(income is not None, "monthly_income", "REQUIRED", "请填写月收入（元）。")
    checks.require(
        kind in WITH_EMPLOYER or not (name or code),
        "employer_name",
        "NOT_FOR_KIND",
        "只有“其他单位就业”和“公益性岗位”填写用人单位。",
    )
    checks.require(
        kind in WITH_INCOME or income is None,
        "monthly_income",
        "NOT_FOR_KIND",
        "只有已就业的去向填写月收入。",
    )
    checks.require(
        income is None or 0 <= income <= MAX_INCOME,
        "monthly_income",
        "OUT_OF_RANGE",
        "月收入（元）应在 0 至 1,000,000 之间。",
    )
    checks.require(len(name) <= 128, "employer_name", "TOO_LONG", "用人单位名称最多 128 个字符。")
    checks.require(
        not code or uscc.is_valid(code),
        "employer_credit_code",
        "INVALID_CREDIT_CODE",
        "统一社会信用代码无效（18 位，末位校验码须符合 GB 32100）。",
    )
    tracking._check_text(checks, values.get("note"), "note", "备注", required=False)


async def _work_region(ctx: Context, code: str | None) -> None:
    if code is None:
        return
    region = await ctx.session.get(Region, code)
    if region is None or region.is_grouping:
        raise reject("work_region_code", "UNKNOWN_REGION", "工作地须为省、市或区县的行政区划代码。")


async def _open_other_job(ctx: Context, person_id: int, values: dict[str, Any]) -> EmploymentRecord:
    household_region = await ctx.session.scalar(
        select(Household.region_code)
        .join(Person, Person.household_id == Household.id)
        .where(Person.id == person_id)
    )
    assert household_region is not None  # every person has a household (a foreign key)
    record = EmploymentRecord(
        person_id=person_id,
        employer_id=None,
        employer_name=values["employer_name"],
        start_date=values["since"],
        monthly_income=values["monthly_income"],
        work_region_code=values["work_region_code"],
        location_tier=location_tier(household_region, values["work_region_code"]),
    )
    ctx.session.add(record)
    await ctx.session.flush()
    tracking.schedule_follow_ups(ctx, record)
    intention = await ctx.session.scalar(
        select(EmploymentIntention).where(EmploymentIntention.person_id == person_id)
    )
    if intention is not None:
        intention.seeking = False  # in work now, as after an alliance hire
    return record


async def record_destination(
    ctx: Context, person_global_id: str, values: dict[str, Any]
) -> Outcome[GraduateDestination]:
    """The graduate's current destination; the one it replaces stays as history."""

    async def work() -> GraduateDestination:
        checks = Checks()
        _check(checks, values)
        checks.done()
        tracking._county_only(ctx)
        person_id = await tracking.visible_person(ctx, person_global_id)
        cohort = await cohort_of(ctx, person_id)
        if cohort is None:
            raise reject(
                "person_id", "NOT_A_GRADUATE", "此人尚无毕业年份（不是毕业生），不能登记毕业去向。"
            )
        await _work_region(ctx, values.get("work_region_code"))
        jobs = await tracking.open_jobs(ctx, person_id)
        tracking._check_end_reason(checks, jobs, values.get("end_reason"), "end_reason")
        checks.done()
        if jobs:
            await tracking.end_jobs(ctx, jobs, values["since"], values["end_reason"], "end_reason")
        fields = {
            "kind": values["kind"],
            "since": values["since"],
            "employer_name": (values.get("employer_name") or "").strip() or None,
            "employer_credit_code": (values.get("employer_credit_code") or "").strip() or None,
            "work_region_code": values.get("work_region_code"),
            "monthly_income": values.get("monthly_income"),
            "note": (values.get("note") or "").strip() or None,
        }
        if values["kind"] in JOB_KINDS:
            fields["employment_record_id"] = (await _open_other_job(ctx, person_id, fields)).id
        destination = await _add(ctx, person_id, cohort, fields)
        # The written row must pass the role's write rule (as a follow-up's); else the savepoint
        # takes everything back.
        allowed = select(GraduateDestination.id).where(
            GraduateDestination.id == destination.id,
            rules.writes(ctx.viewer, "graduate_destinations"),
        )
        if await ctx.session.scalar(allowed) is None:
            raise reject("person_id", "NOT_FOUND", "在您可登记去向的毕业生中没有找到此人。")
        await alerts.evaluate_for(ctx, [person_id])
        return destination

    return await attempt(ctx, "recordDestination", work)


async def verify_destination(
    ctx: Context, destination_global_id: str, verification: str
) -> Outcome[GraduateDestination]:
    """A county bureau confirms a current destination (社保缴费, 用人单位确认, 实地核实)."""

    async def work() -> GraduateDestination:
        tracking._county_only(ctx)
        destination_id = key_of(destination_global_id, "GraduateDestination", "id")
        statement = select(GraduateDestination).where(
            GraduateDestination.id == destination_id,
            rules.rows(ctx.viewer, "graduate_destinations"),
            rules.writes(ctx.viewer, "graduate_destinations"),
        )
        destination = (await ctx.session.scalars(statement.with_for_update())).first()
        if destination is None:
            raise reject("id", "NOT_FOUND", "在您可核实的毕业去向中没有找到该记录。")
        if not destination.is_current:
            raise reject("id", "NOT_CURRENT", "只能核实毕业生当前的去向。")
        destination.verification = verification
        destination.verified_at = datetime.now(UTC)
        destination.verified_by_org_id = ctx.viewer.organisation_id
        await ctx.session.flush()
        return destination

    return await attempt(ctx, "verifyDestination", work, verification=verification)
