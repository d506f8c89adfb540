"""Print and phone: every list page and the dashboard print on A4 without navigation or buttons
and within the sheet's width; at 390 px the filters fold away, the dashboard's bar charts turn
horizontal with one readable label per row, and wide tables scroll inside a keyboard-reachable,
named region (that every table on every page is in one: test_accessibility). PDFs and
screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.portal.conftest import ARTIFACTS, save_screenshot, sign_in

# A4 is 210 mm = 793.7 CSS px; portal.css sets 10 mm margins: 718 px of content.
A4_CONTENT_WIDTH = 718
LIST_PAGES = {
    "school": ("/school", ["/school", "/school/classes"]),
    "enterprise": ("/enterprise", ["/enterprise"]),
    "agency": ("/agency", ["/agency", "/agency/people", "/agency/fairs"]),
    "county": ("/bureau", ["/bureau"]),
    "city": ("/bureau", ["/bureau"]),
    "admin": ("/admin", ["/admin", "/admin/users", "/admin/clients"]),
}

# What sticks out of the sheet, and what is still shown that paper cannot use.
PRINT_PROBLEMS = """(limit) => {
  const shown = el => { const box = el.getBoundingClientRect(); return box.width > 0 && box.height > 0; };
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  return {
    overflowing: [...document.querySelectorAll('body *')].filter(shown)
      .filter(el => el.getBoundingClientRect().right > limit + 1).map(name).slice(0, 10),
    interactive: [...document.querySelectorAll('nav, button, .button, form, details > summary, input, select, textarea')]
      .filter(shown).map(name).slice(0, 10),
    pageWidth: document.documentElement.scrollWidth,
  };
}"""


@pytest.mark.parametrize("role", LIST_PAGES)
async def test_list_pages_and_dashboard_print_on_a4(page: Page, role: str) -> None:
    home, paths = LIST_PAGES[role]
    await sign_in(page, role, home)
    ARTIFACTS.mkdir(exist_ok=True)
    for path in paths:
        await page.set_viewport_size({"width": 1280, "height": 900})
        await page.emulate_media(media="screen")
        await page.goto(path)
        await expect(page.get_by_role("navigation", name="主导航")).to_be_visible()
        # The layout a printer gets: print media on a sheet-wide viewport.
        await page.emulate_media(media="print")
        await page.set_viewport_size({"width": A4_CONTENT_WIDTH, "height": 1000})
        await expect(page.get_by_role("navigation", name="主导航")).to_be_hidden()
        await expect(page.get_by_role("button", name="退出登录")).to_be_hidden()
        await expect(page.locator("main h1")).to_be_visible()
        problems = await page.evaluate(PRINT_PROBLEMS, A4_CONTENT_WIDTH)
        assert problems == {"overflowing": [], "interactive": [], "pageWidth": A4_CONTENT_WIDTH}, (
            path
        )
        if path == "/bureau":
            for chart in await page.locator(".chart svg").all():
                assert (await chart.bounding_box())["width"] <= A4_CONTENT_WIDTH
        name = f"print-{role}-{path.strip('/').replace('/', '-')}"
        await page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
        await page.pdf(path=ARTIFACTS / f"{name}.pdf", format="A4", prefer_css_page_size=True)
        assert (ARTIFACTS / f"{name}.pdf").read_bytes().startswith(b"%PDF")


async def test_a_table_prints_whole_not_in_a_scroll_box(page: Page) -> None:
    await sign_in(page, "city", "/bureau")
    await page.emulate_media(media="print")
    await page.set_viewport_size({"width": A4_CONTENT_WIDTH, "height": 1000})
    region = page.get_by_role("region", name="下级地区明细")
    table = region.get_by_role("table")
    # Every column is on the sheet: nothing is hidden behind a horizontal scroll.
    assert await region.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert (await table.bounding_box())["width"] <= A4_CONTENT_WIDTH
    assert (
        await table.locator("thead").evaluate("el => getComputedStyle(el).display")
        == "table-header-group"
    )


async def test_filters_fold_away_on_a_phone_and_stay_open_on_a_desktop(
    page: Page, phone: Page
) -> None:
    await sign_in(phone, "school", "/school")
    search = phone.get_by_role("search", name="筛选台账")
    await expect(search.get_by_label("姓名")).to_be_hidden()
    await expect(phone.get_by_role("table")).to_be_visible()  # the list comes first
    await phone.locator("summary", has_text="筛选台账").click()
    await search.get_by_label("姓名").fill("王")
    await search.get_by_role("button", name="筛选").click()
    await expect(phone).to_have_url(re.compile(r"search=%E7%8E%8B"))
    # A filter in use stays unfolded, so the phone shows what the list is filtered by.
    await expect(search.get_by_label("姓名")).to_have_value("王")
    await save_screenshot(phone, "phone-school-filters-in-use")
    await phone.goto("/school")
    await expect(search.get_by_label("姓名")).to_be_hidden()
    await save_screenshot(phone, "phone-school-filters-folded")

    await sign_in(page, "school", "/school")
    desktop_search = page.get_by_role("search", name="筛选台账").get_by_label("姓名")
    await expect(desktop_search).to_be_visible()
    await expect(page.locator("summary", has_text="筛选台账")).to_be_hidden()
    await desktop_search.focus()  # rendered, not merely painted: it takes the keyboard focus
    await expect(desktop_search).to_be_focused()


async def test_a_wide_table_is_scrolled_with_the_keyboard_on_a_phone(phone: Page) -> None:
    await sign_in(phone, "city", "/bureau")
    region = phone.get_by_role("region", name="下级地区明细")
    assert await region.evaluate("el => el.scrollWidth > el.clientWidth")  # 12 columns on 390 px
    # Reached with Tab like any control: tab from the element before it until it has focus.
    await region.evaluate("el => el.previousElementSibling.setAttribute('tabindex', '-1')")
    await region.evaluate("el => el.previousElementSibling.focus()")
    await phone.keyboard.press("Tab")
    await expect(region).to_be_focused()
    await phone.keyboard.press("ArrowRight")
    await phone.keyboard.press("ArrowRight")
    await phone.wait_for_function("el => el.scrollLeft > 0", arg=await region.element_handle())


CHART_LABELS = """(id) => {
  const chart = echarts.getInstanceByDom(document.getElementById(id));
  const option = chart.getOption();
  const texts = [...document.querySelectorAll('#' + id + ' svg text')]
    .map(text => ({text: text.textContent, box: text.getBoundingClientRect()}))
    .filter(item => item.text && item.box.width > 0);
  const overlaps = [];
  texts.forEach((a, i) => texts.slice(i + 1).forEach(b => {
    if (a.box.left < b.box.right - 1 && b.box.left < a.box.right - 1 &&
        a.box.top < b.box.bottom - 1 && b.box.top < a.box.bottom - 1) overlaps.push(a.text + ' / ' + b.text);
  }));
  const svg = document.querySelector('#' + id + ' svg').getBoundingClientRect();
  return {categoryAxis: option.yAxis[0].type === 'category' ? 'y' : 'x', labels: texts.map(item => item.text),
          overlaps, svgRight: svg.right};
}"""


async def test_dashboard_bar_charts_turn_horizontal_with_readable_labels_on_a_phone(
    phone: Page,
) -> None:
    await sign_in(phone, "city", "/bureau")
    sub_regions = (
        await phone.get_by_role("table", name="下级地区明细")
        .locator("tbody th a")
        .all_inner_texts()
    )
    key_counties = (
        await phone.get_by_role("table", name="重点帮扶县明细")
        .locator("tbody th")
        .all_inner_texts()
    )
    for chart_id, names in (("ledger-chart", sub_regions), ("county-chart", key_counties)):
        await expect(phone.locator(f"#{chart_id} svg")).to_be_visible()
        labels = await phone.evaluate(CHART_LABELS, chart_id)
        assert labels["categoryAxis"] == "y", chart_id
        assert labels["overlaps"] == [], chart_id
        assert labels["svgRight"] <= 390
        # Every region is labelled (a long name may end in "…", never disappear).
        shown = [label.rstrip("…").rstrip(".") for label in labels["labels"]]
        for name in names:
            assert any(name.strip().startswith(label) and label for label in shown), (
                f"{name} missing in {chart_id}"
            )
    await save_screenshot(phone, "phone-city-dashboard")


async def test_dashboard_bar_charts_stay_vertical_on_a_desktop(page: Page) -> None:
    await sign_in(page, "city", "/bureau")
    await expect(page.locator("#ledger-chart svg")).to_be_visible()
    assert (await page.evaluate(CHART_LABELS, "ledger-chart"))["categoryAxis"] == "x"
