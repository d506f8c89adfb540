"""Addresses and forms a user (or a script) tampered with get a Chinese 400 page, never a 500:
the API's refusal of a value reaches the user as 请求有误."""

from __future__ import annotations

import base64

import pytest
from playwright.async_api import Page, expect

from tests.portal.conftest import sign_in

HUGE = "99999999999999999999"
TAMPERED_ADDRESSES = [
    "/school?after=!!",  # not a cursor of ours
    f"/school?cohortYear={HUGE}",  # beyond a GraphQL Int
    "/school?after=" + base64.b64encode(f"offset:{HUGE}".encode()).decode(),  # beyond any row
]


@pytest.mark.parametrize("address", TAMPERED_ADDRESSES)
async def test_a_tampered_address_is_a_400_page(page: Page, address: str) -> None:
    await sign_in(page, "school", "/school")
    response = await page.goto(address)
    assert response.status == 400
    await expect(page.get_by_role("heading", name="请求有误")).to_be_visible()


async def test_a_tampered_form_is_a_400_page_and_records_nothing(page: Page) -> None:
    await sign_in(page, "school", "/school")
    await page.goto("/school?ledger=GRADUATES")
    await page.locator("tbody a").first.click()
    follow_ups = page.locator("section", has=page.get_by_role("heading", name="跟踪回访"))
    before = await follow_ups.inner_text()
    token = await page.locator("input[name=csrf_token]").first.input_value()
    response = await page.request.post(
        page.url + "/follow-ups",
        form={"csrf_token": token, "status": "NOT_A_STATUS", "onDate": "2026-11-01"},
    )
    assert response.status == 400 and "请求有误" in await response.text()
    await page.reload()
    assert await follow_ups.inner_text() == before
