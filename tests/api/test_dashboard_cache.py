"""The bureau dashboard's figures are computed once per change of the data they read
(models.statistics, resolvers.statistics): a second page view runs no aggregate statement, and
every kind of write — the real mutations, the ledger import, rows written straight — moves the
figures at once, to values worked out by hand. The test session's writes are rolled back at the
end, so "commit" here is a savepoint released inside it (as every mutation's own is): the same
session event as a request's commit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

import models
from auth.viewer import Viewer
from models.catalogue import Occupation
from models.organisations import Membership, Organisation, OrganisationKind, Role
from models.people import EmploymentIntention, Household, Person
from models.regions import RegionLevel
from models.statistics import WATCHED, StatisticsVersion
from portal.operations import operations
from resolvers import ids, ledgers
from resolvers import statistics as resolve
from resolvers.context import Context
from resolvers.outcomes import today
from resolvers.tracking import DUE_WINDOW_DAYS
from tests.api.conftest import ALL_SCOPES
from tests.api.test_evaluation import Fixture
from tests.ledgers.files import acting_as, valid_id, workbook
from tests.ledgers.test_imports import CENSUS_HEADERS, COUNTY, census_row

DASHBOARD = operations()["RegionDashboard"].source
AGGREGATED = {table.name for table in WATCHED} - {"regions"}


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", keep)


def tables_in(sql: list[str]) -> set[str]:
    names = {table.name for table in models.metadata.sorted_tables}
    found = set()
    for statement in sql:
        found |= {n for n in names if re.search(rf'\b(FROM|JOIN)\s+"?{n}"?\b', statement)}
    return found


def bureau(organisation_id: int, code: str, level: RegionLevel) -> Viewer:
    return Viewer(
        role=Role.BUREAU,
        organisation_id=organisation_id,
        region_code=code,
        region_level=level,
        scopes=ALL_SCOPES,
    )


async def _bureau_of(session: AsyncSession, code: str) -> int:
    found = await session.scalar(
        select(Organisation.id).where(
            Organisation.region_code == code, Organisation.kind == OrganisationKind.BUREAU
        )
    )
    if found is not None:
        return found
    result = await session.execute(
        insert(Organisation)
        .values(
            kind=OrganisationKind.BUREAU,
            name=f"{code} 乡村振兴局",
            credit_code=f"TEST{code}00000000",
            region_code=code,
            membership=Membership.APPROVED,
        )
        .returning(Organisation.id)
    )
    return result.scalar_one()


async def commit(session: AsyncSession) -> None:
    """What a commit does, inside the test's transaction."""
    async with session.begin_nested():
        pass


async def dashboard(run, viewer: Viewer, code: str, year: int | None = 2025) -> dict:
    """The page's operation (2025: a year over, its figures as of 31 December)."""
    data, errors, _ = await run(DASHBOARD, viewer, region=code, year=year)
    assert errors is None, errors
    return data["regionStatistics"]


async def test_the_figures_read_only_the_tables_the_version_watches(
    run, engine, session, monkeypatch
):
    """If the figures came to read a table whose writes do not move the version, the cache
    would serve them stale: every statement of an uncached computation is checked."""
    monkeypatch.setattr(resolve, "CACHE_SIZE", 0)  # nothing kept: each view computes
    viewer = bureau(await _bureau_of(session, "500000"), "500000", RegionLevel.PROVINCE)
    read: set[str] = set()
    for year in (None, 2025):
        with statements(engine) as sql:
            await dashboard(run, viewer, "500000", year)
        read |= tables_in(sql)
    assert read >= AGGREGATED, "the test sees the aggregates"
    assert read <= {table.name for table in WATCHED} | {StatisticsVersion.__tablename__}


@pytest.mark.parametrize("year", [None, 2025])
async def test_the_second_page_view_runs_no_aggregate(run, engine, session, year):
    """After a change, the first view computes; the next reads the version and the regions
    only: a fixed number of statements, none over persons, destinations or positions."""
    viewer = bureau(await _bureau_of(session, "500000"), "500000", RegionLevel.PROVINCE)
    fixture = Fixture(session)
    await fixture.person("500229", 2025)
    await commit(session)
    with statements(engine) as first:
        computed = await dashboard(run, viewer, "500000", year)
    with statements(engine) as second:
        cached = await dashboard(run, viewer, "500000", year)
    assert cached == computed
    assert "persons" in tables_in(first)
    assert tables_in(second) == {"regions", StatisticsVersion.__tablename__}
    # The region, its sub-regions, its key counties, the version and the region's parent (the
    # nation, which has none): the operation's statement count once the figures are known.
    print(f"\nRegionDashboard {year}: {len(first)} statements computed, {len(second)} cached")
    assert len(second) == 5


async def test_a_bureau_reads_only_its_own_region_through_the_cache(run, session):
    """Chongqing's figures are cached by its bureau's view; another province's bureau asking for
        them is refused all the same; a county bureau is refused the province's and gets its county's,
    the same as the province's figures for that county."""
    await Fixture(session).regions()
    chongqing = bureau(await _bureau_of(session, "500000"), "500000", RegionLevel.PROVINCE)
    figures = await dashboard(run, chongqing, "500000")
    other = bureau(await _bureau_of(session, "990000"), "990000", RegionLevel.PROVINCE)
    data, errors, _ = await run(DASHBOARD, other, region="500000", year=2025)
    assert data is None or data["regionStatistics"] is None
    assert errors and errors[0].extensions["code"] == "FORBIDDEN"
    county = bureau(await _bureau_of(session, COUNTY), COUNTY, RegionLevel.COUNTY)
    data, errors, _ = await run(DASHBOARD, county, region="500000", year=2025)
    assert errors and errors[0].extensions["code"] == "FORBIDDEN"
    own = await dashboard(run, county, COUNTY)
    assert own["region"]["code"] == COUNTY
    # Chongqing's children are its districts and counties (its 县 grouping left out).
    (in_chongqing,) = [c for c in figures["children"] if c["region"]["code"] == COUNTY]
    for name in ("graduates", "cohort", "employed", "intentions", "openPositions"):
        assert own[name] == in_chongqing[name], name
    assert own["graduates"] < figures["graduates"]


# --- every kind of write moves the figures at once ---------------------------------------------

CENSUS = """mutation($person: PersonIdentityInput!, $year: Int!) {
  upsertEnrolmentIntention(person: $person, input: {surveyYear: $year, wantsVocational: true}) {
    errors { code message } } }"""
CATEGORY = """mutation($household: ID!, $on: Date!) {
  changeHouseholdCategory(householdId: $household,
    input: {category: UNSTABLE, changedOn: $on, reason: "因病"}) { errors { code message } } }"""
DESTINATION = """mutation($person: ID!, $on: Date!) {
  recordDestination(personId: $person, input: {kind: OTHER_JOB, since: $on,
    employerName: "甲县农业合作社", workRegionCode: "990101", monthlyIncome: 3000}) {
    errors { code message } } }"""
FOLLOW_UP = """mutation($person: ID!, $on: Date!) {
  recordFollowUp(personId: $person, onDate: $on, status: EMPLOYED, monthlyIncome: 3600) {
    errors { code message } } }"""
POSITION = """mutation {
  createPosition(input: {title: "护林员", occupationCode: "$occupation", kind: PUBLIC_WELFARE,
    minEducation: SECONDARY_VOCATIONAL, headcount: 3, salaryMin: 2000, salaryMax: 2500,
    regionCode: "990101", validFrom: "2025-01-01", validUntil: "2027-12-31"}) {
    errors { code message } result { id version } } }"""
OPEN = """mutation($id: ID!, $version: Int!) {
  openPosition(id: $id, version: $version) { errors { code message } result { id version } } }"""
CLOSE = """mutation($id: ID!, $version: Int!) {
  closePosition(id: $id, version: $version) { errors { code message } } }"""


def ok(data: dict | None, errors: Any) -> dict:
    assert errors is None, errors
    assert data is not None
    (payload,) = data.values()
    assert payload["errors"] == [], payload
    return payload


async def test_each_write_moves_the_figures_at_once(run, session):
    """A new county with nothing in it: each write, committed, shows on the next view of the
    county's and its city's dashboard with the value it must have. This year's cohort: what is
    recorded today counts as of today."""
    year, on = today().year, today().isoformat()
    fixture = Fixture(session)
    await fixture.regions()  # 测试省 990000 › 测试市 990100 › 甲县 990101, 乙县 990102
    county = bureau(await _bureau_of(session, "990101"), "990101", RegionLevel.COUNTY)
    city = bureau(await _bureau_of(session, "990100"), "990100", RegionLevel.CITY)
    await commit(session)

    async def both(**expected: Any) -> None:
        for viewer, code in ((county, "990101"), (city, "990100")):
            figures = await dashboard(run, viewer, code, year)
            assert {name: figures[name] for name in expected} == expected, code
            if code == "990100":
                (first,) = [c for c in figures["children"] if c["region"]["code"] == "990101"]
                assert {name: first[name] for name in expected} == expected

    await both(intentions=0, monitored=0, cohort=0, employed=0, openPositions=0)

    person = {
        "name": "甲一",
        "idNumber": valid_id(COUNTY, "20090101", 901),  # born in 城口县, registered in 甲县
        "householdRegion": "990101",
        "householdCategory": "LIFTED",
    }
    ok(*(await run(CENSUS, county, person=person, year=year))[:2])
    await commit(session)
    await both(intentions=1, monitored=0, cohort=0)

    person_id, household_id = (
        await session.execute(
            select(Person.id, Person.household_id).where(Person.id_number == person["idNumber"])
        )
    ).one()
    household = ids.to_global_id("Household", household_id)
    ok(*(await run(CATEGORY, county, household=household, on=on))[:2])
    await commit(session)
    await both(intentions=1, monitored=1)

    # A graduate of this year (the school's ledger; written straight, as a script would).
    session.add(EmploymentIntention(person_id=person_id, graduation_year=year))
    await commit(session)
    await both(graduates=1, cohort=1, employed=0, employmentRate=0.0)

    gid = ids.to_global_id("Person", person_id)
    ok(*(await run(DESTINATION, county, person=gid, on=on))[:2])
    await commit(session)
    await both(employed=1, employmentRate=1.0, averageMonthlyIncome=3000)

    ok(*(await run(FOLLOW_UP, county, person=gid, on=on))[:2])
    await commit(session)
    await both(employed=1, averageMonthlyIncome=3600)

    occupation = await session.scalar(select(Occupation.code).limit(1))
    draft = ok(*(await run(POSITION.replace("$occupation", occupation), county))[:2])
    await commit(session)
    await both(openPositions=0, openPlaces=0)  # a draft is not open

    position = ok(*(await run(OPEN, county, **draft["result"]))[:2])
    await commit(session)
    await both(openPositions=1, openPlaces=3)

    ok(*(await run(CLOSE, county, **position["result"]))[:2])
    await commit(session)
    await both(openPositions=0, openPlaces=0)


async def test_the_ledger_import_moves_the_figures_at_once(run, session):
    """Five new children in the county's census, imported from Excel: five more intentions."""
    viewer = await acting_as(session, "county")
    assert viewer.region_code == COUNTY
    before = (await dashboard(run, viewer, COUNTY, None))["intentions"]
    rows = [census_row(f"缓存{i}", valid_id(COUNTY, "20110401", 300 + i)) for i in range(5)]
    report = await ledgers.run(
        Context(session=session, viewer=viewer),
        ledgers.CENSUS,
        workbook(CENSUS_HEADERS, rows),
        commit=True,
    )
    assert report.ok and report.counts["create"] == 5
    await commit(session)
    assert (await dashboard(run, viewer, COUNTY, None))["intentions"] == before + 5


async def test_uncommitted_writes_are_neither_served_stale_nor_cached(run, session):
    """The writing transaction sees its own rows at once; nobody else's view keeps them."""
    viewer = bureau(await _bureau_of(session, COUNTY), COUNTY, RegionLevel.COUNTY)
    before = (await dashboard(run, viewer, COUNTY))["cohort"]
    fixture = Fixture(session)
    await fixture.person(COUNTY, 2025)  # flushed, not committed
    assert (await dashboard(run, viewer, COUNTY))["cohort"] == before + 1
    await session.rollback()
    assert (await dashboard(run, viewer, COUNTY))["cohort"] == before


async def test_writes_through_statements_mark_the_session(session):
    """Bulk INSERT / UPDATE statements (the import's) mark the session as ORM objects do."""
    await commit(session)
    version = await session.scalar(select(StatisticsVersion.value))
    await session.execute(
        Household.__table__.update().where(Household.id == -1).values(relocated=True)
    )
    await commit(session)
    moved = await session.scalar(select(StatisticsVersion.value))
    assert moved != version
    await session.scalar(select(func.count()).select_from(Person))  # a read moves nothing
    await commit(session)
    assert await session.scalar(select(StatisticsVersion.value)) == moved


# --- the rest of the page: the tracking overview beside the figures ---------------------------

TRACKING = operations()["TrackingOverview"].source
PLAIN_DUES = """SELECT
  SUM(CASE WHEN d.due_on < :on THEN 1 ELSE 0 END),
  SUM(CASE WHEN d.due_on >= :on AND d.due_on <= :window THEN 1 ELSE 0 END)
FROM follow_up_dues d JOIN persons p ON p.id = d.person_id JOIN households h ON h.id = p.household_id
WHERE d.done_on IS NULL AND h.region_code BETWEEN '500000' AND '509999'"""


async def test_the_tracking_overview_counts_in_few_statements(run, engine, session):
    """The page's other operation: overdue and due follow-ups (one pass) and open alerts, as
    plain SQL counts them, in a number of statements fixed whatever the rows."""
    viewer = bureau(await _bureau_of(session, "500000"), "500000", RegionLevel.PROVINCE)
    on = today()
    overdue, due = (
        await session.execute(
            text(PLAIN_DUES), {"on": on, "window": on + timedelta(days=DUE_WINDOW_DAYS)}
        )
    ).one()
    with statements(engine) as sql:
        data, errors, _ = await run(TRACKING, viewer, region="500000")
    assert errors is None, errors
    (chongqing, *_) = data["trackingOverview"]
    assert chongqing["region"]["code"] == "500000"
    assert (chongqing["overdueFollowUps"], chongqing["dueFollowUps"]) == (overdue or 0, due or 0)
    assert overdue, "the test seed has overdue follow-ups"
    # The dues, the open alerts, the sub-regions (the province's children, then inside its two
    # groupings), then the regions of the rows (one batch).
    print(f"\nTrackingOverview: {len(sql)} statements")
    assert len(sql) == 6
