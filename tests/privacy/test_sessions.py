"""Item 5: sessions end for real, and nobody can lock an owner out of their own account.

Over real HTTP against the app on 127.0.0.1 with its own database (SQLite, or PostgreSQL under
YULU_TEST_DATABASE_URL): the portal's own sign-in through its OAuth client, a third-party
client's refresh and access tokens, an admin's resetPassword / deactivateUser over /graphql.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from urllib.parse import urlsplit

import httpx2
import pytest

import migrations
from auth import admin, passwords, scopes
from models.organisations import Role, User
from models.settings import get_settings
from portal.app import create_app
from tests.auth.conftest import PASSWORD, LiveApp, _members
from tests.auth.oauth_client import (
    CSRF,
    authorization_code,
    exchange_code,
    register_client,
    sign_in,
    token_request,
)
from tests.conftest import create_database, drop_database
from tests.live_server import free_port, serving
from tests.tokens import mint_access_token

pytestmark = pytest.mark.db

ADMIN_SCOPES = scopes.join({scopes.READ, scopes.WRITE, scopes.ADMIN})
NEW_PASSWORD = "a brand new passphrase 2026"
VIEWER = "{ viewer { role } }"


@pytest.fixture(scope="module")
async def sessions_app(tmp_path_factory):
    """The app over a database of one county's bureau and school and their users."""
    url = await create_database(tmp_path_factory.mktemp("sessions-db"))
    await asyncio.to_thread(migrations.upgrade, url)
    live = LiveApp("", None, url)
    await live.run(_members)
    port = free_port()
    settings = get_settings().replace(
        database_url=url,
        issuer=f"http://127.0.0.1:{port}",
        secret_key="privacy-sessions-secret",
    )
    app = create_app(settings)
    with serving(app, port) as base:
        yield LiveApp(base, app.state.auth.config, url)
    await drop_database(url)


async def new_user(app: LiveApp) -> str:
    username = f"staff-{secrets.token_hex(3)}"
    await app.run(admin.create_user, username, PASSWORD, role=Role.ADMIN)
    return username


async def portal_sign_in(
    app: LiveApp, browser: httpx2.AsyncClient, username: str, password: str = PASSWORD
) -> None:
    """Sign ``browser`` in to the portal the way a person is: 登录 link, sign-in form, callback."""
    to_authorize = await browser.get("/auth/login?next=/")
    to_signin = await browser.get(to_authorize.headers["location"])
    signed_in = await sign_in(browser, to_signin.headers["location"], username, password)
    assert signed_in.status_code == 303, signed_in.text
    to_callback = await browser.get(signed_in.headers["location"])
    await browser.get(to_callback.headers["location"].removeprefix(app.url))
    assert (await browser.get("/auth/session")).json()["signed_in"] is True


async def portal_cookie(app: LiveApp, username: str, password: str = PASSWORD) -> str:
    async with httpx2.AsyncClient(base_url=app.url) as browser:
        await portal_sign_in(app, browser, username, password)
        return browser.cookies["yulu_session"]


def with_cookie(app: LiveApp, cookie: str) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(base_url=app.url, cookies={"yulu_session": cookie})


async def signs_in_without_a_password(app: LiveApp, cookie: str) -> bool:
    """Whether the cookie alone still gets the portal tokens: the 登录 link, then the
    authorization endpoint, which issues a code at once to a browser it takes as signed in."""
    async with with_cookie(app, cookie) as browser:
        if (await browser.get("/auth/session")).json()["signed_in"]:
            return True
        to_authorize = await browser.get("/auth/login?next=/")
        answer = await browser.get(to_authorize.headers["location"])
    return urlsplit(answer.headers["location"]).path != "/signin"


async def test_a_copied_session_cookie_is_refused_after_sign_out(sessions_app):
    username = await new_user(sessions_app)
    async with httpx2.AsyncClient(base_url=sessions_app.url) as browser:
        await portal_sign_in(sessions_app, browser, username)
        csrf = CSRF.search((await browser.get("/signin")).text).group(1)
        copied = browser.cookies["yulu_session"]
        assert await signs_in_without_a_password(sessions_app, copied)  # the copy works until then
        signed_out = await browser.post("/logout", data={"csrf_token": csrf})
        assert signed_out.status_code == 303
    assert not await signs_in_without_a_password(sessions_app, copied)


async def test_signing_out_of_the_authorization_server_ends_the_copies_too(sessions_app):
    username = await new_user(sessions_app)
    async with httpx2.AsyncClient(base_url=sessions_app.url) as browser:
        assert (await sign_in(browser, "/signin", username)).status_code == 303
        csrf = CSRF.search((await browser.get("/signin")).text).group(1)
        copied = browser.cookies["yulu_session"]
        await browser.post("/signout", data={"csrf_token": csrf})
    assert not await signs_in_without_a_password(sessions_app, copied)


async def third_party_tokens(app: LiveApp, username: str) -> dict:
    client = await register_client(app)
    code, verifier = await authorization_code(app, client, username=username)
    tokens = (await exchange_code(app, client, code, verifier)).json()
    return {"client": client, **tokens}


async def graphql_status(app: LiveApp, token: str) -> int:
    async with httpx2.AsyncClient(base_url=app.url) as http:
        answer = await http.post(
            "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}
        )
    return answer.status_code


async def admin_mutation(app: LiveApp, mutation: str) -> dict:
    token = await mint_access_token(app.config, app.database_url, "root", ADMIN_SCOPES)
    async with httpx2.AsyncClient(base_url=app.url) as http:
        answer = await http.post(
            "/graphql", json={"query": mutation}, headers={"Authorization": f"Bearer {token}"}
        )
    assert answer.status_code == 200, answer.text
    payload = next(iter(answer.json()["data"].values()))
    assert payload["errors"] == []
    return payload


RESET = 'mutation { resetPassword(username: "%s", password: "%s") { errors { code } } }'
DEACTIVATE = 'mutation { deactivateUser(username: "%s") { errors { code } } }'


@pytest.mark.parametrize("ending", ["reset", "deactivate"])
async def test_a_password_reset_or_deactivation_ends_every_session_and_token(sessions_app, ending):
    username = await new_user(sessions_app)
    cookies = [await portal_cookie(sessions_app, username) for _ in range(2)]  # two devices
    held = await third_party_tokens(sessions_app, username)
    service_token = await mint_access_token(
        sessions_app.config, sessions_app.database_url, username
    )
    assert await graphql_status(sessions_app, held["access_token"]) == 200
    assert await graphql_status(sessions_app, service_token) == 200

    mutation = RESET % (username, NEW_PASSWORD) if ending == "reset" else DEACTIVATE % username
    await admin_mutation(sessions_app, mutation)

    for cookie in cookies:
        assert not await signs_in_without_a_password(sessions_app, cookie)
    refreshed = await token_request(
        sessions_app,
        held["client"],
        grant_type="refresh_token",
        refresh_token=held["refresh_token"],
    )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    assert await graphql_status(sessions_app, held["access_token"]) == 401
    assert await graphql_status(sessions_app, service_token) == 401
    async with httpx2.AsyncClient(base_url=sessions_app.url) as http:
        introspected = await http.post(
            "/oauth/introspect", data={"token": held["access_token"]}, auth=held["client"].auth
        )
    assert introspected.json() == {"active": False}
    if ending == "reset":  # the owner, with the new password, is back in at once
        await portal_cookie(sessions_app, username, NEW_PASSWORD)
        fresh = await mint_access_token(sessions_app.config, sessions_app.database_url, username)
        assert await graphql_status(sessions_app, fresh) == 200


def from_address(app: LiveApp, address: str) -> httpx2.AsyncClient:
    """The test server trusts X-Forwarded-For from loopback, as uvicorn does behind a proxy."""
    return httpx2.AsyncClient(base_url=app.url, headers={"X-Forwarded-For": address})


async def test_an_attackers_wrong_passwords_do_not_lock_the_owner_out(sessions_app):
    owner = await new_user(sessions_app)
    async with from_address(sessions_app, "203.0.113.50") as attacker:
        answers = [
            (await sign_in(attacker, "/signin", owner, "guess")).status_code for _ in range(8)
        ]
        # The attacker's address backs off on this account, even with the right password ...
        stopped = await sign_in(attacker, "/signin", owner, PASSWORD)
    assert answers[:5] == [400] * 5 and set(answers[5:]) == {429}
    assert stopped.status_code == 429 and "登录失败次数过多" in stopped.text
    # ... while the owner, at their own address, signs in at the first try.
    async with from_address(sessions_app, "198.51.100.20") as at_home:
        assert (await sign_in(at_home, "/signin", owner)).status_code == 303


async def test_an_unknown_username_backs_off_like_a_known_one(sessions_app):
    """The back-off says nothing about which usernames exist."""
    async with from_address(sessions_app, "203.0.113.51") as prober:
        known = [
            (await sign_in(prober, "/signin", "teacher", "guess")).status_code for _ in range(6)
        ]
        unknown = [
            (await sign_in(prober, "/signin", "no-such-person", "guess")).status_code
            for _ in range(6)
        ]
    assert known == unknown == [400] * 5 + [429]


async def test_failures_from_many_addresses_slow_the_account_but_never_lock_it(sessions_app):
    """A guesser spread over many addresses: past the account-wide ceiling every attempt on the
    account is answered late (the owner's too), and the owner still gets in."""
    owner = await new_user(sessions_app)

    def many_failures_already(session):  # as if ceiling - 1 addresses had each tried once
        user = session.query(User).filter_by(username=owner).one()
        user.failed_logins = passwords.ACCOUNT_SLOW_AFTER - 1

    await sessions_app.run(many_failures_already)
    async with from_address(sessions_app, "203.0.113.99") as last_guess:
        assert (await sign_in(last_guess, "/signin", owner, "guess")).status_code == 400
    async with from_address(sessions_app, "198.51.100.21") as at_home:
        started = time.monotonic()
        signed_in = await sign_in(at_home, "/signin", owner)
        slowed = time.monotonic() - started
        assert signed_in.status_code == 303 and slowed >= passwords.SLOW_DOWN_SECONDS
        csrf = CSRF.search((await at_home.get("/signin")).text).group(1)
        await at_home.post("/signout", data={"csrf_token": csrf})
        started = time.monotonic()
        assert (await sign_in(at_home, "/signin", owner)).status_code == 303
        assert (
            time.monotonic() - started < passwords.SLOW_DOWN_SECONDS
        )  # the owner's success reset it
