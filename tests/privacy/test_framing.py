"""Item 10: pages cannot be framed, and a Content-Security-Policy holds on every response.

Over HTTP on the app with its own seeded database: the sign-in and consent pages, portal pages
(public and signed in), error pages (404, 403 and a 500 from an endpoint that fails), /graphql,
static files. In a real browser (Playwright, Debian's chromium): the bureau dashboard, charts and
tooltips included, renders under the policy without a single violation.
"""

from __future__ import annotations

import asyncio
import secrets

import httpx2
import pytest
from playwright.async_api import Page, expect
from starlette.routing import Route

import migrations
from models.settings import get_settings
from portal.app import create_app
from seeds import loader
from tests.auth.conftest import LiveApp
from tests.auth.oauth_client import authorize_url, register_client, sign_in
from tests.conftest import create_database, drop_database
from tests.live_server import free_port, serving
from tests.portal.conftest import PASSWORD, browser, page, portal_url  # noqa: F401  (fixtures)
from tests.portal.conftest import sign_in as browser_sign_in
from tests.privacy.test_sessions import portal_sign_in

pytestmark = pytest.mark.db


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in filter(None, (part.strip() for part in policy.split(";"))):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


def assert_unframeable(response: httpx2.Response) -> None:
    headers = response.headers
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    policy = directives(headers["content-security-policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval, no other origin
    assert policy["object-src"] == ["'none'"]


async def fails(_request):
    raise RuntimeError("an endpoint that fails, for the 500 page")


@pytest.fixture(scope="module")
async def framed_app(tmp_path_factory):
    url = await create_database(tmp_path_factory.mktemp("framing-db"))
    await asyncio.to_thread(migrations.upgrade, url)
    await loader.seed(url, "test")
    port = free_port()
    settings = get_settings().replace(database_url=url, issuer=f"http://127.0.0.1:{port}")
    app = create_app(settings)
    app.router.routes.append(Route("/test-only/fails", fails))
    with serving(app, port) as base:
        yield LiveApp(base, app.state.auth.config, url)
    await drop_database(url)


HTML = {"Accept": "text/html"}


async def test_the_sign_in_page(framed_app):
    async with httpx2.AsyncClient(base_url=framed_app.url) as http:
        answer = await http.get("/signin")
    assert answer.status_code == 200 and "用户名" in answer.text
    assert_unframeable(answer)


async def test_the_consent_page(framed_app):
    client = await register_client(framed_app)
    async with httpx2.AsyncClient(base_url=framed_app.url) as http:
        start = await http.get(authorize_url(client, secrets.token_urlsafe(48)))
        signed_in = await sign_in(http, start.headers["location"], "enterprise", PASSWORD)
        consent = await http.get(signed_in.headers["location"])
    assert consent.status_code == 200 and "授权确认" in consent.text
    assert_unframeable(consent)


async def test_portal_pages_public_and_signed_in(framed_app):
    async with httpx2.AsyncClient(base_url=framed_app.url) as http:
        assert_unframeable(await http.get("/", headers=HTML))
        await portal_sign_in(framed_app, http, "enterprise", PASSWORD)
        own = await http.get("/enterprise", headers=HTML)
        assert own.status_code == 200 and "我的岗位" in own.text
        assert_unframeable(own)
        forbidden = await http.get("/bureau", headers=HTML)
        assert forbidden.status_code == 403 and "无权访问" in forbidden.text
        assert_unframeable(forbidden)


async def test_error_pages(framed_app):
    async with httpx2.AsyncClient(base_url=framed_app.url) as http:
        missing = await http.get("/no-such-page", headers=HTML)
        failed = await http.get("/test-only/fails", headers=HTML)
    assert missing.status_code == 404 and "页面不存在" in missing.text
    assert failed.status_code == 500 and "系统出错了" in failed.text
    assert_unframeable(missing)
    assert_unframeable(failed)


async def test_the_api_and_static_files(framed_app):
    async with httpx2.AsyncClient(base_url=framed_app.url) as http:
        api = await http.post("/graphql", json={"query": "{ __typename }"})
        style = await http.get("/static/portal.css")
        health = await http.get("/healthz")
    assert api.status_code == style.status_code == health.status_code == 200
    for answer in (api, style, health):
        assert_unframeable(answer)


VIOLATIONS = """() => { window.cspViolations = [];
  document.addEventListener('securitypolicyviolation',
    (event) => window.cspViolations.push(event.violatedDirective + ' ' + event.blockedURI)); }"""


async def test_the_bureau_dashboard_renders_its_charts_under_the_policy(page: Page):  # noqa: F811
    """The page fixture also fails the test on any console error (chromium logs each CSP refusal)."""
    await page.add_init_script(f"({VIOLATIONS})()")
    await browser_sign_in(page, "city", "/bureau")
    # A cohort year: the location chart is drawn for one cohort only (no pooling of years).
    response = await page.goto("/bureau?year=2025")
    assert response is not None
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    for chart in ("#location-chart", "#ledger-chart", "#county-chart"):
        await expect(page.locator(f"{chart} svg")).to_be_visible()
    # ECharts writes its tooltips as HTML with inline styles: show some.
    for chart in ("#location-chart", "#ledger-chart"):
        box = await page.locator(chart).bounding_box()
        await page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.3)
        await page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.45)
        await page.wait_for_timeout(300)
    assert await page.evaluate("window.cspViolations") == []


async def test_graphiql_outside_production_is_unframeable_too(framed_app):
    """GraphiQL loads its bundle from unpkg with an inline bootstrap: its own looser script
    policy, on that page only, and still no framing."""
    async with httpx2.AsyncClient(base_url=framed_app.url) as http:
        ide = await http.get("/graphql", headers=HTML)
        api = await http.get("/graphql", params={"query": "{ __typename }"})
    assert ide.status_code == 200 and "graphiql" in ide.text.lower()
    policy = directives(ide.headers["content-security-policy"])
    assert policy["frame-ancestors"] == ["'none'"] and ide.headers["x-frame-options"] == "DENY"
    assert "https://unpkg.com" in policy["script-src"]
    assert_unframeable(api)  # the API itself, also over GET, keeps the strict policy
