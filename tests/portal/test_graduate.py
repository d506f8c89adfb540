"""The graduate end to end: the consent switch, intentions (desired occupations and regions too)
with inline errors, own file, registering for a fair."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.async_api import Page, expect
from sqlalchemy import text

from models.db import create_engine
from resolvers.outcomes import today as china_today
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
    await expect(page.locator("#expectedSalary-error")).to_have_text(
        "期望月薪（元）应在 0 至 1,000,000 之间。"
    )
    await expect(page.get_by_label("期望月薪（元）")).to_have_value("2000000")

    await page.get_by_label("期望月薪（元）").fill("5200")
    await page.get_by_label("愿意去哪里工作").select_option(label="省内县外")
    await page.get_by_role("button", name="保存意向").click()
    await expect(page.get_by_role("status")).to_contain_text("求职意向已保存")
    await expect(page.get_by_role("region", name="求职意向", exact=True)).to_contain_text("5200 元")
    await expect(page.get_by_role("region", name="求职意向", exact=True)).to_contain_text(
        "省内县外"
    )


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
    await expect(page.get_by_role("region", name="应聘记录", exact=True)).to_contain_text(title)


async def test_graduate_chooses_desired_occupations_and_regions(
    page: Page, seeded_url: str
) -> None:
    await sign_in(page, "graduate", "/me")
    occupations = page.get_by_label("意向职业（最多 5 项）")
    regions = page.get_by_label("意向地区（最多 5 项）")
    await assert_accessible_basics(page)

    six = (await occupations.locator("option").all_inner_texts())[:6]
    await occupations.select_option(label=six)
    await page.get_by_role("button", name="保存意向").click()
    await expect(page.locator("#occupationCodes-error")).to_have_text("意向职业最多选择 5 项。")
    await expect(page.get_by_label("意向职业（最多 5 项）")).to_have_attribute(
        "aria-invalid", "true"
    )

    await page.get_by_label("我的证书").fill("电工证、" + "长" * 33)
    await page.get_by_role("button", name="保存意向").click()
    await expect(page.locator("#certificates-error")).to_have_text(
        "「我的证书」每项证书名称须为 1 至 32 个字。"
    )

    await page.get_by_label("我的证书").fill("电工证、叉车证")
    await page.get_by_label("意向职业（最多 5 项）").select_option(label=six[:2])
    await regions.select_option(["500000", "500229"])  # 重庆市, 城口县
    await page.get_by_role("button", name="保存意向").click()
    await expect(page.get_by_role("status")).to_contain_text("求职意向已保存")
    facts = page.get_by_role("region", name="求职意向", exact=True)
    for chosen in [*(label.split("（")[0] for label in six[:2]), "重庆市", "城口县"]:
        await expect(facts).to_contain_text(chosen)
    await expect(regions.locator("option:checked")).to_have_count(2)
    await expect(page.get_by_role("region", name="基本信息")).to_contain_text("电工证、叉车证")
    await expect(page.get_by_label("我的证书")).to_have_value("电工证、叉车证")

    engine = create_engine(seeded_url)
    try:
        async with engine.connect() as connection:
            stored = set(
                (
                    await connection.execute(
                        text(
                            "SELECT r.name FROM employment_intention_regions r0 JOIN regions r ON r.code = r0.region_code "
                            "JOIN employment_intentions i ON i.id = r0.intention_id "
                            "JOIN users u ON u.person_id = i.person_id WHERE u.username = 'graduate'"
                        )
                    )
                ).scalars()
            )
    finally:
        await engine.dispose()
    assert stored == {"重庆市", "城口县"}


async def test_graduate_registers_for_an_upcoming_fair(page: Page, seeded_url: str) -> None:
    name = f"浏览器测试招聘会 {china_today().isoformat()}"
    engine = create_engine(seeded_url)
    try:
        async with engine.begin() as connection:
            organiser = await connection.scalar(
                text("SELECT organisation_id FROM users WHERE username = 'agency'")
            )
            await connection.execute(
                text(
                    "INSERT INTO fairs (organiser_id, name, kind, mode, region_code, starts_on, ends_on, created_at, updated_at) "
                    "VALUES (:o, :n, 'general', 'offline', '500229', :s, :e, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {
                    "o": organiser,
                    "n": name,
                    "s": china_today() + timedelta(days=10),
                    "e": china_today() + timedelta(days=11),
                },
            )
    finally:
        await engine.dispose()

    await sign_in(page, "graduate", "/me")
    fair = page.get_by_role("region", name=re.compile("^近期招聘会")).get_by_role(
        "listitem", name=f"招聘会 {name}"
    )
    await expect(fair).to_contain_text("城口县")
    await fair.get_by_role("button", name=f"报名：{name}").click()
    await expect(page.get_by_role("status")).to_contain_text("已报名招聘会")
    await expect(fair).to_contain_text("已报名")
    await expect(fair.get_by_role("button")).to_have_count(0)
