"""The functions the GraphQL fields call: scope, cursors and user errors."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth import scopes
from auth.rules import AccessDenied
from auth.viewer import Viewer
from models.fairs import Fair
from models.organisations import Organisation, Role
from resolvers.context import Context
from resolvers.ids import to_global_id as encode_id
from resolvers.matching.api import (
    graduates_for_position,
    positions_for_person,
    refer_candidate,
    shortlist_for_fair,
)
from tests.matching import brute

pytestmark = pytest.mark.db

ALL_SCOPES = frozenset({scopes.READ, scopes.WRITE, scopes.PERSONAL})


async def _agency(session: AsyncSession) -> Viewer:
    agency_id = (
        await session.execute(select(Organisation.id).where(Organisation.kind == "agency").limit(1))
    ).scalar_one()
    return Viewer(role=Role.AGENCY, organisation_id=agency_id, scopes=ALL_SCOPES)


async def test_pages_follow_their_cursors(session: AsyncSession) -> None:
    ctx = Context(session=session, viewer=await _agency(session))
    position = (await brute.positions(session))[0]
    first = await graduates_for_position(ctx, position.position_id, 5, None)
    second = await graduates_for_position(ctx, position.position_id, 5, first.cursors[-1])
    both = await graduates_for_position(ctx, position.position_id, 10, None)
    assert [m.person_id for m in first.matches + second.matches] == [
        m.person_id for m in both.matches
    ]
    assert first.has_next_page


async def test_an_agency_refers_a_match_once(session: AsyncSession) -> None:
    ctx = Context(session=session, viewer=await _agency(session))
    position = (await brute.positions(session))[0]
    match = (await graduates_for_position(ctx, position.position_id, 1, None)).matches[0]
    person_id, position_id = (
        encode_id("Person", match.person_id),
        encode_id("Position", match.position_id),
    )
    created = await refer_candidate(ctx, person_id, position_id, "专场推荐")
    assert created.errors == [] and created.result.stage == "recommended"
    again = await refer_candidate(ctx, person_id, position_id, None)
    assert [(e.field, e.code) for e in again.errors] == [("personId", "DUPLICATE_REFERRAL")]


async def test_a_graduate_sees_own_matches_but_cannot_refer(session: AsyncSession) -> None:
    graduate = (await brute.graduates(session))[0]
    ctx = Context(
        session=session,
        viewer=Viewer(role=Role.GRADUATE, person_id=graduate.person_id, scopes=ALL_SCOPES),
    )
    assert (await positions_for_person(ctx, graduate.person_id, 3, None)).matches
    with pytest.raises(AccessDenied):
        await positions_for_person(ctx, graduate.person_id + 1, 3, None)
    position = (await brute.positions(session))[0]
    with pytest.raises(AccessDenied):  # the role gate: referCandidate is for schools and agencies
        await refer_candidate(
            ctx,
            encode_id("Person", graduate.person_id),
            encode_id("Position", position.position_id),
            None,
        )


async def test_only_the_organiser_gets_the_fair_shortlist(session: AsyncSession) -> None:
    organiser = (await session.execute(select(Fair.organiser_id).where(Fair.id == 1))).scalar_one()
    shortlist = await shortlist_for_fair(
        Context(session=session, viewer=Viewer(role=Role.AGENCY, organisation_id=organiser)), 1
    )
    assert shortlist.assignments
    with pytest.raises(AccessDenied):
        await shortlist_for_fair(
            Context(
                session=session, viewer=Viewer(role=Role.AGENCY, organisation_id=organiser + 1)
            ),
            1,
        )
