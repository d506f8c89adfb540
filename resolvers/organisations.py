"""Alliance members: the member list, join requests and a bureau's approval within its region."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select
from stdnum.cn import uscc

from auth import rules
from models.organisations import Membership, Organisation, OrganisationKind, SchoolLevel
from models.regions import Region
from resolvers.batching import one_by
from resolvers.context import Context
from resolvers.outcomes import Checks, Outcome, attempt, key_of, reject
from resolvers.pagination import Page, paginate
from resolvers.regions import in_region

ORGANISATION_SORTS = {"name": (Organisation.name,), "newest": (Organisation.created_at.desc(),)}


def organisations_statement(
    ctx: Context,
    *,
    kind: str | None = None,
    membership: str | None = None,
    region: str | None = None,
    search: str | None = None,
    sort: str = "name",
) -> Select:
    conditions = [rules.rows(ctx.viewer, "organisations")]
    if kind:
        conditions.append(Organisation.kind == kind)
    if membership:
        conditions.append(Organisation.membership == membership)
    if region:
        conditions.append(in_region(Organisation.region_code, region))
    if search:
        conditions.append(Organisation.name.icontains(search, autoescape=True))
    return (
        select(Organisation).where(*conditions).order_by(*ORGANISATION_SORTS[sort], Organisation.id)
    )


async def organisations(ctx: Context, first: int | None, after: str | None, **filters: Any) -> Page:
    return await paginate(ctx, organisations_statement(ctx, **filters), first, after)


async def by_credit_code(ctx: Context, credit_code: Any) -> Organisation | None:
    """The federation key ``creditCode``: the visible member with this code, or None (unknown,
    not visible, or a viewer who may not read credit codes: the lookup is no side door to them)."""
    if not isinstance(credit_code, str) or not rules.may_read(
        ctx.viewer, "organisations", "credit_code"
    ):
        return None
    return await one_by(ctx, Organisation.credit_code, "organisations").load(
        credit_code.strip().upper()
    )


async def _validate_request(ctx: Context, values: dict[str, Any]) -> None:
    checks = Checks()
    checks.require(bool(values.get("name", "").strip()), "name", "REQUIRED", "请填写单位名称。")
    checks.require(
        uscc.is_valid(values.get("credit_code", "")),
        "credit_code",
        "INVALID_CREDIT_CODE",
        "统一社会信用代码无效（GB 32100：18 位，含校验码）。",
    )
    is_school = values.get("kind") == OrganisationKind.SCHOOL
    checks.require(
        is_school == (values.get("school_level") is not None),
        "school_level",
        "SCHOOL_LEVEL",
        "只有院校填写办学层次，且院校必须填写。",
    )
    checks.require(
        values.get("kind") != OrganisationKind.BUREAU,
        "kind",
        "NOT_BY_REQUEST",
        "乡村振兴局由管理员设立，不能通过入盟申请加入。",
    )
    checks.require(
        await one_by(ctx, Region.code).load(values.get("region_code", "")) is not None,
        "region_code",
        "UNKNOWN_REGION",
        "没有该行政区划代码。",
    )
    checks.done()
    taken = select(Organisation.id).where(Organisation.credit_code == values["credit_code"].upper())
    if await ctx.session.scalar(taken) is not None:
        raise reject("credit_code", "ALREADY_MEMBER", "该统一社会信用代码的单位已登记。")


async def request_membership(ctx: Context, values: dict[str, Any]) -> Outcome[Organisation]:
    """A school, enterprise or agency asks to join; a bureau of its region decides."""

    async def work() -> Organisation:
        await _validate_request(ctx, values)
        level = values.pop("school_level", None)
        organisation = Organisation(
            **{**values, "credit_code": values["credit_code"].upper()},
            membership=Membership.PENDING,
            school_level=SchoolLevel(level) if level else None,
        )
        ctx.session.add(organisation)
        await ctx.session.flush()
        return organisation

    return await attempt(ctx, "requestMembership", work)


MEMBERSHIP_NAMES = {
    Membership.PENDING: "待审核",
    Membership.APPROVED: "已批准",
    Membership.REJECTED: "未批准",
    Membership.SUSPENDED: "已暂停",
}


async def _decidable(ctx: Context, organisation_global_id: str) -> Organisation:
    organisation_id = key_of(organisation_global_id, "Organisation", "id")
    statement = select(Organisation).where(
        Organisation.id == organisation_id, rules.writes(ctx.viewer, "organisations")
    )
    organisation = (await ctx.session.scalars(statement)).first()
    if organisation is None:
        raise reject("id", "NOT_FOUND", "您的辖区内没有该单位。")
    return organisation


async def _decide(ctx: Context, organisation: Organisation, decision: Membership) -> Organisation:
    organisation.membership = decision
    organisation.approved_by_id = ctx.viewer.organisation_id
    organisation.approved_at = datetime.now(UTC)
    await ctx.session.flush()
    return organisation


async def decide_membership(
    ctx: Context, organisation_global_id: str, decision: Membership
) -> Outcome[Organisation]:
    async def work() -> Organisation:
        organisation = await _decidable(ctx, organisation_global_id)
        if decision == Membership.PENDING or organisation.membership == decision:
            raise reject(
                "decision",
                "NO_CHANGE",
                f"该单位的成员状态已是“{MEMBERSHIP_NAMES[organisation.membership]}”。",
            )
        return await _decide(ctx, organisation, decision)

    return await attempt(ctx, "decideMembership", work)


async def suspend_membership(
    ctx: Context, organisation_global_id: str, reason: str
) -> Outcome[Organisation]:
    """A bureau (in its region) or an admin suspends an approved member; the reason is audited.
    A suspended member calls no member mutation until approved again (auth.rules)."""

    async def work() -> Organisation:
        organisation = await _decidable(ctx, organisation_global_id)
        checks = Checks()
        checks.require(bool(reason.strip()), "reason", "REQUIRED", "请填写暂停原因。")
        checks.require(
            organisation.membership == Membership.APPROVED,
            "id",
            "NOT_APPROVED",
            "只能暂停已批准的成员。",
        )
        checks.done()
        return await _decide(ctx, organisation, Membership.SUSPENDED)

    return await attempt(ctx, "suspendMembership", work, reason=reason)
