"""Issue 12 item 1 over real HTTP: admins create bureaus (the level must be the region's); a
bureau approves the join requests of its region only, and opens an approved member's first
account, whose generated password is in that answer only.

Expected values come from plain SQL on the alliance's database, never from the code under test.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from auth import scopes
from auth.config import AuthConfig
from auth.passwords import verify_password
from models.db import create_engine
from models.settings import get_settings
from resolvers.ids import to_global_id
from seeds import identity
from tests.authz.alliance import running_alliance
from tests.tokens import USER_SCOPES, mint_access_token

pytestmark = pytest.mark.db

ADMIN_SCOPES = f"{USER_SCOPES} {scopes.ADMIN}"
DECIDE = """mutation($id: ID!) { decideMembership(id: $id, decision: APPROVED) {
  result { membership } errors { field code } } }"""
ACCOUNT = """mutation($id: ID!, $username: String!) {
  createMemberAccount(id: $id, username: $username) {
    result { username role oneTimePassword } errors { field code message } } }"""
BUREAU = """mutation($input: BureauInput!) { createBureau(input: $input) {
  result { id kind membership region { code level } } errors { field code message } } }"""


@pytest.fixture(scope="module")
async def alliance(tmp_path_factory):
    async with running_alliance(tmp_path_factory.mktemp("members")) as running:
        settings = get_settings().replace(database_url=running.database_url, issuer=running.url)
        running.tokens[("admin", ADMIN_SCOPES)] = await mint_access_token(
            AuthConfig.from_settings(settings), running.database_url, "admin", ADMIN_SCOPES
        )
        running.engine = create_engine(running.database_url)  # type: ignore[attr-defined]  # this module's own handle on the shared fixture
        try:
            yield running
        finally:
            await running.engine.dispose()  # type: ignore[attr-defined]


async def _rows(alliance, sql: str, **params) -> list[dict]:
    async with alliance.engine.connect() as connection:
        return [dict(row) for row in (await connection.execute(text(sql), params)).mappings()]


def _answer(result, name: str) -> dict:
    assert result.errors == [], result.errors
    return result.data[name]


def _codes(answer: dict) -> list[str]:
    return [error["code"] for error in answer["errors"]]


async def _membership(alliance, organisation_id: int) -> str:
    [row] = await _rows(
        alliance, "SELECT membership FROM organisations WHERE id = :o", o=organisation_id
    )
    return row["membership"]


async def test_a_bureau_approves_its_regions_members_only(alliance):
    cast = alliance.cast
    in_county = cast.subject("*", "organisations", "county_request")
    elsewhere = cast.subject("*", "organisations", "other")  # Chongqing, outside the county
    outside = cast.subject("*", "organisations", "outside")  # Shandong
    for target in (elsewhere, outside):
        refused = _answer(
            alliance.graphql("county", DECIDE, {"id": to_global_id("Organisation", target)}),
            "decideMembership",
        )
        assert _codes(refused) == ["NOT_FOUND"] and refused["result"] is None
        assert await _membership(alliance, target) == "pending"
    # The city bureau (Chongqing) may decide the one in Chongqing, not the one in Shandong.
    city = _answer(
        alliance.graphql("city", DECIDE, {"id": to_global_id("Organisation", outside)}),
        "decideMembership",
    )
    assert _codes(city) == ["NOT_FOUND"]
    approved = _answer(
        alliance.graphql("county", DECIDE, {"id": to_global_id("Organisation", in_county)}),
        "decideMembership",
    )
    assert approved == {"result": {"membership": "APPROVED"}, "errors": []}
    assert await _membership(alliance, in_county) == "approved"


async def test_the_approving_bureau_opens_the_members_first_account(alliance):
    cast = alliance.cast
    in_county = cast.subject("*", "organisations", "county_request")
    outside = cast.subject("*", "organisations", "outside")
    pending = _answer(
        alliance.graphql(
            "county", ACCOUNT, {"id": to_global_id("Organisation", outside), "username": "x1"}
        ),
        "createMemberAccount",
    )
    assert _codes(pending) == ["NOT_FOUND"]  # outside the region: as if it did not exist
    alliance.graphql("county", DECIDE, {"id": to_global_id("Organisation", in_county)})
    created = _answer(
        alliance.graphql(
            "county",
            ACCOUNT,
            {"id": to_global_id("Organisation", in_county), "username": "first-officer"},
        ),
        "createMemberAccount",
    )
    assert created["errors"] == []
    password = created["result"]["oneTimePassword"]
    assert (
        created["result"]["username"] == "first-officer" and created["result"]["role"] == "SCHOOL"
    )
    assert len(password) >= 12
    [stored] = await _rows(
        alliance,
        "SELECT role, organisation_id, password_hash FROM users WHERE username = 'first-officer'",
    )
    assert (stored["role"], stored["organisation_id"]) == ("school", in_county)
    assert verify_password(stored["password_hash"], password)
    assert password not in stored["password_hash"]
    audit = await _rows(
        alliance, "SELECT detail FROM audit_records WHERE operation = 'createMemberAccount'"
    )
    assert audit and all(password not in str(row["detail"]) for row in audit)
    second = _answer(
        alliance.graphql(
            "county", ACCOUNT, {"id": to_global_id("Organisation", in_county), "username": "second"}
        ),
        "createMemberAccount",
    )
    assert _codes(second) == ["HAS_ACCOUNT"]


async def test_admins_create_bureaus_whose_level_is_the_regions(alliance):
    def bureau(region: str, level: str, serial: int) -> dict:
        return {
            "name": f"测试乡村振兴局{serial}",
            "creditCode": identity.credit_code("bureau", region, 95_000_000 + serial),
            "regionCode": region,
            "level": level,
        }

    county = bureau("500230", "COUNTY", 1)  # 丰都县
    wrong = _answer(
        alliance.graphql(
            "admin", BUREAU, {"input": {**county, "level": "CITY"}}, scope=ADMIN_SCOPES
        ),
        "createBureau",
    )
    assert _codes(wrong) == ["LEVEL_MISMATCH"]
    for viewer, scope in (("county", USER_SCOPES), ("admin", USER_SCOPES)):
        gate = alliance.graphql(viewer, BUREAU, {"input": county}, scope=scope)
        assert [e["extensions"]["code"] for e in gate.errors] == ["FORBIDDEN"]
    created = _answer(
        alliance.graphql("admin", BUREAU, {"input": county}, scope=ADMIN_SCOPES), "createBureau"
    )
    assert created["errors"] == []
    assert created["result"]["kind"] == "BUREAU" and created["result"]["membership"] == "APPROVED"
    assert created["result"]["region"] == {"code": "500230", "level": "COUNTY"}
    [row] = await _rows(
        alliance,
        "SELECT kind, membership, region_code FROM organisations WHERE credit_code = :c",
        c=county["creditCode"],
    )
    assert row == {"kind": "bureau", "membership": "approved", "region_code": "500230"}
    again = _answer(
        alliance.graphql("admin", BUREAU, {"input": county}, scope=ADMIN_SCOPES), "createBureau"
    )
    assert _codes(again) == ["ALREADY_MEMBER"]
    national = _answer(
        alliance.graphql(
            "admin", BUREAU, {"input": bureau("000000", "NATIONAL", 2)}, scope=ADMIN_SCOPES
        ),
        "createBureau",
    )
    assert national["errors"] == [] and national["result"]["region"]["level"] == "NATIONAL"
