"""Enterprise HR end to end: my positions, a new position with inline errors, publishing it,
moving applicants through the pipeline and rejecting one with a reason."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.portal.conftest import assert_accessible_basics, save_screenshot, sign_in


async def test_enterprise_creates_corrects_and_publishes_a_position(page: Page) -> None:
    await sign_in(page, "enterprise", "/enterprise")
    await expect(page.get_by_role("heading", name="我的岗位")).to_be_visible()
    await save_screenshot(page, "enterprise-home")

    await page.get_by_role("link", name="发布新岗位").click()
    await assert_accessible_basics(page)
    await page.get_by_label("岗位名称").fill("光伏运维见习岗（浏览器测试）")
    await page.get_by_label("职业（GB/T 6565）").select_option(index=1)
    await page.get_by_label("招聘人数").fill("5")
    await page.get_by_label("月薪下限（元）").fill("6000")
    await page.get_by_label("月薪上限（元）").fill("4000")
    await page.get_by_role("button", name="保存草稿").click()

    salary_error = page.locator("#salaryMax-error")
    await expect(salary_error).to_contain_text("薪酬范围不正确")
    await expect(page.get_by_label("月薪上限（元）")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("岗位名称")).to_have_value("光伏运维见习岗（浏览器测试）")

    await page.get_by_label("月薪上限（元）").fill("7000")
    await page.get_by_role("button", name="保存草稿").click()
    await expect(page.get_by_role("status")).to_contain_text("岗位已保存为草稿")
    await expect(page.locator(".page-header")).to_contain_text("草稿")

    await page.get_by_role("button", name="发布岗位").click()
    await expect(page.get_by_role("status")).to_contain_text("岗位已发布")
    await page.get_by_role("link", name="我的岗位").first.click()
    row = page.get_by_role("row", name=re.compile("光伏运维见习岗（浏览器测试）"))
    await expect(row).to_contain_text("招聘中")


async def test_enterprise_moves_an_applicant_on_and_rejects_another_with_a_reason(page: Page) -> None:
    await sign_in(page, "enterprise", "/enterprise")
    await _open_a_position_with_applicants(page)

    applied = page.get_by_role("region", name="已投递")
    before = int(await applied.locator("h3 .tag").inner_text())
    first = applied.locator("article").first
    name = await first.get_attribute("aria-label")
    await first.get_by_role("button", name="推进到「面试」").click()
    await expect(page.get_by_role("status")).to_contain_text("已更新申请阶段")
    await expect(page.get_by_role("region", name="面试").get_by_role("article", name=name)).to_be_visible()
    await expect(applied.locator("h3 .tag")).to_have_text(str(before - 1))

    interview = page.get_by_role("region", name="面试").locator("article").first
    rejected_name = await interview.get_attribute("aria-label")
    await interview.get_by_text("标记未通过").click()
    await interview.get_by_label("原因").select_option(label="技能不匹配")
    await interview.get_by_label("说明（选填）").fill("实操考核未通过")
    page.once("dialog", lambda dialog: dialog.accept())
    await interview.get_by_role("button", name="确认未通过").click()
    ended = page.get_by_role("row", name=re.compile(re.escape(rejected_name)))
    await expect(ended).to_contain_text("技能不匹配")
    await expect(ended).to_contain_text("实操考核未通过")


async def _open_a_position_with_applicants(page: Page) -> None:
    """The first of my positions with someone in 已投递."""
    links = page.locator("tbody a")
    for index in range(await links.count()):
        await links.nth(index).click()
        if await page.get_by_role("region", name="已投递").locator("article").count():
            return
        await page.go_back()
    raise AssertionError("no position with applicants in the test data")
