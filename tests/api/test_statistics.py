"""Region statistics for the bureau dashboard and the yearly evaluation (成效评估): figures agree
with the ledgers, children add up to their parent, who may read them, and the number of SQL
statements does not grow with the number of child regions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from auth.viewer import ANONYMOUS, Viewer
from models.organisations import Role
from models.regions import RegionLevel
from models.tracking import EmploymentRecord
from tests.api.conftest import ALL_SCOPES, counting, member

FIGURES = """year intentions students graduates monitored relocated keyCountyOrigin openPositions openPlaces
  hires employed employmentRate averageMonthlyIncome followedUp stability
  locationSplit { inCounty inProvince crossProvince }"""
STATISTICS = f"""query($code: String!, $year: Int) {{ regionStatistics(regionCode: $code, year: $year) {{
  region {{ code name }} {FIGURES}
  children {{ region {{ code }} {FIGURES} children {{ region {{ code }} }} }}
  keyCounties {{ region {{ code }} {FIGURES} }} }} }}"""
ADDITIVE = (
    "intentions",
    "students",
    "graduates",
    "monitored",
    "relocated",
    "keyCountyOrigin",
    "openPositions",
    "openPlaces",
    "hires",
    "employed",
    "followedUp",
)
LEDGER_COUNT = """query($ledger: Ledger!, $region: String!) { persons(ledger: $ledger, filter: {region: $region}) {
  totalCount } }"""
ADMIN = Viewer(role=Role.ADMIN, scopes=ALL_SCOPES)


def bureau_at(code: str, level: RegionLevel) -> Viewer:
    return Viewer(
        role=Role.BUREAU, organisation_id=2, region_code=code, region_level=level, scopes=ALL_SCOPES
    )


async def statistics(run, code: str, viewer: Viewer = ADMIN, year: int | None = None) -> dict:
    data, errors, _ = await run(STATISTICS, viewer, code=code, year=year)
    assert errors is None, errors
    return data["regionStatistics"]


async def test_the_ledger_counts_agree_with_the_person_lists(run):
    # A county bureau, which sees its county's households in clear, may list persons by them.
    county = bureau_at("500229", RegionLevel.COUNTY)
    figures = await statistics(run, "500229", county)
    assert figures["region"] == {"code": "500229", "name": figures["region"]["name"]}
    for ledger, name in (
        ("INTENTIONS", "intentions"),
        ("STUDENTS", "students"),
        ("GRADUATES", "graduates"),
    ):
        data, errors, _ = await run(LEDGER_COUNT, county, ledger=ledger, region="500229")
        assert errors is None, errors
        assert figures[name] == data["persons"]["totalCount"], name
    assert figures["graduates"] > 0 and figures["employed"] > 0


async def test_children_add_up_and_shares_are_consistent(run, session):
    figures = await statistics(run, "000000")
    children = figures["children"]
    assert len(children) >= 18 and all(child["children"] == [] for child in children)
    for name in ADDITIVE:
        assert sum(child[name] for child in children) == figures[name], name
    split = figures["locationSplit"]
    current = await session.scalar(
        select(func.count())
        .select_from(EmploymentRecord)
        .where(EmploymentRecord.end_date.is_(None))
    )
    assert 0 < sum(split.values()) <= current
    assert figures["employmentRate"] == pytest.approx(figures["employed"] / figures["graduates"])
    assert 0 <= figures["stability"] <= 1 and figures["followedUp"] <= figures["employed"]
    assert figures["averageMonthlyIncome"] > 0
    assert figures["keyCounties"] and all(
        len(c["region"]["code"]) == 6 for c in figures["keyCounties"]
    )
    assert sum(c["keyCountyOrigin"] for c in figures["keyCounties"]) == figures["keyCountyOrigin"]


async def test_a_year_narrows_to_that_cohort(run):
    everyone = await statistics(run, "500000")
    by_year = [await statistics(run, "500000", year=year) for year in range(2015, 2031)]
    assert all(
        figures["year"] == year for figures, year in zip(by_year, range(2015, 2031), strict=True)
    )
    assert sum(figures["graduates"] for figures in by_year) == everyone["graduates"]
    assert sum(figures["intentions"] for figures in by_year) == everyone["intentions"]


async def test_a_county_has_no_children_and_an_unknown_region_is_null(run):
    figures = await statistics(run, "500229")
    assert figures["children"] == [] and figures["keyCounties"][0]["region"]["code"] == "500229"
    assert await statistics(run, "500299") is None
    data, errors, _ = await run(STATISTICS, ADMIN, code="50")
    assert (data or {}).get("regionStatistics") is None and "6 位行政区划代码" in errors[0].message


@pytest.mark.parametrize(
    ("viewer", "code", "outcome"),
    [
        (bureau_at("500229", RegionLevel.COUNTY), "500229", "ok"),
        (bureau_at("500229", RegionLevel.COUNTY), "500238", "FORBIDDEN"),
        (bureau_at("500229", RegionLevel.COUNTY), "500200", "FORBIDDEN"),
        (bureau_at("500000", RegionLevel.PROVINCE), "500200", "ok"),
        (bureau_at("500000", RegionLevel.PROVINCE), "510000", "FORBIDDEN"),
        (bureau_at("000000", RegionLevel.NATIONAL), "510000", "ok"),
        (ADMIN, "510000", "ok"),
        (member(Role.SCHOOL, 8), "500000", "FORBIDDEN"),
        (member(Role.ENTERPRISE, 13), "500000", "FORBIDDEN"),
        (member(Role.AGENCY, 18), "500000", "FORBIDDEN"),
        (Viewer(role=Role.GRADUATE, person_id=1, scopes=ALL_SCOPES), "500000", "FORBIDDEN"),
        (ANONYMOUS, "500000", "UNAUTHENTICATED"),
    ],
)
async def test_who_may_read_region_statistics(run, viewer, code, outcome):
    data, errors, _ = await run(
        "query($code: String!) { regionStatistics(regionCode: $code) { graduates } }",
        viewer,
        code=code,
    )
    if outcome == "ok":
        assert errors is None and data["regionStatistics"]["graduates"] >= 0
    else:
        assert (data or {}).get("regionStatistics") is None
        assert [e.extensions["code"] for e in errors] == [outcome]


async def test_statements_do_not_grow_with_child_regions(run, engine):
    await run(STATISTICS, code="500229")  # the session's first statement opens its savepoint
    counts = {}
    for code in ("500000", "510000", "000000"):  # 2, 21 and 18+ children, each with key counties
        with counting(engine) as statements:
            figures = await statistics(run, code)
        counts[code] = (len(figures["children"]), statements.count)
    print(f"\nregionStatistics: children/statements {counts}")
    assert len({statements for _, statements in counts.values()}) == 1
    assert counts["510000"][0] > 10 * counts["500000"][0] // 2
