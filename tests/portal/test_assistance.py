"""One-to-one help (一对一帮扶) and tracking (跟踪回访): an agency, a school and a county bureau
each open a case, record a typed action and its outcome and close it; a school records a follow-up of its graduate."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.async_api import Page, expect

from resolvers.outcomes import today as china_today
from tests.portal.conftest import assert_accessible_basics, save_screenshot, sign_in


@pytest.mark.parametrize(
    ("role", "home", "path"),
    [
        ("agency", "/agency", "/agency/people"),
        ("school", "/school", "/school/help"),
        ("county", "/bureau", "/bureau/help"),
    ],
)
async def test_an_office_runs_a_case_from_plan_to_outcome(
    page: Page, role: str, home: str, path: str
) -> None:
    """一人一档、一人一策 for each office that runs it: a plan with goals, a typed action due by a
    date, its outcome, and closing with an outcome."""
    await sign_in(page, role, home)
    await (
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="一对一帮扶").click()
    )
    await expect(page).to_have_url(re.compile(re.escape(path)))
    await expect(
        page.get_by_role("heading", level=1, name=re.compile("^一对一帮扶"))
    ).to_be_visible()
    rows = page.get_by_role("table", name="可帮扶的毕业生").locator("tbody tr")
    await expect(rows.first).to_be_visible()
    await assert_accessible_basics(page)

    # A person without an open case of this office (the demo has some for agencies).
    await rows.last.get_by_role("link").click()
    await expect(
        page.get_by_role("heading", level=1, name=re.compile("· 帮扶档案$"))
    ).to_be_visible()
    # A reason is required: the portal says so next to the field, nothing is sent.
    await page.get_by_role("button", name="建立档案").click()
    await expect(page.locator("#reason-error")).to_have_text(
        "「帮扶原因」为必填项，请填写或选择后再提交。"
    )
    reason = f"毕业半年未就业（{role}）"
    await page.get_by_label("帮扶原因").fill(reason)
    await page.get_by_label("帮扶目标").fill("三个月内实现稳定就业")
    await page.get_by_label("帮扶计划（一人一策）").fill("每两周推荐一次岗位；参加电工短期培训")
    await page.get_by_role("button", name="建立档案").click()
    await expect(page.get_by_role("status")).to_contain_text("已建立帮扶档案")
    case = page.locator(".items .item", has_text=reason)
    await expect(case).to_contain_text("帮扶中")
    await expect(case).to_contain_text("帮扶目标：三个月内实现稳定就业")
    for heading in ("就业记录", "跟踪回访"):
        await expect(page.get_by_role("heading", name=heading)).to_be_visible()

    today = china_today().isoformat()
    due = (china_today() + timedelta(days=14)).isoformat()
    await case.get_by_label("措施类别").select_option("SKILLS_TRAINING")
    await case.get_by_label("完成期限").fill(due)
    await case.get_by_role("textbox", name="帮扶措施").fill("参加电工短期技能培训")
    await case.get_by_role("button", name="记录措施").click()
    await expect(page.get_by_role("status")).to_contain_text("帮扶措施已记录")
    actions = case.get_by_role("table", name=re.compile("^帮扶措施"))
    await expect(actions).to_contain_text("技能培训")
    await expect(actions).to_contain_text(due)
    await expect(actions).to_contain_text("未完成")
    await assert_accessible_basics(page)
    await save_screenshot(page, f"{role}-assistance-case")

    await actions.get_by_text("记录结果").click()
    await actions.get_by_label("措施结果").fill("已取得电工证")
    await actions.get_by_role("button", name="保存结果").click()
    await expect(page.get_by_role("status")).to_contain_text("措施结果已记录")
    await expect(actions).to_contain_text(f"{today} 已取得电工证")

    await case.get_by_text("结案", exact=True).click()
    await case.get_by_label("结案说明").fill("已在县内帮扶车间稳定就业")
    await case.get_by_role("button", name="确认结案").click()
    # The outcome's kind is required too.
    await expect(case.get_by_label("帮扶结果")).to_be_visible()
    await case.get_by_label("帮扶结果").select_option("EMPLOYED")
    await case.get_by_role("button", name="确认结案").click()
    await expect(page.get_by_role("status")).to_contain_text("已结案")
    await expect(case).to_contain_text("已结案")
    await expect(case).to_contain_text("结果：实现就业 · 已在县内帮扶车间稳定就业")
    await expect(case.get_by_role("button", name="记录措施")).to_have_count(0)


async def test_school_records_a_follow_up_of_its_graduate(page: Page) -> None:
    await sign_in(page, "school", "/school")
    await page.goto("/school?ledger=GRADUATES")
    await page.locator("tbody a").first.click()
    await expect(page.get_by_role("heading", name="记录回访")).to_be_visible()
    await page.get_by_label("就业状况").select_option("EMPLOYED")
    await page.get_by_label("回访日期").fill("")
    await page.get_by_role("button", name="保存回访").click()
    await expect(page.locator("#onDate-error")).to_have_text(
        "「回访日期」为必填项，请填写或选择后再提交。"
    )
    await page.get_by_label("回访日期").fill(china_today().isoformat())
    await page.get_by_label("月收入（元）").fill("4200")
    await page.get_by_label("备注").fill("电话回访，工作稳定")
    await page.get_by_role("button", name="保存回访").click()
    await expect(page.get_by_role("status")).to_contain_text("回访已记录")
    follow_ups = page.locator("section", has=page.get_by_role("heading", name="跟踪回访"))
    await expect(follow_ups).to_contain_text("月收入 4200 元 · 电话回访，工作稳定")


async def test_a_county_bureau_posts_and_publishes_a_public_welfare_position(page: Page) -> None:
    await sign_in(page, "county", "/bureau")
    await page.get_by_role("navigation", name="主导航").get_by_role("link", name="公益岗位").click()
    await page.get_by_role("link", name="发布新岗位").click()
    # Only the two kinds a bureau posts are offered.
    kinds = await page.get_by_label("岗位类型").locator("option").all_inner_texts()
    assert [k for k in kinds if k.strip()] == ["公益性岗位", "就业见习"]
    await page.get_by_label("岗位名称").fill("村级公益性岗位·乡村保洁员")
    await page.get_by_label("招聘人数").fill("3")
    await page.get_by_label("月薪下限（元）").fill("1800")
    await page.get_by_label("月薪上限（元）").fill("2200")
    await page.get_by_label("职业（GB/T 6565）").select_option(index=1)
    await page.get_by_role("button", name="保存草稿").click()
    await expect(page.get_by_role("status")).to_contain_text("岗位已保存为草稿")
    row = page.get_by_role("row", name=re.compile("村级公益性岗位·乡村保洁员"))
    await expect(row).to_contain_text("公益性岗位")
    await row.get_by_role("button", name="发布").click()
    await expect(page.get_by_role("status")).to_contain_text("岗位已发布")
    await expect(row.get_by_role("button", name="发布")).to_have_count(0)
    await assert_accessible_basics(page)
