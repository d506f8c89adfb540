"""The region tree (GB/T 2260): lookups, children, and the subtree predicate lists filter by."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, or_, select

from auth import rules
from models.base import AnyColumn
from models.regions import NATION_CODE, Region, RegionLevel, RegionPairing, within
from resolvers.batching import MAX_RELATED, any_of, many_by, one_by
from resolvers.pagination import InvalidArgument, Page, paginate

if TYPE_CHECKING:  # the context module imports the audit trail, which pages and filters
    from resolvers.context import Context


def level_of(code: str) -> RegionLevel:
    """A GB/T 2260 code's level, read from its trailing zeros."""
    if not (len(code) == 6 and code.isdigit()):
        raise InvalidArgument(f"{code!r} 不是 6 位行政区划代码")
    if code == NATION_CODE:
        return RegionLevel.NATIONAL
    if code.endswith("0000"):
        return RegionLevel.PROVINCE
    if code.endswith("00"):
        return RegionLevel.CITY
    return RegionLevel.COUNTY


def in_region(column: AnyColumn, code: str) -> ColumnElement[bool]:
    """Filter argument ``region``: the column's region lies in the subtree of ``code``."""
    return within(column, code, level_of(code))


async def region(ctx: Context, code: str) -> Region | None:
    return await one_by(ctx, Region.code).load(code)


async def children(ctx: Context, code: str | None) -> list[Region]:
    """The regions directly below ``code`` (the provinces when ``code`` is None)."""
    if code is None:
        statement = (
            select(Region)
            .where(Region.level == RegionLevel.PROVINCE)
            .order_by(Region.code)
            .limit(MAX_RELATED)
        )
        return list(await ctx.session.scalars(statement))
    return await many_by(ctx, Region.parent_code, order_by=Region.code).load(code)


# East–west cooperation pairs each western province with one to three eastern ones (2021).
MAX_PARTNERS = 10


def _matching(search: str) -> ColumnElement[bool]:
    """Part of the name, or the start of the code (``5002`` finds the counties of 500200)."""
    text = search.strip()
    by_name = Region.name.icontains(text, autoescape=True)
    return (
        or_(by_name, Region.code.startswith(text, autoescape=True)) if text.isdigit() else by_name
    )


async def search(
    ctx: Context,
    first: int | None,
    after: str | None,
    *,
    search: str | None = None,
    within_code: str | None = None,
    level: RegionLevel | None = None,
) -> Page:
    """Places one may choose, by code: every province, city and county — not the nation's root,
    nor a municipality's 市辖区 / 县 grouping (their districts and counties are found all the same)."""
    conditions = [
        rules.rows(ctx.viewer, "regions"),
        Region.level != RegionLevel.NATIONAL,
        ~Region.is_grouping,
    ]
    if search and search.strip():
        conditions.append(_matching(search))
    if within_code:
        conditions.append(in_region(Region.code, within_code))
    if level is not None:
        conditions.append(Region.level == level)
    return await paginate(
        ctx, select(Region).where(*conditions).order_by(Region.code), first, after
    )


def _partner_codes(ctx: Context):
    """Loader: region code → the codes of its east–west partners, both directions, one statement."""

    async def batch(codes: Sequence[str]) -> list[list[str]]:
        statement = select(RegionPairing).where(
            or_(
                any_of(ctx, RegionPairing.west_code, codes),
                any_of(ctx, RegionPairing.east_code, codes),
            )
        )
        partners: dict[str, list[str]] = defaultdict(list)
        for pairing in await ctx.session.scalars(statement):
            partners[pairing.west_code].append(pairing.east_code)
            partners[pairing.east_code].append(pairing.west_code)
        return [sorted(partners.get(code, []))[:MAX_PARTNERS] for code in codes]

    return ctx.loader("regions.partners", batch)


async def pairings(ctx: Context, code: str) -> list[Region]:
    """East–west partners: the eastern helpers of a western province, or the reverse."""
    partner_codes = await _partner_codes(ctx).load(code)
    return [r for r in await one_by(ctx, Region.code).load_many(partner_codes) if r is not None]
