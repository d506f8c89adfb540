"""The application stage machine: recommended → applied → interview → offer → hired, rejected
with a structured reason, withdrawn; hiring writes the employment record and fills headcount."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from auth.viewer import Viewer
from models.applications import (
    Application,
    ApplicationEvent,
    ApplicationSource,
    RejectionReason,
    Stage,
)
from models.organisations import Membership, Organisation, OrganisationKind, Role
from models.people import EmploymentIntention, Household, Person
from models.positions import Position, PositionState
from models.regions import Region, RegionLevel
from models.tracking import EmploymentRecord
from resolvers.ids import to_global_id
from tests.api.conftest import ALL_SCOPES, member

TRANSITION = """mutation($input: TransitionInput!) { transitionApplication(input: $input) {
  result { stage rejectionReason version } errors { field code message } } }"""


async def application_at(session, stage: Stage) -> Application:
    """An application never hired to an open position with a place left, moved to ``stage``."""
    hired = select(EmploymentRecord.application_id).where(
        EmploymentRecord.application_id.is_not(None)
    )
    application = (
        await session.scalars(
            select(Application)
            .join(Position)
            .where(Position.state == PositionState.OPEN, Application.id.not_in(hired))
            .order_by(Application.id)
        )
    ).first()
    position = await session.get(Position, application.position_id)
    position.headcount = position.filled + 1
    application.stage = stage
    application.rejection_reason = RejectionReason.OTHER if stage == Stage.REJECTED else None
    await session.flush()
    return application


def enterprise_of(position: Position) -> Viewer:
    return member(Role.ENTERPRISE, position.enterprise_id)


async def move(
    run, session, application: Application, stage: str, viewer: Viewer | None = None, **extra
):
    position = await session.get(Position, application.position_id)
    data, errors, _ = await run(
        TRANSITION,
        viewer or enterprise_of(position),
        input={
            "id": to_global_id("Application", application.id),
            "version": application.version,
            "stage": stage,
            **extra,
        },
    )
    assert errors is None, errors
    return data["transitionApplication"]


def error_codes(payload: dict) -> list[tuple[str, str]]:
    return [(error["field"], error["code"]) for error in payload["errors"]]


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Stage.APPLIED, "INTERVIEW"),
        (Stage.INTERVIEW, "OFFER"),
        (Stage.OFFER, "HIRED"),
    ],
)
async def test_the_enterprise_moves_an_application_one_stage_on(run, session, start, target):
    application = await application_at(session, start)
    events_before = await session.scalar(
        select(func.count()).where(ApplicationEvent.application_id == application.id)
    )
    payload = await move(run, session, application, target)
    assert payload["errors"] == [] and payload["result"]["stage"] == target
    events = select(ApplicationEvent.to_stage).where(
        ApplicationEvent.application_id == application.id
    )
    assert len((await session.scalars(events)).all()) == events_before + 1


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Stage.APPLIED, "OFFER"),
        (Stage.INTERVIEW, "HIRED"),
        (Stage.OFFER, "APPLIED"),
        (Stage.HIRED, "REJECTED"),
        (Stage.REJECTED, "INTERVIEW"),
        (Stage.WITHDRAWN, "APPLIED"),
    ],
)
async def test_skipping_going_back_and_leaving_a_final_stage_are_refused(
    run, session, start, target
):
    application = await application_at(session, start)
    payload = await move(
        run, session, application, target, reason="OTHER" if target == "REJECTED" else None
    )
    assert error_codes(payload) == [("stage", "INVALID_TRANSITION")]
    assert (
        await session.scalar(select(Application.stage).where(Application.id == application.id))
        == start
    )


async def test_a_rejection_needs_a_structured_reason(run, session):
    application = await application_at(session, Stage.INTERVIEW)
    assert error_codes(await move(run, session, application, "REJECTED")) == [
        ("reason", "REASON_IFF_REJECTED")
    ]
    payload = await move(run, session, application, "REJECTED", reason="SKILLS_MISMATCH")
    assert payload["result"] == {
        "stage": "REJECTED",
        "rejectionReason": "SKILLS_MISMATCH",
        "version": application.version,
    }


async def test_only_rejections_take_a_reason(run, session):
    application = await application_at(session, Stage.APPLIED)
    payload = await move(run, session, application, "INTERVIEW", reason="SALARY")
    assert error_codes(payload) == [("reason", "REASON_IFF_REJECTED")]


async def test_the_applicant_withdraws_and_the_enterprise_may_not(run, session):
    application = await application_at(session, Stage.INTERVIEW)
    assert error_codes(await move(run, session, application, "WITHDRAWN")) == [
        ("stage", "NOT_YOUR_STEP")
    ]
    graduate = Viewer(role=Role.GRADUATE, person_id=application.person_id, scopes=ALL_SCOPES)
    payload = await move(run, session, application, "WITHDRAWN", graduate)
    assert payload["errors"] == [] and payload["result"]["stage"] == "WITHDRAWN"


async def household_region(session, application: Application) -> str:
    return await session.scalar(
        select(Household.region_code).join(Person).where(Person.id == application.person_id)
    )


async def a_county(
    session, *, same_province_as: str, other_than: str | None = None, same: bool = True
) -> str:
    province = Region.code.startswith(same_province_as[:2])
    statement = select(Region.code).where(
        Region.level == RegionLevel.COUNTY, province if same else ~province
    )
    if other_than:
        statement = statement.where(Region.code != other_than)
    return await session.scalar(statement.order_by(Region.code))


async def work_region_for(session, tier: str, home: str) -> str:
    if tier == "in_county":
        return home
    if tier == "in_province":
        return await a_county(session, same_province_as=home, other_than=home)
    return await a_county(session, same_province_as=home, same=False)


@pytest.mark.parametrize("tier", ["in_county", "in_province", "cross_province"])
async def test_hiring_records_the_employment_with_its_location_tier_and_fills_a_place(
    run, session, tier
):
    application = await application_at(session, Stage.OFFER)
    position = await session.get(Position, application.position_id)
    position.region_code = await work_region_for(
        session, tier, await household_region(session, application)
    )
    await session.flush()
    filled = position.filled

    payload = await move(
        run, session, application, "HIRED", monthlyIncome=5200, startDate="2025-07-01"
    )

    assert payload["errors"] == [] and payload["result"]["stage"] == "HIRED"
    assert (
        await session.scalar(select(Position.filled).where(Position.id == position.id))
        == filled + 1
    )
    record = (
        await session.scalars(
            select(EmploymentRecord).where(EmploymentRecord.application_id == application.id)
        )
    ).one()
    assert (record.location_tier, record.work_region_code, record.monthly_income) == (
        tier,
        position.region_code,
        5200,
    )
    assert (record.person_id, record.employer_id, str(record.start_date)) == (
        application.person_id,
        position.enterprise_id,
        "2025-07-01",
    )
    # In work now: no longer seeking, so out of matching until they seek a change.
    intention = await session.scalar(
        select(EmploymentIntention).where(EmploymentIntention.person_id == application.person_id)
    )
    if intention is not None:
        await session.refresh(intention)
        assert (intention.seeking, intention.match_available) == (False, False)


async def test_hiring_into_a_full_position_is_refused(run, session):
    application = await application_at(session, Stage.OFFER)
    position = await session.get(Position, application.position_id)
    position.headcount = position.filled
    await session.flush()
    assert error_codes(await move(run, session, application, "HIRED")) == [
        ("applicationId", "POSITION_FULL")
    ]


async def test_a_hire_that_fails_after_filling_a_place_leaves_nothing_behind(run, session):
    """The place is taken before the employment record is written; when that write breaks a
    constraint (a record for this application already exists), the place is given back too."""
    application = await application_at(session, Stage.OFFER)
    position = await session.get(Position, application.position_id)
    session.add(
        EmploymentRecord(
            person_id=application.person_id,
            employer_name="旧记录",
            application_id=application.id,
            start_date=position.valid_from,
            monthly_income=1,
            work_region_code=position.region_code,
            location_tier="in_county",
        )
    )
    await session.flush()
    position_id, application_id, filled = position.id, application.id, position.filled
    records = await session.scalar(select(func.count()).select_from(EmploymentRecord))

    payload = await move(run, session, application, "HIRED")

    assert error_codes(payload) == [(None, "CONSTRAINT")]
    assert await session.scalar(select(Position.filled).where(Position.id == position_id)) == filled
    assert await session.scalar(select(func.count()).select_from(EmploymentRecord)) == records
    assert (
        await session.scalar(select(Application.stage).where(Application.id == application_id))
        == Stage.OFFER
    )


async def test_a_referral_waits_for_the_graduate_not_the_enterprise(run, session):
    """已推荐 is the graduate's (or their school's) to answer: the enterprise may not even reject it,
    the referring agency may not accept it; the graduate's acceptance is what moves it on."""
    application = await application_at(session, Stage.RECOMMENDED)
    agency = await session.scalar(
        select(Organisation.id)
        .where(
            Organisation.kind == OrganisationKind.AGENCY,
            Organisation.membership == Membership.APPROVED,
        )
        .order_by(Organisation.id)
    )
    application.source, application.referrer_id = ApplicationSource.AGENCY, agency
    await session.flush()
    assert error_codes(await move(run, session, application, "REJECTED", reason="OTHER")) == [
        ("stage", "AWAITING_GRADUATE")
    ]
    assert error_codes(await move(run, session, application, "INTERVIEW")) == [
        ("stage", "INVALID_TRANSITION")
    ]
    referrer = member(Role.AGENCY, agency)
    assert error_codes(await move(run, session, application, "APPLIED", referrer)) == [
        ("stage", "NOT_YOUR_STEP")
    ]
    graduate = Viewer(role=Role.GRADUATE, person_id=application.person_id, scopes=ALL_SCOPES)
    payload = await move(run, session, application, "APPLIED", graduate)
    assert payload["errors"] == [] and payload["result"]["stage"] == "APPLIED"
