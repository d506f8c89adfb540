"""Who may ask for matches, and what their role lets them see among the candidates."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.rules import AccessDenied
from auth.viewer import Viewer
from models.organisations import Role
from models.people import EmploymentIntention, Household, Person, StudentRecord
from models.positions import Position
from models.regions import RegionLevel
from resolvers.matching import matched_graduates, matched_positions
from resolvers.matching.scope import graduates_filter, positions_filter
from tests.matching import brute

pytestmark = pytest.mark.db


async def _position(session: AsyncSession) -> Position:
    position_id = (await brute.positions(session))[0].position_id
    return await session.get(Position, position_id)


async def test_an_enterprise_matches_only_for_its_own_positions(session: AsyncSession) -> None:
    position = await _position(session)
    own = Viewer(role=Role.ENTERPRISE, organisation_id=position.enterprise_id)
    other = Viewer(role=Role.ENTERPRISE, organisation_id=position.enterprise_id + 1)
    assert await graduates_filter(session, own, position.id) is not None
    with pytest.raises(AccessDenied):
        await graduates_filter(session, other, position.id)


async def test_a_school_sees_only_its_own_graduates(session: AsyncSession) -> None:
    position = await _position(session)
    school_id = (await session.execute(select(StudentRecord.school_id).limit(1))).scalar_one()
    school = Viewer(role=Role.SCHOOL, organisation_id=school_id)
    page = await matched_graduates(
        session,
        position.id,
        first=50,
        person_filter=await graduates_filter(session, school, position.id),
    )
    schools = set(
        (
            await session.scalars(
                select(StudentRecord.school_id).where(
                    StudentRecord.person_id.in_([m.person_id for m in page.matches])
                )
            )
        ).all()
    )
    assert page.matches and schools == {school_id}


async def test_a_county_bureau_sees_only_its_region(session: AsyncSession) -> None:
    position = await _position(session)
    county = (
        await session.execute(
            select(Household.region_code)
            .join(Person)
            .join(EmploymentIntention, EmploymentIntention.person_id == Person.id)
            .limit(1)
        )
    ).scalar_one()
    bureau = Viewer(role=Role.BUREAU, region_code=county, region_level=RegionLevel.COUNTY)
    page = await matched_graduates(
        session,
        position.id,
        first=50,
        person_filter=await graduates_filter(session, bureau, position.id),
    )
    regions = set(
        (
            await session.scalars(
                select(Household.region_code)
                .join(Person)
                .where(Person.id.in_([m.person_id for m in page.matches]))
            )
        ).all()
    )
    assert regions <= {county}


async def test_matched_positions_for_the_graduate_their_school_and_agencies_only(
    session: AsyncSession,
) -> None:
    graduate = (await brute.graduates(session))[0]
    school_id = await session.scalar(
        select(StudentRecord.school_id).where(StudentRecord.person_id == graduate.person_id)
    )
    allowed = [
        Viewer(role=Role.GRADUATE, person_id=graduate.person_id),
        Viewer(role=Role.AGENCY, organisation_id=1),
        Viewer(role=Role.SCHOOL, organisation_id=school_id),
    ]
    for viewer in allowed:
        position_filter = await positions_filter(session, viewer, graduate.person_id)
        assert (
            await matched_positions(
                session, graduate.person_id, first=5, position_filter=position_filter
            )
        ).matches
    refused = [
        Viewer(role=Role.GRADUATE, person_id=graduate.person_id + 1),
        Viewer(role=Role.ENTERPRISE, organisation_id=1),
        Viewer(role=Role.SCHOOL, organisation_id=school_id + 1),
        Viewer(),
    ]
    for viewer in refused:
        with pytest.raises(AccessDenied):
            await positions_filter(session, viewer, graduate.person_id)
