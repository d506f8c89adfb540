"""``viewer { notices }`` (issue 14, item 11): each role's waiting work, counted through its own
row rules — checked against counts written out in SQL here — in one statement whatever the role."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import text

from auth.viewer import Viewer
from models.organisations import Role
from resolvers.notices import months_ago
from resolvers.outcomes import today as china_today
from tests.api.conftest import ALL_SCOPES, counting, member

NOTICES = "{ viewer { notices { kind count } } }"


async def _scalar(session, sql: str, **values) -> int:
    return await session.scalar(text(sql), values)


async def _viewer(session, username: str) -> Viewer:
    role, organisation, person = (
        await session.execute(
            text("SELECT role, organisation_id, person_id FROM users WHERE username = :u"),
            {"u": username},
        )
    ).one()
    if role == "graduate":
        return Viewer(role=Role.GRADUATE, person_id=person, scopes=ALL_SCOPES)
    if role == "admin":
        return Viewer(role=Role.ADMIN, scopes=ALL_SCOPES)
    return member(Role(role), organisation)


async def expected(session, username: str) -> dict[str, int]:
    """The notices of a demo account, counted by hand in SQL."""
    viewer = await _viewer(session, username)
    org, person = viewer.organisation_id, viewer.person_id
    own_students = "a.person_id IN (SELECT person_id FROM student_records WHERE school_id = :org)"
    if username == "graduate":
        return {
            "REFERRALS_AWAITING": await _scalar(
                session,
                "SELECT count(*) FROM applications a WHERE a.person_id = :p "
                "AND a.stage = 'recommended'",
                p=person,
            ),
            "APPLICATIONS_MOVED": await _scalar(
                session,
                "SELECT count(*) FROM applications a WHERE a.person_id = :p AND "
                "EXISTS (SELECT 1 FROM application_events e WHERE e.application_id = a.id "
                "AND e.to_stage IN ('interview', 'offer', 'hired', 'rejected') "
                "AND e.at >= :since)",
                p=person,
                since=_thirty_days_ago(),
            ),
        }
    # Scheduled follow-ups not done, due within 30 days or overdue; open alerts.
    soon = china_today() + timedelta(days=30)
    school_dues = (
        "SELECT count(*) FROM follow_up_dues d WHERE d.done_on IS NULL AND d.due_on <= :soon "
        "AND d.person_id IN (SELECT person_id FROM student_records WHERE school_id = :org)"
    )
    case_dues = (
        "SELECT count(*) FROM follow_up_dues d WHERE d.done_on IS NULL AND d.due_on <= :soon "
        "AND d.person_id IN (SELECT person_id FROM assistance_cases WHERE owner_org_id = :org)"
    )
    school_alerts = (
        "SELECT count(*) FROM alerts a WHERE a.state = 'open' "
        "AND a.person_id IN (SELECT person_id FROM student_records WHERE school_id = :org)"
    )
    case_alerts = (
        "SELECT count(*) FROM alerts a WHERE a.state = 'open' "
        "AND a.person_id IN (SELECT person_id FROM assistance_cases WHERE owner_org_id = :org)"
    )
    if username == "school":
        return {
            "REFERRALS_AWAITING": await _scalar(
                session,
                f"SELECT count(*) FROM applications a WHERE {own_students} "
                "AND a.stage = 'recommended'",
                org=org,
            ),
            "FOLLOW_UPS_DUE": await _scalar(session, school_dues, org=org, soon=soon),
            "ALERTS_OPEN": await _scalar(session, school_alerts, org=org),
        }
    if username == "agency":
        return {
            "REFERRALS_AWAITING": await _scalar(
                session,
                "SELECT count(*) FROM applications a WHERE a.referrer_id = :org AND a.stage = 'recommended'",
                org=org,
            ),
            "FOLLOW_UPS_DUE": await _scalar(session, case_dues, org=org, soon=soon),
            "ALERTS_OPEN": await _scalar(session, case_alerts, org=org),
        }
    if username == "enterprise":
        return {
            "APPLICATIONS_WAITING": await _scalar(
                session,
                "SELECT count(*) FROM applications a JOIN positions p ON p.id = a.position_id "
                "WHERE p.enterprise_id = :org AND a.stage = 'applied'",
                org=org,
            )
        }
    if username == "admin":
        return {
            "JOIN_REQUESTS": await _scalar(
                session, "SELECT count(*) FROM organisations WHERE membership = 'pending'"
            )
        }
    return {}


def _thirty_days_ago() -> datetime:
    return datetime.combine(china_today() - timedelta(days=30), time(), UTC)


@pytest.mark.parametrize(
    "username", ["graduate", "school", "agency", "enterprise", "admin", "county", "city"]
)
async def test_each_role_gets_its_notices_in_one_statement(run, session, engine, username):
    viewer = await _viewer(session, username)
    want = await expected(session, username)
    with counting(engine) as baseline:
        await run("{ viewer { role } }", viewer)  # who the viewer is costs its own loads
    with counting(engine) as statements:
        data, errors, _ = await run(NOTICES, viewer)
    assert errors is None
    assert {notice["kind"]: notice["count"] for notice in data["viewer"]["notices"]} == want
    assert statements.count == baseline.count + (1 if want else 0)


async def test_the_counts_are_not_vacuous(session):
    """The demo data has waiting work for every kind the test above checks (so a count of 0
    everywhere would not pass unnoticed)."""
    for username in ("school", "enterprise", "admin"):
        assert any((await expected(session, username)).values()), username


def test_months_ago_keeps_the_day_or_takes_the_months_last():
    assert months_ago(date(2026, 12, 1), 3) == date(2026, 9, 1)
    assert months_ago(date(2026, 5, 31), 3) == date(2026, 2, 28)
    assert months_ago(date(2026, 2, 15), 3) == date(2025, 11, 15)
