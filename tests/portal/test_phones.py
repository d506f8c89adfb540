"""Contact where promised (issue 14, item 5): the graduate's phone is shown wherever the rules
grant it — the enterprise's pipeline cards and matched candidates, the agency's matched
graduates, help file and fair registrations, the school's person file — exactly as the API
returns it to the same user for the same person: a number to call in clear, a masked 138****5678
marked as hidden (with 毕业生同意后可见 where the graduate's consent would clear it), never a
masked number dressed as a real one."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import unquote

from playwright.async_api import Locator, Page, expect
from sqlalchemy import select

from auth import scopes
from auth.viewer import Viewer
from models.db import create_engine, session_factory
from models.organisations import User
from resolvers.context import Context
from schema.api import build_schema
from tests.portal.conftest import save_screenshot, sign_in

MASKED = re.compile(r"^1\d{2}\*{4}\d{4}$")
CLEAR = re.compile(r"^1\d{10}$")
SHOWN_PHONES = """(root) => [...root.querySelectorAll('.phone')].map(el => ({
  text: el.textContent.trim(), masked: el.classList.contains('masked'), link: el.tagName === 'A',
  href: el.getAttribute('href'),
  hint: el.nextElementSibling && el.nextElementSibling.classList.contains('phone-hint')
        ? el.nextElementSibling.textContent.trim() : null}))"""


async def api_as(seeded_url: str, username: str, query: str, **variables) -> dict:
    """The API's own answer to ``username`` (the portal's user), outside the portal's code."""
    engine = create_engine(seeded_url)
    try:
        async with session_factory(engine)() as session:
            user = (await session.scalars(select(User).where(User.username == username))).one()
            viewer = Viewer(
                user_id=user.id,
                role=user.role,
                organisation_id=user.organisation_id,
                scopes=frozenset({scopes.READ, scopes.WRITE, scopes.PERSONAL}),
            )
            result = await build_schema().execute(
                query,
                variable_values=variables,
                context_value=Context(session=session, viewer=viewer),
            )
            await session.rollback()  # the audit of this read is the test's, not the user's
    finally:
        await engine.dispose()
    assert result.errors is None, result.errors
    return result.data


async def shown_phones(root: Locator) -> list[dict]:
    return await root.evaluate(SHOWN_PHONES)


def check_each_is_shown_as_the_api_gives_it(shown: list[dict], consent_hint: bool) -> None:
    for phone in shown:
        if MASKED.match(phone["text"]):
            assert phone["masked"] and not phone["link"], phone  # never a number to dial
            assert phone["hint"] == ("（毕业生同意后可见）" if consent_hint else "（已隐去）"), (
                phone
            )
        else:
            assert (
                CLEAR.match(phone["text"])
                and phone["link"]
                and phone["href"] == f"tel:{phone['text']}"
            ), phone


def node_id(page: Page) -> str:
    return unquote(page.url.split("?")[0].rstrip("/").split("/")[-1])


PIPELINE = """query($id: ID!) { node(id: $id) { ... on Position {
  applications { stage person { phone } }
  matchedGraduates(first: 5) { edges { node { graduate { phone } } } } } } }"""
OPEN_STAGES = {"RECOMMENDED", "APPLIED", "INTERVIEW", "OFFER", "HIRED"}


async def test_the_enterprise_sees_applicants_and_candidates_phones_as_the_api_gives_them(
    page: Page, seeded_url: str
) -> None:
    await sign_in(page, "enterprise", "/enterprise")
    seen_masked = seen_clear = False
    links = page.locator("tbody a")
    for index in range(await links.count()):
        await links.nth(index).click()
        position = (await api_as(seeded_url, "enterprise", PIPELINE, id=node_id(page)))["node"]
        cards = page.locator(".pipeline article")
        shown = await shown_phones(page.locator(".pipeline"))
        expected = [
            a["person"]["phone"] for a in position["applications"] if a["stage"] in OPEN_STAGES
        ]
        assert await cards.count() == len(expected)
        assert Counter(p["text"] for p in shown) == Counter(p or "未登记" for p in expected)
        check_each_is_shown_as_the_api_gives_it(shown, consent_hint=True)
        matches = page.get_by_role("region", name="匹配的候选人")
        if await matches.count():
            shown_matches = await shown_phones(matches)
            assert [p["text"] for p in shown_matches] == [
                e["node"]["graduate"]["phone"] for e in position["matchedGraduates"]["edges"]
            ]
            check_each_is_shown_as_the_api_gives_it(shown_matches, consent_hint=True)
            shown += shown_matches
        seen_masked |= any(p["masked"] for p in shown)
        seen_clear |= any(p["link"] for p in shown)
        if seen_masked and seen_clear:
            break
        await page.go_back()
    assert seen_masked and seen_clear, "the test data should hold both a masked and a cleared phone"
    masked = page.locator(".phone.masked").first
    await expect(masked.locator("xpath=following-sibling::*[1]")).to_have_text(
        "（毕业生同意后可见）"
    )
    await save_screenshot(page, "enterprise-pipeline-phones")


MATCHED = """query($id: ID!) { node(id: $id) { ... on Position {
  matchedGraduates(first: 10) { edges { node { graduate { phone } } } } } } }"""


async def test_the_agency_sees_matched_graduates_phones_as_the_api_gives_them(
    page: Page, seeded_url: str
) -> None:
    await sign_in(page, "agency", "/agency")
    await page.locator(".items .item a, tbody a").first.click()
    await expect(page.get_by_role("heading", name="匹配的毕业生")).to_be_visible()
    data = await api_as(seeded_url, "agency", MATCHED, id=node_id(page))
    shown = await shown_phones(page.locator("main"))
    assert [p["text"] for p in shown] == [
        e["node"]["graduate"]["phone"] for e in data["node"]["matchedGraduates"]["edges"]
    ]
    assert shown, "a position with matched graduates"
    check_each_is_shown_as_the_api_gives_it(shown, consent_hint=True)
    await save_screenshot(page, "agency-matched-phones")


HELP_PERSON = """query($id: ID!) { node(id: $id) { ... on Person { phone } } }"""
FAIR = """query($id: ID!) { node(id: $id) { ... on Fair { registrations { phone } } } }"""


async def test_the_agency_sees_the_phone_in_the_help_file_and_fair_registrations(
    page: Page, seeded_url: str
) -> None:
    await sign_in(page, "agency", "/agency")
    await page.goto("/agency/people")
    await page.locator("tbody a").first.click()
    expected = (await api_as(seeded_url, "agency", HELP_PERSON, id=node_id(page)))["node"]["phone"]
    about = page.get_by_role("region", name="基本情况")
    shown = await shown_phones(about)
    assert [p["text"] for p in shown] == [expected]
    check_each_is_shown_as_the_api_gives_it(shown, consent_hint=True)

    await page.goto("/agency/fairs")
    await page.locator("main a[href^='/agency/fairs/']").first.click()
    registrations = (await api_as(seeded_url, "agency", FAIR, id=node_id(page)))["node"][
        "registrations"
    ]
    assert registrations, "the agency's first fair has registrations in the test data"
    table = page.locator("table", has=page.get_by_role("columnheader", name="联系电话"))
    shown = await shown_phones(table)
    assert [p["text"] for p in shown] == [r["phone"] or "未登记" for r in registrations]
    check_each_is_shown_as_the_api_gives_it(shown, consent_hint=True)
    await save_screenshot(page, "agency-fair-registrations-phones")


async def test_the_school_sees_its_student_s_phone_in_clear(page: Page, seeded_url: str) -> None:
    await sign_in(page, "school", "/school")
    await page.locator("tbody a").first.click()
    expected = (await api_as(seeded_url, "school", HELP_PERSON, id=node_id(page)))["node"]["phone"]
    assert CLEAR.match(expected)  # the school's own student: the API answers in clear
    phone = page.locator(".phone")
    await expect(phone).to_have_count(1)
    await expect(phone).to_have_text(expected)
    await expect(phone).to_have_attribute("href", f"tel:{expected}")


def test_the_consent_hint_follows_the_rules_of_the_privacy_model():
    """README's grants table: consent clears a graduate for enterprises and agencies only."""
    from auth import rules
    from models.organisations import Role

    assert {role for role in Role if rules.consent_clears(role)} == {Role.ENTERPRISE, Role.AGENCY}
