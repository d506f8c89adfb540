"""Bureaus: the region dashboard with ECharts charts, and drill-down into sub-regions."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.portal.conftest import save_screenshot, sign_in


async def test_county_bureau_sees_its_dashboard_with_charts(page: Page) -> None:
    await sign_in(page, "county", "/bureau")
    await expect(page.get_by_role("heading", name="城口县 区域看板")).to_be_visible()
    await expect(page.get_by_text("国家乡村振兴重点帮扶县")).to_be_visible()
    for label in ("职教意愿（清单一）", "在读学生（清单二）", "毕业生（清单三）", "在招岗位", "已就业", "县内就业"):
        await expect(page.locator(".stat", has_text=label).locator(".stat-value")).to_have_text(re.compile(r"^\d+$"))
    await expect(page.locator("#location-chart svg")).to_be_visible()  # ECharts, served by us
    await save_screenshot(page, "bureau-home")


async def test_city_bureau_drills_down_to_a_county(page: Page) -> None:
    await sign_in(page, "city", "/bureau")
    await expect(page.get_by_role("heading", name="重庆市 区域看板")).to_be_visible()
    await expect(page.locator("#ledger-chart svg")).to_be_visible()
    await page.get_by_role("link", name="县", exact=True).click()
    link = page.get_by_role("row", name=re.compile("城口县")).get_by_role("link", name="城口县")
    await link.click()
    await expect(page.get_by_role("heading", name="城口县 区域看板")).to_be_visible()
    await expect(page.get_by_role("link", name="返回县")).to_be_visible()
