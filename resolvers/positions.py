"""Positions (岗位) and the demand list aggregated across enterprises (岗位需求清单)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, insert, select, update

from auth import rules
from models.base import AnyColumn
from models.catalogue import Major, Occupation
from models.positions import Position, PositionState, position_majors
from models.regions import Region
from resolvers.batching import one_by
from resolvers.context import Context
from resolvers.outcomes import Checks, Outcome, attempt, check_version, key_of, reject
from resolvers.pagination import Page, paginate
from resolvers.regions import in_region

POSITION_SORTS: dict[str, tuple[AnyColumn, ...]] = {
    "newest": (Position.created_at.desc(),),
    "salary": (Position.salary_max.desc(),),
    "title": (Position.title,),
    "deadline": (Position.valid_until,),
    "headcount": (Position.headcount.desc(),),
}


def positions_statement(
    ctx: Context,
    *,
    region: str | None = None,
    enterprise_id: int | None = None,
    major: str | None = None,
    occupation: str | None = None,
    kind: str | None = None,
    state: str | None = None,
    yulu_priority: bool | None = None,
    min_salary: int | None = None,
    search: str | None = None,
    sort: str = "newest",
) -> Select:
    conditions = [rules.rows(ctx.viewer, "positions")]
    if region:
        conditions.append(in_region(Position.region_code, region))
    if enterprise_id is not None:
        conditions.append(Position.enterprise_id == enterprise_id)
    if major:
        conditions.append(
            Position.id.in_(
                select(position_majors.c.position_id).where(position_majors.c.major_code == major)
            )
        )
    if occupation:
        conditions.append(Position.occupation_code == occupation)
    if kind:
        conditions.append(Position.kind == kind)
    if state:
        conditions.append(Position.state == state)
    if yulu_priority is not None:
        conditions.append(Position.yulu_priority.is_(yulu_priority))
    if min_salary is not None:
        conditions.append(Position.salary_max >= min_salary)
    if search:
        conditions.append(Position.title.icontains(search, autoescape=True))
    return select(Position).where(*conditions).order_by(*POSITION_SORTS[sort], Position.id)


async def positions(ctx: Context, first: int | None, after: str | None, **filters: Any) -> Page:
    return await paginate(ctx, positions_statement(ctx, **filters), first, after)


# --- writing ---------------------------------------------------------------------------------


async def _check_references(ctx: Context, checks: Checks, values: dict[str, Any]) -> None:
    if "occupation_code" in values:
        found = await one_by(ctx, Occupation.code).load(values["occupation_code"])
        checks.require(
            found is not None,
            "occupation_code",
            "UNKNOWN_OCCUPATION",
            "没有该职业代码（GB/T 6565）。",
        )
    if "region_code" in values:
        found = await one_by(ctx, Region.code).load(values["region_code"])
        checks.require(found is not None, "region_code", "UNKNOWN_REGION", "没有该行政区划代码。")
    if values.get("major_codes"):
        found = await one_by(ctx, Major.code).load_many(values["major_codes"])
        checks.require(all(found), "major_codes", "UNKNOWN_MAJOR", "专业代码不在专业目录中。")


def _check_ranges(checks: Checks, merged: dict[str, Any]) -> None:
    checks.require(
        bool(str(merged.get("title", "")).strip()), "title", "REQUIRED", "请填写岗位名称。"
    )
    headcount_in_range = 1 <= merged["headcount"] <= 10_000
    checks.require(
        headcount_in_range, "headcount", "OUT_OF_RANGE", "招聘人数应在 1 至 10,000 之间。"
    )
    checks.require(
        not headcount_in_range or merged["headcount"] >= merged["filled"],
        "headcount",
        "BELOW_FILLED",
        "招聘人数不能少于已录用人数。",
    )
    checks.require(
        0 <= merged["salary_min"] <= merged["salary_max"] <= 1_000_000,
        "salary_max",
        "SALARY_RANGE",
        "薪酬范围不正确：月薪下限不能高于上限，且须在 0 至 1,000,000 元之间。",
    )
    checks.require(
        merged["valid_from"] <= merged["valid_until"],
        "valid_until",
        "DATE_RANGE",
        "有效期结束日期不能早于开始日期。",
    )


# A position asks for a few certificates and accepts a few majors (the demo: at most 1 and 3);
# the caps bound the list fields Position.requiredCertificates and Position.majors.
MAX_CERTIFICATES = 10
MAX_ACCEPTED_MAJORS = 20


async def _validate(ctx: Context, values: dict[str, Any], current: Position | None = None) -> None:
    checks = Checks()
    checks.require(
        len(values.get("required_certificates") or ()) <= MAX_CERTIFICATES,
        "required_certificates",
        "TOO_MANY",
        f"所需证书最多 {MAX_CERTIFICATES} 项。",
    )
    checks.require(
        len(set(values.get("major_codes") or ())) <= MAX_ACCEPTED_MAJORS,
        "major_codes",
        "TOO_MANY",
        f"招收专业最多 {MAX_ACCEPTED_MAJORS} 个。",
    )
    columns = (
        "title",
        "headcount",
        "filled",
        "salary_min",
        "salary_max",
        "valid_from",
        "valid_until",
    )
    merged = {name: getattr(current, name) for name in columns} if current else {"filled": 0}
    merged.update(values)
    _check_ranges(checks, merged)
    checks.date_in_years(values.get("valid_from"), "valid_from", "有效期开始日期")
    checks.date_in_years(values.get("valid_until"), "valid_until", "有效期结束日期")
    await _check_references(ctx, checks, values)
    checks.done()


async def _set_majors(ctx: Context, position_id: int, major_codes: list[str]) -> None:
    await ctx.session.execute(
        position_majors.delete().where(position_majors.c.position_id == position_id)
    )
    if major_codes:
        rows = [
            {"position_id": position_id, "major_code": code} for code in dict.fromkeys(major_codes)
        ]
        await ctx.session.execute(insert(position_majors), rows)


async def create_position(ctx: Context, values: dict[str, Any]) -> Outcome[Position]:
    async def work() -> Position:
        await _validate(ctx, values)
        major_codes = values.pop("major_codes", [])
        position = Position(
            enterprise_id=ctx.viewer.organisation_id, state=PositionState.DRAFT, filled=0, **values
        )
        ctx.session.add(position)
        await ctx.session.flush()
        await _set_majors(ctx, position.id, major_codes)
        return position

    return await attempt(ctx, "createPosition", work)


async def writable_position(ctx: Context, position_global_id: str, version: int | None) -> Position:
    position_id = key_of(position_global_id, "Position", "id")
    statement = select(Position).where(
        Position.id == position_id, rules.writes(ctx.viewer, "positions")
    )
    position = (await ctx.session.scalars(statement)).first()
    if position is None:
        raise reject("id", "NOT_FOUND", "在您的岗位中没有找到该岗位。")
    check_version(position.version, version)
    return position


async def update_position(
    ctx: Context, position_global_id: str, version: int, values: dict[str, Any]
) -> Outcome[Position]:
    async def work() -> Position:
        position = await writable_position(ctx, position_global_id, version)
        await _validate(ctx, values, position)
        major_codes = values.pop("major_codes", None)
        for name, value in values.items():
            setattr(position, name, value)
        if major_codes is not None:
            await _set_majors(ctx, position.id, major_codes)
            # A new list of majors is a change of the position: bump its version too.
            position.updated_at = func.now()
        await ctx.session.flush()
        return position

    return await attempt(ctx, "updatePosition", work)


async def set_position_state(
    ctx: Context, position_global_id: str, version: int, open_it: bool
) -> Outcome[Position]:
    async def work() -> Position:
        position = await writable_position(ctx, position_global_id, version)
        target = PositionState.OPEN if open_it else PositionState.CLOSED
        if open_it and position.filled >= position.headcount:
            raise reject("id", "POSITION_FULL", "名额已满，请先增加招聘人数。")
        if position.state == target:
            raise reject(
                "id", "ALREADY_" + target.value.upper(), f"该岗位已是“{target.value}”状态。"
            )
        position.state = target
        await ctx.session.flush()
        return position

    return await attempt(ctx, "openPosition" if open_it else "closePosition", work)


async def fill_place(ctx: Context, position_id: int) -> None:
    """Take one place of the position's headcount, or reject when none is left.

    One conditional UPDATE: under concurrent hires PostgreSQL serialises on the row lock and
    re-checks ``filled < headcount`` for each, so the headcount is never exceeded.
    """
    statement = (
        update(Position)
        .where(Position.id == position_id, Position.filled < Position.headcount)
        .values(filled=Position.filled + 1, version=Position.version + 1)
        .returning(Position.id)
    )
    if (await ctx.session.execute(statement)).first() is None:
        raise reject("application_id", "POSITION_FULL", "该岗位名额已满。")
