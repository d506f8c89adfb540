"""Every place and every person can be chosen (issue 14): the one region picker — province → city
→ county, key counties marked, searchable with JavaScript, a plain grouped <select> without — and
the person pickers: search by name or ID number, filters the rules allow, counted pages."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Any

from playwright.async_api import Browser, Page, expect
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from auth.masking import mask_id_number, mask_name
from models.applications import Application
from models.classes import TrainingClass
from models.fairs import fair_registrations
from models.organisations import User
from models.people import EmploymentIntention, Household, Person, StudentRecord, StudentStatus
from models.regions import Region
from models.tracking import AssistanceCase
from portal.pickers import RegionGroup, group_regions
from portal.site import templates  # with the portal's template filters
from resolvers.outcomes import today as china_today
from tests.portal.conftest import PASSWORD, assert_accessible_basics, save_screenshot, sign_in

CHENGKOU, WUXI = "500229", "500238"
GROUPINGS = ("500100", "500200")  # Chongqing's 市辖区 / 县: code-table groupings, not places


async def _fill_position(page: Page, title: str) -> None:
    await page.get_by_label("岗位名称").fill(title)
    await page.get_by_label("职业（GB/T 6565）").select_option(index=1)
    await page.get_by_label("招聘人数").fill("3")
    await page.get_by_label("月薪下限（元）").fill("4000")
    await page.get_by_label("月薪上限（元）").fill("6000")


async def _pick_region(page: Page, label: str, search: str) -> None:
    """As a keyboard user: type in the picker's search box, Enter takes the first match."""
    box = page.get_by_label(f"查找{label}（地名或代码）")
    await box.fill(search)
    await expect(page.locator(".picker-status")).to_contain_text("找到")
    await box.press("Enter")


async def test_enterprise_posts_a_position_in_a_key_county_and_one_in_zhejiang(page: Page) -> None:
    await sign_in(page, "enterprise", "/enterprise")
    await page.goto("/enterprise/positions/new")
    place = page.get_by_label(re.compile("^工作地点"))
    # Every county is there, the key ones marked; the code table's groupings are not.
    await expect(place.locator(f'option[value="{CHENGKOU}"]')).to_have_text(
        "城口县（500229） · 重点帮扶县"
    )
    await expect(place.locator("optgroup[label='浙江省 · 杭州市'] option").first).to_have_text(
        "杭州市（全域，330100）"
    )
    for code in GROUPINGS:
        await expect(place.locator(f'option[value="{code}"]')).to_have_count(0)
    await assert_accessible_basics(page)

    await _fill_position(page, "城口县光伏运维岗（选择器测试）")
    await _pick_region(page, "工作地点", "城口")
    await expect(place).to_have_value(CHENGKOU)
    await save_screenshot(page, "picker-region-search")
    await page.get_by_role("button", name="保存草稿").click()
    await expect(page.get_by_role("status")).to_contain_text("岗位已保存为草稿")
    await expect(page.locator("dl.facts").first).to_contain_text("城口县")

    await page.goto("/enterprise/positions/new")
    await _fill_position(page, "杭州西湖区运维岗（选择器测试）")
    await _pick_region(page, "工作地点", "330106")  # by code: 杭州市西湖区
    await expect(place).to_have_value("330106")
    await page.get_by_role("button", name="保存草稿").click()
    await expect(page.get_by_role("status")).to_contain_text("岗位已保存为草稿")
    await expect(page.locator("dl.facts").first).to_contain_text("西湖区")

    # Editing keeps the place chosen.
    await page.get_by_role("link", name="编辑").first.click()
    await expect(page.get_by_label(re.compile("^工作地点"))).to_have_value("330106")


async def test_the_region_picker_without_javascript_sets_a_fair_in_wuxi(
    browser: Browser, portal_url: str
) -> None:
    context = await browser.new_context(
        base_url=portal_url, locale="zh-CN", java_script_enabled=False
    )
    page = await context.new_page()
    await sign_in(page, "agency", "/agency")
    await page.goto("/agency/fairs")
    venue = page.get_by_label(re.compile("^举办地"))
    await expect(page.get_by_label(re.compile("^查找举办地"))).to_have_count(
        0
    )  # no JS, no search box
    await expect(venue.locator(f"optgroup[label='重庆市'] option[value='{WUXI}']")).to_have_text(
        "巫溪县（500238） · 重点帮扶县"
    )
    start = china_today() + timedelta(days=21)
    await page.get_by_label("名称").fill("巫溪县雨露计划专场（选择器测试）")
    await venue.select_option(WUXI)
    await page.get_by_label("开始日期").fill(start.isoformat())
    await page.get_by_label("结束日期").fill(start.isoformat())
    await page.get_by_role("button", name="创建招聘会").click()
    await expect(page.get_by_role("status")).to_contain_text("招聘会已创建")
    await expect(page.locator(".page-header")).to_contain_text("巫溪县")
    await context.close()


async def _school_of(engine: AsyncEngine, username: str) -> int:
    async with engine.connect() as connection:
        return await connection.scalar(
            select(User.organisation_id).where(User.username == username)
        )


async def test_school_enrols_a_student_found_by_id_number_beyond_the_first_page(
    page: Page, engine: AsyncEngine
) -> None:
    school = await _school_of(engine, "school")
    async with engine.connect() as connection:
        studying = select(StudentRecord.person_id).where(
            StudentRecord.school_id == school, StudentRecord.status == StudentStatus.STUDYING
        )
        total = await connection.scalar(select(func.count()).select_from(studying.subquery()))
        class_id = await connection.scalar(
            select(TrainingClass.id)
            .where(TrainingClass.school_id == school)
            .order_by(TrainingClass.id)
        )
        enrolled = set(
            await connection.scalars(
                text("select person_id from enrolments where class_id = :c"), {"c": class_id}
            )
        )
        rows = (
            await connection.execute(
                select(Person.id, Person.name, Person.id_number)
                .where(Person.id.in_(studying))
                .order_by(Person.id.desc())
            )
        ).all()
        key_county = await connection.scalar(
            select(func.count())
            .select_from(Person)
            .join(Household, Household.id == Person.household_id)
            .where(
                Person.id.in_(studying),
                Household.region_code.in_(select(Region.code).where(Region.is_key_county)),
            )
        )
    assert total > 20, "the test needs a second page of students"
    student = next(row for row in rows if row.id not in enrolled)

    await sign_in(page, "school", "/school")
    await page.goto("/school/classes")
    await page.locator(".items h3 a").first.click()
    picker = page.get_by_role("region", name="编入学生", exact=True)
    await expect(picker.locator(".page-count")).to_have_text(
        f"第 1 / {math.ceil(total / 20)} 页，共 {total} 人"
    )
    await picker.get_by_role("link", name="下一页").click()
    await expect(picker.locator(".page-count")).to_have_text(
        f"第 2 / {math.ceil(total / 20)} 页，共 {total} 人"
    )
    await assert_accessible_basics(page)
    # A school sees its students' households: the household filters are offered, and hold.
    await picker.get_by_label("来自重点帮扶县").select_option("true")
    await picker.get_by_role("button", name="查找").click()
    await expect(picker.locator(".page-count")).to_contain_text(f"共 {key_county} 人")
    await picker.get_by_label("来自重点帮扶县").select_option("")

    await picker.get_by_label("姓名或身份证号").fill(student.id_number)
    await picker.get_by_role("button", name="查找").click()
    await expect(picker.locator(".page-count")).to_have_text("第 1 / 1 页，共 1 人")
    await expect(picker.locator("tbody tr")).to_have_count(1)
    await save_screenshot(page, "picker-school-enrol")
    await picker.get_by_role("button", name=f"将 {student.name} 编入本班").click()
    await expect(page.get_by_role("status")).to_contain_text("已将学生编入本班")
    await expect(picker.locator("tbody tr")).to_contain_text("已在本班")  # the same search again
    await expect(page.get_by_role("cell", name=student.name, exact=True)).to_be_visible()

    # The ledger, too, finds a student by the whole ID number.
    await page.goto("/school")
    await page.get_by_label("姓名或身份证号").fill(student.id_number)
    await page.get_by_role("button", name="筛选").click()
    await expect(page.locator("tbody tr")).to_have_count(1)
    await expect(page.locator("tbody tr")).to_contain_text(student.name)
    await expect(page.locator(".page-count")).to_have_text("第 1 / 1 页，共 1 人")


async def test_agency_registers_job_seekers_from_page_two_and_by_name(
    page: Page, engine: AsyncEngine
) -> None:
    async with engine.connect() as connection:
        seeking = select(EmploymentIntention.person_id).where(EmploymentIntention.seeking.is_(True))
        consenting = (
            (
                await connection.execute(
                    select(Person.name)
                    .where(Person.id.in_(seeking), Person.consent_to_share.is_(True))
                    .group_by(Person.name)
                    .having(func.count() == 1)
                    .order_by(Person.name.desc())
                )
            )
            .scalars()
            .first()
        )
    await sign_in(page, "agency", "/agency")
    await page.goto("/agency/fairs")
    await page.get_by_label("名称").fill("第二页求职者登记（选择器测试）")
    start = china_today() + timedelta(days=30)
    await page.get_by_label("开始日期").fill(start.isoformat())
    await page.get_by_label("结束日期").fill(start.isoformat())
    await page.get_by_role("button", name="创建招聘会").click()
    await expect(page.get_by_role("status")).to_contain_text("招聘会已创建")

    picker = page.get_by_role("region", name="登记毕业生", exact=True)
    await expect(picker.get_by_label("正在求职")).to_have_value("true")  # job seekers by default
    # An agency never sees households: the household filters are not offered.
    for label in ("来自重点帮扶县", "防止返贫监测对象"):
        await expect(picker.get_by_label(label)).to_have_count(0)
    count = await picker.locator(".page-count").inner_text()
    pages, total = (int(n) for n in re.fullmatch(r"第 1 / (\d+) 页，共 (\d+) 人", count).groups())
    assert pages == math.ceil(total / 20) >= 2
    await picker.get_by_role("link", name="下一页").click()
    await expect(picker.locator(".page-count")).to_have_text(f"第 2 / {pages} 页，共 {total} 人")
    row = picker.locator("tbody tr").first
    name = (await row.locator("th").inner_text()).strip()
    await row.get_by_role("button", name=f"登记参会：{name}").click()
    await expect(page.get_by_role("status")).to_contain_text("毕业生已登记参会")
    await expect(picker.locator(".page-count")).to_have_text(
        f"第 2 / {pages} 页，共 {total} 人"
    )  # back on page 2
    await expect(picker.locator("tbody tr").first).to_contain_text("已登记")
    await expect(page.get_by_role("heading", name="登记的毕业生（1）")).to_be_visible()

    # By full name: a graduate who consented is shown, and found, by name.
    await picker.get_by_label("姓名或身份证号").fill(consenting)
    await picker.get_by_role("button", name="查找").click()
    await expect(picker.locator("tbody th", has_text=consenting)).to_have_count(1)
    await picker.get_by_role("button", name=f"登记参会：{consenting}").click()
    await expect(page.get_by_role("heading", name="登记的毕业生（2）")).to_be_visible()


async def test_an_agency_finds_no_one_by_an_id_number_it_does_not_see(
    page: Page, engine: AsyncEngine
) -> None:
    """A whole ID number finds a person only where the viewer sees it in clear (README, Privacy
    model): a job seeker who has not consented is not found by the agency, their name not shown."""
    async with engine.connect() as connection:
        # Tied to nobody: other tests of this session may have cleared a job seeker for the agency
        # (a referral accepted, a registration with consent, a case assigned).
        hidden = (
            await connection.execute(
                select(Person.name, Person.id_number)
                .where(
                    Person.id.in_(
                        select(EmploymentIntention.person_id).where(
                            EmploymentIntention.seeking.is_(True)
                        )
                    ),
                    Person.consent_to_share.is_(False),
                    Person.id.not_in(select(Application.person_id)),
                    Person.id.not_in(select(fair_registrations.c.person_id)),
                    Person.id.not_in(select(AssistanceCase.person_id)),
                )
                .order_by(Person.id)
            )
        ).first()
    await sign_in(page, "agency", "/agency")
    await page.goto("/agency/people")
    await page.get_by_label("姓名或身份证号").fill(hidden.id_number)
    await page.get_by_label("姓名或身份证号").press("Enter")
    await expect(page.get_by_text("没有符合条件的毕业生。")).to_be_visible()
    assert hidden.name not in await page.locator("main").inner_text()


async def test_agency_people_list_counts_pages_and_offers_only_allowed_filters(page: Page) -> None:
    await sign_in(page, "agency", "/agency")
    await page.goto("/agency/people")
    await expect(page.get_by_label("正在求职")).to_have_value("true")
    await expect(page.get_by_label("来自重点帮扶县")).to_have_count(0)
    await expect(page.locator(".page-count")).to_have_text(
        re.compile(r"^第 1 / \d+ 页，共 \d+ 人$")
    )
    seekers = int(
        re.search(r"共 (\d+) 人", await page.locator(".page-count").inner_text()).group(1)
    )
    await page.get_by_label("正在求职").select_option("")  # everyone the agency may help
    await expect(page).to_have_url(re.compile(r"seeking=(&|$)"))
    everyone = int(
        re.search(r"共 (\d+) 人", await page.locator(".page-count").inner_text()).group(1)
    )
    assert everyone > seekers
    # Paging keeps the choice 全部 (a blank value, not the default).
    await page.get_by_role("link", name="下一页").click()
    await expect(page.locator(".page-count")).to_contain_text(f"共 {everyone} 人")
    await expect(page.get_by_label("正在求职")).to_have_value("")


async def test_reserving_offers_only_positions_with_places_left(
    page: Page, engine: AsyncEngine
) -> None:
    school = await _school_of(engine, "school")
    async with engine.begin() as connection:
        class_id, partner = (
            await connection.execute(
                select(TrainingClass.id, TrainingClass.enterprise_id)
                .where(TrainingClass.school_id == school, TrainingClass.enterprise_id.is_not(None))
                .order_by(TrainingClass.id)
            )
        ).first()
        reserved = text("select position_id from class_reserved_positions where class_id = :c")
        free = text(
            "select id, title from positions where enterprise_id = :e and state != 'closed' "
            "and filled < headcount and id not in (" + reserved.text + ") order by id"
        )
        full_id, full_title = (
            await connection.execute(free, {"e": partner, "c": class_id})
        ).first()
        # The partner fills one position: it has no place left to reserve.
        await connection.execute(
            text("update positions set filled = headcount where id = :p"), {"p": full_id}
        )
        full = await connection.scalar(
            text(
                "select count(*) from positions where enterprise_id = :e and state != 'closed' "
                "and filled >= headcount and id not in (" + reserved.text + ")"
            ),
            {"e": partner, "c": class_id},
        )
        left = (await connection.execute(free, {"e": partner, "c": class_id})).all()
    try:
        await sign_in(page, "school", "/school")
        await page.goto("/school/classes")
        await page.locator(".items h3 a").first.click()
        offered = page.get_by_label("合作企业岗位")
        await expect(offered.locator("option")).to_have_count(len(left))
        for option in await offered.locator("option").all_inner_texts():
            assert "剩余 0 " not in option
        await expect(offered.locator("option", has_text=full_title)).to_have_count(
            sum(1 for row in left if row.title == full_title)
        )
        await expect(page.locator("#positionIds-hint")).to_contain_text(
            f"名额已满的 {full} 个岗位未列出"
        )
    finally:
        async with engine.begin() as connection:
            await connection.execute(
                text("update positions set filled = 0 where id = :p"), {"p": full_id}
            )


async def test_admin_creates_a_graduates_account_by_id_number(
    page: Page, browser: Browser, portal_url: str, engine: AsyncEngine
) -> None:
    async with engine.connect() as connection:
        graduate = (
            await connection.execute(
                select(Person.name, Person.id_number)
                .where(
                    Person.id.in_(select(EmploymentIntention.person_id)),
                    Person.id.not_in(select(User.person_id).where(User.person_id.is_not(None))),
                )
                .order_by(Person.id)
            )
        ).first()
    await sign_in(page, "admin", "/admin")
    await page.goto("/admin/users")
    await page.get_by_label("用户名").fill("graduate-by-id")
    await page.get_by_label("初始密码").fill(PASSWORD)
    await page.get_by_label("角色").select_option("GRADUATE")
    id_field = page.get_by_label("毕业生身份证号")
    await id_field.fill("500229200001011234")  # not a valid check character
    await page.get_by_role("button", name="创建账号").click()
    await expect(page.locator("#idNumber-error")).to_contain_text("身份证号无效")
    await page.get_by_label("初始密码").fill(PASSWORD)
    await page.get_by_label("毕业生身份证号").fill(
        "11010519491231002X"
    )  # valid, registered to no one
    await page.get_by_role("button", name="创建账号").click()
    await expect(page.locator("#idNumber-error")).to_have_text("没有登记这个身份证号的人员。")
    await expect(page.get_by_label("用户名")).to_have_value("graduate-by-id")

    await page.get_by_label("初始密码").fill(PASSWORD)
    await page.get_by_label("毕业生身份证号").fill(graduate.id_number.lower())
    await page.get_by_role("button", name="创建账号").click()
    # The admin sees whom the number named, masked as the admin sees every person.
    masked = f"，已关联毕业生 {mask_name(graduate.name)}（{mask_id_number(graduate.id_number)}）"
    await expect(page.get_by_role("status")).to_contain_text(f"已创建账号 graduate-by-id{masked}")
    # The person's own account: they sign in and see themself in clear.
    other = await browser.new_context(base_url=portal_url, locale="zh-CN")
    visitor = await other.new_page()
    await sign_in(visitor, "graduate-by-id", "/me")
    await expect(visitor.locator("main")).to_contain_text(graduate.name)
    await other.close()

    # A second account for the same person is refused, next to the field.
    await page.get_by_label("用户名").fill("graduate-by-id-2")
    await page.get_by_label("初始密码").fill(PASSWORD)
    await page.get_by_label("角色").select_option("GRADUATE")
    await page.get_by_label("毕业生身份证号").fill(graduate.id_number)
    await page.get_by_role("button", name="创建账号").click()
    await expect(page.locator("#idNumber-error")).to_contain_text("已有登录账号")


async def test_the_oauth_client_form_registers_as_it_stands(page: Page) -> None:
    await sign_in(page, "admin", "/admin")
    await page.goto("/admin/clients")
    suggested = await page.get_by_label("客户端 ID").input_value()
    assert suggested
    await page.get_by_role("button", name="登记客户端").click()
    await expect(page.get_by_role("status")).to_contain_text(f"已创建客户端 {suggested}")
    clients = page.get_by_role("table", name="已登记的 OAuth 客户端")
    await expect(clients.get_by_role("row", name=re.compile(re.escape(suggested)))).to_contain_text(
        "公开（PKCE）"
    )
    assert (
        await page.get_by_label("客户端 ID").input_value() != suggested
    )  # the next one is free again


def _region(code: str, name: str, level: str, key: bool = False) -> dict:
    return {"code": code, "name": name, "level": level, "isKeyCounty": key}


def test_regions_group_by_city_and_a_municipality_as_one() -> None:
    regions = [
        _region("330000", "浙江省", "PROVINCE"),
        _region("330100", "杭州市", "CITY"),
        _region("330106", "西湖区", "COUNTY"),
        _region("500000", "重庆市", "PROVINCE"),
        _region("500101", "万州区", "COUNTY"),
        _region("500229", "城口县", "COUNTY", key=True),
    ]
    assert group_regions(regions, "500229") == [
        RegionGroup(
            "重庆市",
            [
                ("500000", "重庆市（全域，500000）"),
                ("500101", "万州区（500101）"),
                ("500229", "城口县（500229） · 重点帮扶县"),
            ],
        ),
        RegionGroup("浙江省", [("330000", "浙江省（全域，330000）")]),
        RegionGroup(
            "浙江省 · 杭州市",
            [("330100", "杭州市（全域，330100）"), ("330106", "西湖区（330106）")],
        ),
    ]


def test_the_region_picker_chooses_several_for_desired_regions() -> None:
    macros: Any = templates.env.get_template("macros.html").make_module({"request": None})
    groups = [
        RegionGroup("重庆市", [("500229", "城口县"), ("500238", "巫溪县"), ("500101", "万州区")])
    ]
    html = str(
        macros.region_picker(
            "regionCodes", "期望就业地区", groups, ["500229", "500238"], multiple=True
        )
    )
    assert 'name="regionCodes" multiple' in html and '<label for="regionCodes">期望就业地区' in html
    assert html.count(" selected") == 2 and '<option value="500101">' in html
