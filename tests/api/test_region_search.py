"""regionSearch: every place one may choose (provinces, cities, counties) and never the code
table's 市辖区 / 县 groupings; found by part of the name or the start of the code, inside a
region's subtree, at one level, in pages of at most 100 with their count."""

from __future__ import annotations

from sqlalchemy import func, select

from auth.viewer import ANONYMOUS
from models.regions import Region, RegionLevel

SEARCH = """query($search: String, $within: String, $level: RegionLevel, $first: Int, $after: String) {
  regionSearch(search: $search, within: $within, level: $level, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { code name level isKeyCounty isGrouping } } } }"""


async def _search(run, **variables):
    data, errors, _ = await run(SEARCH, ANONYMOUS, **variables)
    assert errors is None, errors
    return data["regionSearch"]


async def test_every_region_but_the_groupings_page_by_page(run, session):
    stored = await session.scalar(
        select(func.count()).select_from(Region).where(Region.level != RegionLevel.NATIONAL)
    )
    groupings = set(
        await session.scalars(
            select(Region.code).where(
                Region.level == RegionLevel.CITY, Region.name.in_(("市辖区", "县"))
            )
        )
    )
    assert {"500100", "500200"} <= groupings
    codes, after = [], None
    while True:
        page = await _search(run, first=100, after=after)
        codes += [edge["node"]["code"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert page["totalCount"] == len(codes) == stored - len(groupings)
    assert codes == sorted(codes) and not groupings & set(codes)


async def test_by_name_by_code_within_and_level(run):
    chengkou = await _search(run, search="城口")
    assert [edge["node"] for edge in chengkou["edges"]] == [
        {
            "code": "500229",
            "name": "城口县",
            "level": "COUNTY",
            "isKeyCounty": True,
            "isGrouping": False,
        }
    ]
    # The counties Chongqing groups under 500200 县 are found by their code, the grouping is not.
    by_code = await _search(run, search="5002", first=100)
    found = [edge["node"]["code"] for edge in by_code["edges"]]
    assert (
        "500200" not in found
        and "500229" in found
        and all(code.startswith("5002") for code in found)
    )
    zhejiang = await _search(run, within="330000", level="CITY", first=100)
    assert zhejiang["totalCount"] == 11  # the province's 11 prefecture-level cities
    assert all(edge["node"]["code"].startswith("33") for edge in zhejiang["edges"])


async def test_page_sizes_are_bounded(run):
    _, errors, _ = await run(SEARCH, ANONYMOUS, first=101)
    assert errors and "100" in errors[0].message
    _, errors, _ = await run(SEARCH, ANONYMOUS, within="5002")
    assert errors  # not a 6-digit code
