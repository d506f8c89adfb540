"""Issue 11 item 2: ledger writes take nothing over — over real HTTP, with real tokens.

A school that knows a resident ID number files a request and changes nothing; the answer is the
same for a registered and an unregistered number; a transfer is decided by the current school
or the county bureau of the household, never by the school that asked; a county bureau writes
only persons of its county; identity changes are audited with before and after values, masked
to readers of the log who see the person masked.

Expected values come from plain SQL on the alliance's database, never from the code under test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text
from stdnum.cn import ric

from auth.config import AuthConfig
from models.db import create_engine
from models.settings import get_settings
from resolvers.ids import to_global_id
from tests.authz.alliance import NOT_PERSONAL, running_alliance
from tests.authz.cast import COUNTY
from tests.authz.test_reads import mask_name
from tests.tokens import USER_SCOPES, mint_access_token

pytestmark = pytest.mark.db

RIVAL = "takeover-rival"  # another approved school, outside 城口县
OTHER_COUNTY = "takeover-county"  # the bureau of another county
OUTSIDE_COUNTY = "500101"  # 万州区: a county-level district of Chongqing, not 城口县 (500229)


class Database:
    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)

    async def rows(self, sql: str, **params) -> list[dict]:
        async with self.engine.connect() as connection:
            return [dict(row) for row in (await connection.execute(text(sql), params)).mappings()]

    async def one(self, sql: str, **params) -> dict:
        found = await self.rows(sql, **params)
        assert found, f"no row for {sql} {params}"
        return found[0]

    async def run(self, sql: str, **params) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(text(sql), params)


async def _add_user(db: Database, user_id: int, username: str, organisation_id: int) -> None:
    await db.run(
        "INSERT INTO users (id, username, password_hash, display_name, role, organisation_id, person_id, "
        "is_active, failed_logins) VALUES (:id, :u, 'x', :u, :role, :o, NULL, :yes, 0)",
        id=user_id,
        u=username,
        role="bureau" if "county" in username else "school",
        o=organisation_id,
        yes=True,
    )


@pytest.fixture(scope="module")
async def ledger(tmp_path_factory):
    async with running_alliance(tmp_path_factory.mktemp("takeover")) as alliance:
        db = Database(alliance.database_url)
        rival_school = (
            await db.one(
                "SELECT id FROM organisations WHERE kind = 'school' AND membership = 'approved' AND id <> :s "
                "AND region_code <> :c ORDER BY id",
                s=alliance.cast.org["school"],
                c=COUNTY,
            )
        )["id"]
        other_bureau = (
            await db.one(
                "SELECT o.id FROM organisations o JOIN regions r ON r.code = o.region_code WHERE o.kind = 'bureau' "
                "AND r.level = 'county' AND o.region_code <> :c AND o.membership = 'approved' ORDER BY o.id",
                c=COUNTY,
            )
        )["id"]
        await _add_user(db, 1001, RIVAL, rival_school)
        await _add_user(db, 1002, OTHER_COUNTY, other_bureau)
        settings = get_settings().replace(database_url=alliance.database_url, issuer=alliance.url)
        config = AuthConfig.from_settings(settings)
        for username in (RIVAL, OTHER_COUNTY):
            for scope in (USER_SCOPES, NOT_PERSONAL):
                alliance.tokens[(username, scope)] = await mint_access_token(
                    config, alliance.database_url, username, scope
                )
        # This module's handles, kept on the shared Alliance its tests already receive.
        alliance.db = db  # type: ignore[attr-defined]
        alliance.rival_school = rival_school  # type: ignore[attr-defined]
        alliance.other_bureau_region = (  # type: ignore[attr-defined]
            await db.one("SELECT region_code FROM organisations WHERE id = :o", o=other_bureau)
        )["region_code"]
        try:
            yield alliance
        finally:
            await db.engine.dispose()


# --- helpers -----------------------------------------------------------------------------------

UPSERT_STUDENT = """mutation($person: PersonIdentityInput!, $input: StudentRecordInput!) {
  upsertStudentRecord(person: $person, input: $input) {
    result { entryYear expectedGraduationYear school { id } }
    transfer { id state name idNumber phone householdCategory householdRegion { code } entryYear
               expectedGraduationYear recordStatus major { code } reason decidedAt person { id name }
               requestingSchool { id } }
    errors { field code message } } }"""
DECIDE = """mutation($id: ID!, $accept: Boolean!, $reason: String) {
  decideStudentTransfer(id: $id, accept: $accept, reason: $reason) {
    result { id state reason person { id name } } errors { field code message } } }"""
TRANSFERS = """query($view: TransferView!) { studentTransfers(view: $view, first: 100) {
  edges { node { id state name idNumber phone householdCategory householdRegion { code } reason
                 person { id name } } } } }"""
CENSUS = """mutation($person: PersonIdentityInput!, $input: EnrolmentIntentionInput!) {
  upsertEnrolmentIntention(person: $person, input: $input) { result { surveyYear } errors { field code message } } }"""
NODE = """query($id: ID!) { node(id: $id) { ... on Person { name phone idNumber studentRecord { school { id } } } } }"""

_serials = iter(range(700, 999))


async def fresh_id_number(db: Database, region: str = COUNTY) -> str:
    """A valid resident ID number (GB 11643) nobody holds."""
    while True:
        first_17 = f"{region}20070315{next(_serials):03d}"
        number = first_17 + ric.calc_check_digit(first_17 + "?")
        if not await db.rows("SELECT id FROM persons WHERE id_number = :n", n=number):
            return number


async def major(db: Database) -> str:
    return (await db.one("SELECT code FROM majors ORDER BY code"))["code"]


async def record_input(db: Database) -> dict:
    return {"majorCode": await major(db), "entryYear": 2025, "expectedGraduationYear": 2028}


def identity(id_number: str, **extra) -> dict:
    return {
        "name": "冒名顶替",
        "idNumber": id_number,
        "phone": "13900000000",
        "householdRegion": COUNTY,
        "householdCategory": "LIFTED",
        **extra,
    }


_taken: set[int] = set()


async def studying_student_of(db: Database, school_id: int) -> dict:
    """A current student of ``school_id`` no other test of this module has used."""
    for row in await db.rows(
        "SELECT p.id, p.name, p.phone, p.id_number, p.version FROM persons p JOIN student_records s "
        "ON s.person_id = p.id WHERE s.school_id = :s AND s.status = 'studying' ORDER BY p.id",
        s=school_id,
    ):
        if row["id"] not in _taken:
            _taken.add(row["id"])
            return row
    raise AssertionError("the seeded school has no current student left")


async def record_of(db: Database, person_id: int) -> dict | None:
    found = await db.rows(
        "SELECT school_id, major_code, entry_year, status FROM student_records WHERE person_id = :p",
        p=person_id,
    )
    return found[0] if found else None


async def person_row(db: Database, person_id: int) -> dict:
    return await db.one(
        "SELECT p.name, p.phone, p.id_number, p.version, h.region_code, h.category FROM persons p "
        "JOIN households h ON h.id = p.household_id WHERE p.id = :p",
        p=person_id,
    )


def gid(type_name: str, key: int) -> str:
    return to_global_id(type_name, key)


def payload(result, name: str) -> dict:
    assert result.errors == [], result.errors
    return result.data[name]


def file_request(ledger, viewer: str, person: dict, record: dict) -> dict:
    return payload(
        ledger.graphql(viewer, UPSERT_STUDENT, {"person": person, "input": record}),
        "upsertStudentRecord",
    )


def decide(ledger, viewer: str, transfer_id: str, accept: bool, reason: str | None = None) -> dict:
    return payload(
        ledger.graphql(viewer, DECIDE, {"id": transfer_id, "accept": accept, "reason": reason}),
        "decideStudentTransfer",
    )


def listed(ledger, viewer: str, view: str, scope: str = USER_SCOPES) -> dict[str, dict]:
    result = ledger.graphql(viewer, TRANSFERS, {"view": view}, scope=scope)
    return {
        edge["node"]["id"]: edge["node"] for edge in payload(result, "studentTransfers")["edges"]
    }


def without_ids(answer):
    """The answer with what must differ between two requests (their ids and ID numbers) blanked."""
    if isinstance(answer, dict):
        return {
            k: "<id>" if k in ("id", "idNumber") and v is not None else without_ids(v)
            for k, v in answer.items()
        }
    if isinstance(answer, list):
        return [without_ids(item) for item in answer]
    return answer


# --- a school cannot re-home another school's student ------------------------------------------


async def test_another_schools_student_cannot_be_rehomed(ledger):
    db = ledger.db
    victim = await studying_student_of(db, ledger.cast.org["school"])
    before, record_before = await person_row(db, victim["id"]), await record_of(db, victim["id"])
    answer = file_request(ledger, RIVAL, identity(victim["id_number"]), await record_input(db))
    assert answer["errors"] == [] and answer["result"] is None
    assert answer["transfer"]["state"] == "PENDING"
    assert answer["transfer"]["person"] is None  # nothing about the stored person
    assert answer["transfer"]["name"] == "冒名顶替"  # the identity as typed
    # Nothing stored changed: the record, the name, the phone, the household.
    assert await person_row(db, victim["id"]) == before
    assert await record_of(db, victim["id"]) == record_before
    # And the rival school still sees the student not at all.
    assert ledger.graphql(RIVAL, NODE, {"id": gid("Person", victim["id"])}).data["node"] is None
    persons = ledger.graphql(
        RIVAL,
        f'{{ persons(first: 100, filter: {{search: "{victim["name"][:1]}"}}) {{ edges {{ node {{ id }} }} }} }}',
    )
    assert gid("Person", victim["id"]) not in {
        e["node"]["id"] for e in persons.data["persons"]["edges"]
    }


async def test_known_and_unknown_id_numbers_get_the_same_answer(ledger):
    """The upsert is no oracle: every variant of input answers alike for a registered number
    (another school's student, a census child) and an unregistered one."""
    db = ledger.db
    victim = await studying_student_of(db, ledger.cast.org["school"])
    census_child = (
        await db.one(
            "SELECT p.id_number FROM persons p JOIN enrolment_intentions e ON e.person_id = p.id "
            "WHERE p.id NOT IN (SELECT person_id FROM student_records) ORDER BY p.id"
        )
    )["id_number"]
    unknown = await fresh_id_number(db)
    record = await record_input(db)
    no_household = {"householdRegion": None, "householdCategory": None}
    variants: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
        "valid": ({}, record),
        "no household": (no_household, record),
        "household region not a county": ({"householdRegion": "500000"}, record),
        "bad phone": ({"phone": "12345"}, record),
        "unknown major": ({}, {**record, "majorCode": "000000"}),
        "graduation before entry": (no_household, {**record, "expectedGraduationYear": 2020}),
    }
    for label, (changes, record_values) in variants.items():
        answers = [
            without_ids(file_request(ledger, RIVAL, identity(number, **changes), record_values))
            for number in (victim["id_number"], census_child, unknown)
        ]
        assert answers[0] == answers[1] == answers[2], label
    assert answers[0]["errors"], "the last variant must be refused"
    # The valid variant filed one request per number, and nothing about any stored person changed.
    filed = listed(ledger, RIVAL, "FILED")
    assert {node["idNumber"] for node in filed.values()} >= {
        victim["id_number"],
        census_child,
        unknown,
    }
    assert all(node["person"] is None for node in filed.values())


async def test_a_request_shows_its_typed_identity_masked_without_personal_read(ledger):
    db = ledger.db
    number = await fresh_id_number(db)
    filed = file_request(ledger, RIVAL, identity(number), await record_input(db))["transfer"]
    clear = listed(ledger, RIVAL, "FILED")[filed["id"]]
    assert (
        clear["name"],
        clear["idNumber"],
        clear["phone"],
        clear["householdCategory"],
        clear["householdRegion"],
    ) == ("冒名顶替", number, "13900000000", "LIFTED", {"code": COUNTY})
    masked = listed(ledger, RIVAL, "FILED", NOT_PERSONAL)[filed["id"]]
    assert (
        masked["name"],
        masked["idNumber"],
        masked["phone"],
        masked["householdCategory"],
        masked["householdRegion"],
    ) == ("冒*", number[:4] + "*" * 10 + number[-4:], "139****0000", None, None)


# --- transfers: who decides ---------------------------------------------------------------------


async def test_a_transfer_accepted_by_the_current_school_moves_the_student(ledger):
    db = ledger.db
    school = ledger.cast.org["school"]
    student = await studying_student_of(db, school)
    stored = await person_row(db, student["id"])
    filed = file_request(ledger, RIVAL, identity(student["id_number"]), await record_input(db))[
        "transfer"
    ]
    # The current school sees the request, with the identity as typed and its own student.
    to_decide = listed(ledger, "school", "TO_DECIDE")
    assert to_decide[filed["id"]]["name"] == "冒名顶替"
    assert to_decide[filed["id"]]["person"] == {
        "id": gid("Person", student["id"]),
        "name": stored["name"],
    }
    # A bureau of another county and an uninvolved school may not decide it.
    assert filed["id"] not in listed(ledger, OTHER_COUNTY, "TO_DECIDE")
    assert decide(ledger, OTHER_COUNTY, filed["id"], True)["errors"][0]["code"] == "NOT_FOUND"
    accepted = decide(ledger, "school", filed["id"], True)
    assert accepted["errors"] == [] and accepted["result"]["state"] == "ACCEPTED"
    record = await record_of(db, student["id"])
    assert record["school_id"] == ledger.rival_school and record["entry_year"] == 2025
    # The stored identity is kept (the typed one was the requester's claim), and the record it
    # replaced is kept on the request.
    assert await person_row(db, student["id"]) == stored
    replaced = (
        await db.one(
            "SELECT replaced_record FROM student_transfers WHERE person_id = :p AND state = 'accepted'",
            p=student["id"],
        )
    )["replaced_record"]
    replaced = replaced if isinstance(replaced, dict) else json.loads(replaced)
    assert replaced["school_id"] == school and replaced["status"] == "studying"
    # The old school writes and sees them no more; the new school sees them in clear.
    write = ledger.graphql(
        "school",
        "mutation($p: ID!) { upsertEmploymentIntention(personId: $p, "
        "input: {graduationYear: 2028}) { errors { code } } }",
        {"p": gid("Person", student["id"])},
    )
    assert payload(write, "upsertEmploymentIntention")["errors"] == [{"code": "NOT_FOUND"}]
    assert ledger.graphql("school", NODE, {"id": gid("Person", student["id"])}).data["node"] is None
    seen = ledger.graphql(RIVAL, NODE, {"id": gid("Person", student["id"])}).data["node"]
    assert seen["name"] == stored["name"] and seen["studentRecord"]["school"]["id"] == gid(
        "Organisation", ledger.rival_school
    )
    assert decide(ledger, "school", filed["id"], False, "重复")["errors"][0]["code"] == "NOT_FOUND"


async def test_the_requesting_school_cannot_accept_its_own_request(ledger):
    db = ledger.db
    student = await studying_student_of(db, ledger.cast.org["school"])
    record_before = await record_of(db, student["id"])
    filed = file_request(ledger, RIVAL, identity(student["id_number"]), await record_input(db))[
        "transfer"
    ]
    assert decide(ledger, RIVAL, filed["id"], True)["errors"] == [
        {"field": "id", "code": "OWN_REQUEST", "message": "不能审批本校提交的申请。"}
    ]
    assert filed["id"] not in listed(ledger, RIVAL, "TO_DECIDE")
    assert await record_of(db, student["id"]) == record_before
    assert listed(ledger, RIVAL, "FILED")[filed["id"]]["state"] == "PENDING"


async def test_a_declined_request_changes_nothing(ledger):
    db = ledger.db
    student = await studying_student_of(db, ledger.cast.org["school"])
    before, record_before = await person_row(db, student["id"]), await record_of(db, student["id"])
    filed = file_request(ledger, RIVAL, identity(student["id_number"]), await record_input(db))[
        "transfer"
    ]
    assert decide(ledger, "school", filed["id"], False)["errors"][0] == {
        "field": "reason",
        "code": "REQUIRED",
        "message": "不同意时请说明理由。",
    }
    declined = decide(ledger, "school", filed["id"], False, "该生未申请转学")
    assert declined["errors"] == [] and declined["result"]["state"] == "DECLINED"
    assert await person_row(db, student["id"]) == before
    assert await record_of(db, student["id"]) == record_before
    mine = listed(ledger, RIVAL, "FILED")[filed["id"]]
    assert (
        mine["state"] == "DECLINED"
        and mine["reason"] == "该生未申请转学"
        and mine["person"] is None
    )
    assert decide(ledger, "school", filed["id"], True)["errors"][0]["code"] == "ALREADY_DECIDED"


async def test_the_household_county_bureau_accepts_a_census_child_and_a_new_person(ledger):
    db = ledger.db
    child = await db.one(
        "SELECT p.id, p.id_number, p.name FROM persons p JOIN households h ON h.id = p.household_id "
        "JOIN enrolment_intentions e ON e.person_id = p.id "
        "WHERE p.id NOT IN (SELECT person_id FROM student_records) ORDER BY p.id DESC"
    )
    await db.run(
        "UPDATE households SET region_code = :c WHERE id = (SELECT household_id FROM persons WHERE id = :p)",
        c=COUNTY,
        p=child["id"],
    )
    newcomer = await fresh_id_number(db)
    requests = {}
    for number in (child["id_number"], newcomer):
        requests[number] = file_request(
            ledger, RIVAL, identity(number, householdCategory="MARGINAL"), await record_input(db)
        )["transfer"]["id"]
    # No school holds them: the current-school path is closed, the county of the household decides.
    for transfer in requests.values():
        assert decide(ledger, "school", transfer, True)["errors"][0]["code"] == "NOT_FOUND"
        assert decide(ledger, OTHER_COUNTY, transfer, True)["errors"][0]["code"] == "NOT_FOUND"
        assert transfer in listed(ledger, "county", "TO_DECIDE")
        assert decide(ledger, "county", transfer, True)["errors"] == []
    assert (await record_of(db, child["id"]))["school_id"] == ledger.rival_school
    assert (await person_row(db, child["id"]))["name"] == child["name"]  # the census identity stays
    created = await db.one(
        "SELECT p.id, p.name, p.phone, h.region_code, h.category FROM persons p "
        "JOIN households h ON h.id = p.household_id WHERE p.id_number = :n",
        n=newcomer,
    )
    assert (created["name"], created["phone"], created["region_code"], created["category"]) == (
        "冒名顶替",
        "13900000000",
        COUNTY,
        "marginal",
    )
    assert (await record_of(db, created["id"]))["school_id"] == ledger.rival_school


async def test_a_city_bureau_decides_nothing(ledger):
    db = ledger.db
    filed = file_request(
        ledger, RIVAL, identity(await fresh_id_number(db)), await record_input(db)
    )["transfer"]
    assert decide(ledger, "city", filed["id"], True)["errors"][0]["code"] == "COUNTY_ONLY"
    assert listed(ledger, "city", "TO_DECIDE") == {}


# --- a county bureau writes its own county only --------------------------------------------------


async def test_a_county_bureau_cannot_write_or_create_outside_its_county(ledger):
    db = ledger.db
    outsider = await db.one(
        "SELECT p.id, p.id_number FROM persons p JOIN households h ON h.id = p.household_id "
        "WHERE h.region_code = :r ORDER BY p.id",
        r=ledger.other_bureau_region,
    )
    before = await person_row(db, outsider["id"])
    intentions = await db.rows(
        "SELECT * FROM enrolment_intentions WHERE person_id = :p", p=outsider["id"]
    )
    census = {"surveyYear": 2026, "wantsVocational": True}
    refused = {
        "result": None,
        "errors": [
            {
                "field": "householdRegion",
                "code": "NOT_IN_REGION",
                "message": "户籍地须在本局辖区内。",
            }
        ],
    }
    unknown = await fresh_id_number(db, OUTSIDE_COUNTY)
    answers = {
        "registered elsewhere, claimed here": (outsider["id_number"], COUNTY),
        "registered elsewhere, claimed there": (outsider["id_number"], ledger.other_bureau_region),
        "unknown, claimed outside": (unknown, OUTSIDE_COUNTY),
    }
    for label, (number, region) in answers.items():
        result = ledger.graphql(
            "county", CENSUS, {"person": identity(number, householdRegion=region), "input": census}
        )
        assert payload(result, "upsertEnrolmentIntention") == refused, label
    assert await person_row(db, outsider["id"]) == before
    assert (
        await db.rows("SELECT * FROM enrolment_intentions WHERE person_id = :p", p=outsider["id"])
        == intentions
    )
    assert not await db.rows("SELECT id FROM persons WHERE id_number = :n", n=unknown)
    # Nor does it move a person of its own county out of it.
    resident = await db.one(
        "SELECT p.id, p.id_number FROM persons p JOIN households h ON h.id = p.household_id "
        "WHERE h.region_code = :c ORDER BY p.id",
        c=COUNTY,
    )
    household_before = await person_row(db, resident["id"])
    moved = ledger.graphql(
        "county",
        CENSUS,
        {
            "person": identity(resident["id_number"], householdRegion=OUTSIDE_COUNTY),
            "input": census,
        },
    )
    assert payload(moved, "upsertEnrolmentIntention") == refused
    assert await person_row(db, resident["id"]) == household_before
    # Inside its county it still creates the census entry of a new child.
    child = await fresh_id_number(db)
    created = ledger.graphql("county", CENSUS, {"person": identity(child), "input": census})
    assert payload(created, "upsertEnrolmentIntention") == {
        "result": {"surveyYear": 2026},
        "errors": [],
    }
    assert await db.rows("SELECT id FROM persons WHERE id_number = :n", n=child)


# --- identity changes are audited with before and after ----------------------------------------

AUDIT = """query($person: ID!) { auditLog(person: $person, action: MUTATION, first: 20) {
  edges { node { operation detail } } } }"""


def mask_phone(phone: str) -> str:
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def changes_seen(ledger, viewer: str, person_id: int, operation: str) -> dict:
    result = ledger.graphql(viewer, AUDIT, {"person": gid("Person", person_id)})
    nodes = [
        e["node"]
        for e in payload(result, "auditLog")["edges"]
        if e["node"]["operation"] == operation
    ]
    changed = [n["detail"]["changes"] for n in nodes if n["detail"].get("changes")]
    assert changed, f"no identity change audited for {operation}"
    return changed[0]


async def test_identity_changes_are_audited_before_and_after_and_masked_for_the_city(ledger):
    db = ledger.db
    resident = await db.one(
        "SELECT p.id, p.id_number, p.name, p.phone FROM persons p "
        "JOIN households h ON h.id = p.household_id WHERE h.region_code = :c "
        "AND p.phone IS NOT NULL ORDER BY p.id DESC",
        c=COUNTY,
    )
    stored = await person_row(db, resident["id"])
    new_category = "SUDDEN_HARDSHIP" if stored["category"] != "sudden_hardship" else "LIFTED"
    change = {
        "name": "更名后",
        "idNumber": resident["id_number"],
        "phone": "13712345678",
        "householdCategory": new_category,
    }
    result = ledger.graphql(
        "county",
        CENSUS,
        {"person": change, "input": {"surveyYear": 2026, "wantsVocational": False}},
    )
    assert payload(result, "upsertEnrolmentIntention")["errors"] == []
    after = await person_row(db, resident["id"])
    assert (after["name"], after["phone"], after["category"]) == (
        "更名后",
        "13712345678",
        new_category.lower(),
    )

    clear = changes_seen(ledger, "county", resident["id"], "upsertEnrolmentIntention")
    assert clear == {
        "name": {"before": stored["name"], "after": "更名后"},
        "phone": {"before": stored["phone"], "after": "13712345678"},
        "household_category": {"before": stored["category"], "after": new_category.lower()},
    }
    # The city bureau sees this person masked, so it sees the change masked; the household
    # (never masked, only hidden) shows nothing.
    assert changes_seen(ledger, "city", resident["id"], "upsertEnrolmentIntention") == {
        "name": {"before": mask_name(stored["name"]), "after": mask_name("更名后")},
        "phone": {"before": mask_phone(stored["phone"]), "after": mask_phone("13712345678")},
        "household_category": {"before": None, "after": None},
    }
    # The admin (always masked, no household field) sees no household change at all.
    assert changes_seen(ledger, "admin", resident["id"], "upsertEnrolmentIntention") == {
        "name": {"before": mask_name(stored["name"]), "after": mask_name("更名后")},
        "phone": {"before": mask_phone(stored["phone"]), "after": mask_phone("13712345678")},
    }


async def test_a_schools_own_student_is_updated_and_the_change_audited(ledger):
    db = ledger.db
    school = ledger.cast.org["school"]
    own = await studying_student_of(db, school)
    await db.run(
        "UPDATE households SET region_code = :c WHERE id = (SELECT household_id FROM persons WHERE id = :p)",
        c=COUNTY,
        p=own["id"],
    )  # so that the county bureau reads the log in clear
    answer = file_request(
        ledger, "school", {"name": "自家学生", "idNumber": own["id_number"]}, await record_input(db)
    )
    assert answer["errors"] == [] and answer["transfer"] is None
    assert answer["result"]["school"]["id"] == gid("Organisation", school)
    assert (await person_row(db, own["id"]))["name"] == "自家学生"
    assert changes_seen(ledger, "county", own["id"], "upsertStudentRecord") == {
        "name": {"before": own["name"], "after": "自家学生"}
    }
