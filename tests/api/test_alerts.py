"""Relapse-risk early warning: each rule triggered and not triggered on crafted timelines, with
thresholds set here (not the defaults), and raising twice raises nothing new.

Every timeline is a new person in the rolled-back session; the engine is asked about those
persons only (as a write would), as of a fixed day, so the seeded data cannot interfere. The
daily run is checked over the whole seeded alliance.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count

import pytest
from sqlalchemy import func, select, update

from models.alerts import Alert, AlertKind, AlertRule, AlertState
from models.audit import AuditRecord
from models.destinations import DestinationKind, DestinationSource, GraduateDestination
from models.organisations import Organisation, OrganisationKind
from models.people import (
    EmploymentIntention,
    Household,
    HouseholdCategory,
    Person,
    StudentRecord,
)
from models.tracking import EmploymentRecord, EndReason, FollowUp
from resolvers.alerts import evaluate, run_daily

ON = date(2026, 11, 1)
COUNTY = "500229"  # 城口县
THRESHOLDS = {
    AlertKind.JOB_LOST: 14,  # days
    AlertKind.INCOME_BELOW_FLOOR: 2200,  # yuan
    AlertKind.INCOME_DROP: 30,  # percent
    AlertKind.NO_FOLLOW_UP: 4,  # months
    AlertKind.MONITORED_NOT_EMPLOYED: 120,  # days
}
serial = count(1)


@pytest.fixture
async def world(session):
    for kind, threshold in THRESHOLDS.items():
        await session.execute(
            update(AlertRule).where(AlertRule.kind == kind).values(threshold=threshold)
        )
    school = await session.scalar(
        select(Organisation.id).where(Organisation.kind == OrganisationKind.SCHOOL).limit(1)
    )
    return World(session, school)


class World:
    def __init__(self, session, school_id: int) -> None:
        self.session, self.school_id = session, school_id

    async def graduate(
        self, category: HouseholdCategory = HouseholdCategory.LIFTED, cohort: int = 2025
    ) -> int:
        household = Household(region_code=COUNTY, category=category, relocated=False)
        self.session.add(household)
        await self.session.flush()
        n = next(serial)
        person = Person(
            name=f"预警{n}",
            id_number=f"5002292004{n:08d}",
            gender="female",
            birth_date=date(2004, 1, 1),
            household_id=household.id,
            education="secondary_vocational",
        )
        self.session.add(person)
        await self.session.flush()
        self.session.add_all(
            [
                EmploymentIntention(person_id=person.id, graduation_year=cohort, seeking=True),
                StudentRecord(
                    person_id=person.id,
                    school_id=self.school_id,
                    major_code=await self.session.scalar(select(StudentRecord.major_code).limit(1)),
                    entry_year=cohort - 3,
                    expected_graduation_year=cohort,
                    status="graduated",
                ),
            ]
        )
        await self.session.flush()
        return person.id

    async def job(
        self,
        person_id: int,
        start: date,
        income: int = 3000,
        end: date | None = None,
        reason: EndReason | None = None,
    ) -> int:
        record = EmploymentRecord(
            person_id=person_id,
            employer_name="测试工厂",
            start_date=start,
            end_date=end,
            end_reason=reason,
            monthly_income=income,
            work_region_code=COUNTY,
            location_tier="in_county",
        )
        self.session.add(record)
        await self.session.flush()
        return record.id

    async def follow_up(
        self, person_id: int, on: date, income: int | None, status: str = "employed"
    ) -> int:
        row = FollowUp(person_id=person_id, on_date=on, status=status, monthly_income=income)
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def raised(self, person_id: int, on: date = ON) -> set[tuple[AlertKind, str]]:
        return {(a.kind, a.fact) for a in await evaluate(self.session, on, [person_id])}


# --- job lost ---------------------------------------------------------------------------------


async def test_a_job_ended_14_days_ago_without_a_new_one_raises_job_lost(world):
    person = await world.graduate()
    job = await world.job(
        person, date(2026, 3, 1), end=ON - timedelta(days=14), reason=EndReason.DISMISSED
    )
    assert await world.raised(person) == {(AlertKind.JOB_LOST, f"job:{job}")}


async def test_a_job_ended_13_days_ago_raises_nothing_yet(world):
    person = await world.graduate()
    await world.job(person, date(2026, 3, 1), end=ON - timedelta(days=13), reason=EndReason.LEFT)
    assert await world.raised(person) == set()


async def test_a_new_job_after_the_ended_one_raises_nothing(world):
    person = await world.graduate()
    await world.job(person, date(2025, 8, 1), end=date(2026, 5, 31), reason=EndReason.LEFT)
    await world.job(person, date(2026, 6, 15), income=3500)
    await world.follow_up(person, date(2026, 9, 1), 3500)
    assert await world.raised(person) == set()


async def test_only_the_latest_ended_job_is_the_fact(world):
    person = await world.graduate()
    await world.job(person, date(2025, 8, 1), end=date(2025, 12, 31), reason=EndReason.LEFT)
    latest = await world.job(
        person, date(2026, 2, 1), end=date(2026, 8, 31), reason=EndReason.CONTRACT_ENDED
    )
    assert await world.raised(person) == {(AlertKind.JOB_LOST, f"job:{latest}")}


# --- income below the floor (2,200 yuan) --------------------------------------------------------


async def test_a_follow_up_income_below_the_floor_raises(world):
    person = await world.graduate()
    await world.job(person, date(2026, 9, 1), income=2600)
    follow_up = await world.follow_up(person, date(2026, 10, 1), 2199)
    assert await world.raised(person) == {(AlertKind.INCOME_BELOW_FLOOR, f"follow_up:{follow_up}")}


async def test_an_income_at_the_floor_raises_nothing(world):
    person = await world.graduate()
    await world.job(person, date(2026, 9, 1), income=2200)
    await world.follow_up(person, date(2026, 10, 1), 2200)
    assert await world.raised(person) == set()


async def test_a_job_starting_below_the_floor_raises_until_a_follow_up_says_otherwise(world):
    person = await world.graduate()
    job = await world.job(person, date(2026, 9, 1), income=1800)
    assert await world.raised(person) == {(AlertKind.INCOME_BELOW_FLOOR, f"job:{job}")}
    other = await world.graduate()
    await world.job(other, date(2026, 9, 1), income=1800)
    await world.follow_up(other, date(2026, 10, 1), 2400)
    assert await world.raised(other) == set()


async def test_the_latest_income_counts_not_an_earlier_low_one(world):
    person = await world.graduate()
    await world.job(person, date(2026, 3, 1), income=2500)
    await world.follow_up(person, date(2026, 4, 1), 2000)
    await world.follow_up(person, date(2026, 9, 1), 2500)
    assert await world.raised(person) == set()


# --- income down by 30 % or more -----------------------------------------------------------


async def test_a_drop_of_a_third_from_the_starting_income_raises(world):
    person = await world.graduate()
    await world.job(person, date(2026, 8, 1), income=4000)
    # 2,800 is 70 % of 4,000: down by exactly 30 %.
    follow_up = await world.follow_up(person, date(2026, 10, 1), 2800)
    assert await world.raised(person) == {(AlertKind.INCOME_DROP, f"follow_up:{follow_up}")}


async def test_a_drop_of_a_quarter_raises_nothing(world):
    person = await world.graduate()
    await world.job(person, date(2026, 8, 1), income=4000)
    await world.follow_up(person, date(2026, 10, 1), 3000)  # down by 25 %
    assert await world.raised(person) == set()


async def test_a_drop_between_two_follow_ups_raises(world):
    person = await world.graduate()
    await world.job(person, date(2026, 3, 1), income=3000)
    await world.follow_up(person, date(2026, 6, 1), 5000)
    # 3,400 against the previous 5,000: down by 32 % (against the job's 3,000 it rose).
    follow_up = await world.follow_up(person, date(2026, 9, 1), 3400)
    assert await world.raised(person) == {(AlertKind.INCOME_DROP, f"follow_up:{follow_up}")}


# --- no follow-up for 4 months --------------------------------------------------------------


async def test_a_job_without_a_follow_up_for_four_months_raises(world):
    person = await world.graduate()
    await world.job(person, date(2026, 6, 1), income=3000)  # 1 July 2026 is 4 months before ON
    await world.follow_up(person, date(2026, 7, 1), 3000)
    assert await world.raised(person) == {(AlertKind.NO_FOLLOW_UP, "since:2026-07-01")}


async def test_a_follow_up_within_four_months_raises_nothing(world):
    person = await world.graduate()
    await world.job(person, date(2026, 2, 1), income=3000)
    await world.follow_up(person, date(2026, 7, 2), 3000)
    assert await world.raised(person) == set()


async def test_a_job_begun_less_than_four_months_ago_raises_nothing(world):
    person = await world.graduate()
    await world.job(person, date(2026, 7, 2), income=3000)
    assert await world.raised(person) == set()


async def test_no_job_means_nothing_to_follow_up(world):
    person = await world.graduate(cohort=2026)
    assert await world.raised(person) == set()


# --- a monitored household's graduate not employed 120 days after graduating -------------------


async def test_a_monitored_graduate_not_employed_120_days_after_graduating_raises(world):
    # The 2026 cohort graduated on 30 June 2026; 120 days later is 28 October 2026.
    person = await world.graduate(HouseholdCategory.UNSTABLE, cohort=2026)
    assert await world.raised(person, date(2026, 10, 28)) == {
        (AlertKind.MONITORED_NOT_EMPLOYED, "cohort:2026")
    }


async def test_119_days_after_graduating_is_too_early(world):
    person = await world.graduate(HouseholdCategory.MARGINAL, cohort=2026)
    assert await world.raised(person, date(2026, 10, 27)) == set()


async def test_a_lifted_household_is_not_monitored(world):
    person = await world.graduate(HouseholdCategory.LIFTED, cohort=2025)
    assert await world.raised(person) == set()


async def test_a_monitored_graduate_in_further_study_or_in_work_raises_nothing(world):
    studying = await world.graduate(HouseholdCategory.SUDDEN_HARDSHIP, cohort=2025)
    world.session.add(
        GraduateDestination(
            person_id=studying,
            cohort_year=2025,
            kind=DestinationKind.FURTHER_STUDY,
            since=date(2025, 9, 1),
            source=DestinationSource.SCHOOL,
            recorded_on=date(2025, 9, 10),
            is_current=True,
        )
    )
    working = await world.graduate(HouseholdCategory.UNSTABLE, cohort=2025)
    await world.job(working, date(2026, 9, 1), income=3000)
    await world.follow_up(working, date(2026, 10, 1), 3000)
    assert await world.raised(studying) == set()
    assert await world.raised(working) == set()


# --- deduplication: raising twice raises nothing new --------------------------------------------


async def test_raising_twice_raises_nothing_new_and_a_dismissed_fact_stays_dismissed(world):
    person = await world.graduate(HouseholdCategory.UNSTABLE, cohort=2025)
    job = await world.job(person, date(2025, 8, 1), end=date(2026, 9, 30), reason=EndReason.LEFT)
    first = await world.raised(person)
    assert first == {
        (AlertKind.JOB_LOST, f"job:{job}"),
        (AlertKind.MONITORED_NOT_EMPLOYED, "cohort:2025"),
    }
    assert await world.raised(person) == set()
    assert await world.raised(person, ON + timedelta(days=30)) == set()
    await world.session.execute(
        update(Alert)
        .where(Alert.person_id == person)
        .values(state=AlertState.DISMISSED, dismissal_reason="已核实：在外地务工")
    )
    assert await world.raised(person, ON + timedelta(days=60)) == set()


async def test_a_new_fact_raises_again_once_the_open_alert_is_closed(world):
    person = await world.graduate()
    await world.job(person, date(2026, 1, 1), income=3000)
    await world.follow_up(person, date(2026, 2, 1), 3000)
    assert await world.raised(person) == {(AlertKind.NO_FOLLOW_UP, "since:2026-02-01")}
    # A new follow-up, then another gap: a new fact, but the first alert is still open.
    await world.follow_up(person, date(2026, 3, 1), 3000)
    later = date(2026, 7, 1)
    assert await world.raised(person, later) == set()
    await world.session.execute(
        update(Alert)
        .where(Alert.person_id == person)
        .values(state=AlertState.DISMISSED, dismissal_reason="已电话回访")
    )
    assert await world.raised(person, later) == {(AlertKind.NO_FOLLOW_UP, "since:2026-03-01")}


async def test_an_alert_goes_to_the_household_county_and_the_school(world):
    person = await world.graduate(HouseholdCategory.UNSTABLE, cohort=2025)
    (alert,) = await evaluate(world.session, ON, [person])
    assert (alert.county_code, alert.school_id, alert.threshold) == (COUNTY, world.school_id, 120)


async def test_a_disabled_rule_raises_nothing(world):
    await world.session.execute(
        update(AlertRule)
        .where(AlertRule.kind == AlertKind.MONITORED_NOT_EMPLOYED)
        .values(enabled=False)
    )
    person = await world.graduate(HouseholdCategory.UNSTABLE, cohort=2025)
    assert await world.raised(person) == set()


async def test_the_daily_run_twice_over_the_whole_alliance_raises_nothing_new(session):
    later = ON + timedelta(days=45)  # past the seed's own run: new facts fall due
    first = await run_daily(session, later)
    assert sum(first.values()) > 0
    alerts = await session.scalar(select(func.count()).select_from(Alert))
    audited = (
        select(func.count()).select_from(AuditRecord).where(AuditRecord.operation == "alerts.run")
    )
    assert await session.scalar(audited) == sum(first.values())  # one audit record per alert
    again = await run_daily(session, later)
    assert sum(again.values()) == 0
    assert await session.scalar(select(func.count()).select_from(Alert)) == alerts
    assert await session.scalar(audited) == sum(first.values())
