"""Issue 12 item 2 over real HTTP: siblings share a household, found by its registration number
(户号) or a member's ID number within the viewer's remit only; the category changes by the
county bureau only, with a date and a reason, kept as history; census rows per survey year;
graduating and closing. An enterprise, an agency, another school or another county learns
nothing through any of it, not even whether a household exists.

Expected values come from plain SQL on the alliance's database, never from the code under test.
"""

# ruff: noqa: F811 (``ledger`` is the imported module fixture each test takes)
from __future__ import annotations

from typing import Any

import pytest

from tests.authz.alliance import NOT_PERSONAL
from tests.authz.cast import COUNTY
from tests.privacy.test_takeover import (  # noqa: F401 (ledger: the alliance fixture)
    OTHER_COUNTY,
    RIVAL,
    decide,
    file_request,
    fresh_id_number,
    gid,
    ledger,
    payload,
    record_input,
    studying_student_of,
)

pytestmark = pytest.mark.db

CENSUS = """mutation($person: PersonIdentityInput!, $input: EnrolmentIntentionInput!) {
  upsertEnrolmentIntention(person: $person, input: $input) {
    result { surveyYear } errors { field code message } } }"""
HOUSEHOLDS = """query($number: String, $idNumber: String) {
  households(registrationNumber: $number, idNumber: $idNumber) {
    id registrationNumber category members { id name }
    categoryChanges { fromCategory toCategory changedOn reason } } }"""
CHANGE = """mutation($id: ID!, $input: HouseholdCategoryChangeInput!) {
  changeHouseholdCategory(householdId: $id, input: $input) {
    result { id category categoryChanges { fromCategory toCategory changedOn reason } }
    errors { field code message } } }"""
SURVEYS = """query($id: ID!) { node(id: $id) { ... on Person {
  enrolmentIntention { surveyYear } enrolmentIntentions { surveyYear wantsVocational closedOn } } } }"""
CLOSE_CENSUS = """mutation($id: ID!, $input: CloseInput!) {
  closeCensusEntry(personId: $id, input: $input) { result { id } errors { field code } } }"""
GRADUATE = """mutation($id: ID!, $year: Int) {
  graduateStudent(personId: $id, graduationYear: $year) {
    result { status expectedGraduationYear } errors { field code } } }"""
CLOSE_STUDENT = """mutation($id: ID!, $input: CloseInput!) {
  closeStudentRecord(personId: $id, input: $input) {
    result { status closedOn closeReason } errors { field code } } }"""

SIDE_DOORS = ("enterprise", "agency", "city", "admin")
"""Viewers who see no household in clear anywhere: the lookup is refused whatever they ask."""


def child(id_number: str, name: str, number: str | None = None, **extra) -> dict:
    person = {
        "name": name,
        "idNumber": id_number,
        "householdRegion": COUNTY,
        "householdCategory": "UNSTABLE",
        **extra,
    }
    if number is not None:
        person["registrationNumber"] = number
    return person


def census(ledger, person: dict, year: int = 2026, viewer: str = "county") -> dict:
    result = ledger.graphql(
        viewer, CENSUS, {"person": person, "input": {"surveyYear": year, "wantsVocational": True}}
    )
    return payload(result, "upsertEnrolmentIntention")


def lookup(ledger, viewer: str, scope: str | None = None, **arguments):
    extra = {"scope": scope} if scope else {}
    return ledger.graphql(viewer, HOUSEHOLDS, arguments, **extra)


async def person_id_of(db, id_number: str) -> int:
    return (await db.one("SELECT id FROM persons WHERE id_number = :n", n=id_number))["id"]


async def household_of(db, id_number: str) -> int:
    row = await db.one("SELECT household_id FROM persons WHERE id_number = :n", n=id_number)
    return row["household_id"]


@pytest.fixture(scope="module")
async def family(ledger):
    """Two children of one household, recorded by the county bureau: the second joins the
    first's household through the registration number on the census row."""
    db = ledger.db
    first, second = await fresh_id_number(db), await fresh_id_number(db)
    for number, name in ((first, "李大山"), (second, "李小河")):
        assert census(ledger, child(number, name, "HH-500229-0001"))["errors"] == []
    return {"number": "HH-500229-0001", "children": (first, second)}


# --- a family of two children --------------------------------------------------------------


async def test_siblings_recorded_by_the_county_share_one_household(ledger, family):
    db = ledger.db
    first, second = family["children"]
    household = await household_of(db, first)
    assert await household_of(db, second) == household
    stored = await db.one(
        "SELECT registration_number, region_code, category FROM households WHERE id = :h",
        h=household,
    )
    assert stored == {
        "registration_number": family["number"],
        "region_code": COUNTY,
        "category": "unstable",
    }
    for arguments in ({"number": family["number"]}, {"idNumber": second}):
        [found] = payload(lookup(ledger, "county", **arguments), "households")
        assert found["id"] == gid("Household", household)
        assert sorted(member["name"] for member in found["members"]) == ["李大山", "李小河"]


async def test_a_third_child_joins_by_the_household_id(ledger, family):
    db = ledger.db
    household = await household_of(db, family["children"][0])
    third = await fresh_id_number(db)
    joined = child(third, "李三水", householdId=gid("Household", household))
    del joined["householdRegion"], joined["householdCategory"]  # the household's own apply
    assert census(ledger, joined)["errors"] == []
    assert await household_of(db, third) == household


async def test_a_new_survey_year_adds_a_row(ledger, family):
    db = ledger.db
    first = family["children"][0]
    assert census(ledger, child(first, "李大山"), year=2025)["errors"] == []
    assert census(ledger, child(first, "李大山"), year=2026)["errors"] == []  # same year: corrected
    rows = await db.rows(
        "SELECT survey_year FROM enrolment_intentions WHERE person_id = :p ORDER BY survey_year",
        p=await person_id_of(db, first),
    )
    assert [row["survey_year"] for row in rows] == [2025, 2026]
    node = payload(
        ledger.graphql("county", SURVEYS, {"id": gid("Person", await person_id_of(db, first))}),
        "node",
    )
    assert [row["surveyYear"] for row in node["enrolmentIntentions"]] == [2026, 2025]
    assert node["enrolmentIntention"] == {"surveyYear": 2026}


# --- nobody else finds the household, nor learns it exists ------------------------------------


async def test_side_doors_find_nothing(ledger, family):
    db = ledger.db
    first = family["children"][0]
    unknown_number = await fresh_id_number(db)
    for viewer in SIDE_DOORS:
        for arguments in (
            {"number": family["number"]},
            {"number": "HH-NOBODY"},
            {"idNumber": first},
            {"idNumber": unknown_number},
            {"idNumber": "not a number"},
        ):
            result = lookup(ledger, viewer, **arguments)
            assert [e["extensions"]["code"] for e in result.errors] == ["FORBIDDEN"], viewer
            assert result.data is None
    # Another school, another county, and the county itself without personal:read: the same
    # answer for the family's numbers as for numbers nobody holds.
    for viewer, scope in ((RIVAL, None), (OTHER_COUNTY, None), ("school", None)):
        answers: list[Any] = [
            payload(lookup(ledger, viewer, scope, **arguments), "households")
            for arguments in (
                {"number": family["number"]},
                {"number": "HH-NOBODY"},
                {"idNumber": first},
                {"idNumber": unknown_number},
            )
        ]
        assert answers == [[], [], [], []], viewer
    refused = lookup(ledger, "county", NOT_PERSONAL, number=family["number"])
    assert [e["extensions"]["code"] for e in refused.errors] == ["FORBIDDEN"]


async def test_another_county_or_school_cannot_join_the_household(ledger, family):
    db = ledger.db
    household = gid("Household", await household_of(db, family["children"][0]))
    nowhere = gid("Household", 999_999)
    members = await db.rows(
        "SELECT id FROM persons WHERE household_id = :h",
        h=await household_of(db, family["children"][0]),
    )
    for target in (household, nowhere):  # the same refusal whether or not the household exists
        number = await fresh_id_number(db, ledger.other_bureau_region)
        other_county = census(
            ledger,
            {"name": "外县", "idNumber": number, "householdId": target},
            viewer=OTHER_COUNTY,
        )
        assert [e["code"] for e in other_county["errors"]] == ["NOT_FOUND"]
        rival = file_request(
            ledger,
            RIVAL,
            {"name": "外校", "idNumber": await fresh_id_number(db), "householdId": target},
            await record_input(db),
        )
        assert [e["code"] for e in rival["errors"]] == ["NOT_FOUND"]
        assert rival["transfer"] is None
    after = await db.rows(
        "SELECT id FROM persons WHERE household_id = :h",
        h=await household_of(db, family["children"][0]),
    )
    assert after == members


async def test_a_school_finds_its_own_students_household_and_asks_to_add_a_sibling(ledger):
    db = ledger.db
    student = await db.one(
        "SELECT p.id, p.id_number FROM persons p JOIN student_records s ON s.person_id = p.id "
        "JOIN households h ON h.id = p.household_id WHERE s.school_id = :s "
        "AND s.status = 'studying' AND h.region_code = :c ORDER BY p.id DESC",
        s=ledger.cast.org["school"],
        c=COUNTY,
    )
    [found] = payload(lookup(ledger, "school", idNumber=student["id_number"]), "households")
    household = (await db.one("SELECT household_id FROM persons WHERE id = :p", p=student["id"]))[
        "household_id"
    ]
    assert found["id"] == gid("Household", household)
    sibling = await fresh_id_number(db)
    filed = file_request(
        ledger,
        "school",
        {"name": "同户弟弟", "idNumber": sibling, "householdId": found["id"]},
        await record_input(db),
    )
    assert filed["errors"] == [] and filed["transfer"]["state"] == "PENDING"
    assert not await db.rows("SELECT id FROM persons WHERE id_number = :n", n=sibling)
    # The county bureau of the household decides; the new person joins the household.
    decide(ledger, "county", filed["transfer"]["id"], True)
    assert await household_of(db, sibling) == household


# --- the category: the county bureau's, dated, with a reason, kept ------------------------------


async def test_the_county_changes_the_category_and_the_history_is_kept(ledger, family):
    db = ledger.db
    household = await household_of(db, family["children"][0])
    household_id = gid("Household", household)
    change = {"category": "LIFTED", "changedOn": "2026-06-30", "reason": "收入稳定，风险消除"}
    for viewer in (OTHER_COUNTY,):
        refused = ledger.graphql(viewer, CHANGE, {"id": household_id, "input": change})
        assert [e["code"] for e in payload(refused, "changeHouseholdCategory")["errors"]] == [
            "NOT_FOUND"
        ]
    for viewer in ("school", "enterprise", "agency"):
        gate = ledger.graphql(viewer, CHANGE, {"id": household_id, "input": change})
        assert [e["extensions"]["code"] for e in gate.errors] == ["FORBIDDEN"]
    for bad, code in (
        ({"reason": "  "}, "REQUIRED"),
        ({"changedOn": "2999-01-01"}, "YEAR_RANGE"),
        ({"category": "UNSTABLE"}, "NO_CHANGE"),
    ):
        result = ledger.graphql("county", CHANGE, {"id": household_id, "input": {**change, **bad}})
        assert code in [e["code"] for e in payload(result, "changeHouseholdCategory")["errors"]]
    assert (await db.one("SELECT category FROM households WHERE id = :h", h=household)) == {
        "category": "unstable"
    }
    done = payload(
        ledger.graphql("county", CHANGE, {"id": household_id, "input": change}),
        "changeHouseholdCategory",
    )
    assert done["errors"] == [] and done["result"]["category"] == "LIFTED"
    history = await db.rows(
        "SELECT from_category, to_category, changed_on, reason FROM household_category_changes "
        "WHERE household_id = :h ORDER BY id",
        h=household,
    )
    assert [(row["from_category"], row["to_category"]) for row in history] == [
        (None, "unstable"),
        ("unstable", "lifted"),
    ]
    assert history[-1]["reason"] == "收入稳定，风险消除"
    assert str(history[-1]["changed_on"]) == "2026-06-30"
    assert [(c["fromCategory"], c["toCategory"]) for c in done["result"]["categoryChanges"]] == [
        (None, "UNSTABLE"),
        ("UNSTABLE", "LIFTED"),
    ]


# --- closing and graduating ---------------------------------------------------------------------


async def test_the_county_closes_a_census_entry(ledger):
    db = ledger.db
    number = await fresh_id_number(db)
    census(ledger, child(number, "迁出儿童", "HH-500229-0099"))
    person = gid("Person", await person_id_of(db, number))
    closing = {"closedOn": "2026-05-01", "reason": "随父母迁出本县"}
    other = ledger.graphql(OTHER_COUNTY, CLOSE_CENSUS, {"id": person, "input": closing})
    assert [e["code"] for e in payload(other, "closeCensusEntry")["errors"]] == ["NOT_FOUND"]
    done = ledger.graphql("county", CLOSE_CENSUS, {"id": person, "input": closing})
    assert payload(done, "closeCensusEntry")["errors"] == []
    rows = await db.rows(
        "SELECT closed_on, close_reason FROM enrolment_intentions WHERE person_id = :p",
        p=await person_id_of(db, number),
    )
    assert [(str(r["closed_on"]), r["close_reason"]) for r in rows] == [
        ("2026-05-01", "随父母迁出本县")
    ]
    again = ledger.graphql("county", CLOSE_CENSUS, {"id": person, "input": closing})
    assert [e["code"] for e in payload(again, "closeCensusEntry")["errors"]] == ["NOT_IN_LEDGER"]


async def test_the_school_graduates_its_student_into_ledger_c(ledger):
    db = ledger.db
    school = ledger.cast.org["school"]
    student = await studying_student_of(db, school)
    person = gid("Person", student["id"])
    rival = ledger.graphql(RIVAL, GRADUATE, {"id": person, "year": 2026})
    assert [e["code"] for e in payload(rival, "graduateStudent")["errors"]] == ["NOT_FOUND"]
    await db.run("DELETE FROM employment_intentions WHERE person_id = :p", p=student["id"])
    done = payload(
        ledger.graphql("school", GRADUATE, {"id": person, "year": 2026}), "graduateStudent"
    )
    assert done["errors"] == []
    assert done["result"] == {"status": "GRADUATED", "expectedGraduationYear": 2026}
    assert (
        await db.one("SELECT status FROM student_records WHERE person_id = :p", p=student["id"])
    ) == {"status": "graduated"}
    intention = await db.rows(
        "SELECT graduation_year, seeking FROM employment_intentions WHERE person_id = :p",
        p=student["id"],
    )
    assert [(row["graduation_year"], bool(row["seeking"])) for row in intention] == [(2026, True)]
    again = ledger.graphql("school", GRADUATE, {"id": person})
    assert [e["code"] for e in payload(again, "graduateStudent")["errors"]] == ["NOT_STUDYING"]


async def test_the_school_closes_its_students_record(ledger):
    db = ledger.db
    student = await studying_student_of(db, ledger.cast.org["school"])
    person = gid("Person", student["id"])
    closing = {"closedOn": "2026-03-15", "reason": "本人申请退学"}
    rival = ledger.graphql(RIVAL, CLOSE_STUDENT, {"id": person, "input": closing})
    assert [e["code"] for e in payload(rival, "closeStudentRecord")["errors"]] == ["NOT_FOUND"]
    future = ledger.graphql(
        "school", CLOSE_STUDENT, {"id": person, "input": {**closing, "closedOn": "2031-01-01"}}
    )
    assert [e["code"] for e in payload(future, "closeStudentRecord")["errors"]] == ["IN_FUTURE"]
    done = payload(
        ledger.graphql("school", CLOSE_STUDENT, {"id": person, "input": closing}),
        "closeStudentRecord",
    )
    assert done == {
        "result": {"status": "WITHDRAWN", "closedOn": "2026-03-15", "closeReason": "本人申请退学"},
        "errors": [],
    }
