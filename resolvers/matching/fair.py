"""Fair shortlists (专场招聘): registered graduates assigned to the fair's positions so that the
total match score is as high as possible, each graduate once, no position beyond its headcount.

This is a maximum-weight b-matching. It reduces to the assignment problem by giving each position
one column per open seat, plus one "not shortlisted" column per graduate worth 0, so nobody is
forced into an ineligible pair; scipy's ``linear_sum_assignment`` (a maintained Jonker–Volgenant
solver) then finds an optimum. The matrix is graduates × (seats + graduates), with seats capped
at the number of graduates: 1,000 graduates × 6,000 columns solves in about 0.1 s here.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from sqlalchemy import ColumnElement, select, true

from models.applications import Application
from models.fairs import fair_positions, fair_registrations
from models.people import Person
from models.positions import Position
from resolvers.context import AnySession
from resolvers.matching import candidates
from resolvers.matching.candidates import Reference
from resolvers.matching.engine import Match, explained, with_pairings
from resolvers.matching.scoring import (
    GraduateProfile,
    MatchPolicy,
    PositionProfile,
    education_suffices,
    score,
)

# Stands for "may not be paired"; any real total is far above it, so the solver never takes it.
FORBIDDEN = -1e9

Pair = tuple[int, int]  # (person id, position id)


@dataclass(frozen=True)
class Shortlist:
    assignments: list[Match]  # best first
    total_score: float
    unassigned_person_ids: list[int]


def optimal_assignment(scores: dict[Pair, float], seats: dict[int, int]) -> dict[int, int]:
    """person id → position id maximising the total score of the pairs in ``scores`` (the
    eligible ones), each person at most once, each position at most ``seats[position]`` times."""
    persons = sorted({person for person, _ in scores})
    if not persons:
        return {}
    # More seats than persons are never used; capping them keeps the matrix small.
    columns = [
        position for position in sorted(seats) for _ in range(min(seats[position], len(persons)))
    ]
    first_column: dict[int, int] = {}
    for column, position in enumerate(columns):
        first_column.setdefault(position, column)
    matrix = np.full((len(persons), len(columns) + len(persons)), FORBIDDEN)
    row_of = {person: row for row, person in enumerate(persons)}
    for (person, position), pair_score in scores.items():
        if position in first_column:
            start = first_column[position]
            matrix[row_of[person], start : start + min(seats[position], len(persons))] = pair_score
    matrix[np.arange(len(persons)), len(columns) + np.arange(len(persons))] = 0.0  # not shortlisted
    rows, chosen = linear_sum_assignment(matrix, maximize=True)
    return {
        persons[row]: columns[column]
        for row, column in zip(rows, chosen, strict=True)
        if column < len(columns) and matrix[row, column] > FORBIDDEN
    }


async def fair_shortlist(
    session: AnySession,
    fair_id: int,
    *,
    person_filter: ColumnElement[bool] | None = None,
    household_clear: ColumnElement[bool] | None = None,
    policy: MatchPolicy | None = None,
    reference: Reference | None = None,
) -> Shortlist:
    """The optimal shortlist of a fair's registered, available graduates for its open positions
    (scored without the household where ``household_clear`` does not hold, as in the engine)."""
    reference = reference or await Reference.cached(session)
    policy = with_pairings(policy, reference)
    graduates = await _registered_graduates(session, fair_id, person_filter, household_clear)
    positions, seats = await _open_positions(session, fair_id)
    applied = await _applied_pairs(session, fair_id)
    scored = {
        (graduate.person_id, position.position_id): score(graduate, position, policy)
        for graduate in graduates
        for position in positions
        if education_suffices(graduate.education, position.min_education)
        and (graduate.person_id, position.position_id) not in applied
    }
    # The solver is pure CPU (about 0.1 s for 1,000 graduates): off the event loop, so the other
    # requests of this worker are not held up while it runs (scipy releases the GIL).
    chosen = await asyncio.to_thread(
        optimal_assignment, {pair: pair_score.score for pair, pair_score in scored.items()}, seats
    )
    matches = sorted(
        (explained(scored[pair], reference, policy) for pair in chosen.items()),
        key=lambda match: (-match.score, match.person_id),
    )
    unassigned = sorted(g.person_id for g in graduates if g.person_id not in chosen)
    return Shortlist(matches, sum(match.score for match in matches), unassigned)


async def _registered_graduates(
    session: AnySession,
    fair_id: int,
    person_filter: ColumnElement[bool] | None,
    household_clear: ColumnElement[bool] | None,
) -> list[GraduateProfile]:
    registered = select(fair_registrations.c.person_id).where(
        fair_registrations.c.fair_id == fair_id
    )
    statement = candidates.graduates_statement(household_clear).where(
        Person.id.in_(registered),
        candidates.available(),
        person_filter if person_filter is not None else true(),
    )
    return [candidates.graduate_profile(row) for row in await session.execute(statement)]


async def _open_positions(
    session: AnySession, fair_id: int
) -> tuple[list[PositionProfile], dict[int, int]]:
    """The fair's open positions and the seats each has left (headcount − filled)."""
    offered = select(fair_positions.c.position_id).where(fair_positions.c.fair_id == fair_id)
    statement = (
        candidates.positions_statement()
        .add_columns((Position.headcount - Position.filled).label("seats"))
        .where(Position.id.in_(offered), candidates.open_with_headcount())
    )
    rows = list(await session.execute(statement))
    return [candidates.position_profile(row) for row in rows], {row.id: row.seats for row in rows}


async def _applied_pairs(session: AnySession, fair_id: int) -> set[Pair]:
    """(person, position) pairs of the fair that already have an application: not shortlisted again."""
    registered = select(fair_registrations.c.person_id).where(
        fair_registrations.c.fair_id == fair_id
    )
    offered = select(fair_positions.c.position_id).where(fair_positions.c.fair_id == fair_id)
    rows = await session.execute(
        select(Application.person_id, Application.position_id).where(
            Application.person_id.in_(registered), Application.position_id.in_(offered)
        )
    )
    return {(person, position) for person, position in rows}
