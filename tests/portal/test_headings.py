"""Headings say what the table holds, with the count the API gives the same user (issue 14, item 8)."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.portal.conftest import sign_in
from tests.portal.test_phones import api_as

LEDGER_COUNT = """query($school: ID!) { students: persons(ledger: STUDENTS, filter: { school: $school }, first: 1) { totalCount }
  graduates: persons(ledger: GRADUATES, filter: { school: $school }, first: 1) { totalCount }
  viewer { organisation { id } } }"""
SCHOOL = """query { viewer { organisation { id } } }"""


async def test_the_school_ledger_heading_names_the_ledger_and_its_count(
    page: Page, seeded_url: str
) -> None:
    school = (await api_as(seeded_url, "school", SCHOOL))["viewer"]["organisation"]["id"]
    counts = await api_as(seeded_url, "school", LEDGER_COUNT, school=school)
    await sign_in(page, "school", "/school")
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text(
        f"本校雨露计划在读学生台账（共 {counts['students']['totalCount']} 人）"
    )
    await expect(page.get_by_role("table", name="本校雨露计划在读学生台账")).to_be_visible()
    await page.goto("/school?ledger=GRADUATES")
    await expect(heading).to_have_text(
        f"本校雨露计划毕业生台账（共 {counts['graduates']['totalCount']} 人）"
    )


async def test_the_enterprise_headings_count_its_positions_and_applications(
    page: Page, seeded_url: str
) -> None:
    total = await api_as(seeded_url, "enterprise", """query { viewer { organisation { id } } }""")
    organisation = total["viewer"]["organisation"]["id"]
    data = await api_as(
        seeded_url,
        "enterprise",
        """query($org: ID!) {
      positions(filter: { enterprise: $org }, first: 1) { totalCount } }""",
        org=organisation,
    )
    await sign_in(page, "enterprise", "/enterprise")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"我的岗位（本单位发布，共 {data['positions']['totalCount']} 个）"
    )
    await page.locator("tbody a").first.click()
    cards = await page.locator(".pipeline article").count()
    await expect(page.get_by_role("heading", name="应聘进度：进行中的申请")).to_have_text(
        f"应聘进度：进行中的申请（共 {cards} 份）"
    )
