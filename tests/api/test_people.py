"""The persons ledger query: its target-group filters are reads of the household."""

from __future__ import annotations

from sqlalchemy import select

from models.organisations import Membership, Organisation, OrganisationKind, Role
from models.people import MONITORED_CATEGORIES, Household, Person, StudentRecord
from tests.api.conftest import member

PERSONS = """query($filter: PersonFilter) {
  persons(ledger: GRADUATES, first: 50, filter: $filter) { edges { node { id household { monitored } } } } }"""

TARGET_GROUP_FILTERS = ({"monitored": True}, {"keyCounty": False}, {"relocated": True})


async def _approved(session, kind: OrganisationKind) -> int:
    return (
        await session.scalars(
            select(Organisation.id)
            .where(Organisation.kind == kind, Organisation.membership == Membership.APPROVED)
            .order_by(Organisation.id)
            .limit(1)
        )
    ).one()


async def test_viewers_without_the_household_may_not_filter_on_poverty_status(run, session):
    for role, kind in (
        (Role.ENTERPRISE, OrganisationKind.ENTERPRISE),
        (Role.AGENCY, OrganisationKind.AGENCY),
    ):
        viewer = member(role, await _approved(session, kind))
        for target_group in TARGET_GROUP_FILTERS:
            data, errors, _ = await run(PERSONS, viewer, filter=target_group)
            assert [error.extensions["code"] for error in errors] == ["FORBIDDEN"], (
                role,
                target_group,
            )
            assert data is None
        # The same query without the flags is theirs to ask.
        data, errors, _ = await run(
            PERSONS.replace(" household { monitored }", ""), viewer, filter={}
        )
        assert errors is None, errors


async def test_a_school_filters_its_graduates_by_target_group(run, session):
    school = (
        await session.scalars(
            select(StudentRecord.school_id)
            .join(Person, Person.id == StudentRecord.person_id)
            .join(Household, Household.id == Person.household_id)
            .where(Household.category.in_(MONITORED_CATEGORIES))
            .order_by(StudentRecord.id)
            .limit(1)
        )
    ).one()
    data, errors, _ = await run(PERSONS, member(Role.SCHOOL, school), filter={"monitored": True})
    assert errors is None, errors
    flags = [edge["node"]["household"]["monitored"] for edge in data["persons"]["edges"]]
    assert flags and all(flags)
