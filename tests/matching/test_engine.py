"""The engine's top-k equals brute force over the whole test alliance, in both directions, with
filters, pagination and other weights; and its bands cover every candidate under their bounds."""

from __future__ import annotations

import pytest
from sqlalchemy import false, insert, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from models.classes import Enrolment, TrainingClass, class_reserved_positions
from models.people import Person
from models.positions import Position
from resolvers.matching import (
    MatchPolicy,
    PriorityWeights,
    Reference,
    candidates,
    engine,
    matched_graduates,
    matched_positions,
)
from resolvers.matching.scoring import education_suffices, score
from tests.matching import brute

pytestmark = pytest.mark.db


def _policy(reference: Reference, **priority) -> MatchPolicy:
    return engine.with_pairings(MatchPolicy(priority=PriorityWeights(**priority)), reference)


def _as_pairs(matches) -> list[tuple[int, int, float]]:
    return [(m.person_id, m.position_id, round(m.score, 12)) for m in matches]


def _expected(best, first: int, offset: int = 0) -> list[tuple[int, int, float]]:
    window = best[offset : offset + first]
    return [(s.graduate.person_id, s.position.position_id, round(s.score, 12)) for s in window]


async def test_matched_graduates_equal_brute_force_for_every_open_position(
    session: AsyncSession,
) -> None:
    reference = await Reference.load(session)
    policy = engine.with_pairings(None, reference)
    for position in await brute.positions(session):
        best = await brute.best_graduates(session, position, policy)
        page = await matched_graduates(session, position.position_id, first=10, reference=reference)
        assert _as_pairs(page.matches) == _expected(best, 10), position.position_id
        assert page.has_next_page == (len(best) > 10)


async def test_matched_positions_equal_brute_force_for_every_graduate(
    session: AsyncSession,
) -> None:
    reference = await Reference.load(session)
    policy = engine.with_pairings(None, reference)
    for graduate in await brute.graduates(session):
        best = await brute.best_positions(session, graduate, policy)
        page = await matched_positions(session, graduate.person_id, first=5, reference=reference)
        assert _as_pairs(page.matches) == _expected(best, 5), graduate.person_id


async def test_pages_continue_where_the_last_one_ended(session: AsyncSession) -> None:
    reference = await Reference.load(session)
    position = (await brute.positions(session))[0]
    best = await brute.best_graduates(session, position, engine.with_pairings(None, reference))
    pages = [
        await matched_graduates(
            session, position.position_id, first=7, offset=offset, reference=reference
        )
        for offset in (0, 7, 14)
    ]
    assert [pair for page in pages for pair in _as_pairs(page.matches)] == _expected(best, 21)


async def test_the_callers_filter_is_a_hard_filter(session: AsyncSession) -> None:
    """The API passes the viewer's rules; here: only graduates who consented to be shown."""
    reference = await Reference.load(session)
    consented = Person.consent_to_share.is_(True)
    for position in (await brute.positions(session))[:10]:
        best = await brute.best_graduates(
            session, position, engine.with_pairings(None, reference), consented
        )
        page = await matched_graduates(
            session, position.position_id, first=10, person_filter=consented, reference=reference
        )
        assert _as_pairs(page.matches) == _expected(best, 10)
    yulu_only = Position.yulu_priority.is_(True)
    graduate = (await brute.graduates(session))[0]
    best = await brute.best_positions(
        session, graduate, engine.with_pairings(None, reference), yulu_only
    )
    page = await matched_positions(
        session, graduate.person_id, first=10, position_filter=yulu_only, reference=reference
    )
    assert _as_pairs(page.matches) == _expected(best, 10)


async def test_other_priority_weights_reorder_exactly(session: AsyncSession) -> None:
    reference = await Reference.load(session)
    heavy = _policy(reference, monitored_household=1.0, key_county=0.5, relocated=0.25)
    for position in (await brute.positions(session))[:10]:
        best = await brute.best_graduates(session, position, heavy)
        page = await matched_graduates(
            session, position.position_id, first=10, policy=heavy, reference=reference
        )
        assert _as_pairs(page.matches) == _expected(best, 10)
        top = [m.priority.monitored_household for m in page.matches]
        assert top == sorted(top, reverse=True)  # with this weight, monitored families come first


async def test_a_class_reserved_position_goes_to_its_own_students_first(
    session: AsyncSession,
) -> None:
    reference = await Reference.load(session)
    position = next(p for p in await brute.positions(session) if not p.reserved_for_classes)
    student = (await brute.graduates(session))[-1]
    class_id = (await session.execute(select(TrainingClass.id).limit(1))).scalar_one()
    await session.execute(
        insert(class_reserved_positions).values(class_id=class_id, position_id=position.position_id)
    )
    await session.execute(insert(Enrolment).values(class_id=class_id, person_id=student.person_id))
    policy = _policy(reference, reserved_for_class=2.0)
    page = await matched_graduates(
        session, position.position_id, first=5, policy=policy, reference=reference
    )
    assert page.matches[0].person_id == student.person_id
    assert page.matches[0].priority.reserved_for_class
    assert "所在定向（定制）班的预留岗位" in page.matches[0].reasons
    mine = await matched_positions(
        session, student.person_id, first=10, policy=policy, reference=reference
    )
    reserved = [m.position_id for m in mine.matches if m.priority.reserved_for_class]
    assert position.position_id in reserved  # the class may reserve others too
    assert [m.position_id for m in mine.matches[: len(reserved)]] == reserved


async def test_closed_positions_and_unknown_people_match_nothing(session: AsyncSession) -> None:
    closed = (
        await session.execute(select(Position.id).where(Position.state == "closed").limit(1))
    ).scalar_one()
    assert (await matched_graduates(session, closed, first=10)).matches == []
    assert (await matched_positions(session, 10**9, first=10)).matches == []


async def test_scores_without_the_household_equal_brute_force(session: AsyncSession) -> None:
    """Where the viewer may not see the household (here: the non-consenting), the engine's top-k
    is brute force's over profiles with no household at all, and the flags never show."""
    reference = await Reference.load(session)
    policy = engine.with_pairings(None, reference)
    hidden = 0
    for position in (await brute.positions(session))[:40]:
        best = await brute.best_graduates(
            session, position, policy, household_clear=Person.consent_to_share
        )
        page = await matched_graduates(
            session,
            position.position_id,
            first=10,
            reference=reference,
            household_clear=Person.consent_to_share.expression,
        )
        assert _as_pairs(page.matches) == _expected(best, 10), position.position_id
        hidden += sum(1 for scored in best[:10] if scored.graduate.household_region is None)
    assert hidden > 0  # the check saw graduates scored without their household
    for graduate in (await brute.graduates(session, household_clear=false()))[:40]:
        best = await brute.best_positions(session, graduate, policy)
        page = await matched_positions(
            session, graduate.person_id, first=5, reference=reference, household_clear=false()
        )
        assert _as_pairs(page.matches) == _expected(best, 5), graduate.person_id
        assert not any(
            m.priority.monitored_household or m.priority.key_county or m.priority.relocated
            for m in page.matches
        )


@pytest.mark.parametrize(
    "household_clear", [true(), false(), Person.consent_to_share], ids=["clear", "hidden", "mixed"]
)
async def test_bands_cover_every_candidate_once_and_bound_its_score(
    session: AsyncSession, household_clear
) -> None:
    """The threshold search is exact only if each candidate is in one band whose bounds hold."""
    reference = await Reference.load(session)
    policy = engine.with_pairings(None, reference)
    for position in (await brute.positions(session))[:15]:
        everyone = {
            g.person_id: g
            for g in await brute.graduates(session, household_clear=household_clear)
            if education_suffices(g.education, position.min_education)
        }
        seen: list[int] = []
        for band in engine._graduate_bands(position, policy, reference, household_clear):
            statement = (
                candidates.graduates_statement(household_clear)
                .add_columns(band.row_bound.label("row_bound"))
                .where(candidates.graduate_pool(position), band.where)
            )
            for row in await session.execute(statement):
                scored = score(everyone[row.id], position, policy)
                assert (
                    scored.score
                    <= row.row_bound + engine.BOUND_SLACK
                    <= band.bound + 2 * engine.BOUND_SLACK
                )
                seen.append(row.id)
        assert sorted(seen) == sorted(everyone)
    every_position = {p.position_id: p for p in await brute.positions(session)}
    for graduate in (await brute.graduates(session))[:15]:
        seen = []
        for band in engine._position_bands(graduate, policy, reference):
            statement = (
                candidates.positions_statement()
                .add_columns(band.row_bound.label("row_bound"))
                .where(candidates.open_with_headcount(), band.where)
            )
            for row in await session.execute(statement):
                scored = score(graduate, every_position[row.id], policy)
                assert (
                    scored.score
                    <= row.row_bound + engine.BOUND_SLACK
                    <= band.bound + 2 * engine.BOUND_SLACK
                )
                seen.append(row.id)
        assert sorted(seen) == sorted(every_position)


async def test_factors_are_returned_in_unit_range_with_reasons(session: AsyncSession) -> None:
    position = (await brute.positions(session))[0]
    for match in (await matched_graduates(session, position.position_id, first=20)).matches:
        assert all(0.0 <= value <= 1.0 for value in vars(match.factors).values())
        assert match.reasons or match.missing
