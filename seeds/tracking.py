"""The demo's years after graduating: jobs that start and end, graduates' destinations (毕业去向)
of every kind with their history, follow-ups on the schedule (some missed, not all "employed",
some incomes falling), the schedule's points, and help cases — written as the resolvers would
(resolvers.tracking, resolvers.destinations), so the daily alert run finds real risks in them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import count
from typing import Any

from sqlalchemy import Table

from models.destinations import DestinationKind, DestinationSource, GraduateDestination
from models.people import location_tier
from models.tracking import (
    AssistanceCase,
    EmploymentRecord,
    FollowUp,
    FollowUpDue,
    add_months,
)
from seeds.batches import Batches

SCHEDULE_MONTHS = (1, 3, 6, 12)  # the default of Settings.follow_up_months
OUTSIDE_EMPLOYERS = [
    ("重庆某机械加工厂", None),
    ("深圳某电子厂", None),
    ("本地个体商户", None),
    ("杭州某物流公司", None),
    ("县城某酒店", None),
    ("青岛某食品厂", None),
    ("广州某制衣厂", None),
]
WITHOUT_A_JOB = {  # what graduates without a job do, by weight
    DestinationKind.FLEXIBLE: 20,
    DestinationKind.OWN_BUSINESS: 8,
    DestinationKind.FURTHER_STUDY: 20,
    DestinationKind.MILITARY: 5,
    DestinationKind.PUBLIC_WELFARE: 6,
    DestinationKind.NOT_EMPLOYED: 32,
    DestinationKind.NOT_SEEKING: 9,
}
FOLLOW_UP_STATUS = {
    DestinationKind.FLEXIBLE: "employed",
    DestinationKind.OWN_BUSINESS: "own_business",
    DestinationKind.FURTHER_STUDY: "studying",
    DestinationKind.MILITARY: "employed",
    DestinationKind.PUBLIC_WELFARE: "employed",
    DestinationKind.NOT_EMPLOYED: "unemployed",
    DestinationKind.NOT_SEEKING: "unemployed",
}
WITH_INCOME = {
    DestinationKind.FLEXIBLE,
    DestinationKind.OWN_BUSINESS,
    DestinationKind.PUBLIC_WELFARE,
}
SOURCES = [DestinationSource.SCHOOL] * 6 + [
    DestinationSource.GRADUATE,
    DestinationSource.AGENCY,
    DestinationSource.BUREAU,
]
END_REASONS = (["left"] * 11) + (["contract_ended"] * 5) + (["dismissed"] * 4)


@dataclass(frozen=True)
class Hire:
    graduate: dict
    position: dict
    employer: dict
    application_id: int
    start: date


@dataclass
class Ids:
    records: count = field(default_factory=lambda: count(1))
    follow_ups: count = field(default_factory=lambda: count(1))
    dues: count = field(default_factory=lambda: count(1))
    destinations: count = field(default_factory=lambda: count(1))
    cases: count = field(default_factory=lambda: count(1))


def graduation_day(cohort: int) -> date:
    return date(cohort, 6, 30)


def a_day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange(max((last - first).days, 0) + 1))


class Career:
    """One graduate's rows, written in order: jobs, destinations, follow-ups, schedule points."""

    def __init__(
        self,
        rng: random.Random,
        ids: Ids,
        batches: Batches,
        graduate: dict,
        world: Any,
        as_of: date,
    ) -> None:
        self.rng, self.ids, self.batches, self.graduate, self.world = (
            rng,
            ids,
            batches,
            graduate,
            world,
        )
        self.as_of = as_of
        self.household_region = world.households[graduate["id"]]["region_code"]
        self.current_destination: dict | None = None

    # --- jobs ------------------------------------------------------------------------------

    def job(
        self,
        start: date,
        employer: tuple[int | None, str],
        region: str,
        income: int,
        hire: Hire | None,
    ) -> dict:
        record = {
            "id": next(self.ids.records),
            "person_id": self.graduate["id"],
            "employer_id": employer[0],
            "employer_name": employer[1],
            "position_id": hire.position["id"] if hire else None,
            "application_id": hire.application_id if hire else None,
            "start_date": start,
            "end_date": None,
            "end_reason": None,
            "monthly_income": income,
            "work_region_code": region,
            "location_tier": location_tier(self.household_region, region),
        }
        self.batches.add(EmploymentRecord.__table__, record)
        kind = DestinationKind.ALLIANCE_JOB if hire else DestinationKind.OTHER_JOB
        self.destination(
            kind,
            start,
            DestinationSource.HIRE if hire else self.rng.choice(SOURCES),
            employment_record_id=record["id"],
            employer_name=employer[1],
            work_region_code=region,
            monthly_income=income,
        )
        return record

    def outside_job(self, start: date) -> dict:
        name = self.rng.choice(OUTSIDE_EMPLOYERS)[0]
        region = self.rng.choice(
            [
                self.household_region,
                self.rng.choice(self.world.chongqing_counties),
                self.rng.choice(self.world.counties),
            ]
        )
        return self.job(start, (None, name), region, self.rng.randrange(24, 70) * 100, None)

    def follow_job(self, record: dict, until: date) -> None:
        """The schedule's points from the job's start; most are done on time (a few days either
        side), some missed; now and then the income falls. Points after ``until`` (the job's end)
        are not written, those not yet due stay open."""
        income = record["monthly_income"]
        for months in SCHEDULE_MONTHS:
            due = add_months(record["start_date"], months)
            if due > until and record["end_date"] is not None:
                break
            point = {
                "id": next(self.ids.dues),
                "person_id": self.graduate["id"],
                "employment_record_id": record["id"],
                "months": months,
                "due_on": due,
                "done_on": None,
                "follow_up_id": None,
            }
            on = due + timedelta(days=self.rng.randint(-5, 10))
            if on < self.as_of and on <= until and self.rng.random() < 0.8:
                if self.rng.random() < 0.07:
                    income = int(income * self.rng.uniform(0.5, 0.7)) // 100 * 100
                else:
                    income = max(1500, income + self.rng.randrange(-3, 6) * 100)
                point["done_on"] = on
                point["follow_up_id"] = self.follow_up(on, "employed", income)
            self.batches.add(FollowUpDue.__table__, point)

    def end(self, record: dict, ended: date) -> None:
        record["end_date"], record["end_reason"] = ended, self.rng.choice(END_REASONS)
        self.follow_up(ended, "unemployed", None, note="工作已结束，正在求职")
        self.destination(DestinationKind.NOT_EMPLOYED, ended, self.rng.choice(SOURCES))

    # --- destinations and follow-ups --------------------------------------------------------

    def destination(
        self, kind: DestinationKind, since: date, source: DestinationSource, **values: Any
    ) -> None:
        if self.current_destination is not None:
            self.current_destination["is_current"] = False
            self.current_destination["superseded_on"] = max(
                since, self.current_destination["recorded_on"]
            )
        row = {
            "id": next(self.ids.destinations),
            "person_id": self.graduate["id"],
            "cohort_year": self.graduate["graduation_year"],
            "kind": kind,
            "since": since,
            "employment_record_id": None,
            "employer_name": None,
            "employer_credit_code": None,
            "work_region_code": None,
            "monthly_income": None,
            "note": None,
            "source": source,
            "recorded_on": min(since + timedelta(days=self.rng.randint(0, 20)), self.as_of),
            "recorded_by_user_id": None,
            "recorded_by_org_id": None,
            "is_current": True,
            "superseded_on": None,
            "verification": None,
            "verified_at": None,
            "verified_by_org_id": None,
            **values,
        }
        self.batches.add(GraduateDestination.__table__, row)
        self.current_destination = row

    def follow_up(self, on: date, status: str, income: int | None, note: str | None = None) -> int:
        follow_up_id = next(self.ids.follow_ups)
        self.batches.add(
            FollowUp.__table__,
            {
                "id": follow_up_id,
                "person_id": self.graduate["id"],
                "on_date": on,
                "status": status,
                "monthly_income": income,
                "note": note,
                "recorded_by_id": None,
            },
        )
        return follow_up_id


def careers(
    rng: random.Random, world: Any, hires: list[Hire], as_of: date
) -> Iterator[tuple[Table, list[dict]]]:
    """Every graduate's years after graduating. Alliance hires start on their hire date; of the
    others, earlier cohorts mostly found work outside the pipeline. About one job in five of the
    earlier cohorts ended (left, contract ended, dismissed); half of those found a new job."""
    ids = Ids()
    batches = Batches(  # parents first: a career may record a destination before any job
        EmploymentRecord.__table__,
        FollowUp.__table__,
        FollowUpDue.__table__,
        GraduateDestination.__table__,
        AssistanceCase.__table__,
    )
    hired = {hire.graduate["id"]: hire for hire in hires}
    for graduate in world.graduates:
        career = Career(rng, ids, batches, graduate, world, as_of)
        cohort = graduate["graduation_year"]
        first_day = graduation_day(cohort) + timedelta(days=1)
        hire = hired.get(graduate["id"])
        record = None
        if hire is not None:
            employer = (hire.employer["id"], hire.employer["name"])
            income = rng.randint(hire.position["salary_min"], hire.position["salary_max"])
            record = career.job(hire.start, employer, hire.position["region_code"], income, hire)
        elif cohort < as_of.year and rng.random() < 0.85:
            latest = min(date(cohort + 1, 3, 31), as_of - timedelta(days=30))
            record = career.outside_job(a_day_between(rng, first_day, latest))
        if record is None:
            _without_a_job(career, first_day)
        else:
            _working_life(career, record)
        yield from batches.full()
    yield from batches.rest()


def _working_life(career: Career, record: dict) -> None:
    rng, as_of = career.rng, career.as_of
    ends = record["start_date"] < as_of - timedelta(days=200) and rng.random() < 0.22
    if not ends:
        career.follow_job(record, as_of)
        _verify(career, record)
        return
    ended = a_day_between(rng, record["start_date"] + timedelta(days=90), as_of - timedelta(days=3))
    career.follow_job(record, ended)
    career.end(record, ended)
    if rng.random() < 0.5 and ended + timedelta(days=30) < as_of - timedelta(days=5):
        start = a_day_between(
            rng,
            ended + timedelta(days=30),
            min(ended + timedelta(days=120), as_of - timedelta(days=5)),
        )
        following = career.outside_job(start)
        career.follow_job(following, as_of)
        _verify(career, following)


def _verify(career: Career, record: dict) -> None:
    """Social-insurance contributions confirm four in ten jobs with an insured employer."""
    current = career.current_destination
    assert current is not None  # the job just recorded its destination
    if "个体" not in record["employer_name"] and career.rng.random() < 0.4:
        current["verification"] = "social_insurance"


def _without_a_job(career: Career, first_day: date) -> None:
    rng, cohort = career.rng, career.graduate["graduation_year"]
    weights = dict(WITHOUT_A_JOB)
    if cohort == career.as_of.year:  # this year's cohort: many still looking
        weights[DestinationKind.NOT_EMPLOYED] *= 2
    kind = rng.choices(list(weights), weights=list(weights.values()))[0]
    since = a_day_between(
        rng, first_day, min(first_day + timedelta(days=90), career.as_of - timedelta(days=1))
    )
    income = rng.randrange(18, 50) * 100 if kind in WITH_INCOME else None
    region = career.household_region if kind in WITH_INCOME else None
    career.destination(
        kind, since, rng.choice(SOURCES), monthly_income=income, work_region_code=region
    )
    last_check = min(since + timedelta(days=rng.randint(20, 120)), career.as_of - timedelta(days=1))
    status = FOLLOW_UP_STATUS[kind]
    career.follow_up(last_check, status, income if status in ("employed", "own_business") else None)
    if kind == DestinationKind.NOT_EMPLOYED and cohort < career.as_of.year and rng.random() < 0.5:
        agency = rng.choice(career.world.agencies)
        career.batches.add(
            AssistanceCase.__table__,
            {
                "id": next(career.ids.cases),
                "person_id": career.graduate["id"],
                "owner_org_id": agency["id"],
                "owner_user_id": None,
                "assigned_by_org_id": None,
                "reason": "毕业后未就业，需一对一帮扶",
                "plan": "推送匹配岗位，安排职业指导与见习",
                "state": "open",
                "outcome": None,
                "opened_on": date(career.as_of.year, 9, 1),
                "closed_on": None,
            },
        )
