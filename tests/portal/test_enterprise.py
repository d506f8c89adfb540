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


async def test_enterprise_moves_an_applicant_on_and_rejects_them_with_a_reason(page: Page) -> None:
    await sign_in(page, "enterprise", "/enterprise")
    source, target = await _open_a_position_with_early_applicants(page)

    column = page.get_by_role("region", name=source, exact=True)
    before = int(await column.locator("h3 .tag").inner_text())
    applicant = column.locator("article").first
    name = await applicant.get_attribute("aria-label")
    await applicant.get_by_role("button", name=f"推进到「{target}」").click()
    await expect(page.get_by_role("status")).to_contain_text("已更新申请阶段")
    moved = page.get_by_role("region", name=target, exact=True).get_by_role("article", name=name)
    await expect(moved).to_be_visible()
    await expect(column.locator("h3 .tag")).to_have_text(str(before - 1))

    await moved.get_by_text("标记未通过").click()
    await moved.get_by_label("原因").select_option(label="技能不匹配")
    await moved.get_by_label("说明（选填）").fill("实操考核未通过")
    page.once("dialog", lambda dialog: dialog.accept())
    await moved.get_by_role("button", name="确认未通过").click()
    ended = page.get_by_role("row", name=re.compile(re.escape(name))).filter(
        has_text="实操考核未通过"
    )
    await expect(ended).to_contain_text("技能不匹配")


EARLY_STAGES = {"已推荐": "已投递", "已投递": "面试", "面试": "录用意向"}


async def _open_a_position_with_early_applicants(page: Page) -> tuple[str, str]:
    """Opens the first of my positions with an applicant before the offer; their stage and the next."""
    links = page.locator("tbody a")
    for index in range(await links.count()):
        await links.nth(index).click()
        for stage, next_stage in EARLY_STAGES.items():
            if await page.get_by_role("region", name=stage, exact=True).locator("article").count():
                return stage, next_stage
        await page.go_back()
    raise AssertionError("no position with early-stage applicants in the test data")


async def test_enterprise_sees_matched_candidates_with_reasons_masked(page: Page) -> None:
    await sign_in(page, "enterprise", "/enterprise")
    await page.get_by_role("row", name=re.compile("招聘中")).first.get_by_role("link").click()
    section = page.get_by_role("region", name="匹配的候选人")
    await expect(section).to_be_visible()
    candidates = section.get_by_role("listitem").filter(has=page.locator("h3"))
    assert await candidates.count() >= 1
    first = candidates.first
    await expect(first.locator(".score")).to_have_text(re.compile(r"^匹配度 \d{1,3}$"))
    await expect(first.get_by_role("heading", name="为什么推荐")).to_be_visible()
    await expect(first.get_by_role("heading", name="缺少什么")).to_be_visible()
    # Masked per the rules: a surname and one * unless the graduate consented to share.
    for name in await candidates.locator("h3").all_inner_texts():
        assert "*" not in name or re.fullmatch(r"[\u4e00-\u9fff]{1,2}\*", name), name
    await save_screenshot(page, "enterprise-matched-candidates")
