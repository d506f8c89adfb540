"""Referral into stage `recommended`, duplicates refused; the fair shortlist on real rows; the
matching keys stay equal to their sources."""

from __future__ import annotations

import asyncio
import time
from datetime import date

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.applications import Application, ApplicationEvent, ApplicationSource, Stage
from models.fairs import Fair, fair_positions, fair_registrations
from models.matching_keys import refresh_statement
from models.organisations import Organisation
from models.people import EmploymentIntention, Household, HouseholdCategory, LocationTier, Person
from models.positions import Position
from models.tracking import EmploymentRecord
from resolvers.matching import Reference, ReferralRefused, fair_shortlist, matched_graduates, refer
from resolvers.matching.engine import with_pairings
from tests.matching import brute
from tests.matching.test_assignment import brute_force_best

pytestmark = pytest.mark.db


async def _a_match(session: AsyncSession):
    position = (await brute.positions(session))[0]
    match = (await matched_graduates(session, position.position_id, first=1)).matches[0]
    return match.person_id, match.position_id


async def test_referral_creates_a_recommended_application_with_its_event(
    session: AsyncSession,
) -> None:
    person_id, position_id = await _a_match(session)
    application = await refer(
        session,
        person_id=person_id,
        position_id=position_id,
        source=ApplicationSource.AGENCY,
        referrer_id=None,
        note="一对一帮扶推荐",
    )
    assert application.stage == Stage.RECOMMENDED
    events = (
        await session.execute(
            select(ApplicationEvent.from_stage, ApplicationEvent.to_stage).where(
                ApplicationEvent.application_id == application.id
            )
        )
    ).all()
    assert events == [(None, Stage.RECOMMENDED)]
    again = await matched_graduates(session, position_id, first=100)
    assert person_id not in {m.person_id for m in again.matches}  # referred: no longer suggested


async def test_a_duplicate_referral_is_refused_clearly(session: AsyncSession) -> None:
    person_id, position_id = await _a_match(session)
    first = await refer(
        session, person_id=person_id, position_id=position_id, source=ApplicationSource.SCHOOL
    )
    with pytest.raises(ReferralRefused) as refused:
        await refer(
            session, person_id=person_id, position_id=position_id, source=ApplicationSource.AGENCY
        )
    assert refused.value.code == "DUPLICATE_REFERRAL"
    assert refused.value.field == "personId"
    assert refused.value.message == (
        f"此人已有该岗位的申请（编号 {first.id}，阶段 recommended），同一人对同一岗位只能推荐一次。"
    )
    count = (
        await session.execute(
            select(Application.id).where(
                Application.person_id == person_id, Application.position_id == position_id
            )
        )
    ).all()
    assert len(count) == 1


async def test_referral_keeps_the_hard_filters(session: AsyncSession) -> None:
    person_id, position_id = await _a_match(session)
    await session.execute(update(Position).where(Position.id == position_id).values(state="closed"))
    with pytest.raises(ReferralRefused) as refused:
        await refer(
            session, person_id=person_id, position_id=position_id, source=ApplicationSource.AGENCY
        )
    assert refused.value.code == "POSITION_NOT_OPEN"


async def _small_fair(session: AsyncSession, persons: list[int], positions: list[int]) -> int:
    organiser = (
        await session.execute(select(Organisation.id).where(Organisation.kind == "agency").limit(1))
    ).scalar_one()
    fair_id = (
        await session.execute(
            insert(Fair)
            .values(
                organiser_id=organiser,
                name="小型专场",
                kind="general",
                mode="offline",
                region_code="500000",
                starts_on=date(2026, 11, 20),
                ends_on=date(2026, 11, 20),
            )
            .returning(Fair.id)
        )
    ).scalar_one()
    await session.execute(
        insert(fair_registrations), [{"fair_id": fair_id, "person_id": p} for p in persons]
    )
    await session.execute(
        insert(fair_positions), [{"fair_id": fair_id, "position_id": p} for p in positions]
    )
    return fair_id


async def test_fair_shortlist_is_optimal_on_a_small_fair(session: AsyncSession) -> None:
    graduates = (await brute.graduates(session))[:6]
    positions = (await brute.positions(session))[:3]
    await session.execute(
        update(Position)
        .where(Position.id == positions[0].position_id)
        .values(headcount=2, filled=0)
    )
    await session.execute(
        update(Position)
        .where(Position.id == positions[1].position_id)
        .values(headcount=1, filled=0)
    )
    fair_id = await _small_fair(
        session, [g.person_id for g in graduates], [p.position_id for p in positions]
    )
    shortlist = await fair_shortlist(session, fair_id)

    policy = with_pairings(None, await Reference.load(session))
    reference_scores = {}
    for position in positions:
        for scored in await brute.best_graduates(session, position, policy):
            if scored.graduate.person_id in {g.person_id for g in graduates}:
                reference_scores[scored.graduate.person_id, position.position_id] = scored.score
    seats = await _seats(session)
    assert shortlist.total_score == pytest.approx(brute_force_best(reference_scores, seats))
    assert len({m.person_id for m in shortlist.assignments}) == len(shortlist.assignments)
    for match in shortlist.assignments:
        assert match.reasons or match.missing
    assigned = {m.person_id for m in shortlist.assignments}
    assert sorted(assigned | set(shortlist.unassigned_person_ids)) == sorted(
        g.person_id for g in graduates
    )


async def _seats(session: AsyncSession) -> dict[int, int]:
    rows = await session.execute(select(Position.id, Position.headcount - Position.filled))
    return {position_id: seats for position_id, seats in rows}


async def test_the_seeded_fair_respects_seats_and_eligibility(session: AsyncSession) -> None:
    shortlist = await fair_shortlist(session, 1)
    assert shortlist.assignments
    seats = await _seats(session)
    taken: dict[int, int] = {}
    for match in shortlist.assignments:
        taken[match.position_id] = taken.get(match.position_id, 0) + 1
    assert all(count <= seats[position] for position, count in taken.items())


async def test_the_solver_runs_off_the_event_loop(session: AsyncSession, monkeypatch) -> None:
    """While a shortlist is solved, the worker's other requests still run: the loop keeps ticking."""
    from resolvers.matching import fair

    solve = fair.optimal_assignment

    def slow_solver(*args):
        time.sleep(0.6)  # CPU work stands in; a solver on the loop would stop every tick below
        return solve(*args)

    monkeypatch.setattr(fair, "optimal_assignment", slow_solver)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    running = asyncio.create_task(ticker())
    try:
        shortlist = await fair_shortlist(session, 1)
    finally:
        running.cancel()
    assert shortlist.assignments
    assert ticks >= 6, f"the event loop ticked only {ticks} times while the solver ran"


async def test_seeded_matching_keys_equal_their_sources(session: AsyncSession) -> None:
    columns = (
        EmploymentIntention.id,
        EmploymentIntention.match_major_code,
        EmploymentIntention.match_monitored,
        EmploymentIntention.match_key_county,
        EmploymentIntention.match_relocated,
        EmploymentIntention.match_education,
        EmploymentIntention.match_region_code,
        EmploymentIntention.match_available,
    )
    before = (await session.execute(select(*columns).order_by(EmploymentIntention.id))).all()
    await session.execute(refresh_statement(EmploymentIntention.id.is_not(None)))
    after = (await session.execute(select(*columns).order_by(EmploymentIntention.id))).all()
    assert after == before


async def test_an_orm_change_of_the_household_refreshes_the_keys(session: AsyncSession) -> None:
    intention = (
        await session.execute(
            select(EmploymentIntention)
            .where(EmploymentIntention.match_monitored.is_(False))
            .limit(1)
        )
    ).scalar_one()
    person = await session.get(Person, intention.person_id)
    household = await session.get(Household, person.household_id)
    household.category = HouseholdCategory.SUDDEN_HARDSHIP
    await session.flush()
    refreshed = (
        await session.execute(
            select(EmploymentIntention.match_monitored).where(
                EmploymentIntention.id == intention.id
            )
        )
    ).scalar_one()
    assert refreshed is True


async def test_employment_and_seeking_refresh_availability(session: AsyncSession) -> None:
    """In work and not seeking: out of matching; seeking a change, or the job ended: back in."""
    intention = (
        await session.execute(
            select(EmploymentIntention)
            .where(EmploymentIntention.match_available.is_(True))
            .limit(1)
        )
    ).scalar_one()
    employer = (await session.scalars(select(Organisation.id).limit(1))).one()
    record = EmploymentRecord(
        person_id=intention.person_id,
        employer_id=employer,
        employer_name="某公司",
        start_date=date(2026, 7, 1),
        monthly_income=4800,
        work_region_code="500101",
        location_tier=LocationTier.IN_PROVINCE,
    )
    session.add(record)
    intention.seeking = False
    await session.flush()
    assert await _available(session, intention) is False
    intention.seeking = True
    await session.flush()
    assert await _available(session, intention) is True
    intention.seeking = False
    await session.flush()
    record.end_date = date(2026, 10, 31)
    await session.flush()
    assert await _available(session, intention) is True


async def _available(session: AsyncSession, intention: EmploymentIntention) -> bool:
    return await session.scalar(
        select(EmploymentIntention.match_available).where(EmploymentIntention.id == intention.id)
    )
