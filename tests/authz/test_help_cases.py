"""Issue 13, item 5: one-to-one help (一人一档、一人一策) run by schools and county bureaus as well
as agencies — who may open a case on whom, who sees it, who may act on it — and bureaus posting
public-welfare positions and internships. Over real HTTP with real tokens, on its own database.

Subjects are picked with plain SQL (never with auth.rules, which is what is checked)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from resolvers.outcomes import today as china_today
from tests.authz.alliance import running_alliance
from tests.authz.test_reads import gid
from tests.privacy.test_clearance import sql

pytestmark = pytest.mark.db

COUNTY = "500229"
OPEN = """mutation($person: ID!, $reason: String!, $goals: String) {
  openAssistanceCase(personId: $person, reason: $reason, goals: $goals) {
    result { id goals owner { id } } errors { field code } } }"""
ACT = """mutation($case: ID!, $on: Date!, $due: Date!, $kind: ActionKind!, $position: ID) {
  addAssistanceAction(caseId: $case, onDate: $on, kind: $kind, dueOn: $due, action: "推荐岗位",
    positionId: $position) {
    result { actions { id kind dueOn outcome doneOn position { id } } } errors { field code } } }"""
OUTCOME = """mutation($action: ID!, $on: Date!) {
  recordActionOutcome(actionId: $action, outcome: "已面试", doneOn: $on) {
    result { actions { outcome doneOn } } errors { field code } } }"""
CLOSE = """mutation($case: ID!, $on: Date!, $kind: CaseOutcome!) {
  closeAssistanceCase(caseId: $case, outcomeKind: $kind, outcome: "已就业", closedOn: $on) {
    result { state outcomeKind } errors { field code } } }"""
CASES = """query($person: ID!) { assistanceCases(filter: {person: $person}, first: 20) {
  edges { node { id owner { id } } } } }"""
CREATE_POSITION = """mutation($kind: PositionKind!, $occupation: String!) {
  createPosition(input: {title: "社区公益岗", occupationCode: $occupation, kind: $kind,
    minEducation: JUNIOR_MIDDLE, headcount: 2, salaryMin: 1800, salaryMax: 2200,
    regionCode: "500229", validFrom: "2026-01-01", validUntil: "2026-12-31"}) {
    result { id version kind enterprise { id } } errors { field code } } }"""
OPEN_POSITION = """mutation($id: ID!, $version: Int!) { openPosition(id: $id, version: $version) {
  result { state } errors { field code } } }"""

TODAY = china_today().isoformat()
DUE = (china_today() + timedelta(days=30)).isoformat()


@pytest.fixture(scope="module")
async def alliance(tmp_path_factory):
    async with running_alliance(tmp_path_factory.mktemp("help-cases")) as running:
        yield running


async def a_student(alliance, school: int, county: bool, owner: int) -> int:
    """A student of ``school`` whose household is (or is not) in 城口县, with no open case of
    ``owner`` yet."""
    in_county = "=" if county else "<>"
    ((person,),) = await sql(
        alliance,
        "SELECT p.id FROM persons p JOIN student_records s ON s.person_id = p.id "
        f"JOIN households h ON h.id = p.household_id WHERE s.school_id = :s AND h.region_code {in_county} :c "
        "AND p.id NOT IN (SELECT person_id FROM assistance_cases WHERE state = 'open' "
        "AND owner_org_id = :o) "
        "ORDER BY p.id LIMIT 1",
        s=school,
        c=COUNTY,
        o=owner,
    )
    return person


async def another_schools_student(alliance) -> int:
    ((person,),) = await sql(
        alliance,
        "SELECT s.person_id FROM student_records s WHERE s.school_id <> :s "
        "AND s.person_id NOT IN (SELECT person_id FROM student_records WHERE school_id = :s) "
        "ORDER BY s.person_id LIMIT 1",
        s=alliance.cast.org["school"],
    )
    return person


def codes(result, name: str) -> set[tuple[str | None, str]]:
    assert result.errors == [], result.errors
    return {(e["field"], e["code"]) for e in result.data[name]["errors"]}


def case_owners_seen(alliance, viewer: str, person: int) -> list[str] | None:
    """The owners of the person's cases the viewer sees; None when refused outright."""
    result = alliance.graphql(viewer, CASES, {"person": gid("Person", person)})
    if result.errors:
        return None
    return [edge["node"]["owner"]["id"] for edge in result.data["assistanceCases"]["edges"]]


async def test_a_school_runs_a_case_of_its_own_student_and_nobody_else_acts_on_it(alliance):
    school = alliance.cast.org["school"]
    student = await a_student(alliance, school, county=True, owner=school)
    stranger = await another_schools_student(alliance)

    cases_of = "SELECT count(*) FROM assistance_cases WHERE person_id = :p"
    before = await sql(alliance, cases_of, p=stranger)
    refused = alliance.graphql("school", OPEN, {"person": gid("Person", stranger), "reason": "x"})
    assert codes(refused, "openAssistanceCase") == {("personId", "NOT_FOUND")}
    assert await sql(alliance, cases_of, p=stranger) == before

    opened = alliance.graphql(
        "school",
        OPEN,
        {"person": gid("Person", student), "reason": "毕业未就业", "goals": "三个月内就业"},
    )
    assert codes(opened, "openAssistanceCase") == set()
    case = opened.data["openAssistanceCase"]["result"]
    assert case["goals"] == "三个月内就业"
    assert case["owner"]["id"] == gid("Organisation", school)

    # Who sees it: the school (its student), the county bureau (its county); not the agency,
    # not the enterprise (no help files at all), not another school's viewer.
    owner = gid("Organisation", school)
    assert owner in case_owners_seen(alliance, "school", student)
    assert owner in case_owners_seen(alliance, "county", student)
    assert owner not in case_owners_seen(alliance, "agency", student)
    assert case_owners_seen(alliance, "enterprise", student) is None
    assert case_owners_seen(alliance, "graduate", student) == []

    # Who acts on it: the owner only; the county sees it but may not write into it.
    for viewer in ("county", "agency", "city"):
        step = alliance.graphql(
            viewer, ACT, {"case": case["id"], "on": TODAY, "due": DUE, "kind": "CAREER_GUIDANCE"}
        )
        assert codes(step, "addAssistanceAction") in (
            {("caseId", "NOT_FOUND")},
            {(None, "COUNTY_ONLY")},
        ), viewer
    early = alliance.graphql(
        "school", ACT, {"case": case["id"], "on": TODAY, "due": "2000-01-01", "kind": "INTERNSHIP"}
    )
    assert codes(early, "addAssistanceAction") == {("dueOn", "DATE_RANGE")}
    step = alliance.graphql(
        "school", ACT, {"case": case["id"], "on": TODAY, "due": DUE, "kind": "SKILLS_TRAINING"}
    )
    assert codes(step, "addAssistanceAction") == set()
    (action,) = step.data["addAssistanceAction"]["result"]["actions"]
    assert action | {"id": None} == {
        "id": None,
        "kind": "SKILLS_TRAINING",
        "dueOn": DUE,
        "outcome": None,
        "doneOn": None,
        "position": None,
    }
    for viewer in ("agency", "county"):
        other = alliance.graphql(viewer, OUTCOME, {"action": action["id"], "on": TODAY})
        assert codes(other, "recordActionOutcome") == {("actionId", "NOT_FOUND")}, viewer
    done = alliance.graphql("school", OUTCOME, {"action": action["id"], "on": TODAY})
    assert done.data["recordActionOutcome"]["result"]["actions"] == [
        {"outcome": "已面试", "doneOn": TODAY}
    ]
    again = alliance.graphql("school", OUTCOME, {"action": action["id"], "on": TODAY})
    assert codes(again, "recordActionOutcome") == {("actionId", "ALREADY_DONE")}

    other = alliance.graphql("county", CLOSE, {"case": case["id"], "on": TODAY, "kind": "EMPLOYED"})
    assert codes(other, "closeAssistanceCase") == {("caseId", "NOT_FOUND")}
    closed = alliance.graphql(
        "school", CLOSE, {"case": case["id"], "on": TODAY, "kind": "EMPLOYED"}
    )
    assert closed.data["closeAssistanceCase"]["result"] == {
        "state": "CLOSED",
        "outcomeKind": "EMPLOYED",
    }


async def test_a_county_bureau_runs_cases_of_its_county_only(alliance):
    school = alliance.cast.org["school"]
    county_bureau = alliance.cast.org["county"]
    inside = await a_student(alliance, school, county=True, owner=county_bureau)
    outside = await a_student(alliance, school, county=False, owner=county_bureau)

    city = alliance.graphql("city", OPEN, {"person": gid("Person", inside), "reason": "x"})
    assert codes(city, "openAssistanceCase") == {(None, "COUNTY_ONLY")}
    far = alliance.graphql("county", OPEN, {"person": gid("Person", outside), "reason": "x"})
    assert codes(far, "openAssistanceCase") == {("personId", "NOT_FOUND")}

    opened = alliance.graphql("county", OPEN, {"person": gid("Person", inside), "reason": "零就业"})
    assert codes(opened, "openAssistanceCase") == set()
    case = opened.data["openAssistanceCase"]["result"]
    county = gid("Organisation", alliance.cast.org["county"])
    assert case["owner"]["id"] == county
    assert county in case_owners_seen(alliance, "school", inside)  # its student's help
    assert county in case_owners_seen(alliance, "city", inside)  # inside its region
    assert county not in case_owners_seen(alliance, "agency", inside)
    refused = alliance.graphql(
        "school", ACT, {"case": case["id"], "on": TODAY, "due": DUE, "kind": "CAREER_GUIDANCE"}
    )
    assert codes(refused, "addAssistanceAction") == {("caseId", "NOT_FOUND")}


async def test_a_bureau_posts_public_welfare_positions_and_internships_only(alliance):
    ((occupation,),) = await sql(alliance, "SELECT code FROM occupations ORDER BY code LIMIT 1")
    regular = alliance.graphql(
        "county", CREATE_POSITION, {"kind": "REGULAR", "occupation": occupation}
    )
    assert codes(regular, "createPosition") == {("kind", "KIND_NOT_ALLOWED")}
    posted = alliance.graphql(
        "county", CREATE_POSITION, {"kind": "PUBLIC_WELFARE", "occupation": occupation}
    )
    assert codes(posted, "createPosition") == set()
    position = posted.data["createPosition"]["result"]
    assert position["enterprise"]["id"] == gid("Organisation", alliance.cast.org["county"])
    # Another poster cannot open it; the bureau can.
    variables = {"id": position["id"], "version": position["version"]}
    other = alliance.graphql("enterprise", OPEN_POSITION, variables)
    assert codes(other, "openPosition") == {("id", "NOT_FOUND")}
    opened = alliance.graphql("county", OPEN_POSITION, variables)
    assert opened.data["openPosition"]["result"] == {"state": "OPEN"}

    # A county case's public-welfare step points at a public-welfare position, not another kind.
    person = await a_student(
        alliance, alliance.cast.org["school"], county=True, owner=alliance.cast.org["county"]
    )
    case = alliance.graphql("county", OPEN, {"person": gid("Person", person), "reason": "兜底安置"})
    case_id = case.data["openAssistanceCase"]["result"]["id"]
    wrong = alliance.graphql(
        "county",
        ACT,
        {
            "case": case_id,
            "on": TODAY,
            "due": DUE,
            "kind": "INTERNSHIP",
            "position": position["id"],
        },
    )
    assert codes(wrong, "addAssistanceAction") == {("positionId", "WRONG_KIND")}
    step = alliance.graphql(
        "county",
        ACT,
        {
            "case": case_id,
            "on": TODAY,
            "due": DUE,
            "kind": "PUBLIC_WELFARE_POSITION",
            "position": position["id"],
        },
    )
    assert step.data["addAssistanceAction"]["result"]["actions"][0]["position"] == {
        "id": position["id"]
    }
