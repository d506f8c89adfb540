"""Words that help, in the browser (issue 14, item 8): each form's error names its field and the
rule — the fair's own date words (not the class form's 结班/开班), a graduation year out of
sense (1899) refused by the API with the window, a blank field named by its label."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import Page, expect

from resolvers.outcomes import today as china_today
from tests.portal.conftest import save_screenshot, sign_in

LAST_YEAR = datetime.now(ZoneInfo("Asia/Shanghai")).year + 6


async def test_the_fair_form_has_its_own_date_words(page: Page) -> None:
    await sign_in(page, "agency", "/agency")
    await page.goto("/agency/fairs")
    start = china_today() + timedelta(days=14)
    # Left blank: each field named by its label, not a bare "bad request" page.
    await page.get_by_role("button", name="创建招聘会").click()
    await expect(page.locator("#name-error")).to_have_text(
        "「名称」为必填项，请填写或选择后再提交。"
    )
    await expect(page.locator("#startsOn-error")).to_have_text(
        "「开始日期」为必填项，请填写或选择后再提交。"
    )
    await page.get_by_label("名称").fill("日期有误的招聘会（浏览器测试）")
    await page.get_by_label("开始日期").fill(start.isoformat())
    await page.get_by_label("结束日期").fill((start - timedelta(days=1)).isoformat())
    await page.get_by_role("button", name="创建招聘会").click()
    await expect(page.locator("#endsOn-error")).to_have_text("招聘会结束日期不能早于开始日期。")
    await expect(page.get_by_label("结束日期")).to_have_attribute("aria-invalid", "true")
    await save_screenshot(page, "agency-fair-date-error")


async def test_a_graduation_year_of_1899_is_refused_with_the_window(page: Page) -> None:
    await sign_in(page, "graduate", "/me")
    year = page.get_by_label("毕业年份")
    kept = await year.input_value()
    await year.fill("1899")
    await page.get_by_role("button", name="保存意向").click()
    await expect(page.locator("#graduationYear-error")).to_have_text(
        f"毕业年份须在 2000 至 {LAST_YEAR} 之间。"
    )
    await page.goto("/me")
    await expect(page.get_by_label("毕业年份")).to_have_value(kept)  # nothing was written
    await page.get_by_label("毕业年份").fill("")
    await page.get_by_role("button", name="保存意向").click()
    await expect(page.locator("#graduationYear-error")).to_have_text(
        "「毕业年份」为必填项，请填写或选择后再提交。"
    )
    await page.get_by_label("毕业年份").fill("2026.5")
    await page.get_by_role("button", name="保存意向").click()
    await expect(page.locator("#graduationYear-error")).to_have_text(
        "「毕业年份」须填写整数（不带小数点和单位）。"
    )


async def test_a_new_position_left_blank_names_each_missing_field(page: Page) -> None:
    await sign_in(page, "enterprise", "/enterprise")
    await page.goto("/enterprise/positions/new")
    await page.get_by_label("招聘人数").fill("")
    await page.get_by_role("button", name="保存草稿").click()
    await expect(page.locator("#title-error")).to_have_text(
        "「岗位名称」为必填项，请填写或选择后再提交。"
    )
    await expect(page.locator("#headcount-error")).to_have_text(
        "「招聘人数」为必填项，请填写或选择后再提交。"
    )
