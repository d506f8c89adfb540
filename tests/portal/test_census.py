"""Issue 12 in the browser: a county bureau records a family of two children (one household) and
changes its category; a school enrols a new student (the county accepts the request), corrects
them and graduates them; the admin sets up a bureau; a bureau approves a join request and opens
the member's first account, which then signs in with its one-time password.

Expected values come from the test itself or plain SQL on the portal's database."""

from __future__ import annotations

import itertools
import re

import httpx2
from playwright.async_api import Browser, Page, expect
from sqlalchemy import text
from stdnum.cn import ric

from models.db import create_engine
from seeds import identity
from tests.portal.conftest import assert_accessible_basics, save_screenshot, sign_in
from tests.portal.test_accessibility import AXE, GATED_IMPACTS, GATED_RULES, RUN_AXE

COUNTY = "500229"  # 城口县: the demo county bureau's region and the demo school's
_serials = itertools.count(401)


async def _rows(url: str, sql: str, **params) -> list[dict]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return [dict(r) for r in (await connection.execute(text(sql), params)).mappings()]
    finally:
        await engine.dispose()


async def fresh_id_number(url: str, birth: str = "20100601") -> str:
    """A valid resident ID number of the county (GB 11643) that nobody holds."""
    while True:
        first_17 = f"{COUNTY}{birth}{next(_serials):03d}"
        number = first_17 + ric.calc_check_digit(first_17 + "?")
        if not await _rows(url, "SELECT id FROM persons WHERE id_number = :n", n=number):
            return number


async def assert_axe_clean(page: Page) -> None:
    """The accessibility walk's gate, for a page it cannot reach (tests/portal/test_accessibility);
    axe comes in as an init script (the pages' CSP allows no inline script)."""
    gated = [
        violation
        for violation in await page.evaluate(RUN_AXE)
        if violation["impact"] in GATED_IMPACTS or violation["id"] in GATED_RULES
    ]
    assert gated == [], gated


async def _record_child(page: Page, name: str, id_number: str, number: str) -> None:
    await page.goto("/bureau/people/new")
    form = page.get_by_role("form", name="登记子女")
    await form.get_by_label("姓名").fill(name)
    await form.get_by_label("身份证号").fill(id_number)
    await form.get_by_label("户号").fill(number)
    await form.get_by_label("家庭类别").select_option(label="脱贫不稳定户")
    await form.get_by_role("button", name="保存").click()
    await expect(page.get_by_role("status")).to_contain_text("已记入")
    await expect(page.get_by_role("link", name=name)).to_be_visible()


async def test_a_county_bureau_records_a_family_of_two_children(
    page: Page, seeded_url: str
) -> None:
    first, second = await fresh_id_number(seeded_url), await fresh_id_number(seeded_url)
    await sign_in(page, "county", "/bureau")
    await page.get_by_role("navigation", name="主导航").get_by_role("link", name="摸底台账").click()
    await assert_accessible_basics(page)
    await _record_child(page, "王春花", first, "HH-PORTAL-01")
    await _record_child(page, "王秋实", second, "HH-PORTAL-01")

    [one, two] = await _rows(
        seeded_url,
        "SELECT household_id FROM persons WHERE id_number IN (:a, :b)",
        a=first,
        b=second,
    )
    assert one == two, "siblings share one household"

    await page.goto("/bureau/households")
    await page.get_by_label("户号").fill("HH-PORTAL-01")
    await page.get_by_role("button", name="查找").click()
    await expect(page.get_by_role("heading", name="找到 1 户")).to_be_visible()
    household = page.locator("section.card", has_text="户号 HH-PORTAL-01")
    await expect(household).to_contain_text("王春花")
    await expect(household).to_contain_text("王秋实")
    await assert_accessible_basics(page)

    await household.get_by_label("新的家庭类别").select_option(label="脱贫户")
    await household.get_by_label("变更原因").fill("务工收入稳定，风险消除")
    await household.get_by_role("button", name="变更家庭类别").click()
    await expect(page.get_by_role("status")).to_contain_text("家庭类别已变更")
    await expect(household).to_contain_text("脱贫不稳定户 → 脱贫户（务工收入稳定，风险消除）")
    await save_screenshot(page, "bureau-household")
    [stored] = await _rows(
        seeded_url,
        "SELECT h.category, count(c.id) AS changes FROM households h JOIN household_category_changes c "
        "ON c.household_id = h.id WHERE h.id = :h GROUP BY h.category",
        h=one["household_id"],
    )
    assert stored == {"category": "lifted", "changes": 2}


async def test_a_school_enrols_corrects_and_graduates_a_student(
    page: Page, second: Page, seeded_url: str
) -> None:
    number = await fresh_id_number(seeded_url, "20080315")
    await sign_in(page, "school", "/school")
    await page.get_by_role("navigation", name="主导航").get_by_role("link", name="登记学生").click()
    form = page.get_by_role("form", name="登记学生")
    await form.get_by_label("姓名").fill("赵新生")
    await form.get_by_label("身份证号").fill(number)
    await form.get_by_label("专业").select_option(index=0)
    await form.get_by_label("户籍地（县）").select_option(COUNTY)
    await assert_accessible_basics(page)
    await form.get_by_role("button", name="保存").click()
    await expect(page.get_by_role("status")).to_contain_text("已提交入学申请")
    assert not await _rows(seeded_url, "SELECT id FROM persons WHERE id_number = :n", n=number)

    # The county bureau of the household accepts the request.
    await sign_in(second, "county", "/bureau")
    await second.goto("/bureau/transfers")
    await second.get_by_role("button", name="同意 赵新生", exact=True).click()
    await expect(second.get_by_role("status")).to_contain_text("已同意")

    await page.goto(f"/school?search={number}")
    await page.get_by_role("link", name="赵新生").click()
    correct = page.locator("section", has=page.get_by_role("heading", name="更正学生信息"))
    await correct.get_by_label("姓名").fill("赵欣生")
    await correct.get_by_label("联系电话").fill("13912345678")
    await correct.get_by_role("button", name="保存更正").click()
    await expect(page.get_by_role("status")).to_contain_text("学生信息已更正")
    await expect(page.get_by_role("heading", name="赵欣生 · 一人一档")).to_be_visible()

    graduation = page.locator("section", has=page.get_by_role("heading", name="办理毕业"))
    await graduation.get_by_label("毕业年份").fill("2026")
    await graduation.get_by_role("button", name="办理毕业").click()
    await expect(page.get_by_role("status")).to_contain_text("已办理毕业")
    await expect(page.get_by_role("heading", name="登记求职意向")).to_be_visible()
    intention = page.locator("section", has=page.get_by_role("heading", name="登记求职意向"))
    await intention.get_by_label("证书").fill("电工证、叉车证")
    await intention.get_by_role("button", name="保存意向").click()
    await expect(page.get_by_role("status")).to_contain_text("求职意向已保存")
    await save_screenshot(page, "school-graduated")
    [stored] = await _rows(
        seeded_url,
        "SELECT p.name, p.phone, s.status, e.graduation_year FROM persons p "
        "JOIN student_records s ON s.person_id = p.id "
        "JOIN employment_intentions e ON e.person_id = p.id WHERE p.id_number = :n",
        n=number,
    )
    assert stored == {
        "name": "赵欣生",
        "phone": "13912345678",
        "status": "graduated",
        "graduation_year": 2026,
    }


async def test_the_admin_sets_up_a_bureau(page: Page, seeded_url: str) -> None:
    code = identity.credit_code("bureau", "500230", 96_000_001)
    await sign_in(page, "admin", "/admin")
    await (
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="乡村振兴局").click()
    )
    await assert_accessible_basics(page)
    form = page.get_by_role("form", name="设立乡村振兴局")
    await form.get_by_label("名称").fill("丰都县乡村振兴局（测试）")
    await form.get_by_label("统一社会信用代码").fill(code)
    await form.get_by_label("层级").select_option(label="市级")
    await form.get_by_label("行政区划").select_option("500230")
    await form.get_by_role("button", name="设立").click()
    await expect(page.get_by_text("层级须与行政区划一致")).to_be_visible()
    form = page.get_by_role("form", name="设立乡村振兴局")
    await form.get_by_label("层级").select_option(label="县级")
    await form.get_by_role("button", name="设立").click()
    await expect(page.get_by_role("status")).to_contain_text("已设立丰都县乡村振兴局（测试）")
    await expect(
        page.get_by_role("row", name=re.compile("丰都县乡村振兴局（测试）"))
    ).to_be_visible()
    [stored] = await _rows(
        seeded_url,
        "SELECT kind, membership, region_code FROM organisations WHERE credit_code = :c",
        c=code,
    )
    assert stored == {"kind": "bureau", "membership": "approved", "region_code": "500230"}


async def test_a_bureau_approves_a_join_request_and_opens_its_first_account(
    page: Page, browser: Browser, portal_url: str, seeded_url: str
) -> None:
    code = identity.credit_code("school", COUNTY, 96_000_002)
    async with httpx2.AsyncClient() as client:
        response = await client.post(
            f"{portal_url}/graphql",
            json={
                "query": "mutation($input: MembershipRequestInput!) { requestMembership(input: $input)"
                " { result { id } errors { code } } }",
                "variables": {
                    "input": {
                        "kind": "SCHOOL",
                        "name": "城口县第二职业中学",
                        "creditCode": code,
                        "regionCode": COUNTY,
                        "schoolLevel": "SECONDARY_VOCATIONAL",
                    }
                },
            },
        )
    assert response.json()["data"]["requestMembership"]["errors"] == []

    await page.context.add_init_script(path=str(AXE))
    await sign_in(page, "county", "/bureau")
    await page.get_by_role("navigation", name="主导航").get_by_role("link", name="入盟审核").click()
    await assert_accessible_basics(page)
    await page.get_by_role("button", name="批准 城口县第二职业中学").click()
    await expect(page.get_by_role("status")).to_contain_text("已批准城口县第二职业中学加入联盟")
    await expect(page.get_by_role("heading", name=re.compile("开设第一个登录账号"))).to_be_visible()
    await assert_axe_clean(page)
    await page.get_by_label("用户名").fill("chengkou-no2")
    await page.get_by_role("button", name="开设账号并生成一次性密码").click()
    password = (await page.locator("[data-one-time-password]").inner_text()).strip()
    assert len(password) >= 12
    await assert_axe_clean(page)
    await save_screenshot(page, "bureau-first-account")

    context = await browser.new_context(base_url=portal_url)
    member = await context.new_page()
    try:
        await member.goto("/")
        await member.get_by_role("link", name="登录", exact=True).click()
        await member.get_by_label("用户名").fill("chengkou-no2")
        await member.get_by_label("密码").fill(password)
        await member.get_by_role("button", name="登录").click()
        await expect(member).to_have_url(re.compile(r"/school$"))
    finally:
        await context.close()
    [stored] = await _rows(
        seeded_url,
        "SELECT o.membership, u.role FROM organisations o JOIN users u ON u.organisation_id = o.id "
        "WHERE o.credit_code = :c",
        c=code,
    )
    assert stored == {"membership": "approved", "role": "school"}
