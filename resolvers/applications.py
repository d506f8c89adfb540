"""Applications and referrals, moved through an explicit stage machine; hiring writes the
employment record and takes a place of the position's headcount."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, select

from auth import rules
from models.applications import (
    Application,
    ApplicationEvent,
    ApplicationSource,
    RejectionReason,
    Stage,
)
from models.organisations import Organisation, Role
from models.people import EmploymentIntention, Household, LocationTier, Person
from models.positions import Position, PositionState
from models.tracking import EmploymentRecord
from resolvers import destinations
from resolvers.context import Context
from resolvers.outcomes import Checks, Outcome, attempt, check_version, key_of, reject
from resolvers.outcomes import today as china_today
from resolvers.pagination import Page, paginate
from resolvers.positions import fill_place

FINAL_STAGES = frozenset({Stage.HIRED, Stage.REJECTED, Stage.WITHDRAWN})
NEXT_STAGE = {
    Stage.RECOMMENDED: Stage.APPLIED,
    Stage.APPLIED: Stage.INTERVIEW,
    Stage.INTERVIEW: Stage.OFFER,
    Stage.OFFER: Stage.HIRED,
}
"""The pipeline moves one step forward at a time; any open stage may end rejected or withdrawn."""

SOURCE_OF_ROLE: dict[Role | None, ApplicationSource] = {
    Role.GRADUATE: ApplicationSource.SELF,
    Role.SCHOOL: ApplicationSource.SCHOOL,
    Role.AGENCY: ApplicationSource.AGENCY,
}

APPLICATION_SORTS = {
    "newest": (Application.created_at.desc(),),
    "stage": (Application.stage,),
    "updated": (Application.updated_at.desc(),),
}


def may_transition(current: Stage, target: Stage) -> bool:
    if current in FINAL_STAGES:
        return False
    return target in (Stage.REJECTED, Stage.WITHDRAWN) or NEXT_STAGE.get(current) == target


def applications_statement(
    ctx: Context,
    *,
    position_id: int | None = None,
    person_id: int | None = None,
    enterprise_id: int | None = None,
    stage: str | None = None,
    sort: str = "newest",
) -> Select:
    conditions = [rules.rows(ctx.viewer, "applications")]
    if position_id is not None:
        conditions.append(Application.position_id == position_id)
    if person_id is not None:
        conditions.append(Application.person_id == person_id)
    if enterprise_id is not None:
        conditions.append(
            Application.position_id.in_(
                select(Position.id).where(Position.enterprise_id == enterprise_id)
            )
        )
    if stage:
        conditions.append(Application.stage == stage)
    return select(Application).where(*conditions).order_by(*APPLICATION_SORTS[sort], Application.id)


async def applications(ctx: Context, first: int | None, after: str | None, **filters: Any) -> Page:
    return await paginate(ctx, applications_statement(ctx, **filters), first, after)


def location_tier(household_region: str, work_region: str) -> LocationTier:
    """Where the job is relative to the household's registered county (户籍地)."""
    if work_region == household_region:
        return LocationTier.IN_COUNTY
    if work_region[:2] == household_region[:2]:
        return LocationTier.IN_PROVINCE
    return LocationTier.CROSS_PROVINCE


def _record_event(
    ctx: Context, application: Application, before: Stage | None, note: str | None
) -> None:
    ctx.session.add(
        ApplicationEvent(
            application_id=application.id,
            from_stage=before,
            to_stage=application.stage,
            actor_user_id=ctx.viewer.user_id,
            note=note,
        )
    )


async def create_application(
    ctx: Context, person_global_id: str, position_global_id: str, note: str | None
) -> Outcome[Application]:
    """A graduate applies; a school recommends its student; an agency refers a candidate."""

    async def work() -> Application:
        person_id = key_of(person_global_id, "Person", "person_id")
        position_id = key_of(position_global_id, "Position", "position_id")
        if ctx.viewer.role == Role.GRADUATE and person_id != ctx.viewer.person_id:
            raise reject("person_id", "NOT_SELF", "毕业生只能为本人投递。")
        visible = select(Person.id).where(Person.id == person_id, rules.rows(ctx.viewer, "persons"))
        if await ctx.session.scalar(visible) is None:
            raise reject("person_id", "NOT_FOUND", "在您可推荐的人员中没有找到此人。")
        position = await ctx.session.get(Position, position_id)
        if position is None or position.state != PositionState.OPEN:
            raise reject("position_id", "NOT_OPEN", "该岗位未开放投递。")
        source = SOURCE_OF_ROLE[ctx.viewer.role]
        application = Application(
            person_id=person_id,
            position_id=position_id,
            source=source,
            referrer_id=None if source == ApplicationSource.SELF else ctx.viewer.organisation_id,
            stage=Stage.APPLIED if source == ApplicationSource.SELF else Stage.RECOMMENDED,
            note=note,
        )
        ctx.session.add(application)
        await ctx.session.flush()
        _record_event(ctx, application, None, note)
        return application

    return await attempt(ctx, "createApplication", work)


async def _hire(
    ctx: Context, application: Application, start_date: date | None, monthly_income: int | None
) -> None:
    position = await ctx.session.get(Position, application.position_id)
    assert position is not None  # applications.position_id is a foreign key
    checks = Checks()
    income = monthly_income if monthly_income is not None else position.salary_min
    checks.require(
        0 <= income <= 1_000_000,
        "monthly_income",
        "OUT_OF_RANGE",
        "月收入（元）应在 0 至 1,000,000 之间。",
    )
    checks.done()
    await fill_place(ctx, position.id)
    household_region = (
        await ctx.session.execute(
            select(Household.region_code)
            .join(Person, Person.household_id == Household.id)
            .where(Person.id == application.person_id)
        )
    ).scalar_one()
    employer = await ctx.session.get(Organisation, position.enterprise_id)
    assert employer is not None  # positions.enterprise_id is a foreign key
    record = EmploymentRecord(
        person_id=application.person_id,
        employer_id=employer.id,
        employer_name=employer.name,
        position_id=position.id,
        application_id=application.id,
        start_date=start_date or china_today(),
        monthly_income=income,
        work_region_code=position.region_code,
        location_tier=location_tier(household_region, position.region_code),
    )
    ctx.session.add(record)
    await ctx.session.flush()
    await destinations.record_hire(ctx, record)  # 联盟内就业, and its follow-up schedule
    # In work now: no longer seeking (the graduate sets it again to seek a change).
    intention = await ctx.session.scalar(
        select(EmploymentIntention).where(EmploymentIntention.person_id == application.person_id)
    )
    if intention is not None:
        intention.seeking = False


async def transition_application(
    ctx: Context,
    application_global_id: str,
    version: int,
    target: Stage,
    *,
    reason: RejectionReason | None = None,
    note: str | None = None,
    start_date: date | None = None,
    monthly_income: int | None = None,
) -> Outcome[Application]:
    async def work() -> Application:
        application_id = key_of(application_global_id, "Application", "id")
        statement = select(Application).where(
            Application.id == application_id, rules.writes(ctx.viewer, "applications")
        )
        application = (await ctx.session.scalars(statement)).first()
        if application is None:
            raise reject("id", "NOT_FOUND", "在您经办的申请中没有找到该申请。")
        check_version(application.version, version)
        before = application.stage
        if not may_transition(before, target):
            raise reject(
                "stage", "INVALID_TRANSITION", f"申请不能从“{before.value}”变为“{target.value}”。"
            )
        if not rules.may_move_to(ctx.viewer, target):
            raise reject("stage", "NOT_YOUR_STEP", f"您的角色不能将申请变为“{target.value}”。")
        if not rules.may_act_at(ctx.viewer, before):
            raise reject(
                "stage",
                "AWAITING_GRADUATE",
                "该推荐尚待毕业生（或其学校）确认，确认前企业不能办理。",
            )
        if (target == Stage.REJECTED) != (reason is not None):
            raise reject("reason", "REASON_IFF_REJECTED", "不予录用须填写原因；其他环节无需填写。")
        if target == Stage.HIRED:
            await _hire(ctx, application, start_date, monthly_income)
        application.stage, application.rejection_reason = target, reason
        application.note = note or application.note
        await ctx.session.flush()
        _record_event(ctx, application, before, note)
        return application

    return await attempt(ctx, "transitionApplication", work, stage=target.value)
