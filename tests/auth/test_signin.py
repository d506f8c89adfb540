"""The sign-in page: CSRF, back-off after repeated failures, safe redirects; the portal's own
sign-in through its first-party client."""

from __future__ import annotations

import base64

import httpx2

from auth import admin, passwords
from models.organisations import Role
from tests.auth.conftest import PASSWORD
from tests.auth.oauth_client import CSRF, sign_in


async def test_signin_page_is_chinese_with_labelled_fields(live_app):
    async with httpx2.AsyncClient(base_url=live_app.url) as browser:
        page = await browser.get("/signin")
    assert page.status_code == 200
    assert '<label for="username">用户名</label>' in page.text
    assert '<label for="password">密码</label>' in page.text


async def test_signin_without_csrf_token_is_refused(live_app):
    async with httpx2.AsyncClient(base_url=live_app.url) as browser:
        answer = await browser.post("/signin", data={"username": "teacher", "password": PASSWORD})
    assert answer.status_code == 400 and "页面已过期" in answer.text


async def test_wrong_password_is_refused_without_saying_which_part_was_wrong(live_app):
    async with httpx2.AsyncClient(base_url=live_app.url) as browser:
        wrong = await sign_in(browser, "/signin", "teacher", "wrong")
        unknown = await sign_in(browser, "/signin", "nobody", "wrong")
    assert wrong.status_code == unknown.status_code == 400
    assert "用户名或密码错误" in wrong.text and "用户名或密码错误" in unknown.text


async def test_repeated_failures_lock_the_account_even_for_the_right_password(live_app):
    await live_app.run(admin.create_user, "guesswho", PASSWORD, role=Role.ADMIN)
    async with httpx2.AsyncClient(base_url=live_app.url) as browser:
        for _ in range(5):
            assert (await sign_in(browser, "/signin", "guesswho", "guess")).status_code == 400
        locked = await sign_in(browser, "/signin", "guesswho", PASSWORD)
    assert locked.status_code == 429 and "登录失败次数过多" in locked.text

    await live_app.run(admin.set_password, "guesswho", PASSWORD)  # `yulu users passwd` lifts it
    async with httpx2.AsyncClient(base_url=live_app.url) as browser:
        assert (await sign_in(browser, "/signin", "guesswho", PASSWORD)).status_code == 303


async def test_signin_never_redirects_off_site(live_app):
    async with httpx2.AsyncClient(base_url=live_app.url) as browser:
        answer = await sign_in(browser, "/signin?next=//evil.example/x", "teacher")
    assert answer.status_code == 303 and answer.headers["location"] == "/"


async def test_portal_signs_in_through_its_own_client(live_app):
    async with httpx2.AsyncClient(base_url=live_app.url) as browser:
        assert (await browser.get("/auth/session")).json() == {"signed_in": False}
        to_authorize = await browser.get("/auth/login?next=/dashboard")
        to_signin = await browser.get(to_authorize.headers["location"])
        signed_in = await sign_in(browser, to_signin.headers["location"], "officer")
        to_callback = await browser.get(signed_in.headers["location"])  # first party: no consent
        assert to_callback.status_code == 302
        landed = await browser.get(to_callback.headers["location"].removeprefix(live_app.url))
        assert landed.status_code == 303 and landed.headers["location"] == "/dashboard"
        session = (await browser.get("/auth/session")).json()
    assert session["signed_in"] is True and session["role"] == "bureau"


async def test_signout_needs_the_csrf_token(live_app):
    async with httpx2.AsyncClient(base_url=live_app.url) as browser:
        await sign_in(browser, "/signin", "teacher")
        csrf = CSRF.search((await browser.get("/signin")).text).group(1)
        await browser.post("/signout", data={})
        assert '"uid"' in _session_json(browser)
        await browser.post("/signout", data={"csrf_token": csrf})
        assert '"uid"' not in _session_json(browser)


def _session_json(browser: httpx2.AsyncClient) -> str:
    """Starlette's session cookie is signed, not encrypted: base64 JSON, then the signature."""
    payload = browser.cookies.get("yulu_session", "").split(".")[0]
    return base64.b64decode(payload + "=" * (-len(payload) % 4)).decode()


async def test_many_failures_from_one_address_slow_it_down_for_every_account(live_app):
    """Guessing across accounts: each username fails only once, the address is still stopped.
    The test server trusts X-Forwarded-For from loopback, as uvicorn does behind a proxy."""
    await live_app.run(admin.create_user, "sprayed", PASSWORD, role=Role.ADMIN)
    attacker = {"X-Forwarded-For": "203.0.113.7"}
    async with httpx2.AsyncClient(base_url=live_app.url, headers=attacker) as browser:
        for attempt in range(passwords.SOURCE_FAILURES):
            assert (
                await sign_in(browser, "/signin", f"user-{attempt}", "123456")
            ).status_code == 400
        stopped = await sign_in(browser, "/signin", "sprayed", PASSWORD)
    assert stopped.status_code == 429 and "登录失败次数过多" in stopped.text
    # Another address, and the account itself, are untouched.
    async with httpx2.AsyncClient(
        base_url=live_app.url, headers={"X-Forwarded-For": "198.51.100.9"}
    ) as browser:
        assert (await sign_in(browser, "/signin", "sprayed", PASSWORD)).status_code == 303
