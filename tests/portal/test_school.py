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
    await page.get_by_label("防止返贫监测对象").select_option(
        "true"
    )  # applies at once (autosubmit)
    await expect(page).to_have_url(re.compile(r"monitored=true"))
    for tags in await page.locator("tbody tr td:nth-child(5)").all_inner_texts():
        assert re.search("不稳定户|边缘易致贫户|突发严重困难户", tags), tags

    await page.locator("tbody a").first.click()
    await expect(page.get_by_role("heading", name=re.compile("一人一档"))).to_be_visible()
    for section in (
        "基本信息",
        "家庭情况",
        "学籍",
        "求职意向",
        "应聘记录",
        "就业记录",
        "一对一帮扶",
    ):
        await expect(page.get_by_role("heading", name=section, exact=True)).to_be_visible()
    # A school sees its own students in clear: a full 18-character ID number.
    await expect(page.locator("dl.facts").first).to_contain_text(re.compile(r"\d{17}[\dX]"))


async def test_school_enrols_a_student_in_a_class(page: Page) -> None:
    await sign_in(page, "school", "/school")
    await page.get_by_role("link", name="订单班").click()
    await page.locator(".items h3 a").first.click()
    await expect(page.locator(".page-header")).to_contain_text("合作企业")
    enrolled = int(
        await page.locator(".stat", has_text="已编班").locator(".stat-value").inner_text()
    )
    picker = page.get_by_role("region", name="编入学生", exact=True)
    button = picker.get_by_role("button", name=re.compile("^将 .+ 编入本班$")).first
    name = (await button.get_attribute("aria-label")).removeprefix("将 ").removesuffix(" 编入本班")
    await button.click()
    await expect(page.get_by_role("status")).to_contain_text("已将学生编入本班")
    await expect(page.locator(".stat", has_text="已编班").locator(".stat-value")).to_have_text(
        str(enrolled + 1)
    )
    await expect(page.get_by_role("cell", name=name, exact=True)).to_be_visible()


async def test_school_creates_a_class_with_inline_errors_and_reserves_partner_positions(
    page: Page,
) -> None:
    await sign_in(page, "school", "/school")
    await page.goto("/school/classes")
    await page.get_by_role("link", name="新建班级").click()
    await expect(page.get_by_role("heading", name="新建定向班 / 订单班")).to_be_visible()
    await assert_accessible_basics(page)

    # A blank name is caught by the portal; the API's own rules come back next to their fields.
    await page.get_by_label("班级类型").select_option("CUSTOMISED")
    await page.get_by_label("开班日期").fill("2026-09-01")
    await page.get_by_label("结班日期").fill("2026-03-01")
    await page.get_by_role("button", name="创建班级").click()
    await expect(page.locator("#name-error")).to_have_text(
        "「班级名称」为必填项，请填写或选择后再提交。"
    )
    await expect(page.get_by_label("班级名称")).to_have_attribute("aria-invalid", "true")

    name = "浏览器测试订单班"
    await page.get_by_label("班级名称").fill(name)
    await page.get_by_role("button", name="创建班级").click()
    await expect(page.locator("#endsOn-error")).to_have_text("结班日期不能早于开班日期。")
    await expect(page.locator("#enterpriseId-error")).to_have_text("定向班和订单班须选择合作企业。")
    await expect(page.get_by_label("班级名称")).to_have_value(name)  # what was typed is kept
    await save_screenshot(page, "school-class-form-errors")

    partner = page.get_by_label("合作企业", exact=True)
    await partner.select_option(index=1)
    partner_name = (await partner.locator("option:checked").inner_text()).strip()
    await page.get_by_label("专业").select_option(index=1)
    await page.get_by_label("名额").fill("30")
    await page.get_by_label("结班日期").fill("2029-06-30")
    await page.get_by_label("培养方案").fill("一年级校内学习，二年级企业轮岗，三年级顶岗实习。")
    await page.get_by_role("button", name="创建班级").click()
    await expect(page).to_have_url(re.compile(r"/school/classes/[^/]+$"))
    await expect(page.get_by_role("status")).to_contain_text("班级已创建")
    await expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    await expect(page.locator(".page-header")).to_contain_text(partner_name)
    await expect(page.locator(".stat", has_text="名额").locator(".stat-value")).to_have_text("30")
    await expect(page.locator(".stat", has_text="预留岗位").locator(".stat-value")).to_have_text(
        "0"
    )

    positions = page.get_by_label("合作企业岗位")
    title = (await positions.locator("option").first.inner_text()).split("（")[0]
    await positions.select_option(index=0)
    await assert_accessible_basics(page)
    await page.get_by_role("button", name="预留所选岗位").click()
    await expect(page.get_by_role("status")).to_contain_text("已为本班预留 1 个岗位")
    await expect(page.locator(".stat", has_text="预留岗位").locator(".stat-value")).to_have_text(
        "1"
    )
    await expect(page.locator(".items h3", has_text=title)).to_be_visible()
    await save_screenshot(page, "school-class-reserved")

    await page.goto("/school/classes")
    await expect(page.locator(".item", has_text=name)).to_contain_text(title)
