"""Matching (精准匹配): explained, priority-aware matches of graduates and positions (issue 5).

The fields are ``Position.matchedGraduates``, ``Person.matchedPositions`` and ``Fair.shortlist``
(declared on those types, resolved here) and the ``referCandidate`` mutation. Who may ask, and
the viewer's row filter on the candidates, are resolvers.matching.scope's; a match's graduate
and position resolve through the same DataLoaders as everywhere else, so a Person comes masked,
consented or audited exactly as in ``persons``.

A match's household-derived priority (监测对象, 重点帮扶县, 易地搬迁) is the family's poverty
status: it is shown — flag and reason text — only where ``Person.household`` would be shown in
clear (the role's allow-list, then the person's unmasking rule; such a read is audited).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from models import people as people_model
from models import positions as position_model
from resolvers import people as people_resolvers
from resolvers.batching import MAX_RELATED, one_by
from resolvers.matching import api
from resolvers.matching.engine import Match as EngineMatch
from resolvers.matching.explain import HOUSEHOLD_REASONS
from schema.applications import Application
from schema.base import WRITES, Edge, PageInfo, Payload, ctx, provided
from schema.positions import PositionKind

if TYPE_CHECKING:
    from schema.people import Person
    from schema.positions import Position

LazyPerson = Annotated["Person", strawberry.lazy("schema.people")]
LazyPosition = Annotated["Position", strawberry.lazy("schema.positions")]


async def _household_shown(info: Info, person_id: int) -> bool:
    """Whether this viewer sees the person's household in clear (as ``Person.household``)."""
    return await people_resolvers.sees_in_clear(ctx(info), person_id, "household")


@strawberry.type(description="Each factor of a match, in [0, 1].")
class MatchFactors:
    major: float = strawberry.field(
        description="1 the same major; partial credit for its class and category."
    )
    intention: float = strawberry.field(
        description="The position's occupation among the desired ones."
    )
    location: float = strawberry.field(
        description="Work place against the graduate's location intention."
    )
    salary: float = strawberry.field(description="The position's pay against the expectation.")
    certificates: float = strawberry.field(description="Share of the required certificates held.")


@strawberry.type(
    description="Policy priority that raised a match. The household flags are null where "
    "the household would be (they state the family's poverty status)."
)
class MatchPriority:
    monitored_household: bool | None = strawberry.field(description="防止返贫监测对象")
    key_county: bool | None = strawberry.field(description="国家乡村振兴重点帮扶县")
    relocated: bool | None = strawberry.field(description="易地扶贫搬迁")
    yulu_priority_position: bool = strawberry.field(
        description="A position giving priority to Yulu graduates."
    )
    reserved_for_class: bool = strawberry.field(
        description="Reserved for the graduate's class (定向班)."
    )


@strawberry.type(description="A graduate and a position, scored and explained.")
class Match:
    score: float
    factors: MatchFactors
    missing: list[str] = strawberry.field(
        description="缺少什么: the requirements the graduate does not meet."
    )

    @strawberry.field
    async def priority(self, info: Info) -> MatchPriority:
        shown = await _household_shown(info, self.person_id)
        flags = self.priority
        return MatchPriority(
            monitored_household=flags.monitored_household if shown else None,
            key_county=flags.key_county if shown else None,
            relocated=flags.relocated if shown else None,
            yulu_priority_position=flags.yulu_priority_position,
            reserved_for_class=flags.reserved_for_class,
        )

    @strawberry.field(description="为什么推荐, in Chinese.")
    async def reasons(self, info: Info) -> list[str]:
        if not any(text in HOUSEHOLD_REASONS for text in self.reasons):
            return list(self.reasons)
        if await _household_shown(info, self.person_id):
            return list(self.reasons)
        return [text for text in self.reasons if text not in HOUSEHOLD_REASONS]

    @strawberry.field
    async def graduate(self, info: Info) -> LazyPerson:
        # The engine already kept to the viewer's remit (resolvers.matching.scope, the candidate
        # side of the persons row rule), so the plain loader suffices, as for Application.person;
        # the agency's row rule re-checked per page cost ~1 s at a million persons.
        return await one_by(ctx(info), people_model.Person.id).load(self.person_id)

    @strawberry.field
    async def position(self, info: Info) -> LazyPosition:
        return await one_by(ctx(info), position_model.Position.id, "positions").load(
            self.position_id
        )


@strawberry.type(description="A page of matches, best first.")
class MatchConnection:
    edges: list[Edge[Match]]
    page_info: PageInfo

    @classmethod
    def of(cls, window: api.MatchWindow) -> MatchConnection:
        cursors = window.cursors
        return cls(
            edges=[
                Edge(cursor=c, node=match) for c, match in zip(cursors, window.matches, strict=True)
            ],
            page_info=PageInfo(
                has_next_page=window.has_next_page,
                has_previous_page=window.offset > 0,
                start_cursor=cursors[0] if cursors else None,
                end_cursor=cursors[-1] if cursors else None,
            ),
        )


@strawberry.input(description="Narrows matched graduates; every field set must hold.")
class MatchedGraduatesFilter:
    region: str | None = strawberry.field(
        default=strawberry.UNSET, description="Household region code: its subtree."
    )
    major: str | None = strawberry.field(
        default=strawberry.UNSET, description="The major on record."
    )
    occupation: str | None = strawberry.field(
        default=strawberry.UNSET, description="A desired occupation."
    )
    monitored: bool | None = strawberry.field(
        default=strawberry.UNSET, description="防止返贫监测对象 families."
    )
    key_county: bool | None = strawberry.field(
        default=strawberry.UNSET, description="From a key assistance county."
    )
    relocated: bool | None = strawberry.field(
        default=strawberry.UNSET, description="易地扶贫搬迁 families."
    )


@strawberry.input(description="Narrows matched positions; every field set must hold.")
class MatchedPositionsFilter:
    region: str | None = strawberry.field(
        default=strawberry.UNSET, description="Work region code: its subtree."
    )
    kind: PositionKind | None = strawberry.UNSET
    occupation: str | None = strawberry.UNSET
    yulu_priority: bool | None = strawberry.UNSET


@strawberry.type(
    description="A fair's optimal assignment of registered graduates to its positions."
)
class Shortlist:
    total_score: float = strawberry.field(
        description="Sum of the assigned pairs' scores (the maximum)."
    )
    pairs: strawberry.Private[list[EngineMatch]]
    unassigned_ids: strawberry.Private[list[int]]

    @strawberry.field(description="The assigned pairs whose graduate you may see, best first.")
    async def assignments(self, info: Info) -> list[Match]:
        loader = one_by(ctx(info), people_model.Person.id, "persons")
        visible = await loader.load_many([match.person_id for match in self.pairs])
        return [
            match for match, person in zip(self.pairs, visible, strict=True) if person is not None
        ][:MAX_RELATED]

    @strawberry.field(description="Registered graduates you may see who got no position.")
    async def unassigned(self, info: Info) -> list[LazyPerson]:
        persons = await one_by(ctx(info), people_model.Person.id, "persons").load_many(
            self.unassigned_ids
        )
        return [person for person in persons if person is not None][:MAX_RELATED]


# ------------------------------------------------------------------------------- resolvers


def _filters(filter_input: Any) -> dict[str, Any]:
    return (
        {name: value for name, value in provided(filter_input).items() if value is not None}
        if filter_input
        else {}
    )


async def matched_graduates(
    info: Info,
    position_id: int,
    first: int | None,
    after: str | None,
    filter_input: MatchedGraduatesFilter | None,
) -> MatchConnection:
    window = await api.graduates_for_position(
        ctx(info), position_id, first, after, _filters(filter_input)
    )
    return MatchConnection.of(window)


async def matched_positions(
    info: Info,
    person_id: int,
    first: int | None,
    after: str | None,
    filter_input: MatchedPositionsFilter | None,
) -> MatchConnection:
    window = await api.positions_for_person(
        ctx(info), person_id, first, after, _filters(filter_input)
    )
    return MatchConnection.of(window)


async def shortlist(info: Info, fair_id: int) -> Shortlist:
    found = await api.shortlist_for_fair(ctx(info), fair_id)
    return Shortlist(
        total_score=found.total_score,
        pairs=found.assignments,
        unassigned_ids=found.unassigned_person_ids,
    )


@strawberry.type
class MatchingMutations:
    @strawberry.mutation(
        description="A school or agency refers a graduate to a position: an application in "
        "stage RECOMMENDED; a second referral of the pair is refused "
        "(DUPLICATE_REFERRAL).",
        directives=WRITES,
    )
    async def refer_candidate(
        self,
        info: Info,
        person_id: strawberry.ID,
        position_id: strawberry.ID,
        note: str | None = None,
    ) -> Payload[Application]:
        return Payload.of(await api.refer_candidate(ctx(info), person_id, position_id, note))
