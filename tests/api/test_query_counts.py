"""Saleor's habit: nested operations over many rows run a fixed number of SQL statements, so an
N+1 cannot come back silently. Each operation runs for 10 and for 40 rows (fewer when the test
seed has fewer; 40 keeps the nested lists within a member's cost budget) and must issue the same
number of statements."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from stdnum.cn import ric

from auth.viewer import Viewer
from models.organisations import Organisation, OrganisationKind, Role
from models.people import EnrolmentIntention, Household, Person
from models.regions import RegionLevel
from portal.operations import operations
from resolvers import statistics
from tests.api.conftest import ALL_SCOPES, counting
from tests.api.test_evaluation import Fixture

OPERATIONS = {
    "positions": """query($n: Int) { positions(first: $n) { edges { node {
        title enterprise { name region { name } } occupation { name } majors { name }
        applications { stage person { name studentRecord { school { name } } } } } } } }""",
    "persons": """query($n: Int) { persons(first: $n, ledger: GRADUATES, filter: {seeking: true}) { edges { node {
        name idNumber phone studentRecord { school { name } major { name } }
        employmentIntention { occupations { name } regions { name } }
        applications { position { title enterprise { name } } } } } } }""",
    "applications": """query($n: Int) { applications(first: $n) { edges { node {
        stage events { toStage } person { name } position { title region { name } } referrer { name } } } } }""",
    "employmentRecords": """query($n: Int) { employmentRecords(first: $n) { edges { node {
        locationTier person { name education } employer { name } position { title }
        workRegion { name } } } } }""",
    "organisations": """query($n: Int) { organisations(first: $n) { edges { node {
        name region { name parent { name } } positions { title occupation { name } } } } } }""",
    "regionPartners": """query($n: Int) { positions(first: $n) { edges { node { region {
        partners { name } children { name } parent { name partners { name } parent { name partners { name } } } } } } } }""",
}


@pytest.mark.parametrize("name", OPERATIONS)
async def test_statements_do_not_grow_with_rows(run, engine, name):
    await run(OPERATIONS[name], n=1)  # the session's first statement opens its savepoint
    counts = {}
    for rows in (10, 40):
        with counting(engine) as statements:
            data, errors, _ = await run(OPERATIONS[name], n=rows)
        assert errors is None, errors
        (connection,) = data.values()
        counts[rows] = (len(connection["edges"]), statements.count)
    print(f"\n{name}: rows/statements {counts}")
    assert counts[10][0] == 10 and counts[40][0] > 10
    assert counts[10][1] == counts[40][1]


# --- issue 13: the work queues and destinations, read by the Chongqing bureau ------------------

BUREAU_OPERATIONS = {
    "alerts": """query($n: Int) { alerts(first: $n) { edges { node {
        kind state county { name } school { name } case { state }
        person { name graduateDestinations { kind workRegion { name } } } } } } }""",
    "followUpDues": """query($n: Int) { followUpDues(first: $n) { edges { node {
        dueOn overdue employmentRecord { employerName workRegion { name } }
        person { name alerts { kind } followUpDues { dueOn } } } } } }""",
}


@pytest.mark.parametrize("name", BUREAU_OPERATIONS)
async def test_queue_statements_do_not_grow_with_rows(run, engine, session, name):
    bureau_id = await session.scalar(
        select(Organisation.id).where(Organisation.region_code == "500000")
    )
    viewer = Viewer(
        role=Role.BUREAU,
        organisation_id=bureau_id,
        region_code="500000",
        region_level=RegionLevel.PROVINCE,
        scopes=ALL_SCOPES,
    )
    await run(BUREAU_OPERATIONS[name], viewer, n=1)
    counts = {}
    for rows in (10, 40):
        with counting(engine) as statements:
            data, errors, _ = await run(BUREAU_OPERATIONS[name], viewer, n=rows)
        assert errors is None, errors
        (connection,) = data.values()
        counts[rows] = (len(connection["edges"]), statements.count)
    print(f"\n{name}: rows/statements {counts}")
    assert counts[10][0] == 10 and counts[40][0] > 10
    assert counts[10][1] == counts[40][1]


CENSUS = """query($n: Int) { persons(first: $n, ledger: INTENTIONS) { edges { node {
    name enrolmentIntention { surveyYear } enrolmentIntentions { surveyYear preferredMajor { name } }
    household { registrationNumber region { name } members { id studentRecord { status } }
                categoryChanges { toCategory changedOn } } } } } }"""
"""(Members' personal fields are left out: a member already shown on the page is a loader cache
hit, so one statement more or less would depend on which siblings share the page.)"""


RECORD = """mutation($person: PersonIdentityInput!, $input: EnrolmentIntentionInput!) {
  upsertEnrolmentIntention(person: $person, input: $input) { errors { code message } } }"""


async def test_census_statements_do_not_grow_with_rows(run, engine, session):
    """The county's census: survey years, the household's members and category history."""
    county, organisation_id = (
        await session.execute(
            select(Household.region_code, Organisation.id)
            .join(Person, Person.household_id == Household.id)
            .join(EnrolmentIntention, EnrolmentIntention.person_id == Person.id)
            .join(Organisation, Organisation.region_code == Household.region_code)
            .where(Organisation.kind == OrganisationKind.BUREAU)
            .group_by(Household.region_code, Organisation.id)
            .order_by(func.count().desc())
            .limit(1)
        )
    ).one()
    viewer = Viewer(
        role=Role.BUREAU,
        organisation_id=organisation_id,
        region_code=county,
        region_level=RegionLevel.COUNTY,
        scopes=ALL_SCOPES,
    )
    for serial in range(24):  # 12 households of two children: rolled back with the session
        first_17 = f"{county}20110101{serial + 600:03d}"
        person = {
            "name": f"普查{serial}",
            "idNumber": first_17 + ric.calc_check_digit(first_17 + "?"),
            "householdRegion": county,
            "householdCategory": "UNSTABLE",
            "registrationNumber": f"QC-{serial // 2}",
        }
        data, errors, _ = await run(
            RECORD, viewer, person=person, input={"surveyYear": 2026, "wantsVocational": True}
        )
        assert errors is None and data["upsertEnrolmentIntention"]["errors"] == [], data
    await run(CENSUS, viewer, n=1)
    counts = {}
    for rows in (5, 20):
        with counting(engine) as statements:
            data, errors, _ = await run(CENSUS, viewer, n=rows)
        assert errors is None, errors
        edges = data["persons"]["edges"]
        assert all(edge["node"]["household"] for edge in edges), "the county sees its households"
        counts[rows] = (len(edges), statements.count)
    print(f"\ncensus: rows/statements {counts}")
    assert counts[5][0] == 5 and counts[20][0] > 5
    assert counts[5][1] == counts[20][1]


# --- the bureau dashboard: the portal's own RegionDashboard operation --------------------------


@pytest.mark.parametrize("year", [None, 2025])
async def test_region_dashboard_statements_do_not_grow_with_rows(
    run, engine, session, year, monkeypatch
):
    """With a year the dashboard also runs the evaluation's cohort and employment statements
    (for the sub-regions and for the key counties): 40 more graduates of 城口县 (key county),
    each with two destinations and a follow-up, add no statement to its page or Chongqing's.
    Computed each time (no cache kept); a cached view: tests/api/test_dashboard_cache.py."""
    monkeypatch.setattr(statistics, "CACHE_SIZE", 0)
    source = operations()["RegionDashboard"].source
    await run(source, region="500229", year=year)  # the first statement opens the savepoint

    async def measure() -> dict[str, tuple[int, int]]:
        counts = {}
        for code in ("500229", "500000"):
            with counting(engine) as statements:
                data, errors, _ = await run(source, region=code, year=year)
            assert errors is None, errors
            counts[code] = (data["regionStatistics"]["graduates"], statements.count)
        return counts

    before = await measure()
    rows = Fixture(session)
    for _ in range(40):
        person = await rows.person("500229", 2025)
        await rows.history(
            person,
            2025,
            ("2025-03-01", "other_job", "2025-03-01", "500229", 3000),
            ("2025-06-01", "alliance_job", "2025-06-01", "500101", 4000),
        )
        await rows.follow_up(person, "2025-09-01", 4200)
    after = await measure()
    print(f"\nRegionDashboard {year}: graduates/statements {before} → {after}")
    for code in before:
        assert after[code][0] == before[code][0] + 40
        assert after[code][1] == before[code][1]
