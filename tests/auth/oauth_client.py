"""A browser and an OAuth client, driving the live app over HTTP like real ones would."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from auth import admin
from tests.auth.conftest import PASSWORD, LiveApp

REDIRECT_URI = "http://127.0.0.1:9/callback"  # never contacted: we read the Location header
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class RegisteredClient:
    client_id: str
    secret: str | None

    @property
    def auth(self) -> httpx2.BasicAuth | None:
        return httpx2.BasicAuth(self.client_id, self.secret) if self.secret else None

    def form(self, **fields) -> dict:
        """Public clients identify themselves in the form; confidential ones use Basic auth."""
        return fields if self.secret else {**fields, "client_id": self.client_id}


async def register_client(
    app: LiveApp,
    *,
    confidential=True,
    first_party=False,
    grants=("authorization_code", "refresh_token"),
    scope="",
    service_username=None,
) -> RegisteredClient:
    client_id = f"client-{secrets.token_hex(4)}"
    _, secret = await app.run(
        admin.create_client,
        client_id,
        "第三方就业服务应用",
        confidential=confidential,
        grant_types=list(grants),
        redirect_uris=[REDIRECT_URI],
        scope=scope,
        first_party=first_party,
        service_username=service_username,
    )
    return RegisteredClient(client_id, secret)


def query_of(location: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


def authorize_url(
    client: RegisteredClient,
    verifier: str,
    state="st-1",
    scope="alliance:read profile",
    **overrides,
) -> str:
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": state,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
        **overrides,
    }
    return "/oauth/authorize?" + urlencode({k: v for k, v in params.items() if v is not None})


async def sign_in(
    browser: httpx2.AsyncClient, location: str, username: str, password: str = PASSWORD
) -> httpx2.Response:
    """Follow a redirect to /signin, fill in the form, return the form's answer."""
    page = await browser.get(location)
    form = {
        "csrf_token": CSRF.search(page.text).group(1),
        "username": username,
        "password": password,
        "next": query_of(location).get("next", "/"),
    }
    return await browser.post("/signin", data=form)


async def authorization_code(
    app: LiveApp, client: RegisteredClient, username="officer", scope="alliance:read profile"
) -> tuple[str, str]:
    """Drive a browser through sign-in and consent; returns (code, verifier)."""
    verifier = secrets.token_urlsafe(48)
    async with httpx2.AsyncClient(base_url=app.url) as browser:
        start = await browser.get(authorize_url(client, verifier, scope=scope))
        assert start.status_code == 303 and start.headers["location"].startswith("/signin?")
        signed_in = await sign_in(browser, start.headers["location"], username)
        assert signed_in.status_code == 303
        consent = await browser.get(signed_in.headers["location"])
        assert consent.status_code == 200 and "授权确认" in consent.text
        decided = await browser.post(
            signed_in.headers["location"],
            data={"csrf_token": CSRF.search(consent.text).group(1), "decision": "allow"},
        )
    assert decided.status_code == 302, decided.text
    answer = query_of(decided.headers["location"])
    assert answer["state"] == "st-1"
    return answer["code"], verifier


async def token_request(app: LiveApp, client: RegisteredClient, **form) -> httpx2.Response:
    async with httpx2.AsyncClient(base_url=app.url) as http:
        return await http.post("/oauth/token", data=client.form(**form), auth=client.auth)


async def exchange_code(
    app: LiveApp, client: RegisteredClient, code: str, verifier: str
) -> httpx2.Response:
    return await token_request(
        app,
        client,
        grant_type="authorization_code",
        code=code,
        code_verifier=verifier,
        redirect_uri=REDIRECT_URI,
    )


async def userinfo(app: LiveApp, access_token: str) -> httpx2.Response:
    async with httpx2.AsyncClient(base_url=app.url) as http:
        return await http.get(
            "/oauth/userinfo", headers={"Authorization": f"Bearer {access_token}"}
        )
