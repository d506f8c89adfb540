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

from sqlalchemy import ColumnElement, Row, Select, and_, case, or_, select, true

from models.people import MONITORED_CATEGORIES
from resolvers.context import AnySession
from resolvers.matching import candidates
from resolvers.matching.candidates import Reference
from resolvers.matching.explain import missing, reasons
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
# Scores closer than this are ties (broken by the lower id).
BOUND_SLACK = 1e-9
# Rows per read inside a band: a page of 50 usually fills from the first chunk; when the bounds
# are loose the chunks double, so a long band costs few round trips.
FIRST_CHUNK, LAST_CHUNK = 100, 800
# Below this share of a chunk passing the caller's filters, the filters should drive the query.
MIN_PASSING = 0.25


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
    bound: float  # no member scores above this
    where: ColumnElement[bool]
    row_bound: ColumnElement  # SQL: a tighter bound per row, to read the band best-first


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

    def beats(self, bound: float, after_id: int | None = None) -> bool:
        """Nobody scoring at most ``bound`` can enter any more — nor, if every remaining row has
        an id above ``after_id``, anybody tying with the k-th (ties go to the lower id)."""
        if len(self.heap) < self.k:
            return False
        kth_score, kth_id = self.heap[0][0], -self.heap[0][1]
        if kth_score > bound + BOUND_SLACK:
            return True
        return after_id is not None and kth_score >= bound - BOUND_SLACK and kth_id < after_id

    def best(self) -> list[Scored]:
        return [entry[2] for entry in sorted(self.heap, key=lambda e: (-e[0], -e[1]))]


async def matched_graduates(
    session: AnySession,
    position_id: int,
    *,
    first: int,
    offset: int = 0,
    person_filter: ColumnElement[bool] | None = None,
    household_clear: ColumnElement[bool] | None = None,
    policy: MatchPolicy | None = None,
    reference: Reference | None = None,
) -> MatchPage:
    """The best graduates for an open position, best first; empty if it is not open or full.

    ``person_filter`` may use the columns of persons, households, student_records and
    employment_intentions (the viewer's row rules, consent, the API's filter input);
    ``household_clear`` likewise says where the household may be scored (every row if None):
    elsewhere the score is computed without it (scoring.without_household), so neither a
    score nor the order can reveal a family's status.
    """
    household_clear = true() if household_clear is None else household_clear
    reference = reference or await Reference.cached(session)
    policy = with_pairings(policy, reference)
    position = await candidates.position(session, position_id)
    if position is None:
        return MatchPage([], False)
    search = Search(
        session,
        details=candidates.graduates_statement(household_clear),
        driving_id=candidates.EmploymentIntention.person_id,
        pool=candidates.graduate_pool(position),
        filters=and_(candidates.graduates_for(position), _or_true(person_filter)),
        top=TopK(offset + first + 1, key=lambda scored: scored.graduate.person_id),
        score_row=lambda row: score(candidates.graduate_profile(row), position, policy),
    )
    if position.reserved_for_classes:
        await search.read_all(candidates.in_classes(position.reserved_for_classes))
    await search.read_bands(_graduate_bands(position, policy, reference, household_clear))
    return _page(search.top.best(), offset, first, reference, policy)


def _graduate_bands(
    position, policy: MatchPolicy, reference: Reference, household_clear: ColumnElement[bool]
) -> list[Band]:
    if position.accepted_majors:
        groups = reference.majors_by_fit(position.accepted_majors)
        majors = [
            (
                level,
                candidates.graduate_major_band(groups[level], include_unknown=level == MAJOR_NONE),
            )
            for level in MAJOR_LEVELS
        ]
    else:
        majors = [(MAJOR_NONE, true())]  # a position naming no major gives no major credit
    known = {"yulu_priority_position": position.yulu_priority, "reserved_for_class": False}
    return [
        Band(
            bound=upper_bound(policy, major=level, intention=float(wants), priority=known),
            where=where_major & candidates.graduate_intention_band(position.occupation_code, wants),
            row_bound=candidates.graduate_bound(
                policy,
                position,
                major=level,
                intention=float(wants),
                household_clear=household_clear,
            ),
        )
        for level, where_major in majors
        for wants in (True, False)
    ]


async def matched_positions(
    session: AnySession,
    person_id: int,
    *,
    first: int,
    offset: int = 0,
    position_filter: ColumnElement[bool] | None = None,
    household_clear: ColumnElement[bool] | None = None,
    policy: MatchPolicy | None = None,
    reference: Reference | None = None,
) -> MatchPage:
    """The best open positions for a graduate, best first; empty if they are not available.

    ``position_filter`` may use the columns of positions (the viewer's row rules, the API's
    filter input); ``household_clear`` as for ``matched_graduates``.
    """
    reference = reference or await Reference.cached(session)
    policy = with_pairings(policy, reference)
    graduate = await candidates.graduate(session, person_id, household_clear)
    if graduate is None:
        return MatchPage([], False)
    search = Search(
        session,
        details=candidates.positions_statement(),
        driving_id=candidates.Position.id,
        pool=and_(
            candidates.open_with_headcount(),
            candidates.positions_for(graduate),
            _or_true(position_filter),
        ),
        filters=true(),
        top=TopK(offset + first + 1, key=lambda scored: scored.position.position_id),
        score_row=lambda row: score(graduate, candidates.position_profile(row), policy),
    )
    if graduate.class_ids:
        await search.read_all(candidates.reserved_for(graduate.class_ids))
    await search.read_bands(_position_bands(graduate, policy, reference))
    return _page(search.top.best(), offset, first, reference, policy)


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
    for level in MAJOR_LEVELS:
        # A position's fit is its best accepted major: in this band's group, none better.
        in_group = groups[level] if level != MAJOR_NONE else None
        where_major = candidates.position_major_band(better, in_group)
        better |= groups[level]
        for wants in (True, False):
            bands.append(
                Band(
                    bound=upper_bound(policy, major=level, intention=float(wants), priority=known),
                    where=where_major
                    & candidates.position_intention_band(graduate.desired_occupations, wants),
                    row_bound=candidates.position_bound(
                        policy, graduate, major=level, intention=float(wants)
                    ),
                )
            )
    return bands


class Search:
    """Reads candidates into a TopK, band by band, best bound first, until no band can compete.

    A band is read in chunks ordered by the row bound, which is computed from the driving table
    alone (``employment_intentions`` or ``positions``), so the database sorts a band inside one
    index and joins only the chunk. The caller's filters on the joined tables come back as a
    ``passes`` column rather than a WHERE clause, so a chunk's last row always continues the
    order; when too few rows pass (a selective filter, such as one school's own graduates),
    the rest of the band is read with the filters in the WHERE clause, where they drive the plan.
    """

    def __init__(
        self,
        session: AnySession,
        *,
        details: Select,
        driving_id,
        pool: ColumnElement[bool],
        filters: ColumnElement[bool],
        top: TopK,
        score_row: Callable[[Row], Scored],
    ) -> None:
        self.session, self.details, self.driving_id = session, details, driving_id
        self.pool, self.filters = pool, filters
        self.top, self.score_row = top, score_row

    async def read_all(self, where: ColumnElement[bool]) -> None:
        await self._offer(
            await self.session.execute(self.details.where(self.pool, self.filters, where))
        )

    async def read_bands(self, bands: list[Band]) -> None:
        for band in sorted(bands, key=lambda band: -band.bound):
            if self.top.beats(band.bound):
                return
            await self._read_band(band)

    async def _read_band(self, band: Band) -> None:
        after: Row | None = None
        size = FIRST_CHUNK
        while True:
            rows = list(await self.session.execute(self._chunk(band, after, size)))
            passing = [row for row in rows if row.passes]
            await self._offer(passing)
            if len(rows) < size or self.top.beats(rows[-1].row_bound, rows[-1].chunk_id):
                return
            after, size = rows[-1], min(2 * size, LAST_CHUNK)
            if len(passing) < MIN_PASSING * len(rows):
                await self._offer(
                    await self.session.execute(
                        self.details.where(
                            self.pool,
                            self.filters,
                            band.where,
                            self._after(band.row_bound, self.driving_id, after),
                        )
                    )
                )
                return

    def _chunk(self, band: Band, after: Row | None, size: int) -> Select:
        ordered = select(
            self.driving_id.label("chunk_id"), band.row_bound.label("row_bound")
        ).where(self.pool, band.where)
        if after is not None:
            ordered = ordered.where(self._after(band.row_bound, self.driving_id, after))
        chunk = ordered.order_by(band.row_bound.desc(), self.driving_id).limit(size).subquery()
        return (
            self.details.join(chunk, chunk.c.chunk_id == self.driving_id)
            .add_columns(
                chunk.c.row_bound,
                chunk.c.chunk_id,
                case((self.filters, True), else_=False).label("passes"),
            )
            .order_by(chunk.c.row_bound.desc(), chunk.c.chunk_id)
        )

    @staticmethod
    def _after(row_bound: ColumnElement, driving_id, after: Row) -> ColumnElement[bool]:
        """Rows after ``after`` in the band's order (row bound descending, then id)."""
        return or_(
            row_bound < after.row_bound,
            and_(row_bound == after.row_bound, driving_id > after.chunk_id),
        )

    async def _offer(self, rows) -> None:
        for row in rows:
            self.top.offer(self.score_row(row))


def _or_true(condition: ColumnElement[bool] | None) -> ColumnElement[bool]:
    return condition if condition is not None else true()


def _page(
    best: list[Scored], offset: int, first: int, reference: Reference, policy: MatchPolicy
) -> MatchPage:
    window = best[offset : offset + first]
    return MatchPage(
        [explained(scored, reference, policy) for scored in window], len(best) > offset + first
    )


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
