"""Brute force over the whole test alliance: every available graduate × every open position.

Availability is computed from its sources (models.matching_keys.available), not read from the
intention row's copy that the engine uses."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import ColumnElement, case, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from models import matching_keys
from models.applications import Application
from models.people import Person
from models.positions import Position
from resolvers.matching import candidates
from resolvers.matching.scoring import (
    GraduateProfile,
    MatchPolicy,
    PositionProfile,
    Scored,
    education_suffices,
    score,
)


async def graduates(
    session: AsyncSession,
    where: ColumnElement[bool] | None = None,
    household_clear: ColumnElement[bool] | None = None,
) -> list[GraduateProfile]:
    """Available graduates; where ``household_clear`` does not hold, with no household at all —
    no home county, category or flags — as a viewer who may not see it must be scored."""
    shown = case(
        (household_clear if household_clear is not None else true(), True), else_=False
    ).label("shown")
    statement = (
        candidates.graduates_statement()
        .add_columns(shown)
        .where(matching_keys.available(), where if where is not None else true())
        .order_by(Person.id)
    )
    return [
        candidates.graduate_profile(row)
        if row.shown
        else replace(
            candidates.graduate_profile(row),
            household_region=None,
            household_category=None,
            relocated=False,
            key_county=False,
        )
        for row in await session.execute(statement)
    ]


async def positions(
    session: AsyncSession, where: ColumnElement[bool] | None = None
) -> list[PositionProfile]:
    statement = (
        candidates.positions_statement()
        .where(candidates.open_with_headcount(), where if where is not None else true())
        .order_by(Position.id)
    )
    return [candidates.position_profile(row) for row in await session.execute(statement)]


async def applied(session: AsyncSession) -> set[tuple[int, int]]:
    rows = await session.execute(select(Application.person_id, Application.position_id))
    return {(person, position) for person, position in rows}


def eligible(
    graduate: GraduateProfile, position: PositionProfile, applied_pairs: set[tuple[int, int]]
) -> bool:
    return (
        education_suffices(graduate.education, position.min_education)
        and (graduate.person_id, position.position_id) not in applied_pairs
    )


def ranked(pairs: list[Scored], key) -> list[Scored]:
    return sorted(pairs, key=lambda scored: (-scored.score, key(scored)))


async def best_graduates(
    session, position: PositionProfile, policy: MatchPolicy, where=None, household_clear=None
) -> list[Scored]:
    applied_pairs = await applied(session)
    pairs = [
        score(g, position, policy)
        for g in await graduates(session, where, household_clear)
        if eligible(g, position, applied_pairs)
    ]
    return ranked(pairs, key=lambda scored: scored.graduate.person_id)


async def best_positions(
    session, graduate: GraduateProfile, policy: MatchPolicy, where=None
) -> list[Scored]:
    applied_pairs = await applied(session)
    pairs = [
        score(graduate, p, policy)
        for p in await positions(session, where)
        if eligible(graduate, p, applied_pairs)
    ]
    return ranked(pairs, key=lambda scored: scored.position.position_id)
