"""Region statistics for the bureau dashboard and the yearly evaluation (成效评估): figures agree
with the ledgers, children add up to their parent, who may read them, and the number of SQL
statements does not grow with the number of child regions."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from auth.viewer import ANONYMOUS, Viewer
from models.organisations import Role
from models.regions import Region, RegionLevel
from tests.api.conftest import ALL_SCOPES, counting, member
from tests.api.test_evaluation import JIA, PROVINCE_TOTAL, YI, fixture  # noqa: F401 (a fixture)

FIGURES = """year intentions students graduates monitored relocated keyCountyOrigin openPositions openPlaces
  hires cohort employed employmentRate stable stability averageMonthlyIncome
  locationSplit { inCounty inProvince crossProvince unknown }"""
STATISTICS = f"""query($code: String!, $year: Int) {{ regionStatistics(regionCode: $code, year: $year) {{
  region {{ code name }} asOf {FIGURES}
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
)
# With a year: the evaluation's counts of that cohort, additive too.
COHORT_ADDITIVE = ("cohort", "employed", "stable")
EMPLOYMENT = (
    "cohort",
    "employed",
    "employmentRate",
    "stable",
    "stability",
    "averageMonthlyIncome",
    "locationSplit",
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
    assert figures["graduates"] > 0
    # All years: no cohort and no as-of date, so no employment figures (the page links to the
    # yearly evaluation instead).
    assert figures["asOf"] is None and all(figures[name] is None for name in EMPLOYMENT)
    assert (await statistics(run, "500229", county, year=2025))["employed"] > 0


async def test_children_add_up_and_shares_are_consistent(run):
    figures = await statistics(run, "000000")
    children = figures["children"]
    assert len(children) >= 18 and all(child["children"] == [] for child in children)
    for name in ADDITIVE:
        assert sum(child[name] for child in children) == figures[name], name
    by_year = await statistics(run, "000000", year=2025)
    for name in COHORT_ADDITIVE:
        assert sum(child[name] for child in by_year["children"]) == by_year[name], name
    split = by_year["locationSplit"]
    assert sum(split.values()) == by_year["employed"] > 0
    assert by_year["employmentRate"] == pytest.approx(by_year["employed"] / by_year["cohort"])
    assert by_year["averageMonthlyIncome"] > 0 and 0 <= by_year["stability"] <= 1
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
    # Chongqing: its 37 districts and counties (never the 市辖区 / 县 groupings); Sichuan: 21
    # cities; the nation: 18+ provinces; each with key counties.
    for code in ("500000", "510000", "000000"):
        with counting(engine) as statements:
            figures = await statistics(run, code)
        counts[code] = (len(figures["children"]), statements.count)
    print(f"\nregionStatistics: children/statements {counts}")
    assert len({statements for _, statements in counts.values()}) == 1
    assert counts["500000"][0] >= 30 and counts["510000"][0] >= 20


# --- one definition: a year's employment figures are the yearly evaluation's --------------------
# On the evaluation's hand-worked fixture (tests/api/test_evaluation.py: cohort 2024, the year is
# over, so as of 2024-12-31; 乙县 made a key county here).


def employment_of(evaluated: dict) -> dict:
    """The evaluation's hand-computed row, in the dashboard's shape."""
    return {
        "cohort": evaluated["cohort"],
        "employed": evaluated["employed"],
        "employmentRate": evaluated["employmentRate"],
        "stable": evaluated["stable"],
        "stability": evaluated["stability"],
        "averageMonthlyIncome": evaluated["averageMonthlyIncome"],
        "locationSplit": {
            "inCounty": evaluated["inCounty"],
            "inProvince": evaluated["inProvince"],
            "crossProvince": evaluated["crossProvince"],
            "unknown": evaluated["locationUnknown"],
        },
    }


def employment(figures: dict) -> dict:
    return {name: figures[name] for name in EMPLOYMENT}


async def test_a_years_employment_figures_are_the_evaluations_of_that_cohort(
    run,
    fixture,  # noqa: F811 (the evaluation's fixture, imported)
    session,
):
    await session.execute(update(Region).where(Region.code == "990102").values(is_key_county=True))
    city = await statistics(run, "990100", year=2024)
    assert city["asOf"] == "2024-12-31"
    # 9 in the cohort, 5 employed (P1, P2, P3, P4, P7), 3 stable (P1, P3, P7), income
    # (4500 + 3000 + 5000 + 2500) / 4, 2 in county, 1 in province, 1 cross-province, 1 unknown.
    assert employment(city) == {
        "cohort": 9,
        "employed": 5,
        "employmentRate": 5 / 9,
        "stable": 3,
        "stability": 0.6,
        "averageMonthlyIncome": 3750,
        "locationSplit": {"inCounty": 2, "inProvince": 1, "crossProvince": 1, "unknown": 1},
    }
    assert employment(city) == employment_of(PROVINCE_TOTAL)
    assert [employment(child) for child in city["children"]] == [
        employment_of(JIA),
        employment_of(YI),
    ]
    assert [county["region"]["code"] for county in city["keyCounties"]] == ["990102"]
    assert employment(city["keyCounties"][0]) == employment_of(YI)
    # 甲县's own dashboard: 6 in the cohort, 2 employed (P1, P2), P1 stable.
    county = await statistics(run, "990101", year=2024)
    assert (county["cohort"], county["employed"], county["stable"]) == (6, 2, 1)
    assert employment(county) == employment_of(JIA)
    # The other cohorts count elsewhere: 2023 has P9 alone, employed since 2023-08-01.
    earlier = await statistics(run, "990101", year=2023)
    assert (earlier["asOf"], earlier["cohort"], earlier["employed"]) == ("2023-12-31", 1, 1)


async def test_the_dashboard_and_the_evaluation_agree_on_the_seeded_alliance(run):
    """The same region and year read by both queries (the evaluation as of its default date)."""
    query = """query($code: String!, $year: Int!) { evaluation(regionCode: $code, year: $year) {
      live { asOf total { cohort employed employmentRate stable stability averageMonthlyIncome
      inCounty inProvince crossProvince locationUnknown } } } }"""
    for code in ("500000", "500229"):
        for year in (2025, 2026):
            data, errors, _ = await run(query, ADMIN, code=code, year=year)
            assert errors is None, errors
            live = data["evaluation"]["live"]
            dashboard = await statistics(run, code, year=year)
            assert dashboard["asOf"] == live["asOf"]
            assert employment(dashboard) == employment_of(live["total"]), (code, year)
