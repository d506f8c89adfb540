"""The sign-in and consent pages of the authorization server, as the first page a user sees:
the portal's stylesheet and header, a line saying whose accounts these are, the way home, what to
do about a forgotten password, and errors announced to screen readers (role=alert)."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlencode

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from playwright.async_api import Page, expect

from auth import admin, passwords
from models.db import create_engine, session_factory
from tests.portal.conftest import PASSWORD, assert_accessible_basics, save_screenshot

THIRD_PARTY_REDIRECT = "http://127.0.0.1:9/callback"  # never reached: the test stops at consent

BRAND = "rgb(15, 118, 110)"  # --brand in portal.css
ALERT_TEXT = "rgb(180, 35, 24)"  # --danger

STYLE = """() => ({
  sheets: [...document.styleSheets].map(sheet => new URL(sheet.href).pathname),
  header: getComputedStyle(document.querySelector('header.site-header')).backgroundColor,
  font: getComputedStyle(document.body).fontFamily,
  button: getComputedStyle(document.querySelector('button[type=submit]')).backgroundColor,
  card: getComputedStyle(document.querySelector('.card')).borderRadius,
})"""


async def _open_sign_in(page: Page) -> None:
    await page.goto("/")
    await page.get_by_role("link", name="登录", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/signin\?next="))


async def test_the_sign_in_page_is_styled_as_the_portal_and_helps(page: Page) -> None:
    await _open_sign_in(page)
    style = await page.evaluate(STYLE)
    assert style["sheets"] == ["/static/portal.css"]
    assert style["header"] == BRAND and style["button"] == BRAND and style["card"] == "8px"
    assert (
        "Noto Sans CJK SC" in style["font"]
    )  # the portal's CJK font stack, not the browser's serif
    await expect(page.get_by_role("heading", name="登录", level=1)).to_be_visible()
    await expect(
        page.get_by_text("学校、企业、人力资源服务机构、乡村振兴局工作人员及毕业生")
    ).to_be_visible()
    await expect(
        page.get_by_text("忘记密码？请联系本单位管理员或联盟管理员重置密码。")
    ).to_be_visible()
    home = page.get_by_role("link", name="返回首页")
    await expect(home).to_have_attribute("href", "/")
    assert await page.get_by_label("用户名").get_attribute("autocomplete") == "username"
    assert await page.get_by_label("密码").get_attribute("autocomplete") == "current-password"
    # The forgotten-password line is read out with the password field.
    await expect(page.get_by_label("密码")).to_have_accessible_description(re.compile("忘记密码"))
    await assert_accessible_basics(page)
    await save_screenshot(page, "signin-page")
    await home.click()
    await expect(page).to_have_url(re.compile(r"/$"))


async def test_a_wrong_password_and_the_back_off_are_announced(page: Page) -> None:
    await _open_sign_in(page)
    username = "signin-page-nobody"  # no such account: its lock touches nobody else's
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill("not-the-password")
    await page.get_by_role("button", name="登录").click()
    alert = page.get_by_role("alert")
    await expect(alert).to_have_text(re.compile("用户名或密码错误"))
    assert await alert.evaluate("el => getComputedStyle(el).color") == ALERT_TEXT
    await expect(page.get_by_label("用户名")).to_have_value(username)  # typed once, kept
    await save_screenshot(page, "signin-wrong-password")
    for _ in range(passwords.FREE_ATTEMPTS):
        await page.get_by_label("密码").fill(PASSWORD)
        await page.get_by_role("button", name="登录").click()
    await expect(alert).to_contain_text("登录失败次数过多")
    await expect(alert).to_contain_text(f"连续输错 {passwords.FREE_ATTEMPTS} 次")
    await expect(alert).to_contain_text("联盟管理员重置")


async def test_the_phone_sign_in_fits_the_screen(phone: Page) -> None:
    await _open_sign_in(phone)
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    await expect(phone.get_by_label("用户名")).to_be_visible()
    await save_screenshot(phone, "signin-page-phone")


async def _register_third_party_client(database_url: str) -> str:
    client_id = f"consent-page-{secrets.token_hex(4)}"
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            await session.run_sync(
                lambda sync: admin.create_client(
                    sync,
                    client_id,
                    "第三方就业服务应用",
                    confidential=False,
                    grant_types=["authorization_code"],
                    redirect_uris=[THIRD_PARTY_REDIRECT],
                    scope="alliance:read profile",
                )
            )
            await session.commit()
    finally:
        await engine.dispose()
    return client_id


async def test_the_consent_page_is_styled_and_says_what_is_asked(
    page: Page, seeded_url: str
) -> None:
    client_id = await _register_third_party_client(seeded_url)
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": THIRD_PARTY_REDIRECT,
        "scope": "alliance:read profile",
        "state": "s",
        "code_challenge": create_s256_code_challenge(secrets.token_urlsafe(48)),
        "code_challenge_method": "S256",
    }
    await page.goto("/oauth/authorize?" + urlencode(query))
    await page.get_by_label("用户名").fill("agency")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_role("heading", name="授权确认", level=1)).to_be_visible()
    await expect(page.locator("main")).to_contain_text("应用「第三方就业服务应用」请求以")
    style = await page.evaluate(STYLE)
    assert style["sheets"] == ["/static/portal.css"] and style["header"] == BRAND
    await expect(page.get_by_role("button", name="同意")).to_be_visible()
    await expect(page.get_by_role("button", name="拒绝")).to_be_visible()
    await expect(page.get_by_role("link", name="返回首页")).to_have_attribute("href", "/")
    await assert_accessible_basics(page)
    await save_screenshot(page, "oauth-consent-page")


async def test_an_invalid_authorization_request_says_what_is_wrong(
    page: Page, seeded_url: str
) -> None:
    client_id = await _register_third_party_client(seeded_url)
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": "https://elsewhere.invalid/cb",
        "scope": "profile",
        "code_challenge": create_s256_code_challenge(secrets.token_urlsafe(48)),
        "code_challenge_method": "S256",
    }
    response = await page.goto("/oauth/authorize?" + urlencode(query))
    assert response.status == 400
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("授权请求无效：")
    await expect(alert).to_contain_text("回调地址与应用登记的不一致")
    header = await page.locator("header.site-header").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert header == BRAND
    await expect(page.get_by_role("link", name="返回首页")).to_be_visible()
