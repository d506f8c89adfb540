"""Tracking (跟踪监测) and one-to-one help (一对一实名制帮扶): who may record a follow-up and keep a
case, the rules each input breaks (field and code), refusals that write nothing, and the audit
record every mutation leaves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from auth.viewer import ANONYMOUS, Viewer
from models.audit import AuditAction, AuditRecord
from models.organisations import Organisation, OrganisationKind, Role
from models.people import EmploymentIntention, Household, Person, StudentRecord, StudentStatus
from models.regions import RegionLevel
from models.tracking import AssistanceCase, FollowUp
from resolvers.ids import to_global_id
from resolvers.outcomes import today as china_today
from resolvers.tracking import today
from tests.api.conftest import ALL_SCOPES, member

RECORD = """mutation($person: ID!, $on: Date!, $status: FollowUpStatus!, $income: Int, $note: String) {
  recordFollowUp(personId: $person, onDate: $on, status: $status, monthlyIncome: $income, note: $note) {
    result { id onDate status monthlyIncome note } errors { field code message } } }"""
OPEN = """mutation($person: ID!, $reason: String!, $plan: String) {
  openAssistanceCase(personId: $person, reason: $reason, plan: $plan) {
    result { id reason plan state openedOn owner { name } } errors { field code message } } }"""
ACT = """mutation($case: ID!, $on: Date!, $action: String!) {
  addAssistanceAction(caseId: $case, onDate: $on, kind: JOB_RECOMMENDATION, dueOn: $on, action: $action) {
    result { id actions { onDate action } } errors { field code message } } }"""
CLOSE = """mutation($case: ID!, $outcome: String!, $on: Date!) {
  closeAssistanceCase(caseId: $case, outcomeKind: EMPLOYED, outcome: $outcome, closedOn: $on) {
    result { state outcome closedOn } errors { field code message } } }"""
CASES = """query($id: ID!) { node(id: $id) { ... on Person { assistanceCases { id state reason owner { name }
  actions { action } } } } }"""
FOLLOW_UPS = """query($id: ID!) { node(id: $id) { ... on Person { followUps { onDate status monthlyIncome } } } }"""


def gid(type_name: str, key: int) -> str:
    return to_global_id(type_name, key)


def broken(payload: dict) -> set[tuple[str | None, str]]:
    assert payload["result"] is None and all(e["message"] for e in payload["errors"])
    return {(e["field"], e["code"]) for e in payload["errors"]}


def bureau(organisation: Organisation) -> Viewer:
    level = (
        RegionLevel.COUNTY
        if not organisation.region_code.endswith("00")
        else (
            RegionLevel.NATIONAL
            if organisation.region_code == "000000"
            else RegionLevel.PROVINCE
            if organisation.region_code.endswith("0000")
            else RegionLevel.CITY
        )
    )
    return Viewer(
        role=Role.BUREAU,
        organisation_id=organisation.id,
        region_code=organisation.region_code,
        region_level=level,
        scopes=ALL_SCOPES,
    )


async def count(session, model) -> int:
    return await session.scalar(select(func.count()).select_from(model))


async def last_audit(session, operation: str) -> AuditRecord:
    statement = (
        select(AuditRecord)
        .where(AuditRecord.action == AuditAction.MUTATION, AuditRecord.operation == operation)
        .order_by(AuditRecord.id.desc())
    )
    return (await session.scalars(statement)).first()


async def a_graduate_of_a_school(session) -> tuple[int, int]:
    row = (
        await session.execute(
            select(StudentRecord.person_id, StudentRecord.school_id)
            .where(StudentRecord.status == StudentStatus.GRADUATED)
            .order_by(StudentRecord.id)
        )
    ).first()
    return row.person_id, row.school_id


async def a_candidate(session) -> int:
    return await session.scalar(
        select(EmploymentIntention.person_id)
        .where(EmploymentIntention.seeking)
        .order_by(EmploymentIntention.person_id)
    )


async def an_agency(session, nth: int = 0) -> Organisation:
    return (
        await session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.AGENCY)
            .order_by(Organisation.id)
        )
    ).all()[nth]


async def a_county_bureau_and_person(session) -> tuple[Viewer, int]:
    bureaus = await session.scalars(
        select(Organisation)
        .where(Organisation.kind == OrganisationKind.BUREAU)
        .order_by(Organisation.id)
    )
    for organisation in bureaus:
        if organisation.region_code.endswith("00"):
            continue
        person = await session.scalar(
            select(Person.id)
            .join(Household, Household.id == Person.household_id)
            .where(Household.region_code == organisation.region_code)
            .order_by(Person.id)
        )
        if person is not None:
            return bureau(organisation), person
    pytest.fail("no county bureau with persons in the seed")


# --- follow-ups ----------------------------------------------------------------------------


async def test_a_school_records_a_follow_up_of_its_graduate_and_it_is_audited(run, session):
    person, school = await a_graduate_of_a_school(session)
    viewer = member(Role.SCHOOL, school)
    on = today().isoformat()
    data, errors, _ = await run(
        RECORD,
        viewer,
        person=gid("Person", person),
        on=on,
        status="EMPLOYED",
        income=4800,
        note=" 稳定在岗 ",
    )
    assert errors is None
    payload = data["recordFollowUp"]
    assert payload["errors"] == []
    assert payload["result"] | {"id": None} == {
        "id": None,
        "onDate": on,
        "status": "EMPLOYED",
        "monthlyIncome": 4800,
        "note": "稳定在岗",
    }
    audit = await last_audit(session, "recordFollowUp")
    assert (
        audit.detail["ok"] is True
        and audit.subject_person_id == person
        and audit.actor_role == "school"
    )
    data, errors, _ = await run(FOLLOW_UPS, viewer, id=gid("Person", person))
    assert errors is None
    assert {"onDate": on, "status": "EMPLOYED", "monthlyIncome": 4800} in data["node"]["followUps"]


async def test_a_school_cannot_record_for_another_schools_graduate(run, session):
    person, school = await a_graduate_of_a_school(session)
    other = await session.scalar(
        select(Organisation.id)
        .where(Organisation.kind == OrganisationKind.SCHOOL, Organisation.id != school)
        .order_by(Organisation.id)
    )
    before = await count(session, FollowUp)
    data, errors, _ = await run(
        RECORD,
        member(Role.SCHOOL, other),
        person=gid("Person", person),
        on=today().isoformat(),
        status="UNEMPLOYED",
    )
    assert errors is None
    assert broken(data["recordFollowUp"]) == {("personId", "NOT_FOUND")}
    assert await count(session, FollowUp) == before
    audit = await last_audit(session, "recordFollowUp")
    assert audit.detail["ok"] is False and audit.detail["codes"] == ["NOT_FOUND"]


@pytest.mark.parametrize(
    ("changes", "rules"),
    [
        ({"on": (china_today() + timedelta(days=2)).isoformat()}, {("onDate", "IN_FUTURE")}),
        ({"income": -1}, {("monthlyIncome", "OUT_OF_RANGE")}),
        ({"status": "UNEMPLOYED", "income": 3000}, {("monthlyIncome", "INCOME_WITHOUT_WORK")}),
        (
            {"note": "长" * 2001, "income": 2_000_000},
            {("note", "TOO_LONG"), ("monthlyIncome", "OUT_OF_RANGE")},
        ),
        ({"person": "not-an-id"}, {("personId", "INVALID_ID")}),
    ],
)
async def test_follow_up_input_errors_name_the_field_and_rule(run, session, changes, rules):
    person, school = await a_graduate_of_a_school(session)
    arguments = {
        "person": gid("Person", person),
        "on": today().isoformat(),
        "status": "EMPLOYED",
        "income": 4000,
        **changes,
    }
    before = await count(session, FollowUp)
    data, errors, _ = await run(RECORD, member(Role.SCHOOL, school), **arguments)
    assert errors is None
    assert broken(data["recordFollowUp"]) == rules
    assert await count(session, FollowUp) == before


async def test_a_county_bureau_records_in_its_county_and_a_higher_bureau_is_refused(run, session):
    viewer, person = await a_county_bureau_and_person(session)
    # EMPLOYED: another status would end the person's open job and need an end reason.
    data, errors, _ = await run(
        RECORD, viewer, person=gid("Person", person), on=today().isoformat(), status="EMPLOYED"
    )
    assert errors is None and data["recordFollowUp"]["errors"] == []
    province = (
        await session.scalars(
            select(Organisation).where(
                Organisation.kind == OrganisationKind.BUREAU, Organisation.region_code == "500000"
            )
        )
    ).first()
    data, errors, _ = await run(
        RECORD,
        bureau(province),
        person=gid("Person", person),
        on=today().isoformat(),
        status="STUDYING",
    )
    assert errors is None
    assert broken(data["recordFollowUp"]) == {(None, "COUNTY_ONLY")}


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.GRADUATE, Role.ADMIN, None])
async def test_other_roles_may_not_record_follow_ups(run, session, role):
    person, _ = await a_graduate_of_a_school(session)
    viewer = ANONYMOUS if role is None else member(role, 1)
    before = await count(session, FollowUp)
    data, errors, _ = await run(
        RECORD, viewer, person=gid("Person", person), on=today().isoformat(), status="EMPLOYED"
    )
    assert data is None
    assert [e.extensions["code"] for e in errors] == [
        "UNAUTHENTICATED" if role is None else "FORBIDDEN"
    ]
    assert await count(session, FollowUp) == before


async def test_an_agency_records_for_a_candidate_but_not_outside_its_remit(run, session):
    agency = await an_agency(session)
    viewer = member(Role.AGENCY, agency.id)
    data, _, _ = await run(
        RECORD,
        viewer,
        person=gid("Person", await a_candidate(session)),
        on=today().isoformat(),
        status="UNEMPLOYED",
    )
    assert data["recordFollowUp"]["errors"] == []
    outsider = await session.scalar(
        select(Person.id)
        .where(Person.id.not_in(select(EmploymentIntention.person_id)))
        .order_by(Person.id)
    )
    data, _, _ = await run(
        RECORD, viewer, person=gid("Person", outsider), on=today().isoformat(), status="STUDYING"
    )
    assert broken(data["recordFollowUp"]) == {("personId", "NOT_FOUND")}


# --- one-to-one help -----------------------------------------------------------------------


async def test_an_agency_keeps_a_case_from_opening_to_closing(run, session):
    agency = await an_agency(session)
    viewer = member(Role.AGENCY, agency.id)
    person = gid("Person", await a_candidate(session))
    data, errors, _ = await run(
        OPEN, viewer, person=person, reason=" 长期未就业 ", plan="每周推送岗位"
    )
    assert errors is None
    case = data["openAssistanceCase"]["result"]
    assert case | {"id": None} == {
        "id": None,
        "reason": "长期未就业",
        "plan": "每周推送岗位",
        "state": "OPEN",
        "openedOn": today().isoformat(),
        "owner": {"name": agency.name},
    }
    audit = await last_audit(session, "openAssistanceCase")
    assert audit.detail["ok"] is True and audit.actor_organisation_id == agency.id

    data, _, _ = await run(OPEN, viewer, person=person, reason="再次")
    assert broken(data["openAssistanceCase"]) == {("personId", "CASE_ALREADY_OPEN")}

    data, _, _ = await run(
        ACT, viewer, case=case["id"], on=today().isoformat(), action="推荐数控车工岗位"
    )
    assert data["addAssistanceAction"]["result"]["actions"] == [
        {"onDate": today().isoformat(), "action": "推荐数控车工岗位"}
    ]
    yesterday = (today() - timedelta(days=1)).isoformat()
    data, _, _ = await run(ACT, viewer, case=case["id"], on=yesterday, action="x")
    assert broken(data["addAssistanceAction"]) == {("onDate", "BEFORE_OPENED")}

    # The agency reads the case it owns (auth.rules: AGENCY_FIELDS), with its actions.
    data, errors, _ = await run(CASES, viewer, id=person)
    assert errors is None
    assert {
        "id": case["id"],
        "state": "OPEN",
        "reason": "长期未就业",
        "owner": {"name": agency.name},
        "actions": [{"action": "推荐数控车工岗位"}],
    } in data["node"]["assistanceCases"]

    other = member(Role.AGENCY, (await an_agency(session, 1)).id)
    data, _, _ = await run(CLOSE, other, case=case["id"], outcome="已就业", on=today().isoformat())
    assert broken(data["closeAssistanceCase"]) == {("caseId", "NOT_FOUND")}
    data, _, _ = await run(CLOSE, viewer, case=case["id"], outcome="已就业", on=yesterday)
    assert broken(data["closeAssistanceCase"]) == {("closedOn", "DATE_RANGE")}
    tomorrow = (today() + timedelta(days=1)).isoformat()
    data, _, _ = await run(CLOSE, viewer, case=case["id"], outcome=" ", on=tomorrow)
    assert broken(data["closeAssistanceCase"]) == {
        ("closedOn", "IN_FUTURE"),
        ("outcome", "REQUIRED"),
    }
    data, _, _ = await run(CLOSE, viewer, case=case["id"], outcome="已就业", on=today().isoformat())
    assert data["closeAssistanceCase"] == {
        "result": {"state": "CLOSED", "outcome": "已就业", "closedOn": today().isoformat()},
        "errors": [],
    }
    data, _, _ = await run(ACT, viewer, case=case["id"], on=today().isoformat(), action="回访")
    assert broken(data["addAssistanceAction"]) == {("caseId", "CASE_CLOSED")}
    audit = await last_audit(session, "addAssistanceAction")
    assert audit.detail["ok"] is False and audit.detail["codes"] == ["CASE_CLOSED"]
    # A person of the agency's case is in its remit for follow-ups, even when not seeking.
    data, _, _ = await run(
        RECORD, viewer, person=person, on=today().isoformat(), status="EMPLOYED", income=5000
    )
    assert data["recordFollowUp"]["errors"] == []


async def test_a_county_bureau_opens_a_case_and_a_school_only_for_its_students(run, session):
    viewer, person = await a_county_bureau_and_person(session)
    data, errors, _ = await run(OPEN, viewer, person=gid("Person", person), reason="零就业家庭")
    assert errors is None and data["openAssistanceCase"]["errors"] == []
    data, _, _ = await run(OPEN, viewer, person=gid("Person", person), reason="")
    assert broken(data["openAssistanceCase"]) == {("reason", "REQUIRED")}
    student, school = await a_graduate_of_a_school(session)
    stranger = await session.scalar(
        select(Person.id)
        .where(
            Person.id.not_in(
                select(StudentRecord.person_id).where(StudentRecord.school_id == school)
            )
        )
        .order_by(Person.id)
    )
    before = await count(session, AssistanceCase)
    data, _, _ = await run(
        OPEN, member(Role.SCHOOL, school), person=gid("Person", stranger), reason="x"
    )
    assert broken(data["openAssistanceCase"]) == {("personId", "NOT_FOUND")}
    assert await count(session, AssistanceCase) == before
    data, _, _ = await run(
        OPEN, member(Role.SCHOOL, school), person=gid("Person", student), reason="毕业未就业"
    )
    assert data["openAssistanceCase"]["errors"] == []
    assert await count(session, AssistanceCase) == before + 1


async def test_an_agency_may_not_open_a_case_outside_its_remit(run, session):
    agency = await an_agency(session)
    outsider = await session.scalar(
        select(Person.id)
        .where(Person.id.not_in(select(EmploymentIntention.person_id)))
        .order_by(Person.id)
    )
    data, _, _ = await run(
        OPEN, member(Role.AGENCY, agency.id), person=gid("Person", outsider), reason="x"
    )
    assert broken(data["openAssistanceCase"]) == {("personId", "NOT_FOUND")}


# --- reading cases: assistanceCases and node(id) --------------------------------------------

MY_CASES = """query($filter: AssistanceCaseFilter) { assistanceCases(first: 50, filter: $filter) {
  totalCount edges { node { id state reason owner { id } person { id } } } } }"""
NODE = """query($id: ID!) { node(id: $id) { id ... on AssistanceCase { reason } ... on FollowUp { status } } }"""


async def test_an_agency_lists_its_own_cases_and_fetches_them_by_id(run, session):
    agency, other = await an_agency(session), await an_agency(session, 1)
    viewer, rival = member(Role.AGENCY, agency.id), member(Role.AGENCY, other.id)
    person_id = await a_candidate(session)
    person = gid("Person", person_id)
    opened = (await run(OPEN, viewer, person=person, reason="列表测试"))[0]["openAssistanceCase"][
        "result"
    ]
    await run(RECORD, viewer, person=person, on=today().isoformat(), status="UNEMPLOYED")
    follow_up = await session.scalar(
        select(func.max(FollowUp.id)).where(FollowUp.person_id == person_id)
    )

    data, errors, _ = await run(MY_CASES, viewer, filter={"state": "OPEN"})
    assert errors is None
    cases = [edge["node"] for edge in data["assistanceCases"]["edges"]]
    assert opened["id"] in [case["id"] for case in cases]
    assert {case["owner"]["id"] for case in cases} == {gid("Organisation", agency.id)}
    assert data["assistanceCases"]["totalCount"] == len(cases)
    rivals = (await run(MY_CASES, rival))[0]["assistanceCases"]["edges"]
    assert opened["id"] not in [edge["node"]["id"] for edge in rivals]

    assert (await run(NODE, viewer, id=opened["id"]))[0]["node"] == {
        "id": opened["id"],
        "reason": "列表测试",
    }
    assert (await run(NODE, rival, id=opened["id"]))[0]["node"] is None
    assert (await run(NODE, viewer, id=gid("FollowUp", follow_up)))[0]["node"][
        "status"
    ] == "UNEMPLOYED"
    assert (await run(NODE, rival, id=gid("FollowUp", follow_up)))[0]["node"] is None

    enterprise = await session.scalar(
        select(Organisation.id).where(Organisation.kind == OrganisationKind.ENTERPRISE)
    )
    _, errors, _ = await run(MY_CASES, member(Role.ENTERPRISE, enterprise))
    assert [error.extensions["code"] for error in errors] == ["FORBIDDEN"]
