"""Matching through the GraphQL schema (issue 5, items 2–4): who may ask, masking and consent of
the matched graduates, reasons in Chinese, cursors, filters, referrals and the fair shortlist."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth import rules
from auth.masking import mask_name
from models.applications import Application
from models.fairs import Fair
from models.organisations import Membership, Organisation, OrganisationKind, Role
from models.people import MONITORED_CATEGORIES, Household, Person, StudentRecord
from models.positions import Position, PositionState
from resolvers.ids import to_global_id
from resolvers.matching.explain import HOUSEHOLD_REASONS
from tests.api.conftest import counting, member

CHINESE = re.compile(r"[\u4e00-\u9fff]")

GRADUATES = """query($id: ID!, $first: Int, $after: String, $filter: MatchedGraduatesFilter) {
  node(id: $id) { ... on Position { matchedGraduates(first: $first, after: $after, filter: $filter) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node {
      score reasons missing
      factors { major intention location salary certificates }
      priority { monitoredHousehold keyCounty relocated yuluPriorityPosition reservedForClass }
      graduate { id name consentToShare studentRecord { major { code } } }
      position { id }
    } }
  } } } }"""

POSITIONS = """query($id: ID!, $first: Int, $filter: MatchedPositionsFilter) {
  node(id: $id) { ... on Person { matchedPositions(first: $first, filter: $filter) {
    edges { node { score reasons position { id kind yuluPriority region { code } } } }
  } } } }"""

REFER = """mutation($person: ID!, $position: ID!) {
  referCandidate(personId: $person, positionId: $position, note: "就业帮扶推荐") {
    result { stage source person { id name } position { id } } errors { field code message } } }"""


async def _organisation(session: AsyncSession, kind: OrganisationKind) -> Organisation:
    return (
        await session.scalars(
            select(Organisation)
            .where(Organisation.kind == kind, Organisation.membership == Membership.APPROVED)
            .order_by(Organisation.id)
            .limit(1)
        )
    ).one()


async def _open_positions(session: AsyncSession) -> list[Position]:
    return list(
        await session.scalars(
            select(Position)
            .where(Position.state == PositionState.OPEN, Position.filled < Position.headcount)
            .order_by(Position.id)
        )
    )


def gid(type_name: str, key: int) -> str:
    return to_global_id(type_name, key)


def _matches(data) -> list[dict]:
    return [edge["node"] for edge in data["node"]["matchedGraduates"]["edges"]]


def _codes(errors) -> list[str]:
    return [error.extensions.get("code") for error in errors or ()]


async def test_an_enterprise_matches_its_own_positions_only(run, session):
    position = (await _open_positions(session))[0]
    owner = member(Role.ENTERPRISE, position.enterprise_id)
    data, errors, _ = await run(GRADUATES, owner, id=gid("Position", position.id), first=5)
    assert errors is None, errors
    assert _matches(data), "the test alliance has candidates for its first open position"
    assert {m["position"]["id"] for m in _matches(data)} == {gid("Position", position.id)}
    other = (
        await session.scalars(
            select(Organisation.id)
            .where(
                Organisation.kind == OrganisationKind.ENTERPRISE,
                Organisation.id != position.enterprise_id,
            )
            .limit(1)
        )
    ).one()
    data, errors, _ = await run(
        GRADUATES, member(Role.ENTERPRISE, other), id=gid("Position", position.id), first=5
    )
    assert _codes(errors) == ["FORBIDDEN"]


async def test_an_agency_sees_candidates_masked_unless_consented(run, session):
    agency = await _organisation(session, OrganisationKind.AGENCY)
    viewer = member(Role.AGENCY, agency.id)
    position = (await _open_positions(session))[0]
    data, errors, _ = await run(GRADUATES, viewer, id=gid("Position", position.id), first=50)
    assert errors is None, errors
    matches = _matches(data)
    ids = [int(_key(m["graduate"]["id"])) for m in matches]
    stored = dict(
        (await session.execute(select(Person.id, Person.name).where(Person.id.in_(ids)))).all()
    )
    unmasked = set(
        await session.scalars(select(Person.id).where(Person.id.in_(ids), rules.unmasked(viewer)))
    )
    for match, person_id in zip(matches, ids, strict=True):
        expected = stored[person_id] if person_id in unmasked else mask_name(stored[person_id])
        assert match["graduate"]["name"] == expected
        if match["graduate"]["consentToShare"]:
            assert person_id in unmasked
    masked = next(m for m, pid in zip(matches, ids, strict=True) if pid not in unmasked)
    assert masked["graduate"]["name"] != stored[int(_key(masked["graduate"]["id"]))]

    # Referring the candidate is the agency's own act: it leaves them masked to the agency.
    referred = await run(
        REFER, viewer, person=masked["graduate"]["id"], position=gid("Position", position.id)
    )
    result = referred[0]["referCandidate"]
    assert result["errors"] == [] and result["result"]["stage"] == "RECOMMENDED"
    assert result["result"]["person"]["name"] == mask_name(
        stored[int(_key(masked["graduate"]["id"]))]
    )


async def test_reasons_are_chinese_and_the_household_stays_with_its_readers(run, session):
    position = (await _open_positions(session))[0]
    agency = member(Role.AGENCY, (await _organisation(session, OrganisationKind.AGENCY)).id)
    data, errors, _ = await run(GRADUATES, agency, id=gid("Position", position.id), first=50)
    assert errors is None, errors
    for match in _matches(data):
        assert match["reasons"] and all(
            CHINESE.search(text) for text in match["reasons"] + match["missing"]
        )
        assert match["score"] >= 0 and all(0 <= value <= 1 for value in match["factors"].values())
        # An agency reads no household: neither the flags nor the reasons that state them.
        assert not HOUSEHOLD_REASONS & set(match["reasons"])
        priority = match["priority"]
        assert (priority["monitoredHousehold"], priority["keyCounty"], priority["relocated"]) == (
            None,
            None,
            None,
        )

    # A school sees its own students' households: flags and reasons come back.
    monitored = (
        await session.execute(
            select(StudentRecord.school_id, Person.id)
            .join(Person, Person.id == StudentRecord.person_id)
            .join(Household, Household.id == Person.household_id)
            .where(Household.category.in_(MONITORED_CATEGORIES))
            .order_by(Person.id)
        )
    ).all()
    school = member(Role.SCHOOL, monitored[0].school_id)
    for candidate in await _open_positions(session):
        data, errors, _ = await run(
            GRADUATES,
            school,
            id=gid("Position", candidate.id),
            first=50,
            filter={"monitored": True},
        )
        assert errors is None, errors
        if _matches(data):
            break
    flagged = _matches(data)
    assert flagged and all(m["priority"]["monitoredHousehold"] is True for m in flagged)
    assert all("防止返贫监测对象家庭，优先帮扶" in m["reasons"] for m in flagged)


async def test_pages_follow_their_cursors(run, session):
    viewer = member(Role.AGENCY, (await _organisation(session, OrganisationKind.AGENCY)).id)
    position = gid("Position", (await _open_positions(session))[0].id)
    first, _, _ = await run(GRADUATES, viewer, id=position, first=4)
    page = first["node"]["matchedGraduates"]["pageInfo"]
    assert page["hasNextPage"] and not page["hasPreviousPage"]
    second, _, _ = await run(GRADUATES, viewer, id=position, first=4, after=page["endCursor"])
    assert second["node"]["matchedGraduates"]["pageInfo"]["hasPreviousPage"]
    both, _, _ = await run(GRADUATES, viewer, id=position, first=8)
    ids = lambda data: [m["graduate"]["id"] for m in _matches(data)]  # noqa: E731
    assert ids(first) + ids(second) == ids(both)
    scores = [m["score"] for m in _matches(both)]
    assert scores == sorted(scores, reverse=True)


async def test_filters_narrow_the_matches(run, session):
    viewer = member(Role.AGENCY, (await _organisation(session, OrganisationKind.AGENCY)).id)
    position = gid("Position", (await _open_positions(session))[0].id)
    everyone, _, _ = await run(GRADUATES, viewer, id=position, first=50)
    majors = [
        m["graduate"]["studentRecord"]["major"]["code"]
        for m in _matches(everyone)
        if m["graduate"]["studentRecord"]
    ]
    major = majors[-1]
    data, errors, _ = await run(GRADUATES, viewer, id=position, first=50, filter={"major": major})
    assert errors is None, errors
    assert _matches(data) and {
        m["graduate"]["studentRecord"]["major"]["code"] for m in _matches(data)
    } == {major}
    # Target-group flags state the family's poverty status: not for a viewer who reads no household.
    _, errors, _ = await run(GRADUATES, viewer, id=position, first=5, filter={"monitored": True})
    assert _codes(errors) == ["FORBIDDEN"]

    graduate = _key(_matches(everyone)[0]["graduate"]["id"])
    data, errors, _ = await run(POSITIONS, viewer, id=gid("Person", int(graduate)), first=50)
    assert errors is None, errors
    positions = [edge["node"]["position"] for edge in data["node"]["matchedPositions"]["edges"]]
    assert positions
    kind = positions[-1]["kind"]
    province = positions[0]["region"]["code"][:2] + "0000"
    for filter_input, holds in (
        ({"kind": kind}, lambda p: p["kind"] == kind),
        ({"yuluPriority": True}, lambda p: p["yuluPriority"]),
        ({"region": province}, lambda p: p["region"]["code"].startswith(province[:2])),
    ):
        data, errors, _ = await run(
            POSITIONS, viewer, id=gid("Person", int(graduate)), first=50, filter=filter_input
        )
        assert errors is None, errors
        found = [edge["node"]["position"] for edge in data["node"]["matchedPositions"]["edges"]]
        assert all(holds(p) for p in found), filter_input
        if filter_input != {"yuluPriority": True}:
            assert found, filter_input


async def test_refer_candidate_once(run, session):
    viewer = member(Role.AGENCY, (await _organisation(session, OrganisationKind.AGENCY)).id)
    position = (await _open_positions(session))[0]
    data, _, _ = await run(GRADUATES, viewer, id=gid("Position", position.id), first=1)
    person = _matches(data)[0]["graduate"]["id"]
    created, errors, _ = await run(
        REFER, viewer, person=person, position=gid("Position", position.id)
    )
    assert errors is None, errors
    assert created["referCandidate"]["errors"] == []
    assert created["referCandidate"]["result"]["stage"] == "RECOMMENDED"
    stored = (
        await session.scalars(
            select(Application).where(
                Application.person_id == int(_key(person)), Application.position_id == position.id
            )
        )
    ).one()
    assert stored.stage == "recommended" and stored.referrer_id == viewer.organisation_id
    again, errors, _ = await run(
        REFER, viewer, person=person, position=gid("Position", position.id)
    )
    assert errors is None, errors
    assert [(e["field"], e["code"]) for e in again["referCandidate"]["errors"]] == [
        ("personId", "DUPLICATE_REFERRAL")
    ]
    assert again["referCandidate"]["result"] is None
    # The match list leaves out who already has an application for the position.
    data, _, _ = await run(GRADUATES, viewer, id=gid("Position", position.id), first=50)
    assert person not in {m["graduate"]["id"] for m in _matches(data)}


async def test_enterprises_may_not_refer(run, session):
    position = (await _open_positions(session))[0]
    data, errors, _ = await run(
        REFER,
        member(Role.ENTERPRISE, position.enterprise_id),
        person=gid("Person", 1),
        position=gid("Position", position.id),
    )
    assert _codes(errors) == ["FORBIDDEN"] and data is None


SHORTLIST = """query($id: ID!) { node(id: $id) { ... on Fair { shortlist {
    totalScore assignments { score reasons graduate { id } position { id } } unassigned { id } } } } }"""


async def test_the_fair_organiser_gets_the_shortlist(run, session):
    fair = (
        await session.scalars(
            select(Fair)
            .join(Organisation, Organisation.id == Fair.organiser_id)
            .where(Organisation.kind == OrganisationKind.AGENCY)
            .order_by(Fair.id)
            .limit(1)
        )
    ).one()
    organiser = member(Role.AGENCY, fair.organiser_id)
    data, errors, _ = await run(SHORTLIST, organiser, id=gid("Fair", fair.id))
    assert errors is None, errors
    shortlist = data["node"]["shortlist"]
    assert shortlist["assignments"]
    assert abs(sum(a["score"] for a in shortlist["assignments"]) - shortlist["totalScore"]) < 1e-6
    assert all(a["reasons"] for a in shortlist["assignments"])
    assigned = [a["graduate"]["id"] for a in shortlist["assignments"]]
    assert len(assigned) == len(set(assigned))
    other = (
        await session.scalars(
            select(Organisation.id)
            .where(
                Organisation.kind == OrganisationKind.AGENCY, Organisation.id != fair.organiser_id
            )
            .limit(1)
        )
    ).one()
    data, errors, _ = await run(SHORTLIST, member(Role.AGENCY, other), id=gid("Fair", fair.id))
    assert _codes(errors) == ["FORBIDDEN"] and data["node"]["shortlist"] is None


COUNTED = """query($id: ID!, $n: Int) { node(id: $id) { ... on Position { matchedGraduates(first: $n) { edges { node {
    graduate { name studentRecord { school { name } } } position { enterprise { name } } } } } } } }"""


async def test_statements_do_not_grow_with_matches(run, session, engine):
    viewer = member(Role.AGENCY, (await _organisation(session, OrganisationKind.AGENCY)).id)
    position = gid("Position", (await _open_positions(session))[0].id)
    await run(
        COUNTED, viewer, id=position, n=1
    )  # the session's first statement opens its savepoint
    counts = {}
    for rows in (10, 50):
        with counting(engine) as statements:
            data, errors, _ = await run(COUNTED, viewer, id=position, n=rows)
        assert errors is None, errors
        counts[rows] = (len(data["node"]["matchedGraduates"]["edges"]), statements.count)
    print(f"\nmatchedGraduates: rows/statements {counts}")
    assert counts[10][0] == 10 and counts[50][0] > 10
    assert counts[10][1] == counts[50][1]


def _key(global_id: str) -> str:
    from resolvers.ids import decode_id

    return str(decode_id(global_id, "Person"))
