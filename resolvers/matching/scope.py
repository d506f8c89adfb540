"""Who may ask for matches, and the SQL filter their role puts on the answer (issue 5, item 2).

- ``Position.matchedGraduates``: the enterprise for its own positions, agencies, a school for its
  own graduates, a bureau for graduates of its region (户籍地 in its subtree).
- ``Person.matchedPositions``: the graduate themself, their school, agencies.

The filters are the candidate side of auth.rules (enterprises and agencies see graduates who
are seeking; schools their own; bureaus their region); masking of what comes back stays with
the Person type, as for any other list of persons.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select

from auth import rules
from auth.viewer import Viewer
from models.organisations import Role
from models.people import EmploymentIntention, Household, StudentRecord
from models.positions import Position
from models.regions import within
from resolvers.context import AnySession


async def graduates_filter(
    session: AnySession, viewer: Viewer, position_id: int
) -> ColumnElement[bool]:
    """The person filter for ``matched_graduates``; AccessDenied when the viewer may not ask."""
    if viewer.role is Role.ENTERPRISE:
        owner = await session.scalar(
            select(Position.enterprise_id).where(Position.id == position_id)
        )
        if owner != viewer.organisation_id:
            raise rules.denial(viewer)
        return EmploymentIntention.seeking.is_(True)
    if viewer.role is Role.AGENCY:
        return EmploymentIntention.seeking.is_(True)
    if viewer.role is Role.SCHOOL:
        return StudentRecord.school_id == viewer.organisation_id
    if viewer.role is Role.BUREAU and viewer.region_code and viewer.region_level:
        return within(Household.region_code, viewer.region_code, viewer.region_level)
    raise rules.denial(viewer)


async def positions_filter(
    session: AnySession, viewer: Viewer, person_id: int
) -> ColumnElement[bool]:
    """The position filter for ``matched_positions``; AccessDenied when the viewer may not ask."""
    if viewer.role is Role.GRADUATE and viewer.person_id == person_id:
        return rules.rows(viewer, "positions")
    if viewer.role is Role.AGENCY:
        return rules.rows(viewer, "positions")
    if viewer.role is Role.SCHOOL:
        school = await session.scalar(
            select(StudentRecord.school_id).where(StudentRecord.person_id == person_id)
        )
        if school == viewer.organisation_id:
            return rules.rows(viewer, "positions")
    raise rules.denial(viewer)
