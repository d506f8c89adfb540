"""Issue 13: destinations, ended jobs, the follow-up schedule and the early warning keep the role
rules on every side door — lists, counts, node(id), the dashboard's counts and the writes.

Over real HTTP with real tokens. The story: the enterprise's employee (the school's graduate)
leaves; the school records a job elsewhere. The enterprise keeps seeing its own ended record and
nothing of the new job, the destination, the schedule or the alerts; the agency and the school
see only the alerts of their own persons (counted alike); a city bureau reads its region masked
and writes nothing; the county bureau turns an alert into a help case, audited.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.authz.test_reads import gid
from tests.privacy.test_clearance import sql

pytestmark = pytest.mark.db

ALERTS = """query($state: AlertState) { alerts(first: 100, filter: {state: $state}) { totalCount
  edges { node { id kind person { id name } county { code } } } } }"""
RECORDS = """query($person: ID!) { employmentRecords(first: 100, filter: {person: $person}) {
  totalCount edges { node { id employerName endReason } } } }"""
FILE = """query($id: ID!) { node(id: $id) { ... on Person { graduateDestinations { kind } } } }"""
NODE = """query($id: ID!) { node(id: $id) { id } }"""


@pytest.fixture(scope="module")
async def alliance(tmp_path_factory):
    from tests.authz.alliance import running_alliance

    async with running_alliance(tmp_path_factory.mktemp("outcomes")) as running:
        yield running


@pytest.fixture(scope="module")
async def story(alliance):
    """The school's graduate, hired by the demo enterprise; the school ends the job and records
    the next one elsewhere."""
    person = alliance.cast.subjects[("school", "persons", "own")]
    await sql(
        alliance,
        "UPDATE employment_records SET end_date = start_date, end_reason = 'left' "
        "WHERE person_id = :p AND end_date IS NULL",
        p=person,
    )
    ((region,),) = await sql(
        alliance,
        "SELECT h.region_code FROM households h JOIN persons p ON p.household_id = h.id "
        "WHERE p.id = :p",
        p=person,
    )
    (own_job,) = await sql(
        alliance,
        "INSERT INTO employment_records (person_id, employer_id, employer_name, start_date, "
        "monthly_income, work_region_code, location_tier) VALUES (:p, :e, '国网重庆', :s, 4500, "
        ":r, 'in_county') RETURNING id",
        p=person,
        e=alliance.cast.org["enterprise"],
        s=date(2026, 4, 1),
        r=region,
    )
    # Hired through the alliance: the enterprise sees its applicant.
    await sql(
        alliance,
        "INSERT INTO applications (person_id, position_id, source, stage, version) "
        "VALUES (:p, :q, 'self', 'hired', 1)",
        p=person,
        q=alliance.cast.subjects[("enterprise", "positions", "own")],
    )
    ended = alliance.graphql(
        "school",
        """mutation($id: ID!) { endEmployment(id: $id, endedOn: "2026-08-31", reason: LEFT) {
          errors { code } } }""",
        {"id": gid("EmploymentRecord", own_job[0])},
    )
    assert ended.errors == [] and ended.data["endEmployment"]["errors"] == []
    recorded = alliance.graphql(
        "school",
        """mutation($p: ID!) { recordDestination(personId: $p, input: {kind: OTHER_JOB,
          since: "2026-09-15", employerName: "东莞某电子厂", workRegionCode: "441900",
          monthlyIncome: 1800}) { result { id } errors { code } } }""",
        {"p": gid("Person", person)},
    )
    assert recorded.errors == [] and recorded.data["recordDestination"]["errors"] == []
    ((new_job,),) = await sql(
        alliance,
        "SELECT id FROM employment_records WHERE person_id = :p AND end_date IS NULL",
        p=person,
    )
    return {"person": person, "own_job": own_job[0], "new_job": new_job}


def test_the_enterprise_sees_its_own_ended_job_and_nothing_after_it(alliance, story):
    person = gid("Person", story["person"])
    records = alliance.graphql("enterprise", RECORDS, {"person": person})
    assert records.errors == []
    shown = [e["node"] for e in records.data["employmentRecords"]["edges"]]
    assert [(r["employerName"], r["endReason"]) for r in shown] == [("国网重庆", "LEFT")]
    assert records.data["employmentRecords"]["totalCount"] == 1
    new_job = alliance.graphql(
        "enterprise", NODE, {"id": gid("EmploymentRecord", story["new_job"])}
    )
    assert new_job.errors == [] and new_job.data["node"] is None
    for document in (FILE, ALERTS, """{ followUpDues { totalCount } }"""):
        refused = alliance.graphql("enterprise", document, {"id": person})
        assert {e["extensions"]["code"] for e in refused.errors} == {"FORBIDDEN"}, document
    overview = alliance.graphql(
        "enterprise", """{ trackingOverview(region: "500000") { openAlerts } }"""
    )
    assert [e["extensions"]["code"] for e in overview.errors] == ["FORBIDDEN"]


def test_the_new_job_raised_its_alert_for_the_school_and_not_for_the_enterprise(alliance, story):
    mine = alliance.graphql("school", ALERTS, {"state": "OPEN"})
    kinds = {
        e["node"]["kind"]
        for e in mine.data["alerts"]["edges"]
        if e["node"]["person"]["id"] == gid("Person", story["person"])
    }
    assert "INCOME_BELOW_FLOOR" in kinds  # 1,800 yuan is below the 2,000 floor


@pytest.mark.parametrize(
    ("viewer", "remit"),
    [
        (
            "school",
            "SELECT a.id FROM alerts a JOIN student_records s ON s.person_id = a.person_id "
            "WHERE s.school_id = :org",
        ),
        (
            "agency",
            "SELECT a.id FROM alerts a WHERE a.person_id IN "
            "(SELECT person_id FROM assistance_cases WHERE owner_org_id = :org)",
        ),
        (
            "county",
            "SELECT a.id FROM alerts a JOIN persons p ON p.id = a.person_id JOIN households h "
            "ON h.id = p.household_id WHERE h.region_code = '500229'",
        ),
    ],
)
async def test_each_office_lists_and_counts_only_its_own_alerts(alliance, story, viewer, remit):
    expected = {row[0] for row in await sql(alliance, remit, org=alliance.cast.org[viewer])}
    listed = alliance.graphql(viewer, ALERTS)
    assert listed.errors == []
    seen = {e["node"]["id"] for e in listed.data["alerts"]["edges"]}
    assert seen == {gid("Alert", key) for key in expected}
    assert listed.data["alerts"]["totalCount"] == len(expected)


async def test_a_city_bureau_reads_its_region_masked_and_works_nothing(alliance, story):
    listed = alliance.graphql("city", ALERTS, {"state": "OPEN"})
    assert listed.errors == []
    edges = listed.data["alerts"]["edges"]
    assert edges and all(e["node"]["county"] is None for e in edges)  # household: not in clear
    assert all(e["node"]["person"]["name"].endswith("*") for e in edges)
    dismissed = alliance.graphql(
        "city",
        """mutation($id: ID!) { dismissAlert(id: $id, reason: "测试") { errors { code } } }""",
        {"id": edges[0]["node"]["id"]},
    )
    assert [e["code"] for e in dismissed.data["dismissAlert"]["errors"]] == ["NOT_FOUND"]


async def test_the_school_cannot_work_another_schools_alert_nor_record_their_destination(
    alliance, story
):
    ((foreign_alert, foreign_person),) = await sql(
        alliance,
        "SELECT a.id, a.person_id FROM alerts a WHERE a.person_id NOT IN (SELECT person_id FROM "
        "student_records WHERE school_id = :s) AND a.state = 'open' ORDER BY a.id LIMIT 1",
        s=alliance.cast.org["school"],
    )
    dismissed = alliance.graphql(
        "school",
        """mutation($id: ID!) { dismissAlert(id: $id, reason: "不是我的") { errors { code } } }""",
        {"id": gid("Alert", foreign_alert)},
    )
    assert [e["code"] for e in dismissed.data["dismissAlert"]["errors"]] == ["NOT_FOUND"]
    recorded = alliance.graphql(
        "school",
        """mutation($p: ID!) { recordDestination(personId: $p, input: {kind: NOT_SEEKING,
          since: "2026-09-01"}) { errors { code } } }""",
        {"p": gid("Person", foreign_person)},
    )
    assert [e["code"] for e in recorded.data["recordDestination"]["errors"]] == ["NOT_FOUND"]
    ((state,),) = await sql(alliance, "SELECT state FROM alerts WHERE id = :a", a=foreign_alert)
    assert state == "open"


async def test_the_county_bureau_turns_an_alert_into_a_help_case_audited(alliance, story):
    ((alert, person),) = await sql(
        alliance,
        "SELECT a.id, a.person_id FROM alerts a JOIN persons p ON p.id = a.person_id JOIN "
        "households h ON h.id = p.household_id WHERE h.region_code = '500229' AND "
        "a.state = 'open' AND a.person_id NOT IN (SELECT person_id FROM assistance_cases WHERE "
        "owner_org_id = :b AND state = 'open') ORDER BY a.id LIMIT 1",
        b=alliance.cast.org["county"],
    )
    opened = alliance.graphql(
        "county",
        """mutation($p: ID!, $a: ID!) { openAssistanceCase(personId: $p, reason: "预警：失业",
          alertId: $a) { result { id } errors { code } } }""",
        {"p": gid("Person", person), "a": gid("Alert", alert)},
    )
    assert opened.errors == [] and opened.data["openAssistanceCase"]["errors"] == []
    case_id = opened.data["openAssistanceCase"]["result"]["id"]
    ((state, linked),) = await sql(
        alliance, "SELECT state, case_id FROM alerts WHERE id = :a", a=alert
    )
    assert state == "handled" and gid("AssistanceCase", linked) == case_id
    audits = await sql(
        alliance,
        "SELECT detail FROM audit_records WHERE operation = 'openAssistanceCase' "
        "AND subject_person_id = :p ORDER BY id DESC LIMIT 1",
        p=person,
    )
    assert audits  # the mutation, with the person it touched
    again = alliance.graphql(
        "county",
        """mutation($id: ID!) { dismissAlert(id: $id, reason: "重复") { errors { code } } }""",
        {"id": gid("Alert", alert)},
    )
    assert [e["code"] for e in again.data["dismissAlert"]["errors"]] == ["ALERT_CLOSED"]


LINK = """mutation($id: ID!, $case: ID!) { linkAlertToCase(id: $id, caseId: $case) {
  result { state case { id } } errors { code } } }"""


async def test_the_agency_links_an_alert_to_its_own_open_case_and_no_other(alliance, story):
    agency = alliance.cast.org["agency"]
    ((person, case),) = await sql(
        alliance,
        "SELECT person_id, id FROM assistance_cases WHERE owner_org_id = :a AND state = 'open' "
        "AND person_id NOT IN (SELECT person_id FROM alerts WHERE state = 'open' AND kind = "
        "'no_follow_up') ORDER BY id LIMIT 1",
        a=agency,
    )
    (alert,) = await sql(
        alliance,
        "INSERT INTO alerts (person_id, kind, fact, county_code, raised_on, threshold, detail, "
        "state) VALUES (:p, 'no_follow_up', 'since:2026-01-01', '500229', :on, 6, '{}', 'open') "
        "RETURNING id",
        p=person,
        on=date(2026, 11, 20),
    )
    ((foreign_case,),) = await sql(
        alliance,
        "SELECT id FROM assistance_cases WHERE owner_org_id <> :a AND state = 'open' "
        "ORDER BY id LIMIT 1",
        a=agency,
    )
    refused = alliance.graphql(
        "agency", LINK, {"id": gid("Alert", alert[0]), "case": gid("AssistanceCase", foreign_case)}
    )
    assert [e["code"] for e in refused.data["linkAlertToCase"]["errors"]] == ["NOT_FOUND"]
    linked = alliance.graphql(
        "agency", LINK, {"id": gid("Alert", alert[0]), "case": gid("AssistanceCase", case)}
    )
    assert linked.errors == [] and linked.data["linkAlertToCase"]["errors"] == []
    assert linked.data["linkAlertToCase"]["result"] == {
        "state": "HANDLED",
        "case": {"id": gid("AssistanceCase", case)},
    }
