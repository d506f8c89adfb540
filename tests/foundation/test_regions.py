"""A region's subtree is one indexed range predicate on the region code."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.regions import Region, RegionLevel, region_path, subtree_bounds, within


def test_bounds_follow_the_code_hierarchy() -> None:
    assert subtree_bounds("500000", RegionLevel.PROVINCE) == ("500000", "509999")
    assert subtree_bounds("500200", RegionLevel.CITY) == ("500200", "500299")
    assert subtree_bounds("500229", RegionLevel.COUNTY) == ("500229", "500229")
    assert subtree_bounds("000000", RegionLevel.NATIONAL) is None
    assert region_path("500229", RegionLevel.COUNTY) == "/50/5002/500229"


async def test_within_selects_exactly_the_subtree(session: AsyncSession) -> None:
    inside = select(func.count()).where(within(Region.code, "500000", RegionLevel.PROVINCE))
    by_path = select(func.count()).where(Region.path.startswith("/50"))
    assert (
        (await session.execute(inside)).scalar_one()
        == (await session.execute(by_path)).scalar_one()
        > 30
    )
    county = select(Region.code).where(within(Region.code, "500229", RegionLevel.COUNTY))
    assert (await session.execute(county)).scalars().all() == ["500229"]
