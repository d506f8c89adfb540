"""待办提醒 on each role's home (issue 14, item 11): every line's count is the database's (counted
here in SQL, tests/api/test_notices.expected), and every line leads to the page where it is done."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncSession

from models.db import create_engine
from tests.api.test_notices import expected
from tests.portal.conftest import save_screenshot, sign_in
from tests.portal.test_referrals import A_GRADUATE_OF_THE_DEMO_SCHOOL, DEMO_GRADUATE, refer

# username → (home, {kind: (the line's words around the count, where its link leads, a heading there)})
HOMES = {
    "graduate": (
        "/me",
        {
            "REFERRALS_AWAITING": (
                ("收到 ", " 条推荐，等待您接受或谢绝"),
                r"/me#referrals-title$",
                "^收到的推荐$",
            ),
            "APPLICATIONS_MOVED": (
                ("", " 份申请近 30 天有新进展"),
                r"/me#applications-title$",
                "^应聘记录$",
            ),
        },
    ),
    "school": (
        "/school",
        {
            "REFERRALS_AWAITING": (
                ("学生收到的推荐中有 ", " 条待确认"),
                r"/school/referrals$",
                "^推荐与投递$",
            ),
            "FOLLOW_UPS_DUE": (
                ("", " 项跟踪回访已逾期或 30 天内到期"),
                r"/school/follow-ups$",
                "^跟踪回访计划",
            ),
            "ALERTS_OPEN": (
                ("", " 条就业风险预警待处置"),
                r"/school/alerts$",
                "^就业风险预警",
            ),
        },
    ),
    "agency": (
        "/agency",
        {
            "REFERRALS_AWAITING": (
                ("您的推荐中有 ", " 条等待毕业生确认"),
                r"/agency/referrals$",
                "^推荐与投递$",
            ),
            "FOLLOW_UPS_DUE": (
                ("", " 项跟踪回访已逾期或 30 天内到期"),
                r"/agency/follow-ups$",
                "^跟踪回访计划",
            ),
            "ALERTS_OPEN": (
                ("", " 条就业风险预警待处置"),
                r"/agency/alerts$",
                "^就业风险预警",
            ),
        },
    ),
    "enterprise": (
        "/enterprise",
        {
            "APPLICATIONS_WAITING": (
                ("", " 份已投递的申请等待您处理"),
                r"/enterprise$",
                "^我的岗位",
            ),
        },
    ),
    "admin": (
        "/admin",
        {
            "JOIN_REQUESTS": (("", " 家单位的入盟申请等待审核"), r"/admin$", "^入盟申请审核"),
        },
    ),
}


async def counted(seeded_url: str, username: str) -> dict[str, int]:
    engine = create_engine(seeded_url)
    try:
        async with AsyncSession(engine) as session:
            return await expected(session, username)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("username", list(HOMES))
async def test_each_home_shows_what_waits_and_leads_there(
    page: Page, seeded_url: str, username: str
) -> None:
    # Something waits for the referring roles and the graduate, whatever earlier tests did.
    if username in ("graduate", "agency"):
        await refer(seeded_url, DEMO_GRADUATE, f"待办提醒测试（{username}）")
    if username == "school":
        await refer(seeded_url, A_GRADUATE_OF_THE_DEMO_SCHOOL, "待办提醒测试（school）")
    home, lines = HOMES[username]
    await sign_in(page, username, home)
    notices = page.get_by_role("region", name="待办提醒")
    await expect(notices).to_be_visible()
    await save_screenshot(page, f"{username}-home-notices")
    counts = await counted(seeded_url, username)
    shown = [kind for kind in lines if counts[kind]]
    assert "REFERRALS_AWAITING" in shown or username not in ("graduate", "school", "agency")
    await expect(notices.get_by_role("link")).to_have_count(len(shown))
    for kind in shown:
        (before, after), target, heading = lines[kind]
        await page.goto(home)
        link = page.get_by_role("region", name="待办提醒").get_by_role(
            "link", name=f"{before}{counts[kind]}{after}"
        )
        await expect(link).to_be_visible()
        await link.click()
        await expect(page).to_have_url(re.compile(target))
        await expect(page.get_by_role("heading", name=re.compile(heading)).first).to_be_visible()


async def test_answered_referrals_leave_the_notices(page: Page, seeded_url: str) -> None:
    """The graduate answers every referral: its line goes, and the database agrees."""
    await sign_in(page, "graduate", "/me")
    while await page.get_by_role("button", name=re.compile("^接受推荐：")).count():
        await page.get_by_role("button", name=re.compile("^接受推荐：")).first.click()
        await expect(page.get_by_role("status")).to_contain_text("已接受推荐")
    notices = page.get_by_role("region", name="待办提醒")
    await expect(notices.get_by_role("link", name=re.compile("条推荐"))).to_have_count(0)
    assert (await counted(seeded_url, "graduate"))["REFERRALS_AWAITING"] == 0
