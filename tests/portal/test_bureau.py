"""Bureaus: the region dashboard from one regionStatistics request, with ECharts charts, the
yearly evaluation (成效评估) by year, and drill-down into sub-regions."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from resolvers.outcomes import today as china_today
from tests.portal.conftest import assert_accessible_basics, save_screenshot, sign_in

NUMBER = re.compile(r"^\d+$")


async def test_county_bureau_sees_its_dashboard_with_charts(page: Page) -> None:
    await sign_in(page, "county", "/bureau")
    await expect(page.get_by_role("heading", name="城口县 区域看板")).to_be_visible()
    await expect(page.get_by_text("国家乡村振兴重点帮扶县")).to_be_visible()
    for label in (
        "职教意愿（清单一）",
        "在读学生（清单二）",
        "毕业生（清单三）",
        "防止返贫监测对象",
        "在招岗位",
        "联盟促成入职",
    ):
        await expect(page.locator(".stat", has_text=label).locator(".stat-value")).to_have_text(
            NUMBER
        )
    await expect(page.locator(".stat", has_text="在招岗位")).to_contain_text(
        re.compile(r"剩余名额 \d+ 个")
    )
    # All years: the employment figures are per cohort, so the page sends to the evaluation.
    note = page.locator("#employment-by-cohort")
    await expect(note).to_contain_text("不同届别不能相加")
    await expect(note.get_by_role("link", name="成效评估")).to_have_attribute(
        "href", "/bureau/evaluation?region=500229"
    )
    await expect(page.locator(".stat", has_text="已就业")).to_have_count(0)
    await expect(page.locator("#location-chart")).to_have_count(0)

    # A year: the evaluation's figures of that cohort, as of the year's end.
    await page.goto(page.url.split("?")[0] + "?year=2025")
    await expect(page.get_by_text("2025 届毕业生截至 2025-12-31")).to_be_visible()
    for label in ("2025 届已就业", "县内就业", "省内县外就业", "跨省就业"):
        await expect(page.locator(".stat", has_text=label).locator(".stat-value")).to_have_text(
            NUMBER
        )
    await expect(page.locator(".stat", has_text="2025 届已就业")).to_contain_text(
        re.compile(r"就业率 (\d+\.\d%|—)（届毕业生 \d+ 人）")
    )
    await expect(page.locator(".stat", has_text="月均收入")).to_contain_text(
        re.compile(r"稳定就业率 (\d+\.\d%|—)（连续在岗 6 个月及以上 \d+ 人）")
    )
    await expect(page.locator("#location-chart svg")).to_be_visible()  # ECharts, served by us
    await expect(page.get_by_text("这是最下级地区。")).to_be_visible()
    await assert_accessible_basics(page)
    await save_screenshot(page, "bureau-home")


async def test_city_bureau_drills_down_and_evaluates_a_year(page: Page) -> None:
    await sign_in(page, "city", "/bureau")
    await expect(page.get_by_role("heading", name="重庆市 区域看板")).to_be_visible()
    await expect(page.locator("#ledger-chart svg")).to_be_visible()
    await expect(page.locator("#county-chart svg")).to_be_visible()
    await expect(page.get_by_role("table", name="重点帮扶县明细")).to_be_visible()
    sub_rows = page.get_by_role("table", name="下级地区明细").locator("tbody tr")
    assert await sub_rows.count() >= 1
    all_years = int(
        await page.locator(".stat", has_text="毕业生（清单三）").locator(".stat-value").inner_text()
    )

    # The yearly evaluation: choosing a year applies at once (and works without JS via 查看).
    year = china_today().year
    await page.get_by_label("评估年度（成效评估）").select_option(str(year))
    await expect(page).to_have_url(re.compile(rf"year={year}"))
    await expect(
        page.get_by_text(f"{year} 届毕业生截至 {china_today().isoformat()}")
    ).to_be_visible()
    one_year = int(
        await page.locator(".stat", has_text="毕业生（清单三）").locator(".stat-value").inner_text()
    )
    assert one_year <= all_years
    await save_screenshot(page, "bureau-city-year")

    # Drill down straight to a county (the real sub-regions: never the 市辖区 / 县 groupings);
    # the year goes along.
    children = page.get_by_role("table", name="下级地区明细")
    await expect(children.get_by_role("link", name="县", exact=True)).to_have_count(0)
    await children.get_by_role("link", name="城口县", exact=True).click()
    await expect(page.get_by_role("heading", name="城口县 区域看板")).to_be_visible()
    await expect(page).to_have_url(re.compile(rf"year={year}"))
    await expect(page.get_by_label("评估年度（成效评估）")).to_have_value(str(year))
    await expect(page.get_by_role("link", name="返回重庆市")).to_be_visible()
