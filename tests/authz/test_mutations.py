"""The write side of the matrix: every mutation of the SDL × every viewer (the role gate), then
the row rules of the writes (own / other organisation / outside region) with real changes, the
write scope, the consent switch, and the audit record every mutation leaves.

This module runs on its own database (see alliance.py): its successful mutations change rows.
"""

from __future__ import annotations

import pytest

from auth.rules import RULES
from schema.sdl import SDL_PATH
from tests.authz.alliance import READ_ONLY
from tests.authz.spec import ANONYMOUS, MUTATIONS, VIEWERS
from tests.authz.test_reads import gid, mask_name
from tests.authz.test_sdl import mutations

MISSING = {
    t: gid(t, 999_999)
    for t in ("Position", "Person", "TrainingClass", "Application", "Fair", "Organisation")
}
IDENTITY = (
    '{name: "张三", idNumber: "110101199003070000"}'  # bad check character: a user error, no change
)
GATE_DOCUMENTS = {
    "requestMembership": 'requestMembership(input: {kind: ENTERPRISE, name: "x", creditCode: "bad", regionCode: "500229"})',
    "decideMembership": f'decideMembership(id: "{MISSING["Organisation"]}", decision: APPROVED)',
    "upsertEnrolmentIntention": f"upsertEnrolmentIntention(person: {IDENTITY}, input: {{surveyYear: 2026, wantsVocational: true}})",
    "upsertStudentRecord": f'upsertStudentRecord(person: {IDENTITY}, input: {{majorCode: "x", entryYear: 2026, expectedGraduationYear: 2029}})',
    "decideStudentTransfer": f'decideStudentTransfer(id: "{gid("StudentTransfer", 999_999)}", accept: false)',
    "upsertEmploymentIntention": f'upsertEmploymentIntention(personId: "{MISSING["Person"]}", input: {{graduationYear: 2026}})',
    "setConsent": "setConsent(consent: true, version: 999999)",
    "createPosition": (
        'createPosition(input: {title: "", occupationCode: "x", kind: REGULAR, minEducation: JUNIOR_MIDDLE, '
        'headcount: 0, salaryMin: 1, salaryMax: 0, regionCode: "x", validFrom: "2026-01-02", validUntil: "2026-01-01"})'
    ),
    "updatePosition": f'updatePosition(id: "{MISSING["Position"]}", version: 1, changes: {{}})',
    "openPosition": f'openPosition(id: "{MISSING["Position"]}", version: 1)',
    "closePosition": f'closePosition(id: "{MISSING["Position"]}", version: 1)',
    "createClass": (
        'createClass(input: {kind: SHORT_TRAINING, name: "", cohortYear: 2026, seats: 0, '
        'startsOn: "2026-02-01", endsOn: "2026-01-01"})'
    ),
    "updateClass": f'updateClass(id: "{MISSING["TrainingClass"]}", version: 1, changes: {{}})',
    "enrolStudent": f'enrolStudent(classId: "{MISSING["TrainingClass"]}", personId: "{MISSING["Person"]}")',
    "reserveClassPositions": f'reserveClassPositions(classId: "{MISSING["TrainingClass"]}", positionIds: [])',
    "createApplication": f'createApplication(personId: "{MISSING["Person"]}", positionId: "{MISSING["Position"]}")',
    "referCandidate": f'referCandidate(personId: "{MISSING["Person"]}", positionId: "{MISSING["Position"]}", note: "矩阵")',
    "transitionApplication": f'transitionApplication(input: {{id: "{MISSING["Application"]}", version: 1, stage: WITHDRAWN}})',
    "createFair": (
        'createFair(input: {name: "", kind: GENERAL, mode: ONLINE, regionCode: "x", '
        'startsOn: "2026-02-01", endsOn: "2026-01-01"})'
    ),
    "addFairEnterprises": f'addFairEnterprises(fairId: "{MISSING["Fair"]}", enterpriseIds: [])',
    "addFairPositions": f'addFairPositions(fairId: "{MISSING["Fair"]}", positionIds: [])',
    "registerForFair": f'registerForFair(fairId: "{MISSING["Fair"]}", personId: "{MISSING["Person"]}")',
    "recordFollowUp": f'recordFollowUp(personId: "{MISSING["Person"]}", onDate: "2025-01-01", status: EMPLOYED)',
    "openAssistanceCase": f'openAssistanceCase(personId: "{MISSING["Person"]}", reason: "x")',
    "addAssistanceAction": (
        f'addAssistanceAction(caseId: "{gid("AssistanceCase", 999_999)}", onDate: "2025-01-01", '
        'kind: CAREER_GUIDANCE, dueOn: "2025-01-31", action: "x")'
    ),
    "recordActionOutcome": f'recordActionOutcome(actionId: "{gid("AssistanceAction", 999_999)}", outcome: "x", doneOn: "2025-01-01")',
    "closeAssistanceCase": (
        f'closeAssistanceCase(caseId: "{gid("AssistanceCase", 999_999)}", outcomeKind: EMPLOYED, outcome: "x", '
        'closedOn: "2025-01-01")'
    ),
    "publishEvaluation": 'publishEvaluation(regionCode: "999999", year: 2025)',
    "recordDestination": f'recordDestination(personId: "{MISSING["Person"]}", input: {{kind: NOT_EMPLOYED, since: "2026-07-01"}})',
    "verifyDestination": f'verifyDestination(id: "{gid("GraduateDestination", 999_999)}", verification: SOCIAL_INSURANCE)',
    "endEmployment": f'endEmployment(id: "{gid("EmploymentRecord", 999_999)}", endedOn: "2026-07-01", reason: LEFT)',
    "dismissAlert": f'dismissAlert(id: "{gid("Alert", 999_999)}", reason: "矩阵")',
    "linkAlertToCase": f'linkAlertToCase(id: "{gid("Alert", 999_999)}", caseId: "{gid("AssistanceCase", 999_999)}")',
    "suspendMembership": f'suspendMembership(id: "{MISSING["Organisation"]}", reason: "矩阵")',
    "createOAuthClient": 'createOAuthClient(input: {clientId: "matrix-app", redirectUris: ["https://matrix.example/cb"]})',
    "deleteOAuthClient": 'deleteOAuthClient(clientId: "no-such-client")',
    "createUser": 'createUser(input: {username: "matrix-user", password: "short", role: ADMIN})',
    "resetPassword": 'resetPassword(username: "no-such-user", password: "short")',
    "unlockUser": 'unlockUser(username: "no-such-user")',
    "deactivateUser": 'deactivateUser(username: "no-such-user")',
    "rotateSigningKeys": "rotateSigningKeys",
    "createBureau": 'createBureau(input: {name: "", creditCode: "bad", regionCode: "x", level: COUNTY})',
    "createMemberAccount": f'createMemberAccount(id: "{MISSING["Organisation"]}", username: "matrix")',
    "graduateStudent": f'graduateStudent(personId: "{MISSING["Person"]}")',
    "closeStudentRecord": f'closeStudentRecord(personId: "{MISSING["Person"]}", input: {{closedOn: "2025-01-01", reason: "矩阵"}})',
    "closeCensusEntry": f'closeCensusEntry(personId: "{MISSING["Person"]}", input: {{closedOn: "2025-01-01", reason: "矩阵"}})',
    "changeHouseholdCategory": f'changeHouseholdCategory(householdId: "{gid("Household", 999_999)}", input: {{category: LIFTED, changedOn: "2025-01-01", reason: "矩阵"}})',
}
SDL_MUTATIONS = sorted(mutations(SDL_PATH.read_text(encoding="utf-8")))


def test_every_mutation_is_in_the_matrix():
    assert set(GATE_DOCUMENTS) == set(SDL_MUTATIONS)
    granted = set().union(*(r.mutations for r in RULES.values()))
    assert granted <= set(SDL_MUTATIONS), (
        f"rules grant mutations the SDL lacks: {granted - set(SDL_MUTATIONS)}"
    )
    assert set().union(*MUTATIONS.values()) <= set(SDL_MUTATIONS)


GATE_CELLS = [(viewer, name) for name in SDL_MUTATIONS for viewer in VIEWERS]


@pytest.mark.parametrize(
    ("viewer", "mutation"),
    [
        pytest.param(v, m, id=f"{v}-{m}-{'allowed' if m in MUTATIONS[v] else 'refused'}")
        for v, m in GATE_CELLS
    ],
)
def test_mutation_gate(alliance, viewer, mutation):
    """Allowed: the call reaches the resolver (user errors, nothing changed). Refused: FORBIDDEN
    for a signed-in role, UNAUTHENTICATED for anonymous, and no data."""
    result = alliance.graphql(
        viewer,
        f"mutation Gate {{ {mutation}: {GATE_DOCUMENTS[mutation]} {{ errors {{ code }} }} }}",
    )
    if mutation in MUTATIONS[viewer]:
        assert result.errors == [], result.errors
        assert result.data[mutation]["errors"], (
            "the probe input is invalid: a user error was expected"
        )
    else:
        expected = "UNAUTHENTICATED" if viewer == ANONYMOUS else "FORBIDDEN"
        assert [e["extensions"]["code"] for e in result.errors] == [expected]
        assert result.data is None


@pytest.mark.parametrize("viewer", [v for v in VIEWERS if v not in (ANONYMOUS, "admin")])
def test_mutations_need_the_write_scope(alliance, viewer):
    mutation = sorted(MUTATIONS[viewer])[0]
    result = alliance.graphql(
        viewer,
        f"mutation Gate {{ {mutation}: {GATE_DOCUMENTS[mutation]} {{ errors {{ code }} }} }}",
        scope=READ_ONLY,
    )
    assert [e["extensions"]["code"] for e in result.errors] == ["FORBIDDEN"] and result.data is None


# --- row rules of the writes: own succeeds, another organisation's or outside the region is NOT_FOUND


def _version(alliance, type_name: str, key) -> int:
    result = alliance.graphql(
        "admin", f'{{ node(id: "{gid(type_name, key)}") {{ ... on {type_name} {{ version }} }} }}'
    )
    return result.data["node"]["version"] if result.data["node"] else 1


def _position_write(alliance, viewer, relation):
    key = alliance.cast.subject(viewer, "positions", relation)
    return f'updatePosition(id: "{gid("Position", key)}", version: {_version(alliance, "Position", key)}, changes: {{benefits: "五险一金"}})'


def _class_write(alliance, viewer, relation):
    key = alliance.cast.subject(viewer, "training_classes", relation)
    return f'updateClass(id: "{gid("TrainingClass", key)}", version: {_version(alliance, "TrainingClass", key)}, changes: {{trainingPlan: "矩阵"}})'


def _intention_write(alliance, viewer, relation):
    key = alliance.cast.subject(viewer, "persons", relation)
    return f'upsertEmploymentIntention(personId: "{gid("Person", key)}", input: {{graduationYear: 2026, expectedSalary: 5000}})'


def _transition(stage):
    def write(alliance, viewer, relation):
        key = alliance.cast.subject(viewer, "applications", relation)
        return (
            f'transitionApplication(input: {{id: "{gid("Application", key)}", '
            f"version: {_version(alliance, 'Application', key)}, stage: {stage}}})"
        )

    return write


def _membership(relation_key):
    def write(alliance, viewer, relation):
        return f'decideMembership(id: "{gid("Organisation", alliance.cast.subject(viewer, "organisations", relation_key))}", decision: APPROVED)'

    return write


def _fair_write(alliance, viewer, relation):
    fair = alliance.cast.subject(viewer, "fairs", relation)
    enterprise = alliance.cast.subject(viewer, "extra", "other_enterprise")
    return f'addFairEnterprises(fairId: "{gid("Fair", fair)}", enterpriseIds: ["{gid("Organisation", enterprise)}"])'


# (viewer, operation, relation, writer, succeeds?)
WRITE_CELLS = [
    ("enterprise", "updatePosition", "own", _position_write, True),
    ("enterprise", "updatePosition", "other", _position_write, False),
    ("enterprise", "updatePosition", "outside", _position_write, False),
    ("enterprise", "transitionApplication", "own", _transition("INTERVIEW"), True),
    ("enterprise", "transitionApplication", "other", _transition("INTERVIEW"), False),
    ("school", "updateClass", "own", _class_write, True),
    ("school", "updateClass", "other", _class_write, False),
    ("school", "upsertEmploymentIntention", "own", _intention_write, True),
    ("school", "upsertEmploymentIntention", "other", _intention_write, False),
    ("school", "upsertEmploymentIntention", "outside", _intention_write, False),
    (
        "agency",
        "transitionApplication",
        "own",
        _transition("WITHDRAWN"),
        True,
    ),  # accepting is the graduate's
    ("agency", "transitionApplication", "other", _transition("WITHDRAWN"), False),
    ("agency", "addFairEnterprises", "own", _fair_write, True),
    ("agency", "addFairEnterprises", "public", _fair_write, False),
    ("graduate", "upsertEmploymentIntention", "own", _intention_write, True),
    ("graduate", "upsertEmploymentIntention", "other", _intention_write, False),
    ("county", "decideMembership", "own", _membership("county_request"), True),
    ("county", "decideMembership", "other", _membership("other"), False),
    ("county", "decideMembership", "outside", _membership("outside"), False),
    ("city", "decideMembership", "outside", _membership("outside"), False),
    ("city", "decideMembership", "own", _membership("other"), True),
    ("admin", "decideMembership", "outside", _membership("outside"), True),
]


@pytest.mark.parametrize(
    ("viewer", "operation", "relation", "writer", "succeeds"),
    [
        pytest.param(*c, id=f"{c[0]}-{c[1]}-{c[2]}-{'ok' if c[4] else 'not-found'}")
        for c in WRITE_CELLS
    ],
)
def test_write_rows(alliance, viewer, operation, relation, writer, succeeds):
    result = alliance.graphql(
        viewer,
        f"mutation Write {{ {operation}: {writer(alliance, viewer, relation)} {{ errors {{ code field }} }} }}",
    )
    assert result.errors == [], result.errors
    codes = [e["code"] for e in result.data[operation]["errors"]]
    assert codes == ([] if succeeds else ["NOT_FOUND"])


def test_graduate_applies_only_for_self(alliance):
    other = gid("Person", alliance.cast.subject("graduate", "persons", "other"))
    position = gid("Position", alliance.cast.subject("graduate", "extra", "open_position"))
    result = alliance.graphql(
        "graduate",
        f'mutation {{ createApplication(personId: "{other}", positionId: "{position}") {{ errors {{ code }} }} }}',
    )
    assert result.data["createApplication"]["errors"] == [{"code": "NOT_SELF"}]


def test_consent_switch_controls_enterprise_and_agency_view(alliance):
    """The graduate's switch: off → enterprises and agencies see the candidate masked; on → clear."""
    me = alliance.cast.graduate_person
    stored = alliance.cast.persons[me]
    read = f'{{ node(id: "{gid("Person", me)}") {{ ... on Person {{ name }} }} }}'
    for consent, shown in (
        (False, mask_name(stored["name"])),
        (True, stored["name"]),
        (False, mask_name(stored["name"])),
    ):
        switched = alliance.graphql(
            "graduate",
            f"mutation {{ setConsent(consent: {str(consent).lower()}) {{ errors {{ code }} result {{ consentToShare }} }} }}",
        )
        assert switched.data["setConsent"] == {"errors": [], "result": {"consentToShare": consent}}
        for viewer in ("enterprise", "agency"):
            assert alliance.graphql(viewer, read).data["node"]["name"] == shown, (viewer, consent)
        # Never a bypass for the admin, whatever the consent.
        assert alliance.graphql("admin", read).data["node"]["name"] == mask_name(stored["name"])


def test_mutations_are_audited(alliance):
    operation = "AuditedWrite"
    key = alliance.cast.subject("graduate", "persons", "own")
    result = alliance.graphql(
        "graduate",
        f'mutation {operation} {{ upsertEmploymentIntention(personId: "{gid("Person", key)}", '
        "input: {graduationYear: 2026, expectedSalary: 6100}) { errors { code } } }",
    )
    assert result.data["upsertEmploymentIntention"]["errors"] == []
    refused = alliance.graphql(
        "school",
        f'mutation {operation} {{ upsertEmploymentIntention(personId: "{gid("Person", key)}", '
        "input: {graduationYear: 2026}) { errors { code } } }",
    )
    assert refused.data["upsertEmploymentIntention"]["errors"] == [{"code": "NOT_FOUND"}]
    log = alliance.graphql(
        "admin",
        "{ auditLog(action: MUTATION, first: 100) { edges { node { operation actorRole detail } } } }",
    )
    mine = [
        e["node"]
        for e in log.data["auditLog"]["edges"]
        if e["node"]["operation"] == "upsertEmploymentIntention"
    ]
    assert {(n["actorRole"], n["detail"]["ok"]) for n in mine} >= {
        ("graduate", True),
        ("school", False),
    }
