"""The read side of the role × operation × relation matrix, over real HTTP with real tokens.

Cells: every viewer (each demo account, by role, and anonymous) × every table the role rules
name × every relation of the subject to the viewer (own / other organisation / outside region,
plus consented and fair-registered candidates for persons). One GraphQL request per viewer and
table fetches every relation's subject by ``node(id:)`` under an alias; each cell asserts its
alias. Person cells compare every personal field with the stored value, in clear or in the exact
mask; every clear read must leave an audit record, every masked one none.
"""

from __future__ import annotations

import base64
import itertools

import pytest

from auth.rules import RULES
from tests.authz.alliance import BOTH_PATHS, running_alliance
from tests.authz.spec import ANONYMOUS, KNOWN_WRONG, READS, VIEWERS, read_cells


@pytest.fixture(scope="module", **BOTH_PATHS)
async def alliance(request, tmp_path_factory):
    """The read matrix on both paths: the app in this process, and `yulu serve` as deployed."""
    path = tmp_path_factory.mktemp("reads")
    async with running_alliance(path, as_deployed=request.param) as running:
        yield running


NODE_TYPES = {
    "persons": "Person",
    "follow_ups": "Person",
    "assistance_cases": "Person",
    "graduate_destinations": "Person",
    "follow_up_dues": "Person",
    "alerts": "Person",
    "positions": "Position",
    "organisations": "Organisation",
    "training_classes": "TrainingClass",
    "applications": "Application",
    "employment_records": "EmploymentRecord",
    "fairs": "Fair",
    "regions": "Region",
    "audit_records": "Person",
}
SELECTIONS = {
    "persons": "... on Person { id name idNumber phone birthDate household { category } }",
    "follow_ups": "... on Person { followUps { onDate status } }",
    "assistance_cases": "... on Person { assistanceCases { openedOn state } }",
    "graduate_destinations": "... on Person { graduateDestinations { kind since } }",
    "follow_up_dues": "... on Person { followUpDues { dueOn } }",
    "alerts": "... on Person { alerts { kind state } }",
}
NO_HOUSEHOLD = {"enterprise", "agency", "admin"}
"""Roles that never see a family's poverty status, even with consent (DOMAIN.md: candidates only)."""
LISTS = {
    "follow_ups": "followUps",
    "assistance_cases": "assistanceCases",
    "graduate_destinations": "graduateDestinations",
    "follow_up_dues": "followUpDues",
    "alerts": "alerts",
}


def gid(type_name: str, key) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
)


def mask_name(name: str) -> str:
    """The surname and a single ``*`` (张*, 欧阳*): the mask hides the given name's length too."""
    compound = len(name) > 2 and name[:2] in COMPOUND_SURNAMES
    return name[: 2 if compound else 1] + "*"


def mask_id_number(value: str) -> str:
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def _query(alliance, viewer: str, table: str) -> str:
    fields = []
    for relation in READS[table][viewer]:
        subject = gid(NODE_TYPES[table], alliance.cast.subject(viewer, table, relation))
        if table == "audit_records":
            fields.append(f'{relation}: auditLog(person: "{subject}") {{ totalCount }}')
        else:
            fields.append(f'{relation}: node(id: "{subject}") {{ id {SELECTIONS.get(table, "")} }}')
    return "query Matrix { " + " ".join(fields) + " }"


@pytest.fixture(scope="module")
def answers(alliance):
    """(viewer, table) → the batched answer, fetched once."""
    cache = {}

    def answer(viewer: str, table: str):
        if (viewer, table) not in cache:
            cache[(viewer, table)] = alliance.graphql(viewer, _query(alliance, viewer, table))
        return cache[(viewer, table)]

    return answer


def _param(viewer: str, table: str, relation: str):
    marks = []
    if (viewer, table, relation) in KNOWN_WRONG:
        marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_WRONG[(viewer, table, relation)]))
    return pytest.param(viewer, table, relation, id=f"{viewer}-{table}-{relation}", marks=marks)


CELLS = read_cells()


def test_spec_covers_rules():
    """The matrix is generated from the rules: every role has a viewer, every table a rule
    names has expectations for every viewer, and every rules table is in the matrix."""
    assert set(VIEWERS.values()) == set(RULES), (
        "a role of auth/rules.py has no viewer in the matrix"
    )
    tables = set(itertools.chain.from_iterable(r.tables for r in RULES.values()))
    assert tables == set(READS), f"tables of the rules without expectations: {tables ^ set(READS)}"
    for table in READS:
        assert set(READS[table]) == set(VIEWERS), f"{table}: a viewer has no cells"


@pytest.mark.parametrize(("viewer", "table", "relation"), [_param(*cell) for cell in CELLS])
def test_read(alliance, answers, viewer, table, relation):
    expected = READS[table][viewer][relation]
    result = answers(viewer, table)
    value = (result.data or {}).get(relation)
    errors = result.under(relation)
    if expected in ("UNAUTHENTICATED", "FORBIDDEN"):
        assert [e["extensions"]["code"] for e in errors] == [expected], result.errors
        assert value is None or value.get(LISTS.get(table, "-")) is None
        return
    if expected == "withheld":
        if errors:
            assert {e["extensions"]["code"] for e in errors} == {"FORBIDDEN"}, errors
        else:
            assert value is None or value[LISTS[table]] == [], value
        return
    never_household = viewer in NO_HOUSEHOLD
    if table == "persons" and (expected == "masked" or never_household):
        # Household (poverty status) is withheld: null, or FORBIDDEN for roles that never see it.
        assert {e["extensions"]["code"] for e in errors} <= {"FORBIDDEN"}, errors
        assert all(tuple(e["path"]) == (relation, "household") for e in errors), errors
    else:
        assert errors == [], errors
    if table == "audit_records":
        assert (value["totalCount"] > 0) == (expected == "visible"), value
        return
    if expected == "hidden":
        assert value is None
        return
    assert value is not None, f"{viewer} should see the {relation} {table} row"
    if table in LISTS:
        assert value[LISTS[table]], f"{viewer} should see the {relation} person's {LISTS[table]}"
    if table == "persons":
        stored = alliance.cast.persons[alliance.cast.subject(viewer, table, relation)]
        if expected == "clear":
            assert (value["name"], value["idNumber"], value["phone"], value["birthDate"]) == (
                stored["name"],
                stored["id_number"],
                stored["phone"],
                str(stored["birth_date"]),
            )
            assert (value["household"] is None) == never_household
        else:
            assert value["name"] == mask_name(stored["name"])
            assert value["idNumber"] == mask_id_number(stored["id_number"])
            assert value["phone"] == mask_phone(stored["phone"])
            assert value["birthDate"] is None and value["household"] is None


# --- audit: every clear read is recorded, no masked read is -----------------------------------

PERSON_CELLS = [
    (v, r, READS["persons"][v][r])
    for v in VIEWERS
    for r in READS["persons"].get(v, {})
    if READS["persons"][v][r] in ("clear", "masked")
]


@pytest.mark.parametrize(
    ("viewer", "relation", "expected"),
    [pytest.param(*c, id=f"{c[0]}-persons-{c[1]}-{c[2]}") for c in PERSON_CELLS],
)
def test_audit_of_personal_reads(alliance, viewer, relation, expected):
    person = alliance.cast.subject(viewer, "persons", relation)
    operation = f"AuditProbe_{viewer}_{relation}"
    read = alliance.graphql(
        viewer,
        f'query {operation} {{ node(id: "{gid("Person", person)}") {{ ... on Person {{ name idNumber phone }} }} }}',
    )
    assert read.errors == [] and read.data["node"] is not None
    log = alliance.graphql(
        "admin",
        """
        query Log($person: ID!) { auditLog(person: $person, action: READ_PERSONAL, first: 100) {
          edges { node { operation actorRole fields subject { id } } } } }""",
        {"person": gid("Person", person)},
    )
    assert log.errors == []
    mine = [e["node"] for e in log.data["auditLog"]["edges"] if e["node"]["operation"] == operation]
    if expected == "masked":
        assert mine == []
        return
    assert len(mine) == 1, f"the clear read {operation} left {len(mine)} audit records"
    role = VIEWERS[viewer].value
    assert mine[0]["actorRole"] == role
    assert {"name", "id_number", "phone"} <= set(mine[0]["fields"])
    assert mine[0]["subject"]["id"] == gid("Person", person)


# --- single cells that do not fit the table above ---------------------------------------------


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_member_only_organisation_fields(alliance, viewer):
    """Credit code, contact phone and approval date: members only (anonymous: UNAUTHENTICATED)."""
    org = gid("Organisation", alliance.cast.subject(viewer, "organisations", "public"))
    result = alliance.graphql(
        viewer,
        f'{{ node(id: "{org}") {{ ... on Organisation {{ name creditCode contactPhone }} }} }}',
    )
    if viewer == ANONYMOUS:
        assert {e["extensions"]["code"] for e in result.errors} == {"UNAUTHENTICATED"}
        assert result.data["node"]["name"] and result.data["node"]["creditCode"] is None
    else:
        assert result.errors == [] and result.data["node"]["creditCode"]


@pytest.mark.parametrize("viewer", ["school", "enterprise", "agency", "county", "graduate"])
def test_without_personal_scope_everything_is_masked(alliance, viewer):
    """A token without ``personal:read`` sees even its own subjects masked, and nothing is audited."""
    from tests.authz.alliance import NOT_PERSONAL

    person = alliance.cast.subject(viewer, "persons", "own")
    stored = alliance.cast.persons[person]
    result = alliance.graphql(
        viewer,
        f'{{ node(id: "{gid("Person", person)}") {{ ... on Person {{ name idNumber phone }} }} }}',
        scope=NOT_PERSONAL,
    )
    assert result.errors == []
    assert result.data["node"] == {
        "name": mask_name(stored["name"]),
        "idNumber": mask_id_number(stored["id_number"]),
        "phone": mask_phone(stored["phone"]),
    }


@pytest.mark.parametrize(
    "query",
    [
        "{ persons { totalCount } }",
        "{ applications { totalCount } }",
        "{ employmentRecords { totalCount } }",
        "{ classes { totalCount } }",
        "{ auditLog { totalCount } }",
    ],
)
def test_anonymous_lists_refused(alliance, query):
    result = alliance.graphql(ANONYMOUS, query)
    assert [e["extensions"]["code"] for e in result.errors] == [
        "UNAUTHENTICATED"
    ] and result.data is None


@pytest.mark.parametrize("viewer", ["school", "county", "graduate"])
def test_list_rows_stay_inside_the_remit(alliance, viewer):
    """The persons list shows no row the node cells call hidden (lists and nodes share rules)."""
    result = alliance.graphql(
        viewer, "{ persons(first: 100) { totalCount edges { node { id } } } }"
    )
    assert result.errors == []
    assert result.data["persons"]["totalCount"] <= 100, "the list must fit one page for this check"
    seen = {e["node"]["id"] for e in result.data["persons"]["edges"]}
    for relation, outcome in READS["persons"][viewer].items():
        person = gid("Person", alliance.cast.subject(viewer, "persons", relation))
        assert (person in seen) == (outcome != "hidden"), relation
