"""Admin mutations over auth/admin.py: clients (secret shown once), users (password ≥ 12, role
matches the organisation), unlock, deactivate, key rotation; every other role and an admin token
without the admin scope are refused; each mutation leaves an audit record without secrets; and
an admin still sees persons masked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from auth import passwords, scopes
from auth.digests import digest
from auth.masking import mask_id_number, mask_name, mask_phone
from auth.portal_signin import PORTAL_CLIENT_ID
from auth.rules import ADMIN_MUTATIONS
from auth.viewer import ANONYMOUS, Viewer
from models.audit import AuditAction, AuditRecord
from models.oauth import KeyState, OAuthClient, RefreshToken, SigningKey
from models.organisations import Organisation, OrganisationKind, Role, User
from models.people import Person
from resolvers.ids import to_global_id
from tests.api.conftest import ALL_SCOPES, member

ADMIN_SCOPES = ALL_SCOPES | {scopes.ADMIN}
ADMIN = Viewer(role=Role.ADMIN, scopes=ADMIN_SCOPES)
PASSWORD = "a long passphrase 2026"

CREATE_CLIENT = """mutation($input: CreateOAuthClientInput!) { createOAuthClient(input: $input) {
  result { clientSecret client { clientId name confidential grantTypes redirectUris scope firstParty serviceUsername } }
  errors { field code message } } }"""
CREATE_USER = """mutation($input: CreateUserInput!) { createUser(input: $input) {
  result { id username displayName role isActive locked organisation { name } } errors { field code message } } }"""
RESET = """mutation($username: String!, $password: String!) { resetPassword(username: $username, password: $password) {
  result { username locked failedLogins } errors { field code message } } }"""
UNLOCK = """mutation($username: String!) { unlockUser(username: $username) {
  result { username locked failedLogins } errors { field code message } } }"""
DEACTIVATE = """mutation($username: String!) { deactivateUser(username: $username) {
  result { username isActive } errors { field code message } } }"""
ROTATE = "mutation { rotateSigningKeys { result { kid state } errors { field code message } } }"
DELETE_CLIENT = """mutation($clientId: String!) { deleteOAuthClient(clientId: $clientId) {
  result { clientId } errors { field code message } } }"""

# One probe per admin mutation, valid enough to reach the resolver.
PROBES: dict[str, tuple[str, dict[str, Any]]] = {
    "createOAuthClient": (
        CREATE_CLIENT,
        {"input": {"clientId": "probe-app", "redirectUris": ["https://probe.example/cb"]}},
    ),
    "deleteOAuthClient": (DELETE_CLIENT, {"clientId": "no-such-client"}),
    "createUser": (
        CREATE_USER,
        {"input": {"username": "probe-admin", "password": PASSWORD, "role": "ADMIN"}},
    ),
    "resetPassword": (RESET, {"username": "no-such-user", "password": PASSWORD}),
    "unlockUser": (UNLOCK, {"username": "no-such-user"}),
    "deactivateUser": (DEACTIVATE, {"username": "no-such-user"}),
    "rotateSigningKeys": (ROTATE, {}),
}


def test_every_admin_mutation_has_a_probe():
    assert set(PROBES) == ADMIN_MUTATIONS


async def _organisation(session, kind: OrganisationKind) -> Organisation:
    return (
        await session.scalars(
            select(Organisation).where(Organisation.kind == kind).order_by(Organisation.id)
        )
    ).first()


async def _viewers(session) -> dict[str, Viewer]:
    viewers = {"anonymous": ANONYMOUS}
    for role, kind in (
        (Role.SCHOOL, OrganisationKind.SCHOOL),
        (Role.ENTERPRISE, OrganisationKind.ENTERPRISE),
        (Role.AGENCY, OrganisationKind.AGENCY),
        (Role.BUREAU, OrganisationKind.BUREAU),
    ):
        viewers[role.value] = member(role, (await _organisation(session, kind)).id)
    person_id = await session.scalar(select(Person.id).order_by(Person.id).limit(1))
    viewers["graduate"] = Viewer(role=Role.GRADUATE, person_id=person_id, scopes=ALL_SCOPES)
    viewers["admin-without-admin-scope"] = Viewer(role=Role.ADMIN, scopes=ALL_SCOPES)
    return viewers


@pytest.mark.parametrize("mutation", sorted(PROBES))
async def test_every_other_role_is_refused(run, session, mutation):
    document, variables = PROBES[mutation]
    for name, viewer in (await _viewers(session)).items():
        data, errors, _ = await run(document, viewer, **variables)
        expected = "UNAUTHENTICATED" if name == "anonymous" else "FORBIDDEN"
        assert [e.extensions["code"] for e in errors] == [expected], (name, errors)
        assert data is None
    assert (
        await session.scalar(select(OAuthClient.id).where(OAuthClient.client_id == "probe-app"))
        is None
    )
    assert await session.scalar(select(User.id).where(User.username == "probe-admin")) is None


@pytest.mark.parametrize("query", ["oauthClients { clientId }", "userAccounts { username }"])
async def test_admin_lists_are_refused_to_others(run, session, query):
    for name, viewer in (await _viewers(session)).items():
        data, errors, _ = await run(f"{{ {query} }}", viewer)
        assert [e.extensions["code"] for e in errors] == [
            "UNAUTHENTICATED" if name == "anonymous" else "FORBIDDEN"
        ]
    data, errors, _ = await run(f"{{ {query} }}", ADMIN)
    assert errors is None and data


async def test_a_confidential_client_gets_its_secret_once(run, session):
    data, errors, _ = await run(
        CREATE_CLIENT,
        ADMIN,
        input={
            "clientId": "partner-portal",
            "name": "合作方门户",
            "redirectUris": ["https://partner.example/callback"],
            "scope": "alliance:read profile",
        },
    )
    assert errors is None
    payload = data["createOAuthClient"]
    assert payload["errors"] == []
    secret = payload["result"]["clientSecret"]
    assert secret and len(secret) >= 32
    assert payload["result"]["client"] == {
        "clientId": "partner-portal",
        "name": "合作方门户",
        "confidential": True,
        "grantTypes": ["authorization_code", "refresh_token"],
        "redirectUris": ["https://partner.example/callback"],
        "scope": "alliance:read profile",
        "firstParty": False,
        "serviceUsername": None,
    }
    stored = await session.scalar(
        select(OAuthClient).where(OAuthClient.client_id == "partner-portal")
    )
    assert stored.client_secret_hash == digest(secret)  # only the digest is kept
    listed, errors, _ = await run("{ oauthClients { clientId confidential } }", ADMIN)
    assert {"clientId": "partner-portal", "confidential": True} in listed["oauthClients"]
    assert "clientSecret" not in str(listed)
    again, _, _ = await run(
        CREATE_CLIENT,
        ADMIN,
        input={"clientId": "partner-portal", "redirectUris": ["https://x.example/cb"]},
    )
    assert [(e["field"], e["code"]) for e in again["createOAuthClient"]["errors"]] == [
        ("clientId", "CLIENT_EXISTS")
    ]


async def test_public_and_service_clients(run, session):
    data, _, _ = await run(
        CREATE_CLIENT,
        ADMIN,
        input={
            "clientId": "mobile-app",
            "confidential": False,
            "redirectUris": ["yulu://callback"],
        },
    )
    assert data["createOAuthClient"]["result"]["clientSecret"] is None
    assert data["createOAuthClient"]["result"]["client"]["confidential"] is False
    service = (
        await session.scalars(select(User).where(User.role == Role.SCHOOL).order_by(User.id))
    ).first()
    data, _, _ = await run(
        CREATE_CLIENT,
        ADMIN,
        input={
            "clientId": "school-system",
            "grantTypes": ["client_credentials"],
            "serviceUsername": service.username,
        },
    )
    assert data["createOAuthClient"]["errors"] == []
    assert data["createOAuthClient"]["result"]["client"]["serviceUsername"] == service.username


@pytest.mark.parametrize(
    ("client_input", "broken"),
    [
        ({"clientId": "x", "grantTypes": ["password"]}, ("grantTypes", "UNKNOWN_GRANT_TYPE")),
        (
            {"clientId": "x", "scope": "everything", "redirectUris": ["https://x.example/cb"]},
            ("scope", "UNKNOWN_SCOPE"),
        ),
        (
            {"clientId": "x", "grantTypes": ["client_credentials"]},
            ("serviceUsername", "SERVICE_USER_REQUIRED"),
        ),
        (
            {"clientId": "x", "grantTypes": ["client_credentials"], "serviceUsername": "nobody"},
            ("serviceUsername", "NOT_FOUND"),
        ),
        ({"clientId": "x"}, ("redirectUris", "REDIRECT_URI_REQUIRED")),
        (
            {"clientId": "x" * 65, "redirectUris": ["https://x.example/cb"]},
            ("clientId", "INVALID_CLIENT_ID"),
        ),
    ],
)
async def test_client_rules_are_user_errors_in_chinese(run, session, client_input, broken):
    data, errors, _ = await run(CREATE_CLIENT, ADMIN, input=client_input)
    assert errors is None
    payload = data["createOAuthClient"]
    assert payload["result"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [broken]
    assert all(any("\u4e00" <= c <= "\u9fff" for c in e["message"]) for e in payload["errors"])


async def test_delete_client(run, session):
    await run(
        CREATE_CLIENT,
        ADMIN,
        input={"clientId": "short-lived", "redirectUris": ["https://x.example/cb"]},
    )
    data, _, _ = await run(DELETE_CLIENT, ADMIN, clientId="short-lived")
    assert data["deleteOAuthClient"] == {"result": {"clientId": "short-lived"}, "errors": []}
    assert (
        await session.scalar(select(OAuthClient.id).where(OAuthClient.client_id == "short-lived"))
        is None
    )
    data, _, _ = await run(DELETE_CLIENT, ADMIN, clientId="short-lived")
    assert [e["code"] for e in data["deleteOAuthClient"]["errors"]] == ["NOT_FOUND"]


async def test_the_portal_client_is_not_deleted(run, session):
    if (
        await session.scalar(
            select(OAuthClient.id).where(OAuthClient.client_id == PORTAL_CLIENT_ID)
        )
        is None
    ):
        session.add(
            OAuthClient(
                client_id=PORTAL_CLIENT_ID,
                name="联盟门户",
                redirect_uris=["http://127.0.0.1/cb"],
                grant_types=["authorization_code"],
                scope=scopes.READ,
                first_party=True,
            )
        )
        await session.flush()
    data, _, _ = await run(DELETE_CLIENT, ADMIN, clientId=PORTAL_CLIENT_ID)
    assert [(e["field"], e["code"]) for e in data["deleteOAuthClient"]["errors"]] == [
        ("clientId", "PORTAL_CLIENT")
    ]
    assert (
        await session.scalar(
            select(OAuthClient.id).where(OAuthClient.client_id == PORTAL_CLIENT_ID)
        )
        is not None
    )


async def test_create_users_of_each_kind(run, session):
    school = await _organisation(session, OrganisationKind.SCHOOL)
    data, _, _ = await run(
        CREATE_USER,
        ADMIN,
        input={
            "username": "teacher-new",
            "password": PASSWORD,
            "role": "SCHOOL",
            "displayName": "王老师",
            "organisationId": to_global_id("Organisation", school.id),
        },
    )
    assert data["createUser"]["errors"] == []
    assert data["createUser"]["result"] | {"id": None} == {
        "id": None,
        "username": "teacher-new",
        "displayName": "王老师",
        "role": "SCHOOL",
        "isActive": True,
        "locked": False,
        "organisation": {"name": school.name},
    }
    stored = await session.scalar(select(User).where(User.username == "teacher-new"))
    assert stored.password_hash != PASSWORD and passwords.verify_password(
        stored.password_hash, PASSWORD
    )
    person = await session.scalar(
        select(Person.id)
        .where(Person.id.not_in(select(User.person_id).where(User.person_id.is_not(None))))
        .limit(1)
    )
    data, _, _ = await run(
        CREATE_USER,
        ADMIN,
        input={
            "username": "graduate-new",
            "password": PASSWORD,
            "role": "GRADUATE",
            "personId": to_global_id("Person", person),
        },
    )
    assert data["createUser"]["errors"] == []
    listed, _, _ = await run("{ userAccounts { username role isActive } }", ADMIN)
    assert {"username": "graduate-new", "role": "GRADUATE", "isActive": True} in listed[
        "userAccounts"
    ]


async def test_user_rules(run, session):
    school = await _organisation(session, OrganisationKind.SCHOOL)
    enterprise_user = (
        await session.scalars(select(User).where(User.role == Role.ENTERPRISE))
    ).first()

    async def broken(**user_input):
        data, errors, _ = await run(
            CREATE_USER, ADMIN, input={"username": "u-new", "password": PASSWORD, **user_input}
        )
        assert errors is None and data["createUser"]["result"] is None
        assert all(
            any("\u4e00" <= c <= "\u9fff" for c in e["message"])
            for e in data["createUser"]["errors"]
        )
        return {(e["field"], e["code"]) for e in data["createUser"]["errors"]}

    assert await broken(role="ADMIN", password="short-11chr") == {
        ("password", "PASSWORD_TOO_SHORT")
    }
    assert await broken(role="ENTERPRISE") == {("organisationId", "ORGANISATION_REQUIRED")}
    assert await broken(
        role="ENTERPRISE", organisationId=to_global_id("Organisation", school.id)
    ) == {("organisationId", "ROLE_MISMATCH")}
    assert await broken(role="GRADUATE") == {("personId", "PERSON_REQUIRED")}
    assert await broken(role="ADMIN", organisationId=to_global_id("Organisation", school.id)) == {
        ("organisationId", "NO_ORGANISATION")
    }
    assert await broken(role="ADMIN", username=enterprise_user.username) == {
        ("username", "USER_EXISTS")
    }
    assert await session.scalar(select(User.id).where(User.username == "u-new")) is None


async def test_a_graduates_account_by_id_number(run, session):
    """Admins see persons masked and may not search them: createUser takes the ID number and
    links whoever holds it; the answer about an unregistered number goes to the admin only."""
    person = (
        await session.scalars(
            select(Person)
            .where(Person.id.not_in(select(User.person_id).where(User.person_id.is_not(None))))
            .order_by(Person.id)
        )
    ).first()

    async def create(username: str, **user_input):
        data, errors, _ = await run(
            CREATE_USER,
            ADMIN,
            input={"username": username, "password": PASSWORD, "role": "GRADUATE", **user_input},
        )
        assert errors is None
        return data["createUser"]["result"], {
            (e["field"], e["code"]) for e in data["createUser"]["errors"]
        }

    assert (await create("g-1", idNumber="500229200001011234"))[1] == {
        ("idNumber", "INVALID_ID_NUMBER")
    }
    assert (await create("g-1", idNumber="11010519491231002X"))[1] == {
        ("idNumber", "UNKNOWN_ID_NUMBER")
    }
    both = {"idNumber": person.id_number, "personId": to_global_id("Person", person.id)}
    assert (await create("g-1", **both))[1] == {("idNumber", "ONE_OF")}
    result, errors = await create("g-1", idNumber=person.id_number.lower())
    assert errors == set() and result["username"] == "g-1"
    assert await session.scalar(select(User.person_id).where(User.username == "g-1")) == person.id
    assert (await create("g-2", idNumber=person.id_number))[1] == {("idNumber", "HAS_ACCOUNT")}
    assert (await create("g-3", personId=to_global_id("Person", person.id)))[1] == {
        ("personId", "HAS_ACCOUNT")
    }
    admin_input = {
        "username": "a-1",
        "password": PASSWORD,
        "role": "ADMIN",
        "idNumber": person.id_number,
    }
    data, _, _ = await run(CREATE_USER, ADMIN, input=admin_input)
    assert {(e["field"], e["code"]) for e in data["createUser"]["errors"]} == {
        ("idNumber", "NO_PERSON")
    }
    # Nobody else learns anything from a number: the mutation is the admin's alone.
    school = Viewer(role=Role.SCHOOL, scopes=ALL_SCOPES)
    data, errors, _ = await run(CREATE_USER, school, input={**admin_input, "role": "GRADUATE"})
    assert data is None or data["createUser"] is None
    assert errors and "身份证" not in str(errors)


async def test_reset_password_and_unlock(run, session):
    user = (await session.scalars(select(User).where(User.role == Role.AGENCY))).first()
    user.failed_logins, user.locked_until = 9, datetime.now(UTC) + timedelta(minutes=10)
    await session.flush()
    data, _, _ = await run(UNLOCK, ADMIN, username=user.username)
    assert data["unlockUser"] == {
        "result": {"username": user.username, "locked": False, "failedLogins": 0},
        "errors": [],
    }
    old_hash = user.password_hash
    data, _, _ = await run(RESET, ADMIN, username=user.username, password="too short")
    assert [(e["field"], e["code"]) for e in data["resetPassword"]["errors"]] == [
        ("password", "PASSWORD_TOO_SHORT")
    ]
    data, _, _ = await run(RESET, ADMIN, username=user.username, password=PASSWORD)
    assert data["resetPassword"]["errors"] == []
    await session.refresh(user)
    assert user.password_hash != old_hash and passwords.verify_password(
        user.password_hash, PASSWORD
    )


async def test_deactivate_revokes_refresh_tokens(run, session):
    user = (await session.scalars(select(User).where(User.role == Role.ENTERPRISE))).first()
    client = OAuthClient(
        client_id="deact-app",
        name="x",
        grant_types=["authorization_code"],
        redirect_uris=["https://x/cb"],
    )
    now = datetime.now(UTC)
    session.add(client)
    await session.flush()
    session.add(
        RefreshToken(
            token_hash="h" * 64,
            family_id="f1",
            client_id="deact-app",
            user_id=user.id,
            scope="",
            issued_at=now,
            expires_at=now + timedelta(days=1),
            access_token_jti="jti-deact",
            access_token_expires_at=now + timedelta(minutes=10),
        )
    )
    await session.flush()
    generation = user.token_generation
    data, _, _ = await run(DEACTIVATE, ADMIN, username=user.username)
    assert data["deactivateUser"] == {
        "result": {"username": user.username, "isActive": False},
        "errors": [],
    }
    token = await session.get(RefreshToken, "h" * 64)
    await session.refresh(token)
    assert token.revoked_at is not None
    await session.refresh(user)
    # Its access tokens carry the old generation: refused (tests/privacy/test_sessions.py, over HTTP).
    assert user.token_generation == generation + 1


async def test_an_admin_cannot_deactivate_themself(run, session):
    me = (await session.scalars(select(User).where(User.role == Role.ADMIN))).first()
    viewer = Viewer(user_id=me.id, role=Role.ADMIN, scopes=ADMIN_SCOPES)
    data, _, _ = await run(DEACTIVATE, viewer, username=me.username)
    assert [(e["field"], e["code"]) for e in data["deactivateUser"]["errors"]] == [
        ("username", "SELF")
    ]


async def test_rotate_signing_keys(run, session):
    first, _, _ = await run(ROTATE, ADMIN)
    second, _, _ = await run(ROTATE, ADMIN)
    kid1, kid2 = (
        first["rotateSigningKeys"]["result"]["kid"],
        second["rotateSigningKeys"]["result"]["kid"],
    )
    assert kid1 != kid2 and second["rotateSigningKeys"]["result"]["state"] == "CURRENT"
    states = {k.kid: k.state for k in await session.scalars(select(SigningKey))}
    assert states[kid2] == KeyState.CURRENT and states[kid1] == KeyState.PREVIOUS
    assert list(states.values()).count(KeyState.CURRENT) == 1


async def test_each_admin_mutation_is_audited_without_secrets(run, session):
    school = await _organisation(session, OrganisationKind.SCHOOL)
    calls: list[tuple[str, dict[str, Any]]] = [
        (
            CREATE_CLIENT,
            {"input": {"clientId": "audited-app", "redirectUris": ["https://x.example/cb"]}},
        ),
        (
            CREATE_USER,
            {
                "input": {
                    "username": "audited-user",
                    "password": PASSWORD,
                    "role": "SCHOOL",
                    "organisationId": to_global_id("Organisation", school.id),
                }
            },
        ),
        (RESET, {"username": "audited-user", "password": PASSWORD + "!"}),
        (UNLOCK, {"username": "audited-user"}),
        (DEACTIVATE, {"username": "audited-user"}),
        (ROTATE, {}),
        (DELETE_CLIENT, {"clientId": "audited-app"}),
        (RESET, {"username": "nobody-at-all", "password": PASSWORD}),  # refused: audited as not ok
    ]
    secrets = []
    for document, variables in calls:
        data, errors, _ = await run(document, ADMIN, **variables)
        assert errors is None
        secrets += [
            v["result"]["clientSecret"]
            for v in data.values()
            if v["result"] and "clientSecret" in v["result"]
        ]
    records = list(
        await session.scalars(
            select(AuditRecord)
            .where(
                AuditRecord.action == AuditAction.MUTATION,
                AuditRecord.operation.in_(ADMIN_MUTATIONS),
            )
            .order_by(AuditRecord.id)
        )
    )
    assert [(r.operation, r.detail["ok"], r.actor_role) for r in records[-len(calls) :]] == [
        ("createOAuthClient", True, "admin"),
        ("createUser", True, "admin"),
        ("resetPassword", True, "admin"),
        ("unlockUser", True, "admin"),
        ("deactivateUser", True, "admin"),
        ("rotateSigningKeys", True, "admin"),
        ("deleteOAuthClient", True, "admin"),
        ("resetPassword", False, "admin"),
    ]
    logged = str([r.detail for r in records])
    assert secrets and all(secret not in logged for secret in secrets)
    assert PASSWORD not in logged
    assert records[-len(calls)].detail["client_id"] == "audited-app"


async def test_admin_still_sees_persons_masked(run, session):
    person = await session.scalar(
        select(Person).where(Person.phone.is_not(None)).order_by(Person.id).limit(1)
    )
    data, errors, context = await run(
        f'{{ node(id: "{to_global_id("Person", person.id)}") {{ ... on Person {{ name idNumber phone }} }} }}',
        ADMIN,
    )
    assert errors is None
    assert data["node"] == {
        "name": mask_name(person.name),
        "idNumber": mask_id_number(person.id_number),
        "phone": mask_phone(person.phone),
    }
    assert not context.audit.reads
