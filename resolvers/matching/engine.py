"""The matching engine: top-k graduates for a position and top-k positions for a graduate.

Exact top-k by a threshold search. Candidates are read band by band (candidates.py), bands in
descending order of the best score any member could reach (scoring.upper_bound); every row read
is scored in Python by the pure scorer; the search stops as soon as the k-th best score so far
beats the next band's bound. Those with a class's reserved position are read first, since their
bonus is pair-specific and no band bound covers it.

The engine takes the caller's visibility rules as an SQL predicate (``person_filter`` /
``position_filter``) and returns ids, scores and explanations: masking stays with the API layer.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, true
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.matching import candidates
from resolvers.matching.candidates import Reference
from resolvers.matching.explain import missing, reasons
from models.people import MONITORED_CATEGORIES
from resolvers.matching.scoring import (
    MAJOR_LEVELS,
    MAJOR_NONE,
    Factors,
    MatchPolicy,
    Priority,
    Scored,
    score,
    upper_bound,
)

# Floating sums in a different order may differ in the last bit; a bound must never be below.
BOUND_SLACK = 1e-9


@dataclass(frozen=True)
class Match:
    person_id: int
    position_id: int
    score: float
    factors: Factors
    priority: Priority
    reasons: list[str]  # 为什么推荐
    missing: list[str]  # 缺少什么


@dataclass(frozen=True)
class MatchPage:
    matches: list[Match]
    has_next_page: bool


@dataclass(frozen=True)
class Band:
    bound: float
    where: ColumnElement[bool]


class TopK:
    """The k best scored pairs so far, ordered by score, then by id for a stable page order."""

    def __init__(self, k: int, key: Callable[[Scored], int]) -> None:
        self.k, self.key = k, key
        self.heap: list[tuple[float, int, Scored]] = []  # a min-heap on (score, -id)
        self.seen: set[int] = set()

    def offer(self, scored: Scored) -> None:
        ident = self.key(scored)
        if ident in self.seen:
            return
        self.seen.add(ident)
        entry = (scored.score, -ident, scored)
        if len(self.heap) < self.k:
            heapq.heappush(self.heap, entry)
        elif entry[:2] > self.heap[0][:2]:
            heapq.heapreplace(self.heap, entry)

    def beats(self, bound: float) -> bool:
        """Nobody scoring at most ``bound`` can enter any more."""
        return len(self.heap) >= self.k and self.heap[0][0] > bound + BOUND_SLACK

    def best(self) -> list[Scored]:
        return [entry[2] for entry in sorted(self.heap, key=lambda e: (-e[0], -e[1]))]


async def matched_graduates(
    session: AsyncSession, position_id: int, *, first: int, offset: int = 0,
    person_filter: ColumnElement[bool] | None = None, policy: MatchPolicy | None = None,
    reference: Reference | None = None,
) -> MatchPage:
    """The best graduates for an open position, best first; empty if it is not open or full.

    ``person_filter`` may use the columns of persons, households, student_records and
    employment_intentions (the viewer's row rules, consent, the API's filter input).
    """
    reference = reference or await Reference.load(session)
    policy = with_pairings(policy, reference)
    position = await candidates.position(session, position_id)
    if position is None:
        return MatchPage([], False)
    base = candidates.graduates_statement().where(
        candidates.graduates_for(position), person_filter if person_filter is not None else true()
    )
    top = TopK(offset + first + 1, key=lambda scored: scored.graduate.person_id)

    async def read(where: ColumnElement[bool]) -> None:
        for row in await session.execute(base.where(where)):
            top.offer(score(candidates.graduate_profile(row), position, policy))

    if position.reserved_for_classes:
        await read(candidates.in_classes(position.reserved_for_classes))
    for band in _graduate_bands(position, policy, reference):
        if top.beats(band.bound):
            break
        await read(band.where)
    return _page(top.best(), offset, first, reference, policy)


def _graduate_bands(position, policy: MatchPolicy, reference: Reference) -> list[Band]:
    known = {"yulu_priority_position": position.yulu_priority, "reserved_for_class": False}
    if position.accepted_majors:
        groups = reference.majors_by_fit(position.accepted_majors)
        majors = [
            (level, candidates.graduate_major_band(groups[level], include_unknown=level == MAJOR_NONE))
            for level in MAJOR_LEVELS
        ]
    else:
        majors = [(MAJOR_NONE, true())]  # a position naming no major gives no major credit
    bands = [
        Band(
            upper_bound(policy, major=level, intention=float(wants), priority=known),
            where_major & candidates.graduate_intention_band(position.occupation_code, wants),
        )
        for level, where_major in majors
        for wants in (True, False)
    ]
    return sorted(bands, key=lambda band: -band.bound)


async def matched_positions(
    session: AsyncSession, person_id: int, *, first: int, offset: int = 0,
    position_filter: ColumnElement[bool] | None = None, policy: MatchPolicy | None = None,
    reference: Reference | None = None,
) -> MatchPage:
    """The best open positions for a graduate, best first; empty if they are not available.

    ``position_filter`` may use the columns of positions (the viewer's row rules, the API's
    filter input).
    """
    reference = reference or await Reference.load(session)
    policy = with_pairings(policy, reference)
    graduate = await candidates.graduate(session, person_id)
    if graduate is None:
        return MatchPage([], False)
    base = candidates.positions_statement().where(
        candidates.positions_for(graduate), position_filter if position_filter is not None else true()
    )
    top = TopK(offset + first + 1, key=lambda scored: scored.position.position_id)

    async def read(where: ColumnElement[bool]) -> None:
        for row in await session.execute(base.where(where)):
            top.offer(score(graduate, candidates.position_profile(row), policy))

    if graduate.class_ids:
        await read(candidates.reserved_for(graduate.class_ids))
    for band in _position_bands(graduate, policy, reference):
        if top.beats(band.bound):
            break
        await read(band.where)
    return _page(top.best(), offset, first, reference, policy)


def _position_bands(graduate, policy: MatchPolicy, reference: Reference) -> list[Band]:
    known = {
        "monitored_household": graduate.household_category in MONITORED_CATEGORIES,
        "key_county": graduate.key_county,
        "relocated": graduate.relocated,
        "reserved_for_class": False,
    }
    groups = reference.majors_by_fit([graduate.major_code] if graduate.major_code else [])
    better: frozenset[str] = frozenset()
    bands = []
    for major in MAJOR_LEVELS:
        # A position's fit is its best accepted major: in this band's group, none better.
        in_group = groups[major] if major != MAJOR_NONE else frozenset()
        where_major = candidates.position_major_band(better, in_group)
        better |= groups[major]
        for wants in (True, False):
            bound = upper_bound(policy, major=major, intention=float(wants), priority=known)
            where = where_major & candidates.position_intention_band(graduate.desired_occupations, wants)
            bands.append(Band(bound, where))
    return sorted(bands, key=lambda band: -band.bound)


def _page(best: list[Scored], offset: int, first: int, reference: Reference, policy: MatchPolicy) -> MatchPage:
    window = best[offset:offset + first]
    return MatchPage([explained(scored, reference, policy) for scored in window], len(best) > offset + first)


def explained(scored: Scored, reference: Reference, policy: MatchPolicy) -> Match:
    return Match(
        person_id=scored.graduate.person_id,
        position_id=scored.position.position_id,
        score=scored.score,
        factors=scored.factors,
        priority=scored.priority,
        reasons=reasons(scored, reference.names, policy),
        missing=missing(scored, reference.names),
    )


def with_pairings(policy: MatchPolicy | None, reference: Reference) -> MatchPolicy:
    """The caller configures weights; which provinces are paired is data, read from the database."""
    return replace(policy or MatchPolicy(), paired_provinces=reference.paired_provinces)
