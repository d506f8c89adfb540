"""The system administrator: join requests awaiting approval, approved or rejected in one click."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from tests.portal.conftest import PASSWORD, assert_accessible_basics, save_screenshot, sign_in


async def test_admin_approves_and_rejects_join_requests(page: Page) -> None:
    await sign_in(page, "admin", "/admin")
    await expect(page.get_by_role("heading", name="入盟申请审核")).to_be_visible()
    await assert_accessible_basics(page)
    await save_screenshot(page, "admin-home")

    items = page.locator(".items .item")
    waiting = await items.count()
    assert waiting >= 2
    first = (await items.nth(0).locator("h3").inner_text()).strip()
    second = (await items.nth(1).locator("h3").inner_text()).strip()
    await expect(items.first).to_contain_text("待审核")
    await expect(items.first).to_contain_text(re.compile(r"统一社会信用代码：[0-9A-Z]{18}"))

    await page.get_by_role("button", name=f"批准 {first}").click()
    await expect(page.get_by_role("status")).to_contain_text(f"已批准{first}加入联盟")
    # Approving offers the member's first account; the request list no longer holds it.
    await expect(page.get_by_role("heading", name=f"{first} · 开设第一个登录账号")).to_be_visible()
    await page.goto("/admin")
    await expect(page.locator(".items h3", has_text=first)).to_have_count(0)

    await page.get_by_role("button", name=f"驳回 {second}").click()
    await expect(page.get_by_role("status")).to_contain_text(f"已驳回{second}的入盟申请")
    await expect(items).to_have_count(waiting - 2)
    await page.reload()  # decided for good, not only hidden
    await expect(
        page.locator(
            ".items h3", has_text=re.compile(f"^({re.escape(first)}|{re.escape(second)})$")
        )
    ).to_have_count(0)


async def test_the_admin_page_is_only_for_admins(page: Page) -> None:
    await sign_in(page, "school", "/school")
    response = await page.goto("/admin")
    assert response.status == 403


async def test_admin_registers_an_oauth_client_sees_its_secret_once_and_deletes_it(
    page: Page,
) -> None:
    await sign_in(page, "admin", "/admin")
    await (
        page.get_by_role("navigation", name="主导航")
        .get_by_role("link", name="OAuth 客户端")
        .click()
    )
    await expect(page.get_by_role("heading", name="OAuth 客户端与签名密钥")).to_be_visible()
    clients = page.get_by_role("table", name="已登记的 OAuth 客户端")
    await expect(clients.get_by_role("row", name=re.compile("yulu-portal"))).to_contain_text(
        "门户自用，不可删除"
    )
    await assert_accessible_basics(page)

    await page.get_by_label("客户端 ID").fill("county-erp")
    await page.get_by_label("名称", exact=True).fill("县级就业信息系统")
    await page.get_by_label("回调地址").fill("https://erp.example.cn/callback")
    await page.get_by_label("机密客户端（服务器端应用，发放客户端密钥）").check()
    await page.get_by_role("button", name="登记客户端").click()
    created = page.get_by_role("status")
    await expect(created).to_contain_text("已创建客户端 county-erp")
    await expect(created).to_contain_text("只显示这一次")
    secret = (await page.locator("#client-secret").inner_text()).strip()
    assert len(secret) >= 32
    await save_screenshot(page, "admin-client-secret")
    await expect(clients.get_by_role("row", name=re.compile("county-erp"))).to_contain_text(
        "县级就业信息系统"
    )

    await page.goto("/admin/clients")  # never again
    await expect(page.locator("#client-secret")).to_have_count(0)
    assert secret not in await page.content()

    # The same ID again: the API's error next to its field, what was typed kept.
    await page.get_by_label("客户端 ID").fill("county-erp")
    await page.get_by_label("回调地址").fill("https://erp.example.cn/callback")
    await page.get_by_role("button", name="登记客户端").click()
    await expect(page.locator("#clientId-error")).to_have_text("该客户端 ID 已存在。")
    await expect(page.get_by_label("客户端 ID")).to_have_attribute("aria-invalid", "true")

    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="删除客户端 county-erp").click()
    await expect(page.get_by_role("status")).to_contain_text("已删除客户端 county-erp")
    await expect(clients.get_by_role("row", name=re.compile("county-erp"))).to_have_count(0)


async def test_admin_rotates_the_signing_keys_and_stays_signed_in(page: Page) -> None:
    await sign_in(page, "admin", "/admin")
    await page.goto("/admin/clients")
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="轮换签名密钥").click()
    await expect(page.get_by_role("status")).to_contain_text("已生成新的签名密钥")
    await page.goto("/admin/users")  # the token signed with the previous key still works
    await expect(page.get_by_role("heading", name="用户账号")).to_be_visible()
    # A token signed with the new key at once: the API looks its own new kid up straight away.
    await page.get_by_role("button", name="退出登录").click()
    await sign_in(page, "admin", "/admin")
    await expect(page.get_by_role("heading", name="入盟申请审核")).to_be_visible()


async def test_admin_manages_user_accounts(page: Page, browser: Browser, portal_url: str) -> None:
    await sign_in(page, "admin", "/admin")
    await page.get_by_role("navigation", name="主导航").get_by_role("link", name="用户账号").click()
    accounts = page.get_by_role("table", name="登录账号")
    await expect(
        accounts.locator("tbody tr").filter(has=page.get_by_text("school", exact=True))
    ).to_contain_text("职业院校")
    await assert_accessible_basics(page)
    await save_screenshot(page, "admin-users")

    # Too short a password: the API's rule next to the field; nothing typed comes back as a password.
    school = page.locator("#organisationId option", has_text="（职业院校）").first
    await page.get_by_label("用户名").fill("school-officer-2")
    await page.get_by_label("初始密码").fill("short")
    await page.get_by_label("显示名称").fill("招生就业处 王老师")
    await page.get_by_label("角色").select_option("SCHOOL")
    await page.get_by_label("所属单位").select_option(await school.get_attribute("value"))
    await page.get_by_role("button", name="创建账号").click()
    await expect(page.locator("#password-error")).to_contain_text("至少需要 12 个字符")
    await expect(page.get_by_label("用户名")).to_have_value("school-officer-2")
    await page.get_by_label("初始密码").fill("a-long-enough-password")
    await page.get_by_role("button", name="创建账号").click()
    await expect(page.get_by_role("status")).to_contain_text("已创建账号 school-officer-2")
    row = accounts.get_by_role("row", name=re.compile("school-officer-2"))
    await expect(row).to_contain_text("正常")

    # Five wrong passwords lock the account (in another browser), the admin lifts the lock.
    other = await browser.new_context(base_url=portal_url, locale="zh-CN")
    visitor = await other.new_page()
    await visitor.goto("/auth/login")
    for _ in range(5):
        await visitor.get_by_label("用户名").fill("school-officer-2")
        await visitor.get_by_label("密码").fill("not-the-password")
        await visitor.get_by_role("button", name="登录").click()
        await expect(visitor.get_by_role("alert")).to_be_visible()
    await page.reload()
    await expect(row).to_contain_text("已锁定")
    await page.get_by_role("button", name="解除锁定 school-officer-2").click()
    await expect(page.get_by_role("status")).to_contain_text("已解除 school-officer-2 的登录锁定")
    await expect(row).to_contain_text("正常")

    # A new password, and the officer signs in with it.
    await row.get_by_text("重置密码").click()
    await row.get_by_label("school-officer-2 的新密码").fill(PASSWORD)
    await row.get_by_role("button", name="设置新密码").click()
    await expect(page.get_by_role("status")).to_contain_text("已为 school-officer-2 设置新密码")
    await sign_in(visitor, "school-officer-2", "/school")
    await other.close()

    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="停用 school-officer-2").click()
    await expect(page.get_by_role("status")).to_contain_text("已停用 school-officer-2")
    await expect(row).to_contain_text("已停用")


async def test_client_and_account_pages_are_only_for_admins(page: Page) -> None:
    await sign_in(page, "county", "/bureau")
    for path in ("/admin/clients", "/admin/users"):
        response = await page.goto(path)
        assert response.status == 403
