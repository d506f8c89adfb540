"""School end to end: the ledger with filters and paging, a person's file, a class, enrolment."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.portal.conftest import assert_accessible_basics, save_screenshot, sign_in


async def test_school_filters_and_pages_its_ledger_and_opens_a_file(page: Page) -> None:
    await sign_in(page, "school", "/school")
    await expect(page.get_by_role("heading", name="学生台账")).to_be_visible()
    await assert_accessible_basics(page)
    await save_screenshot(page, "school-home")

    first_page = await page.locator("tbody tr").all_inner_texts()
    await page.get_by_role("link", name="下一页").click()
    await expect(page).to_have_url(re.compile(r"after="))
    assert await page.locator("tbody tr").all_inner_texts() != first_page

    await page.goto("/school")
    await page.get_by_label("防止返贫监测对象").select_option("true")  # applies at once (autosubmit)
    await expect(page).to_have_url(re.compile(r"monitored=true"))
    for tags in await page.locator("tbody tr td:nth-child(5)").all_inner_texts():
        assert re.search("不稳定户|边缘易致贫户|突发严重困难户", tags), tags

    await page.locator("tbody a").first.click()
    await expect(page.get_by_role("heading", name=re.compile("一人一档"))).to_be_visible()
    for section in ("基本信息", "家庭情况", "学籍", "求职意向", "应聘记录", "就业记录", "一对一帮扶"):
        await expect(page.get_by_role("heading", name=section, exact=True)).to_be_visible()
    # A school sees its own students in clear: a full 18-character ID number.
    await expect(page.locator("dl.facts").first).to_contain_text(re.compile(r"\d{17}[\dX]"))


async def test_school_enrols_a_student_in_a_class(page: Page) -> None:
    await sign_in(page, "school", "/school")
    await page.get_by_role("link", name="订单班").click()
    await page.locator(".items h3 a").first.click()
    await expect(page.locator(".page-header")).to_contain_text("合作企业")
    enrolled = int(await page.locator(".stat", has_text="已编班").locator(".stat-value").inner_text())
    student = page.get_by_role("combobox", name=re.compile("^学生"))
    name = (await student.locator("option").nth(1).inner_text()).split("（")[0]
    await student.select_option(index=1)
    await page.get_by_role("button", name="编入本班").click()
    await expect(page.get_by_role("status")).to_contain_text("已将学生编入本班")
    await expect(page.locator(".stat", has_text="已编班").locator(".stat-value")).to_have_text(str(enrolled + 1))
    await expect(page.get_by_role("cell", name=name, exact=True)).to_be_visible()
