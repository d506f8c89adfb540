"""The follow-up schedule and the early warning in the browser: a school works its due list (a
follow-up takes the graduate off it); a county bureau turns an alert into a help case."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from resolvers.outcomes import today as china_today
from tests.portal.conftest import assert_accessible_basics, save_screenshot, sign_in


def total_of(text: str) -> int:
    return int(re.search(r"共 (\d+) ", text).group(1))


async def test_a_school_works_its_due_list(page: Page) -> None:
    await sign_in(page, "school", "/school")
    nav = page.get_by_role("navigation", name="主导航")
    await nav.get_by_role("link", name="跟踪回访").click()
    heading = page.get_by_role("heading", level=1, name=re.compile("^跟踪回访计划"))
    await expect(heading).to_be_visible()
    before = total_of(await heading.inner_text())
    rows = page.get_by_role("table", name="待回访名单").locator("tbody tr")
    await expect(rows.first).to_be_visible()
    await expect(rows.first).to_contain_text("已逾期")  # overdue ones lead
    await assert_accessible_basics(page)
    await save_screenshot(page, "school-follow-up-due-list")

    person = rows.first.get_by_role("link")
    href = await person.get_attribute("href")
    own_rows = await page.locator(f'tbody a[href="{href}"]').count()
    await person.click()
    await page.get_by_label("回访日期").fill(china_today().isoformat())
    await page.get_by_label("就业状况").select_option("EMPLOYED")
    await page.get_by_label("月收入（元）").fill("3900")
    await page.get_by_label("备注").fill("按计划电话回访")
    await page.get_by_role("button", name="保存回访").click()
    await expect(page.get_by_role("status")).to_contain_text("回访已记录")

    await nav.get_by_role("link", name="跟踪回访").click()
    after = total_of(await page.get_by_role("heading", level=1).inner_text())
    assert after <= before - own_rows  # this page's rows of the graduate, at least, are done
    await expect(page.locator(f'tbody a[href="{href}"]')).to_have_count(0)


async def test_a_county_bureau_turns_an_alert_into_a_help_case(page: Page) -> None:
    await sign_in(page, "county", "/bureau")
    await page.get_by_role("navigation", name="主导航").get_by_role("link", name="风险预警").click()
    heading = page.get_by_role("heading", level=1, name=re.compile("^就业风险预警"))
    await expect(heading).to_be_visible()
    before = total_of(await heading.inner_text())
    assert before > 0
    await assert_accessible_basics(page)
    first = page.locator("article.card").first
    title = await first.get_by_role("heading", level=3).inner_text()
    name = title.split(" · ")[0]
    reason = first.get_by_role("textbox", name="帮扶原因")
    await expect(reason).to_have_value(re.compile("^就业风险预警："))
    await first.get_by_role("textbox", name="帮扶计划").fill("每两周推送岗位，安排职业指导")
    await save_screenshot(page, "county-alert-queue")
    await first.get_by_role("button", name=f"建档帮扶：{name}").click()
    await expect(page.get_by_role("status")).to_contain_text("已建立帮扶档案，预警已处置")
    after = total_of(await page.get_by_role("heading", level=1).inner_text())
    assert after == before - 1

    await page.goto("/bureau/alerts?state=HANDLED")
    handled = page.locator("article.card", has_text=title)
    await expect(handled.first).to_contain_text("帮扶档案：城口县乡村振兴局（进行中）")
    await expect(handled.first).to_contain_text("已建档帮扶")
