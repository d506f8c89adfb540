"""The system administrator: join requests awaiting approval, approved or rejected in one click."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.portal.conftest import assert_accessible_basics, save_screenshot, sign_in


async def test_admin_approves_and_rejects_join_requests(page: Page) -> None:
    await sign_in(page, "admin", "/admin")
    await expect(page.get_by_role("heading", name="入盟申请审核")).to_be_visible()
    await assert_accessible_basics(page)
    await save_screenshot(page, "admin-home")

    items = page.locator(".items .item")
    waiting = await items.count()
    assert waiting >= 2
    first = (await items.nth(0).locator("h3").inner_text()).strip()
    second = (await items.nth(1).locator("h3").inner_text()).strip()
    await expect(items.first).to_contain_text("待审核")
    await expect(items.first).to_contain_text(re.compile(r"统一社会信用代码：[0-9A-Z]{18}"))

    await page.get_by_role("button", name=f"批准 {first}").click()
    await expect(page.get_by_role("status")).to_contain_text(f"已批准{first}加入联盟")
    await expect(page.locator(".items h3", has_text=first)).to_have_count(0)

    await page.get_by_role("button", name=f"驳回 {second}").click()
    await expect(page.get_by_role("status")).to_contain_text(f"已驳回{second}的入盟申请")
    await expect(items).to_have_count(waiting - 2)
    await page.reload()  # decided for good, not only hidden
    await expect(page.locator(".items h3", has_text=re.compile(f"^({re.escape(first)}|{re.escape(second)})$"))).to_have_count(0)


async def test_the_admin_page_is_only_for_admins(page: Page) -> None:
    await sign_in(page, "school", "/school")
    response = await page.goto("/admin")
    assert response.status == 403
