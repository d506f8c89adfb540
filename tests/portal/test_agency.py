"""The agency end to end: the demand list, a one-click referral, a fair with positions and
registered graduates."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.async_api import Page, expect

from resolvers.outcomes import today as china_today
from tests.portal.conftest import assert_accessible_basics, save_screenshot, sign_in


async def test_agency_refers_a_graduate_in_one_click(page: Page) -> None:
    await sign_in(page, "agency", "/agency")
    await expect(page.get_by_role("heading", name="岗位需求清单")).to_be_visible()
    await assert_accessible_basics(page)
    await save_screenshot(page, "agency-home")

    positions = page.locator(".items h3 a")
    for index in range(await positions.count()):
        await positions.nth(index).click()
        if await page.get_by_role("button", name="一键推荐").count():
            break
        await page.go_back()
    # Matched graduates, best first, each explained: score, why (为什么推荐), what is missing.
    await expect(page.get_by_role("heading", name="匹配的毕业生")).to_be_visible()
    scores = [
        int(text.removeprefix("匹配度 "))
        for text in await page.locator(".items .score").all_inner_texts()
    ]
    assert scores == sorted(scores, reverse=True) and all(0 <= score <= 100 for score in scores)
    candidate = page.locator(".items .item", has=page.get_by_role("button", name="一键推荐")).first
    await expect(candidate.get_by_role("heading", name="为什么推荐")).to_be_visible()
    await expect(
        candidate.get_by_role("list", name="为什么推荐").locator("li").first
    ).not_to_be_empty()
    await expect(candidate.get_by_role("heading", name="缺少什么")).to_be_visible()
    await assert_accessible_basics(page)
    await save_screenshot(page, "agency-matched-graduates")
    name = await candidate.get_attribute("aria-label")
    await candidate.get_by_role("button", name="一键推荐").click()
    await expect(page.get_by_role("status")).to_contain_text("已推荐")
    referred = page.locator(".items .item", has_text=name).filter(has_text="已推荐或已投递")
    assert (
        await referred.count() >= 1
        or await page.locator(".items .item", has_text=name).count() == 0
    )


async def test_agency_runs_a_fair(page: Page) -> None:
    await sign_in(page, "agency", "/agency")
    await page.get_by_role("link", name="专场招聘会").click()
    start = china_today() + timedelta(days=14)
    await page.get_by_label("名称").fill("城口县雨露计划毕业生专场（浏览器测试）")
    await page.get_by_label("开始日期").fill(start.isoformat())
    await page.get_by_label("结束日期").fill((start + timedelta(days=1)).isoformat())
    await page.get_by_role("button", name="创建招聘会").click()
    await expect(page.get_by_role("status")).to_contain_text("招聘会已创建")

    await page.get_by_role("combobox", name=re.compile("^在招岗位")).select_option(index=1)
    await page.get_by_role("button", name="加入招聘会").click()
    await expect(page.get_by_role("status")).to_contain_text("岗位及其企业已加入招聘会")
    await expect(page.get_by_role("heading", name="参会岗位（1）")).to_be_visible()

    register = page.get_by_role("region", name="登记毕业生", exact=True).get_by_role(
        "button", name=re.compile("^登记参会：.+$")
    )
    await register.first.click()
    await expect(page.get_by_role("status")).to_contain_text("毕业生已登记参会")
    await expect(page.get_by_role("heading", name="登记的毕业生（1）")).to_be_visible()

    # The fair shortlist: the optimal assignment under headcounts, each pair explained.
    await register.first.click()
    await expect(page.get_by_role("status")).to_contain_text("毕业生已登记参会")
    await page.get_by_role("link", name="生成推荐名单").click()
    shortlist = page.get_by_role("region", name="推荐名单")
    await expect(shortlist).to_contain_text(re.compile(r"已分配 \d+ 人"))
    pairs = shortlist.get_by_role("listitem").filter(has=page.locator("h3"))
    await expect(pairs.first.locator("h3")).to_contain_text("→")
    await expect(pairs.first.get_by_role("heading", name="为什么推荐")).to_be_visible()
    await expect(pairs.first.locator(".score")).to_have_text(re.compile(r"^匹配度 \d{1,3}$"))
    await save_screenshot(page, "agency-fair-shortlist")
