"""Desired occupations, desired regions and certificates through ``upsertEmploymentIntention``
(issue 14, item 6): validated (each error naming its field), written to the link tables, and
used by matching at once — on both databases."""

from __future__ import annotations

from sqlalchemy import select, text

from auth.viewer import Viewer
from models.organisations import Role
from models.people import (
    EmploymentIntention,
    employment_intention_occupations,
    employment_intention_regions,
)
from resolvers.ids import from_global_id, to_global_id
from tests.api.conftest import ALL_SCOPES

SAVE = """mutation($person: ID!, $input: EmploymentIntentionInput!) {
  upsertEmploymentIntention(personId: $person, input: $input) {
    result { occupations { code } regions { code } } errors { field code message } } }"""
MATCHES = """query($person: ID!, $occupation: String) { node(id: $person) { ... on Person {
  certificates
  matchedPositions(first: 100, filter: { occupation: $occupation }) {
    edges { node { factors { intention } position { id occupation { code } } } } } } } }"""


async def graduate(session) -> tuple[Viewer, str]:
    person_id = await session.scalar(
        text("SELECT person_id FROM users WHERE username = 'graduate'")
    )
    return Viewer(role=Role.GRADUATE, person_id=person_id, scopes=ALL_SCOPES), to_global_id(
        "Person", person_id
    )


async def stored_links(session, person: str) -> tuple[set[str], set[str]]:
    """The desired occupations and regions in the link tables, read back from the database."""
    intention = select(EmploymentIntention.id).where(
        EmploymentIntention.person_id == int(from_global_id(person)[1])
    )
    occupations = select(employment_intention_occupations.c.occupation_code).where(
        employment_intention_occupations.c.intention_id.in_(intention)
    )
    regions = select(employment_intention_regions.c.region_code).where(
        employment_intention_regions.c.intention_id.in_(intention)
    )
    return set(await session.scalars(occupations)), set(await session.scalars(regions))


async def test_desired_occupations_make_the_intention_factor_one(run, session):
    viewer, person = await graduate(session)
    saved, errors, _ = await run(
        SAVE, viewer, person=person, input={"graduationYear": 2026, "occupationCodes": []}
    )
    assert errors is None and saved["upsertEmploymentIntention"]["errors"] == []
    data, errors, _ = await run(MATCHES, viewer, person=person, occupation=None)
    assert errors is None
    edges = data["node"]["matchedPositions"]["edges"]
    assert edges and all(edge["node"]["factors"]["intention"] == 0 for edge in edges)
    wanted = edges[-1]["node"]["position"]  # any matchable position: its occupation becomes desired

    county = await session.scalar(
        text("SELECT code FROM regions WHERE code LIKE '5002%' AND code <> '500200' ORDER BY code")
    )
    occupations = [wanted["occupation"]["code"]]
    saved, errors, _ = await run(
        SAVE,
        viewer,
        person=person,
        input={
            "graduationYear": 2026,
            "occupationCodes": occupations * 2,
            "regionCodes": ["500000", county],
            "certificates": [" 电工证 ", "叉车证"],
        },
    )
    assert errors is None and saved["upsertEmploymentIntention"]["errors"] == []
    assert saved["upsertEmploymentIntention"]["result"]["occupations"] == [{"code": occupations[0]}]
    assert await stored_links(session, person) == ({occupations[0]}, {"500000", county})

    data, errors, _ = await run(MATCHES, viewer, person=person, occupation=occupations[0])
    assert errors is None
    assert data["node"]["certificates"] == ["电工证", "叉车证"]
    factors = {
        edge["node"]["position"]["id"]: edge["node"]["factors"]["intention"]
        for edge in data["node"]["matchedPositions"]["edges"]
    }
    assert factors[wanted["id"]] == 1 and set(factors.values()) == {1}

    # Absent lists leave them as they are; an empty list clears them.
    saved, errors, _ = await run(
        SAVE, viewer, person=person, input={"graduationYear": 2026, "expectedSalary": 4000}
    )
    assert await stored_links(session, person) == ({occupations[0]}, {"500000", county})
    saved, errors, _ = await run(
        SAVE, viewer, person=person, input={"graduationYear": 2026, "regionCodes": []}
    )
    assert await stored_links(session, person) == ({occupations[0]}, set())


async def test_unknown_and_too_many_codes_are_refused_naming_the_field(run, session):
    viewer, person = await graduate(session)
    before = await stored_links(session, person)
    codes = list(await session.scalars(text("SELECT code FROM occupations ORDER BY code LIMIT 6")))
    saved, errors, _ = await run(
        SAVE,
        viewer,
        person=person,
        input={
            "graduationYear": 2026,
            "occupationCodes": codes,
            "regionCodes": ["999999"],
            "certificates": ["证" * 33],
        },
    )
    assert errors is None
    refused = {
        (error["field"], error["code"]) for error in saved["upsertEmploymentIntention"]["errors"]
    }
    assert refused == {
        ("occupationCodes", "TOO_MANY"),
        ("regionCodes", "UNKNOWN_REGION"),
        ("certificates", "TOO_LONG"),
    }
    saved, errors, _ = await run(
        SAVE,
        viewer,
        person=person,
        input={"graduationYear": 2026, "occupationCodes": ["0-00-00-00"]},
    )
    [error] = saved["upsertEmploymentIntention"]["errors"]
    assert (error["field"], error["code"]) == ("occupationCodes", "UNKNOWN_OCCUPATION")
    assert "0-00-00-00" in error["message"]
    assert await stored_links(session, person) == before
