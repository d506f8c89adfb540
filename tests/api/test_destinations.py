"""Graduate destinations, jobs that end and the follow-up schedule, through the API: the rules each
input breaks, history, the employment record a job destination opens and the one it ends, the
follow-up points it schedules (1, 3, 6, 12 months) and the follow-up that answers them, and the
matching availability that follows."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from models.applications import Stage
from models.destinations import GraduateDestination
from models.organisations import Organisation, OrganisationKind, Role
from models.people import EmploymentIntention, Household, Person
from models.tracking import EmploymentRecord, FollowUpDue
from resolvers.outcomes import today
from tests.api.conftest import member
from tests.api.test_application_stages import application_at, move
from tests.api.test_tracking import a_graduate_of_a_school, broken, gid

RECORD = """mutation($person: ID!, $input: DestinationInput!) {
  recordDestination(personId: $person, input: $input) {
    result { id kind since employerName monthlyIncome source isCurrent employed workRegion { code } }
    errors { field code message } } }"""
END = """mutation($id: ID!, $on: Date!, $reason: EndReason!) {
  endEmployment(id: $id, endedOn: $on, reason: $reason) {
    result { endDate endReason } errors { field code message } } }"""
FOLLOW_UP = """mutation($person: ID!, $on: Date!, $status: FollowUpStatus!, $reason: EndReason) {
  recordFollowUp(personId: $person, onDate: $on, status: $status, endReason: $reason) {
    result { id } errors { field code message } } }"""
HISTORY = """query($id: ID!) { node(id: $id) { ... on Person {
  graduateDestinations { kind isCurrent supersededOn } employmentRecords { endDate endReason }
  followUpDues { months dueOn } } } }"""
DUES = """query($person: ID!) { followUpDues(filter: {person: $person}) { totalCount
  edges { node { months dueOn overdue } } } }"""


def a_job(since: date, **extra) -> dict:
    return {
        "kind": "OTHER_JOB",
        "since": since.isoformat(),
        "employerName": "东莞某电子厂",
        "workRegionCode": "441900",
        "monthlyIncome": 4200,
        **extra,
    }


async def school_and_graduate(session) -> tuple:
    person, school = await a_graduate_of_a_school(session)
    for job in await session.scalars(
        select(EmploymentRecord).where(
            EmploymentRecord.person_id == person, EmploymentRecord.end_date.is_(None)
        )
    ):
        job.end_date, job.end_reason = date(2026, 1, 31), "left"
    await session.flush()
    return member(Role.SCHOOL, school), person


async def test_each_rule_of_a_destination_names_its_field(run, session):
    viewer, person = await school_and_graduate(session)
    cases = [
        (
            {"kind": "OTHER_JOB", "since": "2026-07-01"},
            {
                ("employerName", "REQUIRED"),
                ("workRegionCode", "REQUIRED"),
                ("monthlyIncome", "REQUIRED"),
            },
        ),
        ({"kind": "ALLIANCE_JOB", "since": "2026-07-01"}, {("kind", "RECORDED_BY_HIRE")}),
        (
            a_job(date(2026, 7, 1), employerCreditCode="91500000MA5U000000"),
            {("employerCreditCode", "INVALID_CREDIT_CODE")},
        ),
        (
            {"kind": "FURTHER_STUDY", "since": "2026-09-01", "monthlyIncome": 100},
            {("monthlyIncome", "NOT_FOR_KIND")},
        ),
        (
            {"kind": "MILITARY", "since": "2026-09-01", "employerName": "某部"},
            {("employerName", "NOT_FOR_KIND")},
        ),
        (
            {"kind": "NOT_EMPLOYED", "since": (today() + timedelta(days=1)).isoformat()},
            {("since", "IN_FUTURE")},
        ),
        (a_job(date(2026, 7, 1), workRegionCode="500100"), {("workRegionCode", "UNKNOWN_REGION")}),
    ]
    for values, expected in cases:
        data, errors, _ = await run(RECORD, viewer, person=gid("Person", person), input=values)
        assert errors is None, errors
        assert broken(data["recordDestination"]) == expected, values
    assert (
        await session.scalar(
            select(GraduateDestination.id).where(
                GraduateDestination.person_id == person,
                GraduateDestination.recorded_on == today(),
            )
        )
        is None
    )


async def test_a_job_opens_a_record_and_its_schedule_and_a_new_destination_ends_it(run, session):
    viewer, person = await school_and_graduate(session)
    start = today() - timedelta(days=40)
    data, errors, _ = await run(RECORD, viewer, person=gid("Person", person), input=a_job(start))
    assert errors is None and data["recordDestination"]["errors"] == []
    recorded = data["recordDestination"]["result"]
    assert (recorded["kind"], recorded["source"], recorded["isCurrent"], recorded["employed"]) == (
        "OTHER_JOB",
        "SCHOOL",
        True,
        True,
    )
    intention = await session.scalar(
        select(EmploymentIntention).where(EmploymentIntention.person_id == person)
    )
    await session.refresh(intention)
    assert intention.match_available is False  # in work: not matched until the job ends

    # The schedule: 1, 3, 6 and 12 months after the start; the first is due (40 days ago + 1 month).
    data, _, _ = await run(DUES, viewer, person=gid("Person", person))
    due = [(e["node"]["months"], e["node"]["overdue"]) for e in data["followUpDues"]["edges"]]
    assert due == [(1, True)]
    points = (
        await session.execute(
            select(FollowUpDue.months, FollowUpDue.due_on).where(FollowUpDue.person_id == person)
        )
    ).all()
    assert sorted(m for m, _ in points) == [1, 3, 6, 12]
    assert dict(points)[1] == _plus_months(start, 1)

    # A destination recorded while the job is open must say why it ended.
    study = {"kind": "FURTHER_STUDY", "since": today().isoformat()}
    data, _, _ = await run(RECORD, viewer, person=gid("Person", person), input=study)
    assert broken(data["recordDestination"]) == {("endReason", "JOB_STILL_OPEN")}
    data, _, _ = await run(
        RECORD, viewer, person=gid("Person", person), input={**study, "endReason": "LEFT"}
    )
    assert data["recordDestination"]["errors"] == []
    data, _, _ = await run(HISTORY, viewer, id=gid("Person", person))
    history = data["node"]["graduateDestinations"]
    assert [(d["kind"], d["isCurrent"]) for d in history][-2:] == [
        ("OTHER_JOB", False),
        ("FURTHER_STUDY", True),
    ]
    assert {"endDate": today().isoformat(), "endReason": "LEFT"} in data["node"][
        "employmentRecords"
    ]
    await session.refresh(intention)
    assert intention.match_available is True


async def test_a_follow_up_answers_the_due_point_and_an_unemployed_one_ends_the_job(run, session):
    viewer, person = await school_and_graduate(session)
    start = today() - timedelta(days=40)
    await run(RECORD, viewer, person=gid("Person", person), input=a_job(start))
    data, _, _ = await run(
        FOLLOW_UP, viewer, person=gid("Person", person), on=today().isoformat(), status="EMPLOYED"
    )
    assert data["recordFollowUp"]["errors"] == []
    data, _, _ = await run(DUES, viewer, person=gid("Person", person))
    assert data["followUpDues"]["totalCount"] == 0  # the 3-month point is 50 days away
    data, _, _ = await run(
        FOLLOW_UP,
        viewer,
        person=gid("Person", person),
        on=today().isoformat(),
        status="UNEMPLOYED",
    )
    assert broken(data["recordFollowUp"]) == {("endReason", "JOB_STILL_OPEN")}
    data, _, _ = await run(
        FOLLOW_UP,
        viewer,
        person=gid("Person", person),
        on=today().isoformat(),
        status="UNEMPLOYED",
        reason="DISMISSED",
    )
    assert data["recordFollowUp"]["errors"] == []
    data, _, _ = await run(HISTORY, viewer, id=gid("Person", person))
    node = data["node"]
    assert node["graduateDestinations"][-1] == {
        "kind": "NOT_EMPLOYED",
        "isCurrent": True,
        "supersededOn": None,
    }
    # The ended job keeps only the points up to its end (the 1-month one, answered).
    assert [d["months"] for d in node["followUpDues"]] == [1]


async def test_the_employer_ends_its_own_employee_and_nobody_else(run, session):
    _, person = await school_and_graduate(session)
    household = await session.scalar(
        select(Household.region_code)
        .join(Person, Person.household_id == Household.id)
        .where(Person.id == person)
    )
    enterprises = list(
        await session.scalars(
            select(Organisation.id)
            .where(Organisation.kind == OrganisationKind.ENTERPRISE)
            .order_by(Organisation.id)
            .limit(2)
        )
    )
    job = EmploymentRecord(
        person_id=person,
        employer_id=enterprises[0],
        employer_name="联盟企业",
        start_date=date(2026, 3, 1),
        monthly_income=4000,
        work_region_code=household,
        location_tier="in_county",
    )
    session.add(job)
    await session.flush()
    other = member(Role.ENTERPRISE, enterprises[1])
    data, _, _ = await run(
        END, other, id=gid("EmploymentRecord", job.id), on="2026-06-30", reason="DISMISSED"
    )
    assert broken(data["endEmployment"]) == {("id", "NOT_FOUND")}
    employer = member(Role.ENTERPRISE, enterprises[0])
    data, _, _ = await run(
        END, employer, id=gid("EmploymentRecord", job.id), on="2026-02-01", reason="DISMISSED"
    )
    assert broken(data["endEmployment"]) == {("endedOn", "BEFORE_START")}
    data, _, _ = await run(
        END, employer, id=gid("EmploymentRecord", job.id), on="2026-06-30", reason="CONTRACT_ENDED"
    )
    assert data["endEmployment"] == {
        "result": {"endDate": "2026-06-30", "endReason": "CONTRACT_ENDED"},
        "errors": [],
    }
    data, _, _ = await run(
        END, employer, id=gid("EmploymentRecord", job.id), on="2026-06-30", reason="LEFT"
    )
    assert broken(data["endEmployment"]) == {("id", "ALREADY_ENDED")}


def _plus_months(day: date, months: int) -> date:
    """By hand: the same day-of-month, clipped to the month's last day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


async def test_an_alliance_hire_is_the_graduates_destination_and_starts_the_schedule(run, session):
    application = await application_at(session, Stage.OFFER)
    payload = await move(
        run, session, application, "HIRED", monthlyIncome=4600, startDate="2026-07-10"
    )
    assert payload["errors"] == []
    current = await session.scalar(
        select(GraduateDestination).where(
            GraduateDestination.person_id == application.person_id, GraduateDestination.is_current
        )
    )
    has_cohort = await session.scalar(
        select(EmploymentIntention.graduation_year).where(
            EmploymentIntention.person_id == application.person_id
        )
    )
    assert has_cohort is not None  # the seed's applicants are graduates
    assert (current.kind, current.source, current.monthly_income, current.since) == (
        "alliance_job",
        "hire",
        4600,
        date(2026, 7, 10),
    )
    job = await session.scalar(
        select(EmploymentRecord.id).where(EmploymentRecord.application_id == application.id)
    )
    due = (
        await session.scalars(
            select(FollowUpDue.due_on)
            .where(FollowUpDue.employment_record_id == job)
            .order_by(FollowUpDue.months)
        )
    ).all()
    assert due == [date(2026, 8, 10), date(2026, 10, 10), date(2027, 1, 10), date(2027, 7, 10)]
