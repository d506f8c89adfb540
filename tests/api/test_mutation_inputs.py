"""Mutation input errors come back as UserError (field, code, message) naming the input field and
the rule; a refused write changes nothing; optimistic concurrency refuses a stale version."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from stdnum.cn import ric

from auth.viewer import ANONYMOUS
from models.classes import TrainingClass
from models.organisations import Organisation, OrganisationKind, Role
from models.people import Person, StudentRecord
from models.positions import Position
from resolvers.ids import to_global_id
from tests.api.conftest import member


async def count(session, model) -> int:
    return await session.scalar(select(func.count()).select_from(model))


async def first_of_kind(session, kind: OrganisationKind) -> Organisation:
    return (
        await session.scalars(
            select(Organisation).where(Organisation.kind == kind).order_by(Organisation.id)
        )
    ).first()


def rules_broken(payload: dict) -> set[tuple[str, str]]:
    assert payload["result"] is None
    assert all(error["message"] for error in payload["errors"])
    return {(error["field"], error["code"]) for error in payload["errors"]}


REQUEST_MEMBERSHIP = """mutation($input: MembershipRequestInput!) {
  requestMembership(input: $input) { result { id } errors { field code message } } }"""


async def test_a_bad_credit_code_names_the_field_and_writes_nothing(run, session):
    before = await count(session, Organisation)
    data, errors, _ = await run(
        REQUEST_MEMBERSHIP,
        ANONYMOUS,
        input={
            "kind": "ENTERPRISE",
            "name": "重庆某某机械有限公司",
            "creditCode": "91500000MA5U0000X1",
            "regionCode": "500229",
        },
    )
    assert errors is None
    assert rules_broken(data["requestMembership"]) == {("creditCode", "INVALID_CREDIT_CODE")}
    assert await count(session, Organisation) == before


UPSERT_STUDENT = """mutation($person: PersonIdentityInput!, $input: StudentRecordInput!) {
  upsertStudentRecord(person: $person, input: $input) {
    result { entryYear } transfer { state entryYear } errors { field code message } } }"""


BORN_2006_IN_500229 = "50022920060101123"


def resident_id(first_17: str, check_character_right: bool = True) -> str:
    right = ric.calc_check_digit(
        first_17 + "?"
    )  # stdnum takes the whole number, check character last
    check = right if check_character_right else next(c for c in "0123456789X" if c != right)
    return first_17 + check


async def new_student(session, id_number: str) -> dict:
    school = await first_of_kind(session, OrganisationKind.SCHOOL)
    major = await session.scalar(
        select(StudentRecord.major_code).where(StudentRecord.school_id == school.id)
    )
    return {
        "viewer": member(Role.SCHOOL, school.id),
        "person": {
            "name": "张三",
            "idNumber": id_number,
            "householdRegion": "500229",
            "householdCategory": "LIFTED",
        },
        "input": {"majorCode": major, "entryYear": 2024, "expectedGraduationYear": 2027},
    }


async def test_a_bad_resident_id_number_names_the_field_and_writes_nothing(run, session):
    call = await new_student(session, resident_id(BORN_2006_IN_500229, check_character_right=False))
    before = await count(session, Person)
    data, errors, _ = await run(
        UPSERT_STUDENT, call["viewer"], person=call["person"], input=call["input"]
    )
    assert errors is None
    assert rules_broken(data["upsertStudentRecord"]) == {("idNumber", "INVALID_ID_NUMBER")}
    assert await count(session, Person) == before


async def test_a_valid_new_student_is_requested_not_recorded(run, session):
    """A school registers nobody itself (issue 11): the county bureau of the household confirms."""
    call = await new_student(session, resident_id(BORN_2006_IN_500229))
    before = await count(session, Person)
    data, errors, _ = await run(
        UPSERT_STUDENT, call["viewer"], person=call["person"], input=call["input"]
    )
    assert errors is None
    assert data["upsertStudentRecord"] == {
        "result": None,
        "transfer": {"state": "PENDING", "entryYear": 2024},
        "errors": [],
    }
    assert await count(session, Person) == before


async def test_an_unknown_major_names_the_field_and_writes_nothing(run, session):
    call = await new_student(session, resident_id(BORN_2006_IN_500229))
    before = await count(session, Person)
    data, errors, _ = await run(
        UPSERT_STUDENT,
        call["viewer"],
        person=call["person"],
        input={**call["input"], "majorCode": "999999"},
    )
    assert errors is None
    assert rules_broken(data["upsertStudentRecord"]) == {("majorCode", "UNKNOWN_MAJOR")}
    assert await count(session, Person) == before


CREATE_POSITION = """mutation($input: PositionInput!) {
  createPosition(input: $input) { result { id } errors { field code message } } }"""


async def position_input(session) -> tuple[Organisation, dict]:
    enterprise = await first_of_kind(session, OrganisationKind.ENTERPRISE)
    occupation = await session.scalar(select(Position.occupation_code))
    return enterprise, {
        "title": "数控车工",
        "occupationCode": occupation,
        "kind": "REGULAR",
        "minEducation": "SECONDARY_VOCATIONAL",
        "headcount": 3,
        "salaryMin": 4000,
        "salaryMax": 6000,
        "regionCode": enterprise.region_code,
        "validFrom": "2025-03-01",
        "validUntil": "2025-12-31",
    }


async def test_a_valid_position_is_created(run, session):
    enterprise, values = await position_input(session)
    data, errors, _ = await run(
        CREATE_POSITION, member(Role.ENTERPRISE, enterprise.id), input=values
    )
    assert errors is None
    assert data["createPosition"]["errors"] == [] and data["createPosition"]["result"]["id"]


@pytest.mark.parametrize(
    ("changes", "broken"),
    [
        ({"salaryMin": 9000, "salaryMax": 5000}, {("salaryMax", "SALARY_RANGE")}),
        ({"headcount": -1}, {("headcount", "OUT_OF_RANGE")}),
        ({"validFrom": "2025-12-31", "validUntil": "2025-03-01"}, {("validUntil", "DATE_RANGE")}),
        ({"occupationCode": "0-00-00-00"}, {("occupationCode", "UNKNOWN_OCCUPATION")}),
        (
            {"headcount": 0, "title": " ", "salaryMin": -5},
            {("headcount", "OUT_OF_RANGE"), ("title", "REQUIRED"), ("salaryMax", "SALARY_RANGE")},
        ),
    ],
)
async def test_position_input_errors_name_every_field_and_rule(run, session, changes, broken):
    enterprise, values = await position_input(session)
    before = await count(session, Position)
    data, errors, _ = await run(
        CREATE_POSITION, member(Role.ENTERPRISE, enterprise.id), input={**values, **changes}
    )
    assert errors is None
    assert rules_broken(data["createPosition"]) == broken
    assert await count(session, Position) == before


CREATE_CLASS = """mutation($input: ClassInput!) { createClass(input: $input) { result { id } errors { field code message } } }"""


async def test_a_class_ending_before_it_starts_is_refused(run, session):
    school = await first_of_kind(session, OrganisationKind.SCHOOL)
    before = await count(session, TrainingClass)
    data, errors, _ = await run(
        CREATE_CLASS,
        member(Role.SCHOOL, school.id),
        input={
            "kind": "SHORT_TRAINING",
            "name": "电工短训班",
            "cohortYear": 2025,
            "seats": 30,
            "startsOn": "2025-09-01",
            "endsOn": "2025-08-01",
        },
    )
    assert errors is None
    assert rules_broken(data["createClass"]) == {("endsOn", "DATE_RANGE")}
    assert await count(session, TrainingClass) == before


UPDATE_POSITION = """mutation($id: ID!, $version: Int!, $changes: PositionChanges!) {
  updatePosition(id: $id, version: $version, changes: $changes) {
    result { title benefits version } errors { field code message } } }"""


async def own_position(session) -> tuple[Position, dict]:
    position = (await session.scalars(select(Position).order_by(Position.id))).first()
    return position, {
        "viewer": member(Role.ENTERPRISE, position.enterprise_id),
        "id": to_global_id("Position", position.id),
    }


async def test_a_stale_version_is_refused_with_a_clear_error(run, session):
    position, call = await own_position(session)
    title, stale = position.title, position.version
    data, _, _ = await run(
        UPDATE_POSITION, call["viewer"], id=call["id"], version=stale, changes={"title": "新标题"}
    )
    assert data["updatePosition"]["result"]["version"] == stale + 1
    data, errors, _ = await run(
        UPDATE_POSITION, call["viewer"], id=call["id"], version=stale, changes={"title": title}
    )
    assert errors is None
    (error,) = data["updatePosition"]["errors"]
    assert (error["field"], error["code"]) == ("version", "STALE_VERSION")
    assert f"当前版本 {stale + 1}" in error["message"] and "刷新" in error["message"]
    assert (
        await session.scalar(select(Position.title).where(Position.id == position.id)) == "新标题"
    )


async def test_null_empties_an_optional_field_and_absent_leaves_it(run, session):
    position, call = await own_position(session)
    position.benefits, title = "五险一金", position.title
    await session.flush()

    data, _, _ = await run(
        UPDATE_POSITION,
        call["viewer"],
        id=call["id"],
        version=position.version,
        changes={"description": "新说明"},
    )
    assert data["updatePosition"]["result"]["benefits"] == "五险一金"
    data, _, _ = await run(
        UPDATE_POSITION,
        call["viewer"],
        id=call["id"],
        version=data["updatePosition"]["result"]["version"],
        changes={"benefits": None, "title": None},
    )
    assert data["updatePosition"]["errors"] == []
    assert data["updatePosition"]["result"] | {"version": 0} == {
        "benefits": None,
        "title": title,
        "version": 0,
    }


async def test_null_empties_a_class_training_plan(run, session):
    training_class = (
        await session.scalars(select(TrainingClass).order_by(TrainingClass.id))
    ).first()
    training_class.training_plan = "理论 + 实训"
    await session.flush()
    data, errors, _ = await run(
        """mutation($id: ID!, $version: Int!) {
      updateClass(id: $id, version: $version, changes: {trainingPlan: null, name: null}) {
        result { trainingPlan name } errors { code } } }""",
        member(Role.SCHOOL, training_class.school_id),
        id=to_global_id("TrainingClass", training_class.id),
        version=training_class.version,
    )
    assert errors is None
    assert data["updateClass"] == {
        "result": {"trainingPlan": None, "name": training_class.name},
        "errors": [],
    }
