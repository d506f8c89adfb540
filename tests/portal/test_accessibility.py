"""The accessibility gate: axe-core (pinned in portal/package.json) run in chromium on every page
of the portal, as each role and signed out, at 1366 px and 390 px. A serious or critical
violation, a skipped heading level, a table outside its named keyboard-reachable scroll region
or a page that scrolls sideways fails the test with the rule, the page and the elements.

The pages come from the app's own routes: every parameterless GET page under a role's prefix is
visited by that role without being listed here, so a new page is covered by default; a route
with an ``{id}`` must say on which page its first link is found (``ID_SOURCES``), and a route
that is no page (JSON, redirects, files) must be excused with a reason (``NOT_PAGES``).
test_every_page_route_is_covered fails until one of these holds for each GET route.

axe is injected with ``context.add_init_script`` (a DevTools script, which the page's strict
Content-Security-Policy does not apply to), so the pages are checked with their real CSP.
One signed-in browser context per role serves every page and both widths.
"""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize
from starlette.routing import Route

from auth import admin
from models.db import create_engine, session_factory
from portal.app import create_app
from tests.portal.conftest import ARTIFACTS, _console_problem, _failed_subresource, sign_in

AXE = Path(__file__).resolve().parents[2] / "portal" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS: dict[int, ViewportSize] = {
    1366: {"width": 1366, "height": 768},
    390: {"width": 390, "height": 844},
}
GATED_IMPACTS = {"serious", "critical"}
# Moderate in axe's scale, but the issue names it: a screen reader's heading outline must not jump.
GATED_RULES = {"heading-order"}


@dataclass(frozen=True)
class Role:
    username: str | None  # None: signed out
    home: str
    prefixes: tuple[str, ...] = ()  # the role's own pages, found in the app's routes
    # Further pages or states of a page (query strings, error pages); "{id}": see ID_SOURCES.
    extra: tuple[str, ...] = ()


CONSENT = "consent"  # placeholder in Role.extra: the OAuth consent page of a third-party client
ROLES = {
    "anonymous": Role(
        None,
        "/",
        extra=("/signin?next=/", "/no-such-page", "/oauth/authorize?client_id=no-such-client"),
    ),
    "school": Role("school", "/school", ("/school",)),
    "enterprise": Role("enterprise", "/enterprise", ("/enterprise",)),
    "agency": Role("agency", "/agency", ("/agency",), extra=("/agency/fairs/{id}?shortlist=1",)),
    "county": Role("county", "/bureau", ("/bureau",)),
    "city": Role(
        "city", "/bureau", ("/bureau",), extra=("/bureau?region={id}", "/bureau?year=2025")
    ),
    "graduate": Role(
        "graduate", "/me", ("/me",), extra=(CONSENT, "/enterprise")
    ),  # /enterprise: 403
    "admin": Role("admin", "/admin", ("/admin",)),
}
# A path with an {id} is visited for the first id linked from a list page: the path up to the
# "{" → that list page.
ID_SOURCES = {
    "/enterprise/positions/": "/enterprise",
    "/school/people/": "/school",
    "/school/classes/": "/school/classes",
    "/agency/positions/": "/agency",
    "/agency/fairs/": "/agency/fairs",
    "/agency/people/": "/agency/people",
    "/bureau?region=": "/bureau",  # a sub-region's dashboard
}
NOT_PAGES = {
    "/healthz": "JSON health check",
    "/livez": "JSON liveness probe",
    "/graphql": "the API; the GraphiQL page it shows browsers in development is strawberry's, not the portal's",
    "/signin": "visited as /signin?next=/ by the anonymous role",
    "/oauth/authorize": "visited as the consent page (graduate) and its error page (anonymous)",
    "/oauth/userinfo": "JSON",
    "/.well-known/oauth-authorization-server": "JSON",
    "/.well-known/jwks.json": "JSON",
    "/auth/login": "redirects to /signin",
    "/auth/callback": "redirects to the role's home",
    "/auth/session": "JSON",
    "/home": "redirects to the role's home",
    "/static/vendor/echarts.min.js": "a script",
    "/favicon.ico": "an image",
}


@functools.cache
def get_routes() -> tuple[str, ...]:
    """The app's GET routes (the static files' mount is no route)."""
    return tuple(
        route.path
        for route in create_app().routes
        if isinstance(route, Route) and "GET" in (route.methods or ())
    )


def pages_of(role: Role, routes: tuple[str, ...]) -> list[str]:
    """The role's home, its parameterless pages, its {id} pages (as templates), then extras."""
    own = (
        [path for path in routes if path.startswith(role.prefixes) and path not in NOT_PAGES]
        if role.prefixes
        else []
    )
    return list(dict.fromkeys([role.home, *own, *role.extra]))


def test_every_page_route_is_covered() -> None:
    routes = get_routes()
    covered = {path for role in ROLES.values() for path in pages_of(role, routes)}
    uncovered = []
    for path in routes:
        if path in NOT_PAGES:
            continue
        if path not in covered:
            uncovered.append(f"{path}: no role's prefix (ROLES) nor an excuse (NOT_PAGES)")
        elif "{" in path and not _id_prefix(path):
            uncovered.append(f"{path}: add the page its first link is on to ID_SOURCES")
    assert uncovered == [], "\n".join(uncovered)


def _id_prefix(path: str) -> str | None:
    prefix = path[: path.index("{")]
    return prefix if prefix in ID_SOURCES else None


class Visits:
    """One browser context per role, signed in once; resolves {id} routes from their list pages."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser, self.base_url = browser, base_url
        self.contexts: dict[str, BrowserContext] = {}
        self.pages: dict[str, Page] = {}
        self.problems: dict[str, list[str]] = {}
        self.ids: dict[tuple[str, str], str] = {}
        self.consent_url: str | None = None

    async def page(self, role_name: str) -> Page:
        if role_name not in self.pages:
            context = await self.browser.new_context(
                base_url=self.base_url, locale="zh-CN", viewport=WIDTHS[1366]
            )
            await context.add_init_script(path=str(AXE))
            page = await context.new_page()
            problems = self.problems.setdefault(role_name, [])
            page.on("console", lambda message: _console_problem(message, problems))
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("response", lambda response: _failed_subresource(response, problems))
            if ROLES[role_name].username:
                await sign_in(page, ROLES[role_name].username, ROLES[role_name].home)
            self.contexts[role_name], self.pages[role_name] = context, page
        return self.pages[role_name]

    async def url(self, role_name: str, path: str) -> str:
        if path == CONSENT:
            return self.consent_url
        if "{" in path:
            prefix = path[: path.index("{")]
            return re.sub(r"\{[^}]+\}", await self._first_id(role_name, prefix), path, count=1)
        return path

    async def _first_id(self, role_name: str, prefix: str) -> str:
        key = (role_name, prefix)
        if key not in self.ids:
            page = self.pages[role_name]
            await page.goto(ID_SOURCES[prefix])
            hrefs = await page.locator(f'main a[href^="{prefix}"]').evaluate_all(
                "links => links.map(link => link.getAttribute('href'))"
            )
            ids = [
                match.group(1)
                for href in hrefs
                if (match := re.fullmatch(re.escape(prefix) + r"([^/?#&]+)(&.*)?", href))
                and match.group(1) != "new"
            ]
            assert ids, f"no link to {prefix}… on {ID_SOURCES[prefix]} as {role_name}"
            self.ids[key] = ids[0]
        return self.ids[key]

    async def close(self) -> None:
        for context in self.contexts.values():
            await context.close()


@pytest.fixture(scope="module")
async def visits(browser: Browser, portal_url: str, seeded_url: str) -> AsyncIterator[Visits]:
    visits = Visits(browser, portal_url)
    # A third-party client, so that the consent page can be asked for; removed again afterwards,
    # the other tests see the seeded clients only.
    await _in_database(
        seeded_url,
        lambda session: admin.create_client(
            session,
            CONSENT_CLIENT,
            "第三方就业服务应用",
            confidential=False,
            grant_types=["authorization_code"],
            redirect_uris=[CONSENT_REDIRECT],
            scope="alliance:read profile",
        ),
    )
    visits.consent_url = "/oauth/authorize?" + urlencode(
        {
            "response_type": "code",
            "client_id": CONSENT_CLIENT,
            "scope": "alliance:read profile",
            "redirect_uri": CONSENT_REDIRECT,
            "state": "a11y",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
        }
    )
    yield visits
    await visits.close()
    await _in_database(seeded_url, lambda session: admin.delete_client(session, CONSENT_CLIENT))


CONSENT_CLIENT = "a11y-consent-client"
CONSENT_REDIRECT = "http://127.0.0.1:9/callback"  # never reached: the page is only looked at


async def _in_database(database_url: str, change) -> None:
    """Run ``change(session)`` (synchronous) on the test database and commit."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            await session.run_sync(change)
            await session.commit()
    finally:
        await engine.dispose()


# Beyond axe (which flags a scroll box only while it scrolls): every table is in the one
# container of macros.table_scroll, named and keyboard-reachable, and no page scrolls sideways.
LAYOUT_PROBLEMS = """() => [
  ...[...document.querySelectorAll('main table')].filter(table => {
    const region = table.closest('[role=region]');
    return !region || region.tabIndex !== 0 || !region.getAttribute('aria-label');
  }).map(table => 'table outside a named keyboard region: ' + table.outerHTML.slice(0, 60)),
  ...(document.documentElement.scrollWidth > window.innerWidth
      ? ['the page scrolls sideways by ' + (document.documentElement.scrollWidth - window.innerWidth) + ' px'] : []),
]"""

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + n.failureSummary.split('\\n').slice(0, 2).join(' '))}));
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role_name", ROLES)
async def test_every_page_has_no_serious_accessibility_violations(
    visits: Visits, role_name: str, width: int
) -> None:
    page = await visits.page(role_name)
    await page.set_viewport_size(WIDTHS[width])
    found = []
    for path in pages_of(ROLES[role_name], get_routes()):
        url = await visits.url(role_name, path)
        await page.goto(url)
        for violation in await page.evaluate(RUN_AXE):
            if violation["impact"] in GATED_IMPACTS or violation["id"] in GATED_RULES:
                found.append(
                    f"{url} [{violation['impact']}] {violation['id']}: {violation['help']}\n    "
                    + "\n    ".join(violation["nodes"])
                )
        found.extend(f"{url} {problem}" for problem in await page.evaluate(LAYOUT_PROBLEMS))
        if path == ROLES[role_name].home:
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(
                path=ARTIFACTS / f"a11y-{role_name}-home-{width}.png", full_page=True
            )
    problems, visits.problems[role_name][:] = (
        visits.problems[role_name][:],
        [],
    )  # each width its own
    assert problems == [], f"browser console errors: {problems}"
    assert found == [], "\n".join(found)
