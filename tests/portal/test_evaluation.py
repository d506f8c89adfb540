"""Issue 13, item 6 in the browser: a bureau reads its yearly evaluation (成效评估), drills down
to a real county (never the 市辖区 / 县 groupings), publishes the year, and exports both files:
the .xlsx opens in python-calamine, the PDF opens as pages (pypdf) with the same figures."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Page, expect
from pypdf import PdfReader
from python_calamine import CalamineWorkbook

from resolvers.outcomes import today as china_today
from tests.portal.conftest import assert_accessible_basics, save_screenshot, sign_in


async def _download(page: Page, link: str, into: Path) -> Path:
    async with page.expect_download() as info:
        await page.get_by_role("link", name=link).click()
    download = await info.value
    target = into / download.suggested_filename
    await download.save_as(target)
    return target


async def test_a_bureau_publishes_a_year_and_exports_both_files(page: Page, tmp_path: Path) -> None:
    year = china_today().year
    await sign_in(page, "city", "/bureau")
    await page.get_by_role("navigation", name="主导航").get_by_role("link", name="成效评估").click()
    await expect(
        page.get_by_role("heading", level=1, name=f"重庆市 {year} 年度成效评估")
    ).to_be_visible()
    for name in ("就业率", "稳定就业率", "月均收入", "就业地点（按人）", "新入学人数及增长"):
        await expect(
            page.get_by_role("term").filter(has_text=re.compile(f"^{name}$"))
        ).to_be_visible()
    table = page.get_by_role("table", name=re.compile("^就业、收入与就业地点"))
    # The real sub-regions: districts and counties, never the groupings.
    await expect(table.get_by_role("link", name="城口县", exact=True)).to_be_visible()
    await expect(table.get_by_role("link", name="市辖区", exact=True)).to_have_count(0)
    await expect(table.get_by_role("link", name="县", exact=True)).to_have_count(0)
    cohort = await table.locator("tbody tr").first.locator("td").first.inner_text()
    await expect(page.locator(".chart-svg svg")).to_have_count(2)
    await assert_accessible_basics(page)

    await page.get_by_role("button", name=re.compile("发布")).click()
    await expect(page.get_by_role("status")).to_contain_text(f"已发布 {year} 年度成效评估第")
    await expect(page.locator("#version-title + p")).to_contain_text(
        re.compile(r"第 \d+ 版，重庆市乡村振兴局 发布于")
    )
    await expect(page.get_by_text("实时数据与已发布版本一致")).to_be_visible()
    await save_screenshot(page, "bureau-evaluation")

    workbook = await _download(page, "导出 Excel（.xlsx）", tmp_path)
    assert workbook.suffix == ".xlsx" and re.search(r"-v\d+\.xlsx$", workbook.name)
    sheets = CalamineWorkbook.from_path(str(workbook))
    assert sheets.sheet_names == ["成效评估", "指标说明"]
    rows = sheets.get_sheet_by_name("成效评估").to_python()
    assert rows[0][:3] == ["地区", "代码", "毕业生"]
    assert rows[1][:2] == ["重庆市", "500000"] and rows[1][2] == int(cohort)
    assert "城口县" in [row[0] for row in rows] and "市辖区" not in [row[0] for row in rows]

    document = await _download(page, "下载打印版（PDF）", tmp_path)
    reader = PdfReader(document)
    assert len(reader.pages) >= 1
    text = "".join(page_.extract_text() for page_ in reader.pages)
    assert f"重庆市 {year} 年度雨露计划+ 就业促进行动成效评估" in text
    assert "第" in text and "版" in text and "城口县" in text and "指标定义" in text

    # A date of one's choosing (统计日): the live figures as of it, the published version named.
    await page.goto(f"/bureau/evaluation?region=500000&year={year}&asOf={year}-06-30")
    await expect(page.locator("#version-title + p")).to_have_text(
        f"实时数据（未发布），截至 {year}-06-30"
    )
    await expect(page.get_by_role("link", name="查看已发布版本")).to_be_visible()
    await page.get_by_role("link", name="查看已发布版本").click()
    table = page.get_by_role("table", name=re.compile("^就业、收入与就业地点"))

    # Drill down to a county: its own evaluation, with the year kept.
    await table.get_by_role("link", name="城口县", exact=True).click()
    await expect(
        page.get_by_role("heading", level=1, name=f"城口县 {year} 年度成效评估")
    ).to_be_visible()
    await expect(page.get_by_role("link", name="返回本辖区")).to_be_visible()
    # Only the region's own bureau publishes: the city sees no publish button for a county.
    await expect(page.get_by_role("button", name=re.compile("发布"))).to_have_count(0)
