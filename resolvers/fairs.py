"""Recruitment fairs (专场招聘): create, add enterprises and positions, register graduates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, Table, and_, insert, select, update

from auth import rules
from models.fairs import Fair, FairKind, fair_enterprises, fair_positions, fair_registrations
from models.organisations import Organisation, OrganisationKind, Role
from models.people import Person
from models.positions import Position
from models.regions import Region
from resolvers.batching import one_by
from resolvers.context import Context
from resolvers.outcomes import Checks, Outcome, attempt, key_of, reject
from resolvers.pagination import Page, paginate
from resolvers.people import writable_person
from resolvers.regions import in_region

FAIR_SORTS = {
    "starts": (Fair.starts_on,),
    "newest": (Fair.created_at.desc(),),
    "name": (Fair.name,),
}


def fairs_statement(
    ctx: Context,
    *,
    region: str | None = None,
    kind: str | None = None,
    mode: str | None = None,
    organiser_id: int | None = None,
    search: str | None = None,
    ends_from: date | None = None,
    sort: str = "starts",
) -> Select:
    conditions = [rules.rows(ctx.viewer, "fairs")]
    if region:
        conditions.append(in_region(Fair.region_code, region))
    if kind:
        conditions.append(Fair.kind == kind)
    if mode:
        conditions.append(Fair.mode == mode)
    if organiser_id is not None:
        conditions.append(Fair.organiser_id == organiser_id)
    if search:
        conditions.append(Fair.name.icontains(search, autoescape=True))
    if ends_from is not None:
        conditions.append(Fair.ends_on >= ends_from)
    return select(Fair).where(*conditions).order_by(*FAIR_SORTS[sort], Fair.id)


async def fairs(ctx: Context, first: int | None, after: str | None, **filters: Any) -> Page:
    return await paginate(ctx, fairs_statement(ctx, **filters), first, after)


async def create_fair(ctx: Context, values: dict[str, Any]) -> Outcome[Fair]:
    async def work() -> Fair:
        checks = Checks()
        checks.require(bool(values["name"].strip()), "name", "REQUIRED", "请填写招聘会名称。")
        checks.date_in_years(values["starts_on"], "starts_on", "招聘会开始日期")
        checks.date_in_years(values["ends_on"], "ends_on", "招聘会结束日期")
        checks.require(
            values["starts_on"] <= values["ends_on"],
            "ends_on",
            "DATE_RANGE",
            "招聘会结束日期不能早于开始日期。",
        )
        checks.require(
            await one_by(ctx, Region.code).load(values["region_code"]) is not None,
            "region_code",
            "UNKNOWN_REGION",
            "没有该行政区划代码。",
        )
        checks.done()
        fair = Fair(
            organiser_id=ctx.viewer.organisation_id, **{**values, "kind": FairKind(values["kind"])}
        )
        ctx.session.add(fair)
        await ctx.session.flush()
        return fair

    return await attempt(ctx, "createFair", work)


async def _own_fair(ctx: Context, fair_global_id: str) -> Fair:
    fair_id = key_of(fair_global_id, "Fair", "fair_id")
    statement = select(Fair).where(Fair.id == fair_id, rules.writes(ctx.viewer, "fairs"))
    fair = (await ctx.session.scalars(statement)).first()
    if fair is None:
        raise reject("fair_id", "NOT_FOUND", "在您组织的招聘会中没有找到该招聘会。")
    return fair


async def _link(ctx: Context, link: Table, fair_id: int, column: str, keys: set[int]) -> None:
    present = set(
        await ctx.session.scalars(select(link.c[column]).where(link.c.fair_id == fair_id))
    )
    rows = [{"fair_id": fair_id, column: key} for key in sorted(keys - present)]
    if rows:
        await ctx.session.execute(insert(link), rows)


async def add_fair_enterprises(
    ctx: Context, fair_global_id: str, enterprise_global_ids: Sequence[str]
) -> Outcome[Fair]:
    async def work() -> Fair:
        fair = await _own_fair(ctx, fair_global_id)
        ids = {key_of(g, "Organisation", "enterprise_ids") for g in enterprise_global_ids}
        found = set(
            await ctx.session.scalars(
                select(Organisation.id).where(
                    Organisation.id.in_(ids), Organisation.kind == OrganisationKind.ENTERPRISE
                )
            )
        )
        if found != ids:
            raise reject("enterprise_ids", "NOT_AN_ENTERPRISE", "参会单位须为联盟内的企业。")
        await _link(ctx, fair_enterprises, fair.id, "enterprise_id", ids)
        return fair

    return await attempt(ctx, "addFairEnterprises", work)


async def add_fair_positions(
    ctx: Context, fair_global_id: str, position_global_ids: Sequence[str]
) -> Outcome[Fair]:
    async def work() -> Fair:
        fair = await _own_fair(ctx, fair_global_id)
        ids = {key_of(g, "Position", "position_ids") for g in position_global_ids}
        participants = select(fair_enterprises.c.enterprise_id).where(
            fair_enterprises.c.fair_id == fair.id
        )
        found = set(
            await ctx.session.scalars(
                select(Position.id).where(
                    Position.id.in_(ids), Position.enterprise_id.in_(participants)
                )
            )
        )
        if found != ids:
            raise reject("position_ids", "NOT_PARTICIPANT", "岗位须属于参会企业。")
        await _link(ctx, fair_positions, fair.id, "position_id", ids)
        return fair

    return await attempt(ctx, "addFairPositions", work)


async def _registrable_person(ctx: Context, fair: Fair, person_global_id: str) -> int:
    """The organiser registers anyone it may see; others only those they keep (or themselves)."""
    if fair.organiser_id != ctx.viewer.organisation_id:
        return (await writable_person(ctx, person_global_id)).id
    person_id = key_of(person_global_id, "Person", "person_id")
    visible = select(Person.id).where(Person.id == person_id, rules.rows(ctx.viewer, "persons"))
    if await ctx.session.scalar(visible) is None:
        raise reject("person_id", "NOT_FOUND", "在您可报名的人员中没有找到此人。")
    return person_id


def _with_consent(ctx: Context, fair: Fair) -> bool:
    """A registration by the graduate, or by their school for them (not by the organiser, even
    a school organising its own fair), carries their consent to be seen by the organiser."""
    if ctx.viewer.role == Role.GRADUATE:
        return True
    return ctx.viewer.role == Role.SCHOOL and fair.organiser_id != ctx.viewer.organisation_id


async def _register(ctx: Context, fair: Fair, person_id: int) -> None:
    consent = _with_consent(ctx, fair)
    registration = and_(
        fair_registrations.c.fair_id == fair.id, fair_registrations.c.person_id == person_id
    )
    if (
        await ctx.session.scalar(select(fair_registrations.c.with_consent).where(registration))
        is None
    ):
        await ctx.session.execute(
            insert(fair_registrations).values(
                fair_id=fair.id, person_id=person_id, with_consent=consent
            )
        )
    elif consent:  # registering confirms a registration the organiser made
        await ctx.session.execute(
            update(fair_registrations).where(registration).values(with_consent=True)
        )


async def register_for_fair(
    ctx: Context, fair_global_id: str, person_global_id: str
) -> Outcome[Fair]:
    """A graduate registers; the organiser or a school registers those it keeps."""

    async def work() -> Fair:
        fair_id = key_of(fair_global_id, "Fair", "fair_id")
        fair = await ctx.session.get(Fair, fair_id)
        if fair is None:
            raise reject("fair_id", "NOT_FOUND", "没有找到该招聘会。")
        person_id = await _registrable_person(ctx, fair, person_global_id)
        await _register(ctx, fair, person_id)
        return fair

    return await attempt(ctx, "registerForFair", work)
