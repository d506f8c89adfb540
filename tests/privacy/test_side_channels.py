"""Issue 11, item 1: no side channel on masked data, tried over real HTTP with real tokens.

A filter, search, sort, count or score may use a personal field only on the rows where the viewer
sees that field in clear. Most cells are generated from the single declaration
(auth.rules.PERSONAL_FIELDS / PERSONAL_ARGUMENTS), so a new personal field, filter or sort that is
not declared fails here; the expected answers come from the stored rows and hand-written
weights, never from the rules under test.
"""

from __future__ import annotations

import base64

import pytest
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType
from sqlalchemy import text

from auth import rules
from models.db import create_engine, session_factory
from schema.api import build_schema
from tests.authz.alliance import BOTH_PATHS, running_alliance
from tests.authz.cast import COUNTY
from tests.authz.test_reads import gid

pytestmark = pytest.mark.db

ROLES = ("school", "enterprise", "agency", "county", "city", "graduate", "admin")


@pytest.fixture(scope="module", **BOTH_PATHS)
async def alliance(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("side-channels")
    async with running_alliance(path, as_deployed=request.param) as running:
        yield running


def key(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().rpartition(":")[2])


async def stored(alliance, sql: str, **params) -> list:
    engine = create_engine(alliance.database_url)
    try:
        async with session_factory(engine)() as session:
            return list(await session.execute(text(sql), params))
    finally:
        await engine.dispose()


def codes(result) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in result.errors]


# ------------------------------------------------------------------ the declaration covers the API

NOT_ABOUT_PERSONS = frozenset(
    {
        "ClassFilter",
        "ClassSort",
        "FairFilter",
        "FairSort",
        "OrganisationFilter",
        "OrganisationSort",
        "PositionFilter",
        "PositionSort",
        "MatchedPositionsFilter",
    }
)
"""Filters and sorts over organisations, positions, classes and fairs: no person's field in them."""

NOT_PERSONAL = frozenset(
    {
        "id",
        "gender",
        "education",
        "certificates",
        "consentToShare",
        "version",
        "enrolmentIntention",
        "enrolmentIntentions",
        "studentRecord",
        "employmentIntention",
        "applications",
        "employmentRecords",
        "followUps",
        "assistanceCases",
        "graduateDestinations",
        "followUpDues",
        "alerts",
        "classes",
        "matchedPositions",
    }
)
"""Person fields that are not personal data under the declaration (the ledgers and tracking rows
have row rules of their own). Gender is in the masked ID number's last four characters anyway."""


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def test_every_person_field_is_declared_personal_or_not():
    person = build_schema()._schema.type_map["Person"]
    assert isinstance(person, GraphQLObjectType)
    personal = {_camel(name) for name in rules.PERSONAL_FIELDS}
    derived = {_camel(name) for name in rules.DERIVED_FIELDS}
    assert set(person.fields) - NOT_PERSONAL == personal | derived, (
        "declare a new Person field in auth.rules.PERSONAL_FIELDS (or DERIVED_FIELDS)"
    )
    assert set(rules.DERIVED_FIELDS.values()) <= set(rules.PERSONAL_FIELDS)


def test_every_filter_and_sort_over_persons_is_declared():
    types = build_schema()._schema.type_map
    for name, graphql_type in types.items():
        if not (name.endswith("Filter") or name.endswith("Sort")) or name in NOT_ABOUT_PERSONS:
            continue
        declared = rules.PERSONAL_ARGUMENTS.get(name)
        assert declared is not None, (
            f"{name}: declare its arguments in auth.rules.PERSONAL_ARGUMENTS"
        )
        if isinstance(graphql_type, GraphQLInputObjectType):
            assert {_camel(argument) for argument in declared} == set(graphql_type.fields), name
        else:
            assert isinstance(graphql_type, GraphQLEnumType), name
            assert set(declared) == {value.lower() for value in graphql_type.values}, name
        assert set(declared.values()) - {None} <= set(rules.PERSONAL_FIELDS), name
    query = types["Query"]
    assert isinstance(query, GraphQLObjectType)
    audit_log = query.fields["auditLog"]
    assert set(audit_log.args) - {"first", "after"} == set(rules.PERSONAL_ARGUMENTS["auditLog"])


# ------------------------------------------------------------------ filters, generated per role

PERSON_FIELD_QUERY = {
    "name": "name",
    "household": "household { category }",
    "id_number": "idNumber",
    "phone": "phone",
    "birth_date": "birthDate",
}
FILTER_VALUES = {
    "search": "张",
    "region": "500000",
    "monitored": True,
    "relocated": True,
    "key_county": True,
}


def _rows_show_field_in_clear(
    alliance, field: str, nodes: list[dict], truth: dict[int, dict]
) -> None:
    for node in nodes:
        person = truth[key(node["id"])]
        if field == "household":
            assert node["household"] is not None, node
        else:
            assert node[_camel(field)] == person[field], node


@pytest.mark.parametrize("viewer", ROLES)
@pytest.mark.parametrize(
    "argument", [a for a, f in rules.PERSONAL_ARGUMENTS["PersonFilter"].items() if f]
)
async def test_person_filters_hold_only_where_their_field_is_clear(alliance, viewer, argument):
    field = rules.PERSONAL_ARGUMENTS["PersonFilter"][argument]
    shown = PERSON_FIELD_QUERY[field] if field != "household" else "household { category }"
    query = f"""query($filter: PersonFilter) {{ persons(first: 100, filter: $filter) {{ totalCount
      edges {{ node {{ id name {shown if field != "name" else ""} }} }} }} }}"""
    result = alliance.graphql(
        viewer, query, {"filter": {_camel(argument): FILTER_VALUES[argument]}}
    )
    if result.errors:
        # Refused outright: only for a viewer who sees the field on no row, and saying which argument.
        assert codes(result) == ["FORBIDDEN"], result.errors
        assert _camel(argument) in result.errors[0]["message"]
        return
    nodes = [edge["node"] for edge in result.data["persons"]["edges"]]
    truth = {
        row.id: dict(row._mapping)
        for row in await stored(
            alliance, "SELECT id, name, id_number, phone, birth_date FROM persons"
        )
    }
    _rows_show_field_in_clear(alliance, field, nodes, truth)
    assert result.data["persons"]["totalCount"] == len(nodes) or len(nodes) == 100


def test_household_filters_are_refused_to_those_who_never_see_households(alliance):
    # The findings: a city bureau filtering on monitored status, an enterprise or agency
    # learning key-county origin through the household region.
    for viewer in ("city", "enterprise", "agency", "admin"):
        for filter_input in (
            {"monitored": True},
            {"region": COUNTY},
            {"keyCounty": True},
            {"relocated": False},
        ):
            result = alliance.graphql(
                viewer,
                "query($f: PersonFilter) { persons(filter: $f) { totalCount } }",
                {"f": filter_input},
            )
            assert codes(result) == ["FORBIDDEN"], (viewer, filter_input)
    county = alliance.graphql(
        "county", "query { persons(filter: {monitored: true}) { totalCount } }"
    )
    assert county.errors == [] and county.data["persons"]["totalCount"] > 0


async def test_a_masked_name_cannot_be_rebuilt_by_searching(alliance):
    result = alliance.graphql(
        "enterprise",
        "query { persons(ledger: GRADUATES, first: 100) { edges { node { id name } } } }",
    )
    nodes = [edge["node"] for edge in result.data["persons"]["edges"]]
    masked = [node for node in nodes if node["name"].endswith("*")]
    clear = [node for node in nodes if not node["name"].endswith("*")]
    assert masked and clear, "the enterprise sees both kinds of candidate"
    names = {row.id: row.name for row in await stored(alliance, "SELECT id, name FROM persons")}
    search = (
        "query($s: String) { persons(first: 100, filter: {search: $s}) { edges { node { id } } } }"
    )
    for node in masked[:5]:
        full = names[key(node["id"])]
        for prefix in {full[:2], full}:  # surname + one character, and the whole name
            found = alliance.graphql("enterprise", search, {"s": prefix}).data["persons"]["edges"]
            assert node["id"] not in {edge["node"]["id"] for edge in found}, prefix
    for node in clear[:3]:
        found = alliance.graphql("enterprise", search, {"s": names[key(node["id"])]}).data[
            "persons"
        ]["edges"]
        assert node["id"] in {edge["node"]["id"] for edge in found}


async def test_a_full_id_number_finds_the_person_only_where_it_is_clear(alliance):
    school_student = alliance.cast.subject("school", "persons", "own")
    ((id_number,),) = await stored(
        alliance, "SELECT id_number FROM persons WHERE id = :p", p=school_student
    )
    search = (
        "query($s: String) { persons(filter: {search: $s}) { edges { node { id idNumber } } } }"
    )
    found = alliance.graphql("school", search, {"s": id_number}).data["persons"]["edges"]
    assert [key(edge["node"]["id"]) for edge in found] == [school_student]
    assert alliance.graphql("enterprise", search, {"s": id_number}).data["persons"]["edges"] == []
    assert codes(alliance.graphql("city", search, {"s": id_number})) == [
        "FORBIDDEN"
    ]  # sees no name in clear


@pytest.mark.parametrize("viewer", ("enterprise", "agency", "city", "admin", "school"))
@pytest.mark.parametrize("sort", ("BIRTH_DATE", "NAME"))
def test_sorting_by_a_personal_field_says_nothing_about_masked_rows(alliance, viewer, sort):
    """Rows whose field is clear come first in its order; masked rows follow in id order, so the
    order of a page cannot narrow a masked ID number or name."""
    result = alliance.graphql(
        viewer,
        f"query {{ persons(first: 100, sort: {sort}) {{ edges {{ node {{ id name birthDate }} }} }} }}",
    )
    assert result.errors == [], result.errors
    nodes = [edge["node"] for edge in result.data["persons"]["edges"]]
    is_clear = [not node["name"].endswith("*") for node in nodes]
    assert is_clear == sorted(is_clear, reverse=True), "every clear row before every masked one"
    masked_ids = [key(node["id"]) for node, shown in zip(nodes, is_clear, strict=True) if not shown]
    assert masked_ids == sorted(masked_ids)
    clear_keys = [
        (node["birthDate"] if sort == "BIRTH_DATE" else node["name"], key(node["id"]))
        for node, shown in zip(nodes, is_clear, strict=True)
        if shown
    ]
    if sort == "BIRTH_DATE":
        assert clear_keys == sorted(clear_keys)


# ------------------------------------------------------------------ scores and derived values

# The default weights, written out by hand (resolvers.matching.scoring's defaults).
FIT = {"major": 0.30, "intention": 0.25, "location": 0.20, "salary": 0.15, "certificates": 0.10}
VISIBLE_PRIORITY = {"yuluPriorityPosition": 0.05, "reservedForClass": 0.15}
TOTAL = sum(FIT.values()) + 0.12 + 0.08 + 0.04 + sum(VISIBLE_PRIORITY.values())

MATCHES = """query($id: ID!) { node(id: $id) { ... on Position { matchedGraduates(first: 50) { edges { node {
  score reasons factors { major intention location salary certificates }
  priority { monitoredHousehold keyCounty relocated yuluPriorityPosition reservedForClass }
  graduate { id } } } } } } }"""


async def _open_position_with_matches(alliance) -> int:
    rows = await stored(
        alliance, "SELECT id FROM positions WHERE state = 'open' AND filled < headcount ORDER BY id"
    )
    for (position,) in rows[:20]:
        result = alliance.graphql("agency", MATCHES, {"id": gid("Position", position)})
        if result.data["node"]["matchedGraduates"]["edges"]:
            return position
    raise AssertionError("no open position with matches")


async def test_a_score_is_a_function_of_what_the_viewer_sees(alliance):
    """The issue's finding: household priority weights in a score the priority fields hide. For a
    viewer who does not see households, every score is the weighted sum of the visible factors
    and flags alone, so two matches that look alike score alike; and no reason names the home."""
    position = await _open_position_with_matches(alliance)
    result = alliance.graphql("agency", MATCHES, {"id": gid("Position", position)})
    matches = [edge["node"] for edge in result.data["node"]["matchedGraduates"]["edges"]]
    for match in matches:
        priority = match["priority"]
        assert (priority["monitoredHousehold"], priority["keyCounty"], priority["relocated"]) == (
            None,
            None,
            None,
        )
        visible = sum(FIT[name] * value for name, value in match["factors"].items()) + sum(
            weight for flag, weight in VISIBLE_PRIORITY.items() if priority[flag]
        )
        assert match["score"] == pytest.approx(visible / TOTAL, abs=1e-9), match
        assert "工作地在户籍所在县，可就近就业" not in match["reasons"]
        assert match["factors"]["location"] in (
            1.0,
            0.5,
        )  # a desired region, or no knowledge of home
    scores = [m["score"] for m in matches]
    assert scores == sorted(scores, reverse=True)


async def test_a_county_bureau_sees_the_household_in_its_scores(alliance):
    """The same position for a reader of households: priority flags count and show."""
    rows = await stored(
        alliance,
        """SELECT i.person_id FROM employment_intentions i JOIN persons p ON p.id = i.person_id
        JOIN households h ON h.id = p.household_id WHERE h.region_code = :c AND h.category <> 'lifted'
        AND i.match_available = :yes""",
        c=COUNTY,
        yes=True,
    )
    if not rows:
        pytest.skip("no available monitored graduate in the county in this draw")
    person = gid("Person", rows[0][0])
    result = alliance.graphql(
        "county",
        """query($id: ID!) { node(id: $id) { ... on Person {
      household { monitored } } } }""",
        {"id": person},
    )
    assert result.errors == [] and result.data["node"]["household"]["monitored"] is True


async def test_derived_household_values_stay_with_the_household(alliance):
    """An employment record's location tier (in county / province / cross-province) and the audit
    log's region are the household's county in other words."""
    enterprise = alliance.graphql(
        "enterprise", "query { employmentRecords(first: 50) { edges { node { locationTier } } } }"
    )
    assert enterprise.errors == []
    tiers = [edge["node"]["locationTier"] for edge in enterprise.data["employmentRecords"]["edges"]]
    assert tiers and set(tiers) == {None}
    refused = alliance.graphql(
        "enterprise",
        "query { employmentRecords(filter: {locationTier: IN_COUNTY}) { totalCount } }",
    )
    assert codes(refused) == ["FORBIDDEN"]
    school = alliance.graphql(
        "school", "query { employmentRecords(first: 50) { edges { node { locationTier } } } }"
    )
    assert school.errors == [] and None not in {
        e["node"]["locationTier"] for e in school.data["employmentRecords"]["edges"]
    }

    county_person = gid("Person", alliance.cast.subject("county", "persons", "own"))
    alliance.graphql(
        "county",
        f'query AuditSeed {{ node(id: "{county_person}") {{ ... on Person {{ name }} }} }}',
    )
    city = alliance.graphql(
        "city", "query { auditLog(first: 50) { edges { node { regionCode subject { id } } } } }"
    )
    assert city.errors == [] and city.data["auditLog"]["edges"]
    assert {
        edge["node"]["regionCode"]
        for edge in city.data["auditLog"]["edges"]
        if edge["node"]["subject"]
    } == {None}
    assert codes(
        alliance.graphql("city", f'query {{ auditLog(region: "{COUNTY}") {{ totalCount }} }}')
    ) == ["FORBIDDEN"]
    county = alliance.graphql(
        "county",
        f'query {{ auditLog(region: "{COUNTY}", first: 5) {{ edges {{ node {{ regionCode }} }} }} }}',
    )
    assert county.errors == [] and {
        e["node"]["regionCode"] for e in county.data["auditLog"]["edges"]
    } <= {COUNTY}


async def test_counts_agree_with_what_the_list_shows(alliance):
    """totalCount counts the rows the filters leave, and those hold only where the field is clear."""
    result = alliance.graphql(
        "enterprise",
        'query { persons(first: 100, filter: {search: "王"}) { totalCount edges { node { name } } } }',
    )
    assert result.errors == []
    names = [edge["node"]["name"] for edge in result.data["persons"]["edges"]]
    assert all(not name.endswith("*") and "王" in name for name in names)
    assert result.data["persons"]["totalCount"] == len(names) or len(names) == 100
