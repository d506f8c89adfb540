"""Issue 11, items 3 and 4: clearance comes from the data subject or an authority, never from the
viewer's own act; a suspended member or a deactivated account reads nothing personal.

Over real HTTP with real tokens: the agency refers, registers and opens a case, and still sees
the graduate masked; the graduate accepting, registering themself, or the county bureau assigning
the case is what clears them.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from auth.masking import mask_name
from models.db import create_engine, session_factory
from tests.authz.alliance import BOTH_PATHS, running_alliance
from tests.authz.test_reads import gid

pytestmark = pytest.mark.db


@pytest.fixture(scope="module", **BOTH_PATHS)
async def alliance(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("clearance")
    async with running_alliance(path, as_deployed=request.param) as running:
        yield running


async def sql(alliance, statement: str, **params) -> list:
    engine = create_engine(alliance.database_url)
    try:
        async with session_factory(engine)() as session:
            result = await session.execute(text(statement), params)
            rows = list(result) if result.returns_rows else []
            await session.commit()
            return rows
    finally:
        await engine.dispose()


NAME = "query($id: ID!) { node(id: $id) { ... on Person { name } } }"


def name_seen(alliance, viewer: str, person: int) -> str | None:
    result = alliance.graphql(viewer, NAME, {"id": gid("Person", person)})
    assert result.errors == [], result.errors
    return (result.data["node"] or {}).get("name")


async def the_graduate(alliance) -> tuple[int, str]:
    """The demo graduate account's person, made a seeking candidate tied to nobody, not consenting."""
    person = alliance.cast.graduate_person
    await sql(
        alliance, "UPDATE persons SET consent_to_share = :no WHERE id = :p", no=False, p=person
    )
    await sql(
        alliance,
        "UPDATE employment_intentions SET seeking = :yes WHERE person_id = :p",
        yes=True,
        p=person,
    )
    for table in (
        "application_events WHERE application_id IN (SELECT id FROM applications WHERE person_id = :p)",
        "applications WHERE person_id = :p",
        "fair_registrations WHERE person_id = :p",
        "assistance_actions WHERE case_id IN (SELECT id FROM assistance_cases WHERE person_id = :p)",
        "assistance_cases WHERE person_id = :p",
    ):
        await sql(alliance, f"DELETE FROM {table}", p=person)
    ((name,),) = await sql(alliance, "SELECT name FROM persons WHERE id = :p", p=person)
    return person, name


async def open_position(alliance) -> int:
    ((position,),) = await sql(
        alliance,
        "SELECT id FROM positions WHERE state = 'open' AND filled < headcount "
        "AND enterprise_id = :e ORDER BY id LIMIT 1",
        e=alliance.cast.org["enterprise"],
    )
    return position


REFER = """mutation($person: ID!, $position: ID!) { referCandidate(personId: $person, positionId: $position) {
  result { id version stage person { name } } errors { code } } }"""
MOVE = """mutation($id: ID!, $version: Int!, $stage: Stage!) { transitionApplication(input: {id: $id, version: $version,
  stage: $stage}) { result { stage version } errors { code } } }"""


async def test_a_referral_clears_nobody_until_the_graduate_accepts_it(alliance):
    person, name = await the_graduate(alliance)
    position = await open_position(alliance)
    assert name_seen(alliance, "agency", person) == mask_name(name)
    referred = alliance.graphql(
        "agency", REFER, {"person": gid("Person", person), "position": gid("Position", position)}
    )
    application = referred.data["referCandidate"]["result"]
    assert referred.data["referCandidate"]["errors"] == [] and application["person"][
        "name"
    ] == mask_name(name)
    assert name_seen(alliance, "agency", person) == mask_name(name)
    assert name_seen(alliance, "enterprise", person) == mask_name(
        name
    )  # a referral is not an application
    # The referrer cannot accept on the graduate's behalf.
    moved = alliance.graphql(
        "agency",
        MOVE,
        {"id": application["id"], "version": application["version"], "stage": "APPLIED"},
    )
    assert moved.data["transitionApplication"]["errors"] == [{"code": "NOT_YOUR_STEP"}]
    assert name_seen(alliance, "agency", person) == mask_name(name)
    # The graduate accepts: now the referrer and the enterprise see them.
    accepted = alliance.graphql(
        "graduate",
        MOVE,
        {"id": application["id"], "version": application["version"], "stage": "APPLIED"},
    )
    assert accepted.data["transitionApplication"]["errors"] == []
    assert name_seen(alliance, "agency", person) == name
    assert name_seen(alliance, "enterprise", person) == name


async def test_a_fair_registration_clears_only_when_the_graduate_makes_it(alliance):
    person, name = await the_graduate(alliance)
    fair = alliance.cast.subject("agency", "fairs", "own")
    register = """mutation($fair: ID!, $person: ID!) { registerForFair(fairId: $fair, personId: $person) {
      errors { code } } }"""
    variables = {"fair": gid("Fair", fair), "person": gid("Person", person)}
    assert alliance.graphql("agency", register, variables).data["registerForFair"]["errors"] == []
    assert name_seen(alliance, "agency", person) == mask_name(name)
    # The graduate registering themself (for the registration the organiser made) is their consent.
    assert alliance.graphql("graduate", register, variables).data["registerForFair"]["errors"] == []
    assert name_seen(alliance, "agency", person) == name
    rows = await sql(
        alliance,
        "SELECT with_consent FROM fair_registrations WHERE fair_id = :f AND person_id = :p",
        f=fair,
        p=person,
    )
    assert [bool(row[0]) for row in rows] == [True]


OPEN_CASE = """mutation($person: ID!, $agency: ID) { openAssistanceCase(personId: $person, reason: "毕业后未就业",
  assignTo: $agency) { result { id } errors { code field } } }"""


async def test_a_help_case_clears_only_when_a_bureau_assigns_it(alliance):
    person = alliance.cast.subject(
        "county", "persons", "own"
    )  # a seeking graduate of the county, not consenting
    await sql(
        alliance,
        "DELETE FROM assistance_actions WHERE case_id IN (SELECT id FROM assistance_cases "
        "WHERE person_id = :p)",
        p=person,
    )
    await sql(alliance, "DELETE FROM assistance_cases WHERE person_id = :p", p=person)
    ((name,),) = await sql(alliance, "SELECT name FROM persons WHERE id = :p", p=person)
    opened = alliance.graphql("agency", OPEN_CASE, {"person": gid("Person", person)})
    assert opened.data["openAssistanceCase"]["errors"] == []
    assert name_seen(alliance, "agency", person) == mask_name(name)
    # Only a bureau assigns, and only to an approved agency.
    by_agency = alliance.graphql(
        "agency",
        OPEN_CASE,
        {
            "person": gid("Person", person),
            "agency": gid("Organisation", alliance.cast.org["agency"]),
        },
    )
    assert by_agency.data["openAssistanceCase"]["errors"] == [
        {"code": "BUREAU_ONLY", "field": "assignTo"}
    ]
    to_school = alliance.graphql(
        "county",
        OPEN_CASE,
        {
            "person": gid("Person", person),
            "agency": gid("Organisation", alliance.cast.org["school"]),
        },
    )
    assert to_school.data["openAssistanceCase"]["errors"] == [
        {"code": "NOT_AN_AGENCY", "field": "assignTo"}
    ]
    # The agency's own open case is no obstacle to a bureau's assignment of another.
    await sql(
        alliance,
        "UPDATE assistance_cases SET state = 'closed', closed_on = opened_on, outcome = '转交' "
        "WHERE person_id = :p",
        p=person,
    )
    assigned = alliance.graphql(
        "county",
        OPEN_CASE,
        {
            "person": gid("Person", person),
            "agency": gid("Organisation", alliance.cast.org["agency"]),
        },
    )
    assert assigned.data["openAssistanceCase"]["errors"] == []
    assert name_seen(alliance, "agency", person) == name
    owners = await sql(
        alliance,
        "SELECT owner_org_id, assigned_by_org_id FROM assistance_cases WHERE person_id = :p "
        "AND state = 'open'",
        p=person,
    )
    assert owners == [(alliance.cast.org["agency"], alliance.cast.org["county"])]


PERSONAL_READS = {
    "persons": "persons(first: 5) { totalCount edges { node { name } } }",
    "applications": "applications(first: 5) { totalCount }",
    "employmentRecords": "employmentRecords(first: 5) { totalCount }",
    "assistanceCases": "assistanceCases(first: 5) { totalCount }",
}


def personal_reads(alliance, viewer: str) -> dict[str, int]:
    result = alliance.graphql(viewer, "query { " + " ".join(PERSONAL_READS.values()) + " }")
    assert result.errors == [], result.errors
    return {name: result.data[name]["totalCount"] for name in PERSONAL_READS}


MATCHED = "query($id: ID!) { node(id: $id) { ... on Position { matchedGraduates(first: 5) { edges { node { score } } } } } }"


def matched(alliance, viewer: str, position: int) -> list:
    result = alliance.graphql(viewer, MATCHED, {"id": gid("Position", position)})
    assert result.errors == [], result.errors
    return result.data["node"]["matchedGraduates"]["edges"]


@pytest.mark.parametrize("viewer", ("school", "agency"))
async def test_a_suspended_member_reads_nothing_personal(alliance, viewer):
    before = personal_reads(alliance, viewer)
    assert before["persons"] > 0
    position = await open_position(alliance)
    assert matched(alliance, viewer, position)
    own = alliance.cast.subject(viewer, "persons", "own")
    member = alliance.cast.org[viewer]
    await sql(alliance, "UPDATE organisations SET membership = 'suspended' WHERE id = :o", o=member)
    try:
        assert set(personal_reads(alliance, viewer).values()) == {0}
        assert name_seen(alliance, viewer, own) is None
        assert matched(alliance, viewer, position) == []  # not even masked candidates
        # Nor anything of a person reached through another row (an application's person).
        assert (
            alliance.graphql(
                viewer, "query { applications(first: 5) { edges { node { person { name } } } } }"
            ).data["applications"]["edges"]
            == []
        )
    finally:
        await sql(
            alliance, "UPDATE organisations SET membership = 'approved' WHERE id = :o", o=member
        )
    assert personal_reads(alliance, viewer) == before


async def test_a_deactivated_account_reads_nothing_personal_with_its_token(alliance):
    """Even a token that is still within its lifetime (here: the account switched off in the
    database directly, without the API's revocation)."""
    before = personal_reads(alliance, "county")
    assert before["persons"] > 0
    await sql(alliance, "UPDATE users SET is_active = :no WHERE username = 'county'", no=False)
    try:
        assert set(personal_reads(alliance, "county").values()) == {0}
    finally:
        await sql(alliance, "UPDATE users SET is_active = :yes WHERE username = 'county'", yes=True)
    assert personal_reads(alliance, "county") == before
