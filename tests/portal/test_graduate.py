"""The graduate end to end: the consent switch, intentions with inline errors, own file."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.portal.conftest import assert_accessible_basics, save_screenshot, sign_in


async def test_graduate_switches_consent_and_saves_intentions(page: Page) -> None:
    await sign_in(page, "graduate", "/me")
    await expect(page.get_by_role("heading", name="我的档案")).to_be_visible()
    await assert_accessible_basics(page)
    await save_screenshot(page, "graduate-home")

    consent = page.get_by_label("同意向用工企业和人力资源服务机构展示我的信息")
    await consent.check()
    await page.get_by_role("button", name="保存授权设置").click()
    await expect(page.get_by_role("status")).to_contain_text("已授权")
    await expect(consent).to_be_checked()
    await expect(page.locator("dl.facts").first).to_contain_text("已同意向企业和服务机构展示")

    await page.get_by_label("期望月薪（元）").fill("2000000")  # the API allows up to 1,000,000
    await page.get_by_role("button", name="保存意向").click()
    await expect(page.locator("#expectedSalary-error")).to_have_text("期望月薪（元）应在 0 至 1,000,000 之间。")
    await expect(page.get_by_label("期望月薪（元）")).to_have_value("2000000")

    await page.get_by_label("期望月薪（元）").fill("5200")
    await page.get_by_label("愿意去哪里工作").select_option(label="省内县外")
    await page.get_by_role("button", name="保存意向").click()
    await expect(page.get_by_role("status")).to_contain_text("求职意向已保存")
    await expect(page.get_by_role("region", name="求职意向", exact=True)).to_contain_text("5200 元")
    await expect(page.get_by_role("region", name="求职意向", exact=True)).to_contain_text("省内县外")


async def test_graduate_sees_matched_positions_with_reasons_and_applies(page: Page) -> None:
    await sign_in(page, "graduate", "/me")
    section = page.get_by_role("region", name="为我匹配的岗位")
    await expect(section).to_be_visible()
    matches = section.get_by_role("listitem").filter(has=page.locator("h3"))
    assert await matches.count() >= 1
    first = matches.first
    await expect(first.locator(".score")).to_have_text(re.compile(r"^匹配度 \d{1,3}$"))
    await expect(first.get_by_role("heading", name="为什么推荐")).to_be_visible()
    await expect(first.get_by_role("heading", name="缺少什么")).to_be_visible()
    await save_screenshot(page, "graduate-matched-positions")

    item = matches.filter(has=page.get_by_role("button", name=re.compile("^投递"))).first
    title = (await item.locator("h3").inner_text()).strip()
    await item.get_by_role("button", name=re.compile("^投递")).click()
    await expect(page.get_by_role("status")).to_contain_text("已投递")
    await expect(page.get_by_role("region", name="应聘记录")).to_contain_text(title)
