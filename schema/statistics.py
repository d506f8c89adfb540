"""Public landing-page aggregates: counts, never rows of personal data."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers import statistics as resolve
from schema.base import ctx
from schema.organisations import OrganisationKind


@strawberry.type
class MemberCount:
    kind: OrganisationKind
    count: int


@strawberry.type(description="The alliance at a glance (public).")
class AllianceSummary:
    open_positions: int
    open_places: int = strawberry.field(description="Headcount still to fill across open positions.")

    @strawberry.field(description="Approved members by kind.")
    def members(self) -> list[MemberCount]:
        return [MemberCount(kind=kind, count=count) for kind, count in self.members_by_kind.items()]


@strawberry.type
class StatisticsQueries:
    @strawberry.field
    async def alliance_summary(self, info: Info) -> AllianceSummary:
        return await resolve.alliance_summary(ctx(info))
