"""Public landing-page aggregates: counts only, never a row of personal data."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from models.organisations import Membership, Organisation, OrganisationKind
from models.positions import Position, PositionState
from resolvers.context import Context


@dataclass(frozen=True)
class AllianceSummary:
    members_by_kind: dict[OrganisationKind, int]
    open_positions: int
    open_places: int


async def alliance_summary(ctx: Context) -> AllianceSummary:
    members = await ctx.session.execute(
        select(Organisation.kind, func.count())
        .where(Organisation.membership == Membership.APPROVED)
        .group_by(Organisation.kind)
    )
    positions, places = (await ctx.session.execute(
        select(func.count(), func.coalesce(func.sum(Position.headcount - Position.filled), 0))
        .where(Position.state == PositionState.OPEN)
    )).one()
    counts = dict(members.tuples().all())
    return AllianceSummary({kind: counts.get(kind, 0) for kind in OrganisationKind}, positions, places)
