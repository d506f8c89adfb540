"""Issue 13, item 6: the yearly evaluation (成效评估) on a small fixture whose every figure is
worked out by hand below (literal numbers, never the code's formulas), on both databases.

The fixture lives in regions of its own (codes 99xxxx and 98xxxx, which the seeds never use),
so the seeded alliance around it changes nothing:

- 测试省 990000 > 测试市 990100 > 甲县 990101, 乙县 990102 (an ordinary province);
- 试验市 980000 > 市辖区 980100 > 丙区 980101 and 县 980200 > 丁县 980201 (a municipality: its
  real sub-regions are 丙区 and 丁县, never the two groupings).

Cohort 2024, as of 2024-12-31 (six months before: 2024-06-30). Persons of 测试省:

| person | home | cohort | destination history (recorded on → kind, since) | in force 12-31 | stable | income | where |
|---|---|---|---|---|---|---|---|
| P1 | 甲县 | 2024 | 03-01 other_job (甲县, 4000); follow-up 10-01: 4500 | employed | yes | 4500 | in county |
| P2 | 甲县 | 2024 | 07-01 not_employed; 09-01 other_job (乙县, 3000) | employed | no (09-01) | 3000 | in province |
| P3 | 乙县 | 2024 | 01-10 alliance_job; 05-01 other_job (丙区, 5000); follow-ups 04-01: 9999 (before), 2025-01-15: 7000 (after) | employed | yes (01-10) | 5000 | cross-province |
| P4 | 乙县 | 2024 | 08-01 flexible (no region, no income) | employed | no | — | unknown |
| P5 | 甲县 | 2024 | 09-01 further_study | no | | | |
| P6 | 甲县 | 2024 | none | no | | | |
| P7 | 乙县 | 2024 | 2024-01-05 own_business since 2023-12-01 (乙县, 2500); 2025-02-01 not_employed | employed | yes | 2500 | in county |
| P8 | 甲县 | 2024 | 2025-01-10 other_job (after the date) | no | | | |
| P9 | 甲县 | 2023 | other_job | (not in the cohort) | | | |
| P11 | 甲县 | 2024 (graduated student record, no intention) | none | no | | | |
| P12 | 甲县 | studying (expected 2024, no intention): not in the cohort; entered 2023 | | | | | |

Cohort 9 (P1–P8, P11), employed 5 (P1, P2, P3, P4, P7): 5/9; stable 3 (P1, P3, P7): 3/5;
income known 4: (4500 + 3000 + 5000 + 2500) / 4 = 3750; in county 2, in province 1, cross 1,
unknown 1. New students: entered 2024: P13 (甲县), P14, P15 (乙县) = 3; 2023: P12 (甲县), P16
(乙县) = 2; growth (3 - 2) / 2 = 0.5. Cases, opened / closed 2024-01-01..12-31: C1 P6 opened
03-01 (open); C2 P2 02-01 → 09-01 employed; C3 P5 2023-11-01 → 2024-02-01 further study; C4 P4
05-01 → 2025-01-05; C6 P1 2023 only; C7 P8 06-01 → 08-01 untyped: opened 4 (C1, C2, C4, C7),
closed 3 (employed 1, further study 1, untyped 1). Alerts: A1 P6 raised 05-01 open; A2 P2 07-02
handled 07-03; A3 P4 10-01 dismissed 10-05; A4 P5 raised 2023-12-01 handled 2024-01-10; A5 P8
raised 12-20 dismissed 2025-01-03: raised 4, handled 2 (A2, A4), dismissed 1 (A3).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from itertools import count
from pathlib import Path

import pytest
from pypdf import PdfReader
from python_calamine import CalamineWorkbook
from sqlalchemy import insert, select

from auth.viewer import Viewer
from models.alerts import Alert
from models.destinations import GraduateDestination
from models.organisations import Organisation, OrganisationKind, Role
from models.people import EmploymentIntention, Household, Person, StudentRecord
from models.regions import Region, RegionLevel
from models.tracking import AssistanceCase, FollowUp
from resolvers.evaluation import DEFINITIONS
from resolvers.outcomes import today as china_today
from tests.api.conftest import ALL_SCOPES, counting, member

pytestmark = pytest.mark.db

YEAR = 2024
FIGURES = """fragment F on EvaluationFigures { regionCode regionName cohort employed employmentRate
  stable stability incomeKnown averageMonthlyIncome inCounty inProvince crossProvince
  locationUnknown enrolled enrolledPreviousYear enrolmentGrowth casesOpened casesClosed
  closedByOutcome { outcome count } alertsRaised alertsHandled alertsDismissed }"""
EVALUATION = (
    """query($region: String!, $year: Int!, $asOf: Date) {
  evaluation(regionCode: $region, year: $year, asOf: $asOf) {
    live { regionName year asOf total { ...F } subRegions { ...F } }
    published { version publisher liveDiffers report { asOf total { ...F } } } } }"""
    + FIGURES
)
PUBLISH = (
    """mutation($region: String!, $year: Int!) { publishEvaluation(regionCode: $region, year: $year) {
  result { version publisher liveDiffers report { total { ...F } } } errors { field code } } }"""
    + FIGURES
)

ZERO = {
    "cohort": 0,
    "employed": 0,
    "employmentRate": None,
    "stable": 0,
    "stability": None,
    "incomeKnown": 0,
    "averageMonthlyIncome": None,
    "inCounty": 0,
    "inProvince": 0,
    "crossProvince": 0,
    "locationUnknown": 0,
    "enrolled": 0,
    "enrolledPreviousYear": 0,
    "enrolmentGrowth": None,
    "casesOpened": 0,
    "casesClosed": 0,
    "closedByOutcome": [],
    "alertsRaised": 0,
    "alertsHandled": 0,
    "alertsDismissed": 0,
}
PROVINCE_TOTAL = {
    **ZERO,
    "regionCode": "990000",
    "regionName": "测试省",
    "cohort": 9,
    "employed": 5,
    "employmentRate": 5 / 9,
    "stable": 3,
    "stability": 0.6,
    "incomeKnown": 4,
    "averageMonthlyIncome": 3750,
    "inCounty": 2,
    "inProvince": 1,
    "crossProvince": 1,
    "locationUnknown": 1,
    "enrolled": 3,
    "enrolledPreviousYear": 2,
    "enrolmentGrowth": 0.5,
    "casesOpened": 4,
    "casesClosed": 3,
    "closedByOutcome": [
        {"outcome": "EMPLOYED", "count": 1},
        {"outcome": "FURTHER_STUDY", "count": 1},
        {"outcome": None, "count": 1},
    ],
    "alertsRaised": 4,
    "alertsHandled": 2,
    "alertsDismissed": 1,
}
# 甲县: P1, P2, P5, P6, P8, P11; 乙县: P3, P4, P7.
JIA = {
    **ZERO,
    "regionCode": "990101",
    "regionName": "甲县",
    "cohort": 6,
    "employed": 2,
    "employmentRate": 2 / 6,
    "stable": 1,
    "stability": 0.5,
    "incomeKnown": 2,
    "averageMonthlyIncome": 3750,  # (4500 + 3000) / 2
    "inCounty": 1,
    "inProvince": 1,
    "enrolled": 1,
    "enrolledPreviousYear": 1,
    "enrolmentGrowth": 0.0,
    "casesOpened": 3,  # C1, C2, C7
    "casesClosed": 3,  # C2, C3, C7
    "closedByOutcome": PROVINCE_TOTAL["closedByOutcome"],
    "alertsRaised": 3,  # A1, A2, A5
    "alertsHandled": 2,  # A2, A4
}
YI = {
    **ZERO,
    "regionCode": "990102",
    "regionName": "乙县",
    "cohort": 3,
    "employed": 3,
    "employmentRate": 1.0,
    "stable": 2,
    "stability": 2 / 3,
    "incomeKnown": 2,
    "averageMonthlyIncome": 3750,  # (5000 + 2500) / 2
    "inCounty": 1,
    "crossProvince": 1,
    "locationUnknown": 1,
    "enrolled": 2,
    "enrolledPreviousYear": 1,
    "enrolmentGrowth": 1.0,
    "casesOpened": 1,  # C4
    "alertsRaised": 1,  # A3
    "alertsDismissed": 1,
}


def d(text: str) -> date:
    return date.fromisoformat(text)


class Fixture:
    """Rows written straight into the session (rolled back when the test ends)."""

    def __init__(self, session) -> None:
        self.session = session
        self.serial = count(1)
        self.persons: dict[int, int] = {}

    async def add(self, model, **values) -> int:
        result = await self.session.execute(insert(model).values(**values).returning(model.id))
        return result.scalar_one()

    async def regions(self) -> None:
        rows = [
            ("990000", "测试省", RegionLevel.PROVINCE, None, "/99"),
            ("990100", "测试市", RegionLevel.CITY, "990000", "/99/9901"),
            ("990101", "甲县", RegionLevel.COUNTY, "990100", "/99/9901/990101"),
            ("990102", "乙县", RegionLevel.COUNTY, "990100", "/99/9901/990102"),
            ("980000", "试验市", RegionLevel.PROVINCE, None, "/98"),
            ("980100", "市辖区", RegionLevel.CITY, "980000", "/98/9801"),
            ("980101", "丙区", RegionLevel.COUNTY, "980100", "/98/9801/980101"),
            ("980200", "县", RegionLevel.CITY, "980000", "/98/9802"),
            ("980201", "丁县", RegionLevel.COUNTY, "980200", "/98/9802/980201"),
        ]
        for code, name, level, parent, path in rows:
            self.session.add(
                Region(code=code, name=name, level=level, parent_code=parent, path=path)
            )
        await self.session.flush()

    async def person(self, home: str, cohort: int | None = None) -> int:
        serial = next(self.serial)
        household = await self.add(Household, region_code=home, category="lifted")
        person = await self.add(
            Person,
            name=f"评估{serial}",
            id_number=f"99{serial:016d}",
            gender="female",
            birth_date=date(2005, 1, 1),
            household_id=household,
            education="secondary_vocational",
        )
        if cohort is not None:
            await self.add(EmploymentIntention, person_id=person, graduation_year=cohort)
        return person

    async def student(self, person: int, entry: int, expected: int, status: str) -> None:
        school = await self.session.scalar(
            select(Organisation.id).where(Organisation.kind == OrganisationKind.SCHOOL).limit(1)
        )
        major = await self.session.scalar(select(StudentRecord.major_code).limit(1))
        await self.add(
            StudentRecord,
            person_id=person,
            school_id=school,
            major_code=major,
            entry_year=entry,
            expected_graduation_year=expected,
            status=status,
        )

    async def history(self, person: int, cohort: int, *steps: tuple) -> None:
        """``steps``: (recorded on, kind, since, work region, income); each supersedes the last."""
        for index, (recorded, kind, since, region, income) in enumerate(steps):
            following = steps[index + 1][0] if index + 1 < len(steps) else None
            await self.add(
                GraduateDestination,
                person_id=person,
                cohort_year=cohort,
                kind=kind,
                since=d(since),
                work_region_code=region,
                monthly_income=income,
                source="school",
                recorded_on=d(recorded),
                is_current=following is None,
                superseded_on=d(following) if following else None,
            )

    async def follow_up(self, person: int, on: str, income: int) -> None:
        await self.add(
            FollowUp, person_id=person, on_date=d(on), status="employed", monthly_income=income
        )

    async def case(
        self, person: int, opened: str, closed: str | None = None, outcome: str | None = None
    ) -> int:
        owner = await self.session.scalar(
            select(Organisation.id).where(Organisation.kind == OrganisationKind.AGENCY).limit(1)
        )
        return await self.add(
            AssistanceCase,
            person_id=person,
            owner_org_id=owner,
            reason="评估",
            state="closed" if closed else "open",
            outcome="结案" if closed else None,
            outcome_kind=outcome,
            opened_on=d(opened),
            closed_on=d(closed) if closed else None,
        )

    async def alert(
        self,
        person: int,
        county: str,
        raised: str,
        state: str = "open",
        handled: str | None = None,
        case: int | None = None,
    ) -> None:
        await self.add(
            Alert,
            person_id=person,
            kind="job_lost",
            fact=f"评估{next(self.serial)}",
            county_code=county,
            raised_on=d(raised),
            threshold=0,
            detail={},
            state=state,
            case_id=case,
            dismissal_reason="已核实" if state == "dismissed" else None,
            handled_at=datetime.combine(d(handled), datetime.min.time(), UTC) if handled else None,
        )


@pytest.fixture
async def fixture(session) -> Fixture:
    made = Fixture(session)
    await made.regions()
    p = {
        n: await made.person("990101" if n in (1, 2, 5, 6, 8, 9, 11) else "990102", YEAR)
        for n in (1, 2, 3, 4, 5, 6, 7, 8)
    }
    p[9] = await made.person("990101", 2023)
    p[10] = await made.person("980101", YEAR)
    p[11] = await made.person("990101")
    await made.student(p[11], 2021, YEAR, "graduated")
    p[12] = await made.person("990101")
    await made.student(p[12], 2023, YEAR, "studying")
    for n, home, entry in (
        (13, "990101", 2024),
        (14, "990102", 2024),
        (15, "990102", 2024),
        (16, "990102", 2023),
    ):
        p[n] = await made.person(home)
        await made.student(p[n], entry, entry + 3, "studying")
    p[17] = await made.person("980201", YEAR)

    await made.history(p[1], YEAR, ("2024-03-01", "other_job", "2024-03-01", "990101", 4000))
    await made.follow_up(p[1], "2024-10-01", 4500)
    await made.history(
        p[2],
        YEAR,
        ("2024-07-01", "not_employed", "2024-07-01", None, None),
        ("2024-09-01", "other_job", "2024-09-01", "990102", 3000),
    )
    await made.history(
        p[3],
        YEAR,
        ("2024-01-10", "alliance_job", "2024-01-10", "990102", 3800),
        ("2024-05-01", "other_job", "2024-05-01", "980101", 5000),
    )
    await made.follow_up(p[3], "2024-04-01", 9999)
    await made.follow_up(p[3], "2025-01-15", 7000)
    await made.history(p[4], YEAR, ("2024-08-01", "flexible", "2024-08-01", None, None))
    await made.history(p[5], YEAR, ("2024-09-01", "further_study", "2024-09-01", None, None))
    await made.history(
        p[7],
        YEAR,
        ("2024-01-05", "own_business", "2023-12-01", "990102", 2500),
        ("2025-02-01", "not_employed", "2025-02-01", None, None),
    )
    await made.history(p[8], YEAR, ("2025-01-10", "other_job", "2025-01-10", "990101", 3300))
    await made.history(p[9], 2023, ("2023-08-01", "other_job", "2023-08-01", "990101", 3000))
    await made.history(p[10], YEAR, ("2024-02-01", "other_job", "2024-02-01", "980201", 3200))

    await made.case(p[6], "2024-03-01")
    c2 = await made.case(p[2], "2024-02-01", "2024-09-01", "employed")
    c3 = await made.case(p[5], "2023-11-01", "2024-02-01", "further_study")
    await made.case(p[4], "2024-05-01", "2025-01-05", "employed")
    await made.case(p[10], "2024-04-01")
    await made.case(p[1], "2023-01-01", "2023-06-01", "employed")
    await made.case(p[8], "2024-06-01", "2024-08-01", None)

    await made.alert(p[6], "990101", "2024-05-01")
    await made.alert(p[2], "990101", "2024-07-02", "handled", "2024-07-03", c2)
    await made.alert(p[4], "990102", "2024-10-01", "dismissed", "2024-10-05")
    await made.alert(p[5], "990101", "2023-12-01", "handled", "2024-01-10", c3)
    await made.alert(p[8], "990101", "2024-12-20", "dismissed", "2025-01-03")
    made.persons = p
    return made


NATIONAL_BUREAU = Viewer(
    role=Role.BUREAU, region_code="000000", region_level=RegionLevel.NATIONAL, scopes=ALL_SCOPES
)


async def evaluate(
    run, region: str, viewer: Viewer = NATIONAL_BUREAU, as_of: str = "2024-12-31"
) -> dict:
    data, errors, _ = await run(EVALUATION, viewer, region=region, year=YEAR, asOf=as_of)
    assert errors is None, errors
    return data["evaluation"]


async def test_every_indicator_of_a_province_and_its_city(run, fixture):
    province = await evaluate(run, "990000")
    assert province["live"]["asOf"] == "2024-12-31"
    assert province["live"]["total"] == PROVINCE_TOTAL
    assert [row["regionCode"] for row in province["live"]["subRegions"]] == ["990100"]
    assert province["live"]["subRegions"][0] == {
        **PROVINCE_TOTAL,
        "regionCode": "990100",
        "regionName": "测试市",
    }
    city = await evaluate(run, "990100")
    assert city["live"]["subRegions"] == [JIA, YI]
    county = await evaluate(run, "990101")
    assert county["live"]["total"] == JIA and county["live"]["subRegions"] == []
    assert province["published"] is None


async def test_a_municipality_drills_down_to_its_districts_and_counties(run, fixture):
    """Never the code table's 市辖区 / 县 groupings: P10 (丙区) works in 丁县, P17 (丁县) does not."""
    found = await evaluate(run, "980000")
    rows = {row["regionCode"]: row for row in found["live"]["subRegions"]}
    assert list(rows) == ["980101", "980201"]
    assert [rows[code]["regionName"] for code in rows] == ["丙区", "丁县"]
    assert (rows["980101"]["cohort"], rows["980101"]["employed"], rows["980101"]["inProvince"]) == (
        1,
        1,
        1,
    )
    assert (rows["980201"]["cohort"], rows["980201"]["employed"]) == (1, 0)
    assert rows["980101"]["casesOpened"] == 1
    assert found["live"]["total"]["cohort"] == 2 and found["live"]["total"]["employed"] == 1


async def test_the_date_moves_the_destinations_in_force(run, fixture):
    """As of 2024-06-30: P1 (03-01), P3 (alliance job from 01-10, changed 05-01) and P7 are in
    work; P2 is 待就业 from 07-01 only later; P4's flexible work starts 08-01. Stable: as of
    06-30 the spell must have begun by 2023-12-30: only P7 (2023-12-01)."""
    found = await evaluate(run, "990000", as_of="2024-06-30")
    total = found["live"]["total"]
    assert (total["employed"], total["stable"]) == (3, 1)
    assert total["employmentRate"] == 3 / 9
    # P1 4000 (the 10-01 follow-up is later), P3 5000 (the 04-01 follow-up predates the job), P7 2500
    assert (total["incomeKnown"], total["averageMonthlyIncome"]) == (3, 3833)
    assert (total["casesOpened"], total["casesClosed"]) == (4, 1)  # C1, C2, C4, C7 / C3
    assert (total["alertsRaised"], total["alertsHandled"], total["alertsDismissed"]) == (1, 1, 0)


async def test_statements_do_not_grow_with_the_rows(run, fixture, engine):
    with counting(engine) as few:
        await evaluate(run, "990100")
    for n in range(6):
        person = await fixture.person("990102", YEAR)
        await fixture.history(
            person, YEAR, ("2024-02-01", "other_job", "2024-02-01", "990101", 3000 + n)
        )
        await fixture.follow_up(person, "2024-11-01", 3100 + n)
        await fixture.case(person, "2024-03-01", "2024-04-01", "employed")
    with counting(engine) as many:
        found = await evaluate(run, "990100")
    assert found["live"]["total"]["cohort"] == 9 + 6
    assert many.count == few.count <= 9


async def test_a_published_year_is_frozen_and_a_correction_is_a_new_version(run, fixture, session):
    bureau = await session.scalar(
        select(Organisation).where(Organisation.kind == OrganisationKind.BUREAU).limit(1)
    )
    own = Viewer(
        role=Role.BUREAU,
        organisation_id=bureau.id,
        region_code="990100",
        region_level=RegionLevel.CITY,
        scopes=ALL_SCOPES,
    )
    other = Viewer(
        role=Role.BUREAU,
        organisation_id=bureau.id,
        region_code="990000",
        region_level=RegionLevel.PROVINCE,
        scopes=ALL_SCOPES,
    )
    data, errors, _ = await run(PUBLISH, other, region="990100", year=YEAR)
    assert data["publishEvaluation"]["errors"] == [
        {"field": "regionCode", "code": "NOT_YOUR_REGION"}
    ]
    data, errors, _ = await run(PUBLISH, own, region="990100", year=YEAR)
    assert errors is None and data["publishEvaluation"]["errors"] == []
    first = data["publishEvaluation"]["result"]
    assert first["version"] == 1 and first["publisher"] == bureau.name
    assert first["liveDiffers"] is False
    assert first["report"]["total"]["employed"] == 5

    # A correction: P6 turns out to have been employed since September.
    await fixture.history(
        fixture.persons[6], YEAR, ("2024-09-15", "other_job", "2024-09-15", "990101", 3500)
    )
    found = await evaluate(run, "990100", own)
    assert found["live"]["total"]["employed"] == 6
    published = found["published"]
    assert published["version"] == 1 and published["liveDiffers"] is True
    assert published["report"]["total"]["employed"] == 5  # what was sent upward stays

    data, _, _ = await run(PUBLISH, own, region="990100", year=YEAR)
    second = data["publishEvaluation"]["result"]
    assert (second["version"], second["liveDiffers"]) == (2, False)
    assert second["report"]["total"]["employed"] == 6


async def test_only_bureaus_and_admins_read_it_and_only_inside_their_region(run, fixture, session):
    school = await session.scalar(
        select(Organisation.id).where(Organisation.kind == OrganisationKind.SCHOOL).limit(1)
    )
    data, errors, _ = await run(EVALUATION, member(Role.SCHOOL, school), region="990000", year=YEAR)
    assert data == {"evaluation": None}
    assert [e.extensions["code"] for e in errors] == ["FORBIDDEN"]
    county = Viewer(
        role=Role.BUREAU, region_code="990101", region_level=RegionLevel.COUNTY, scopes=ALL_SCOPES
    )
    data, errors, _ = await run(EVALUATION, county, region="990102", year=YEAR)
    assert data == {"evaluation": None}
    assert [e.extensions["code"] for e in errors] == ["FORBIDDEN"]


async def test_a_later_date_moves_the_cohort_on_but_not_the_years_counts(run, fixture):
    """As of 2025-06-30: P7 is 待就业 since 2025-02-01, P8 works since 2025-01-10 (not stable:
    the spell must have begun by 2024-12-30), P3's 2025-01-15 follow-up (7000) is now the
    latest. Employed P1, P2, P3, P4, P8 = 5; stable P1, P2, P3, P4 = 4; incomes 4500, 3000,
    7000, 3300: 17800 / 4 = 4450. Cases and alerts still count 2024 only: C4's close
    (2025-01-05) and A5's dismissal (2025-01-03) stay out."""
    total = (await evaluate(run, "990000", as_of="2025-06-30"))["live"]["total"]
    assert (total["employed"], total["stable"]) == (5, 4)
    assert (total["incomeKnown"], total["averageMonthlyIncome"]) == (4, 4450)
    where = ("inCounty", "inProvince", "crossProvince", "locationUnknown")
    assert [total[name] for name in where] == [2, 1, 1, 1]
    assert (total["casesOpened"], total["casesClosed"]) == (4, 3), total["closedByOutcome"]
    assert (total["alertsRaised"], total["alertsHandled"], total["alertsDismissed"]) == (4, 2, 1)


def _yulu(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "YULU_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "portal.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_writes_both_files_and_never_overwrites_one(seeded_url, tmp_path):
    """`yulu report evaluation`: the same figures as the page, as .xlsx and as a PDF of pages."""
    year = str(china_today().year)
    workbook, document = tmp_path / "城口.xlsx", tmp_path / "城口.pdf"
    for out, more in ((workbook, ("--as-of", f"{year}-06-30")), (document, ())):
        done = _yulu(
            seeded_url,
            "report",
            "evaluation",
            "--region",
            "500229",
            "--year",
            year,
            "--out",
            str(out),
            *more,
        )
        assert done.returncode == 0, done.stderr
        assert f"城口县 {year} 年度" in done.stdout
    rows = CalamineWorkbook.from_path(str(workbook)).get_sheet_by_name("成效评估").to_python()
    assert rows[0][:3] == ["地区", "代码", "毕业生"] and rows[1][:2] == ["城口县", "500229"]
    about = CalamineWorkbook.from_path(str(workbook)).get_sheet_by_name("指标说明").to_python()
    assert about[2] == ["版本", f"实时数据（未发布），截至 {year}-06-30"]
    assert [row[0] for row in about[3:]] == [name for name, _ in DEFINITIONS]
    reader = PdfReader(document)
    assert len(reader.pages) >= 1
    text = "".join(page.extract_text() for page in reader.pages)
    assert "城口县" in text and "指标定义" in text and "就业率" in text

    again = _yulu(
        seeded_url,
        "report",
        "evaluation",
        "--region",
        "500229",
        "--year",
        year,
        "--out",
        str(document),
    )
    assert again.returncode != 0 and document.stat().st_size > 0
    wrong = _yulu(
        seeded_url,
        "report",
        "evaluation",
        "--region",
        "500229",
        "--year",
        year,
        "--out",
        str(tmp_path / "x.docx"),
    )
    assert wrong.returncode != 0 and ".xlsx 或 .pdf" in wrong.stderr


def test_the_readme_defines_every_indicator_in_the_pages_words():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for name, definition in DEFINITIONS:
        assert f"- **{name}**：{definition}" in readme
