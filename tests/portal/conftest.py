"""The portal in a real browser: the app served by uvicorn on a free 127.0.0.1 port over the
seeded test database, driven by Playwright through Debian's chromium.

Every page fixture fails its test when the browser logged a console error or an uncaught
exception, so "no console errors" is checked on every flow without each test asking.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize, async_playwright, expect

from models.settings import get_settings
from portal.app import create_app
from tests.live_server import free_port, serving

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "yulu-demo-2026"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def portal_url(seeded_url: str) -> Iterator[str]:
    port = free_port()
    # The issuer is the served origin: the portal's OAuth redirect URI is derived from it.
    settings = get_settings().replace(database_url=seeded_url, issuer=f"http://127.0.0.1:{port}")
    with serving(create_app(settings), port) as url:
        yield url


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        await browser.close()


async def _open_page(
    browser: Browser, base_url: str, viewport: ViewportSize
) -> tuple[Page, list[str]]:
    context = await browser.new_context(base_url=base_url, viewport=viewport, locale="zh-CN")
    page = await context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: _console_problem(message, problems))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda response: _failed_subresource(response, problems))
    return page, problems


def _console_problem(message, problems: list[str]) -> None:
    # Chromium logs every 4xx/5xx response as a console error, including a page that answers
    # 400 with inline form errors or a deliberate 404 page: responses are judged below instead.
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        problems.append(message.text)


def _failed_subresource(response, problems: list[str]) -> None:
    """A stylesheet, script, image or fetch that failed; pages themselves are asserted by tests."""
    if response.status >= 400 and response.request.resource_type != "document":
        problems.append(f"{response.status} {response.url}")


@asynccontextmanager
async def _checked_page(browser: Browser, portal_url: str) -> AsyncIterator[Page]:
    """A page in a context of its own (its own cookies) that fails the test on console errors."""
    page, problems = await _open_page(browser, portal_url, DESKTOP)
    yield page
    await page.context.close()
    assert problems == [], f"browser console errors: {problems}"


@pytest.fixture
async def page(browser: Browser, portal_url: str) -> AsyncIterator[Page]:
    async with _checked_page(browser, portal_url) as opened:
        yield opened


@pytest.fixture
async def second(browser: Browser, portal_url: str) -> AsyncIterator[Page]:
    """Another user's browser beside ``page``, with the same console checks."""
    async with _checked_page(browser, portal_url) as opened:
        yield opened


@pytest.fixture
async def phone(browser: Browser, portal_url: str) -> AsyncIterator[Page]:
    page, problems = await _open_page(browser, portal_url, PHONE)
    yield page
    await page.context.close()
    assert problems == [], f"browser console errors: {problems}"


async def sign_in(page: Page, username: str, landing: str) -> None:
    """Through the real authorization-code flow: the 登录 link, the sign-in page, back home."""
    await page.goto("/")
    await page.get_by_role("link", name="登录", exact=True).click()
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page).to_have_url(re.compile(re.escape(landing) + r"$"))


async def save_screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


UNLABELLED_FIELDS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => !['hidden', 'submit', 'button'].includes(el.type))
  .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label'))
  .map(el => el.name || el.id || el.outerHTML)"""

FOCUS_RING = """() => {
  const style = getComputedStyle(document.activeElement);
  return {tag: document.activeElement.tagName, outline: style.outlineStyle,
          width: parseFloat(style.outlineWidth), shadow: style.boxShadow};
}"""


async def assert_accessible_basics(page: Page) -> None:
    """Every form field has a label; the keyboard focus is visible on the first tab stops."""
    assert await page.evaluate(UNLABELLED_FIELDS) == []
    await page.locator("body").focus()
    for _ in range(3):
        await page.keyboard.press("Tab")
        focus = await page.evaluate(FOCUS_RING)
        visible = (focus["outline"] != "none" and focus["width"] >= 2) or focus["shadow"] != "none"
        assert visible, f"no visible focus on {focus}"
