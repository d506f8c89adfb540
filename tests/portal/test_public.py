"""The public landing page, error pages, CSRF, sign-in and sign-out, the phone layout."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.portal.conftest import assert_accessible_basics, save_screenshot, sign_in


async def test_landing_page_shows_the_alliance_without_personal_data(page: Page) -> None:
    await page.goto("/")
    await expect(
        page.get_by_role("heading", name="雨露计划+ 就业促进联盟", level=1)
    ).to_be_visible()
    await expect(page.locator(".stat", has_text="用工企业").locator(".stat-value")).to_have_text(
        re.compile(r"^[1-9]\d*$")
    )
    await expect(page.locator(".stat", has_text="在招岗位")).to_contain_text("剩余名额")
    await expect(page.locator(".items .item").first).to_contain_text("元/月")
    # No ID numbers or phone numbers anywhere on the public page.
    assert not re.search(r"\d{17}[\dX]|1[3-9]\d{9}", await page.locator("main").inner_text())
    await assert_accessible_basics(page)
    await save_screenshot(page, "public-landing")


async def test_unknown_page_is_a_friendly_chinese_404(page: Page) -> None:
    response = await page.goto("/no-such-page")
    assert response.status == 404
    await expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
    await expect(page.get_by_role("link", name="返回首页")).to_be_visible()


async def test_another_roles_page_is_a_friendly_403(page: Page) -> None:
    await sign_in(page, "graduate", "/me")
    response = await page.goto("/enterprise")
    assert response.status == 403
    await expect(page.get_by_role("heading", name="无权访问")).to_be_visible()


async def test_a_form_post_without_its_csrf_token_is_refused(page: Page) -> None:
    await sign_in(page, "graduate", "/me")
    consent = page.get_by_label("同意向用工企业和人力资源服务机构展示我的信息")
    before = await consent.is_checked()
    response = await page.request.post("/me/consent", form={"consent": "" if before else "on"})
    assert response.status == 403
    await page.goto("/me")
    assert await consent.is_checked() == before


async def test_a_page_that_needs_sign_in_goes_through_it_and_comes_back(page: Page) -> None:
    await page.goto("/school/classes")
    await page.get_by_label("用户名").fill("school")
    await page.get_by_label("密码").fill("yulu-demo-2026")
    await page.get_by_role("button", name="登录").click()
    await expect(page).to_have_url(re.compile(r"/school/classes$"))


async def test_session_cookie_is_http_only_and_same_site(page: Page) -> None:
    await sign_in(page, "graduate", "/me")
    cookies = {cookie["name"]: cookie for cookie in await page.context.cookies()}
    session = cookies["yulu_session"]
    assert session["httpOnly"] and session["sameSite"] == "Lax"


async def test_sign_out_revokes_the_session(page: Page) -> None:
    await sign_in(page, "enterprise", "/enterprise")
    await page.get_by_role("button", name="退出登录").click()
    await expect(page).to_have_url(re.compile(r"/$"))
    await expect(page.get_by_role("link", name="登录", exact=True)).to_be_visible()
    await page.goto("/enterprise")
    await expect(page.get_by_label("用户名")).to_be_visible()  # asked to sign in again


async def test_phone_layout_has_no_sideways_scrolling(phone: Page) -> None:
    await sign_in(phone, "school", "/school")
    for path in ("/", "/school", "/school/classes"):
        await phone.goto(path)
        overflow = await phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 390px"
    await save_screenshot(phone, "school-home-phone")
