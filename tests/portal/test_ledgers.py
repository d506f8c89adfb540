"""Excel in and out in the browser: a county bureau and a school each upload a file with errors,
see every problem listed by row, fix the file, upload it again and commit; each list page's
导出 Excel gives a workbook that python-calamine opens, holding the page's rows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.async_api import Page, expect
from sqlalchemy import select

from models.db import create_engine, session_factory
from models.jobs import JobStep
from models.organisations import User
from models.people import EnrolmentIntention, Household, Person, StudentRecord
from resolvers import jobs, ledgers
from resolvers.workbooks import read_rows
from tests.ledgers.files import valid_id, workbook
from tests.portal.conftest import sign_in

JOB_SECONDS = 30_000  # ms: a background job of a few rows, on a loaded machine


async def _upload(page: Page, tmp_path: Path, kind: str, name: str, data: bytes) -> None:
    await page.goto("/ledgers")
    await page.get_by_label("台账种类").select_option(kind)
    file = tmp_path / name
    file.write_bytes(data)
    await page.get_by_label("Excel 文件（.xlsx）").set_input_files(file)
    await page.get_by_role("button", name="上传并检查").click()
    await expect(page).to_have_url(re.compile(r"/ledgers/jobs/\d+$"))
    await expect(page.get_by_role("heading", name="检查结果")).to_be_visible(timeout=JOB_SECONDS)


async def _problems(page: Page) -> list[str]:
    table = page.get_by_role("region", name="问题清单")
    return await table.locator("tbody tr").all_inner_texts()


async def _commit(page: Page) -> None:
    await page.get_by_role("button", name=re.compile("确认导入")).click()
    await expect(page.get_by_text("已全部导入。")).to_be_visible(timeout=JOB_SECONDS)


def _row(kind: ledgers.LedgerKind, **values: Any) -> list[Any]:
    return [values.get(field.key, "") for field in kind.fields]


async def test_a_county_bureau_fixes_its_census_file_and_imports_it(
    page: Page, tmp_path: Path
) -> None:
    await sign_in(page, "county", "/bureau")
    await page.get_by_role("link", name="Excel 导入导出").first.click()
    async with page.expect_download() as template:
        await page.get_by_role("link", name=re.compile("下载模板：摸底台账")).click()
    headers = next(read_rows(Path(await (await template.value).path())))
    assert headers[:2] == ["姓名", "身份证号"]

    first, second = valid_id("500229", "20120203", 610), valid_id("500229", "20120204", 611)
    census = {"household_region": "500229", "household_category": "脱贫户", "survey_year": 2026}
    header_row = [field.header for field in ledgers.CENSUS.fields]

    def row(name: str, id_number: str) -> list[Any]:
        values = {"name": name, "id_number": id_number, "wants_vocational": "是", **census}
        return _row(ledgers.CENSUS, **values)

    broken = first[:-1] + ("1" if first[-1] != "1" else "2")
    await _upload(
        page,
        tmp_path,
        "census",
        "摸底.xlsx",
        workbook(
            header_row, [row("浏览器甲", broken), row("浏览器乙", second), row("浏览器丙", second)]
        ),
    )
    problems = await _problems(page)
    assert len(problems) == 2
    assert re.search(r"第 2 行\s+身份证号\s+身份证号校验位错误", problems[0])
    assert re.search(r"第 4 行\s+身份证号\s+文件内重复\s+与第 3 行重复", problems[1])
    await expect(page.get_by_role("button", name=re.compile("确认导入"))).to_have_count(0)

    await _upload(
        page,
        tmp_path,
        "census",
        "摸底-改.xlsx",
        workbook(header_row, [row("浏览器甲", first), row("浏览器乙", second)]),
    )
    assert await page.get_by_role("region", name="问题清单").count() == 0
    await _commit(page)
    await expect(page.get_by_role("region", name="将要写入的行")).to_contain_text("浏览器甲")

    # The same file again: nothing to write.
    await _upload(
        page,
        tmp_path,
        "census",
        "摸底-再次.xlsx",
        workbook(header_row, [row("浏览器甲", first), row("浏览器乙", second)]),
    )
    await expect(page.locator(".stat", has_text="无变化")).to_contain_text("2")


async def _own_students(database_url: str, username: str) -> list[str]:
    """Two ID numbers of the school's own students, read with plain SQL (the pages show none)."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            school = await session.scalar(
                select(User.organisation_id).where(User.username == username)
            )
            numbers = await session.scalars(
                select(Person.id_number)
                .join(StudentRecord, StudentRecord.person_id == Person.id)
                .where(StudentRecord.school_id == school)
                .order_by(Person.id)
                .limit(2)
            )
            return list(numbers)
    finally:
        await engine.dispose()


async def test_a_school_fixes_its_follow_ups_file_and_imports_it(
    page: Page, tmp_path: Path, seeded_url: str
) -> None:
    await sign_in(page, "school", "/school")
    own = await _own_students(seeded_url, "school")
    header_row = [field.header for field in ledgers.FOLLOW_UPS.fields]

    def row(id_number: str, status: str, income: Any) -> list[Any]:
        # An old date: the students' latest follow-up, which other pages show, stays as it was.
        values = {
            "id_number": id_number,
            "on_date": "2020-05-01",
            "status": status,
            "monthly_income": income,
        }
        return _row(ledgers.FOLLOW_UPS, **values)

    stranger = valid_id("500229", "20040506", 777)
    rows = [row(own[0], "在岗", 4000), row(stranger, "在岗", 3000), row(own[1], "未就业", 2000)]
    await _upload(page, tmp_path, "follow-ups", "回访.xlsx", workbook(header_row, rows))
    problems = await _problems(page)
    assert len(problems) == 2
    assert re.search(
        r"第 3 行\s+身份证号\s+不在您的管理范围\s+在您管理的人员中没有找到此身份证号。", problems[0]
    )
    assert re.search(r"第 4 行\s+月收入（元）\s+不符合业务规则", problems[1])

    fixed = [row(own[0], "在岗", 4000), row(own[1], "未就业", "")]
    await _upload(page, tmp_path, "follow-ups", "回访-改.xlsx", workbook(header_row, fixed))
    await _commit(page)


# --- exports ------------------------------------------------------------------------------------


async def _export(page: Page, path: str) -> list[list[Any]]:
    """The rows (header first) of the page's 导出 Excel, as python-calamine reads the file."""
    await page.goto(path)
    await page.get_by_role("button", name="导出 Excel").click()
    download_link = page.get_by_role("link", name=re.compile(r"^下载 "))
    await expect(download_link).to_be_visible(timeout=JOB_SECONDS)
    async with page.expect_download() as downloaded:
        await download_link.click()
    rows = list(read_rows(Path(await (await downloaded.value).path())))
    await expect(page.get_by_role("link", name="返回列表")).to_have_attribute(
        "href", re.compile("^/")
    )
    return rows


async def _shown(page: Page, path: str, names: str) -> tuple[list[str], int | None]:
    """The first column of the list as the page shows it, and its 共 N count where it says one."""
    await page.goto(path)
    shown = [text.split("\n")[0].strip() for text in await page.locator(names).all_inner_texts()]
    heading = " ".join(await page.locator("h1, h2").all_inner_texts())
    total = re.search(r"共 (\d+) ", heading)
    return shown, int(total.group(1)) if total else None


LIST_PAGES = {
    "school": [
        ("/school", "tbody tr td:first-child"),
        ("/school/referrals?stage=ALL", "tbody tr td:first-child"),
        ("/school/help", "tbody tr > :first-child"),
        ("/school/follow-ups", "tbody tr td:first-child"),
        ("/school/alerts", "article h3 .person"),
    ],
    "county": [
        ("/bureau/people", "tbody tr td:first-child"),
        ("/bureau/help", "tbody tr > :first-child"),
        ("/bureau/alerts", "article h3 .person"),
    ],
    "enterprise": [("/enterprise", "tbody tr td:first-child a")],
    "agency": [
        ("/agency", ".item h3"),
        ("/agency/referrals?stage=ALL", "tbody tr td:first-child"),
        ("/agency/people", "tbody tr > :first-child"),
    ],
}


async def test_every_list_page_exports_what_it_shows(page: Page, second: Page) -> None:
    for username, pages in LIST_PAGES.items():
        browser = page if username != "agency" else second
        await sign_in(browser, username, "/bureau" if username == "county" else "/" + username)
        for path, names in pages:
            shown, total = await _shown(browser, path, names)
            rows = await _export(browser, path)
            exported = [str(row[0]) for row in rows[1:]]
            assert shown and exported[: len(shown)] == shown, path
            if total is not None:
                assert len(exported) == total, path
        if username in ("school", "county"):
            await browser.context.clear_cookies()


async def _census_names(database_url: str) -> list[str]:
    """The county's census children (open survey rows of households in 城口县), by plain SQL."""
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            names = await session.scalars(
                select(Person.name)
                .join(Household, Household.id == Person.household_id)
                .where(
                    Household.region_code.startswith("500229"),
                    Person.id.in_(
                        select(EnrolmentIntention.person_id).where(
                            EnrolmentIntention.closed_on.is_(None)
                        )
                    ),
                )
            )
            return sorted(names)
    finally:
        await engine.dispose()


async def test_a_county_bureau_exports_its_census_and_an_agency_a_fairs_registrations(
    page: Page, second: Page, seeded_url: str
) -> None:
    await sign_in(page, "county", "/bureau")
    await page.goto("/bureau/people")
    await page.get_by_role("button", name="导出 Excel").click()
    download_link = page.get_by_role("link", name=re.compile(r"^下载 "))
    await expect(download_link).to_be_visible(timeout=JOB_SECONDS)
    async with page.expect_download() as downloaded:
        await download_link.click()
    rows = list(read_rows(Path(await (await downloaded.value).path())))
    assert rows[0][:2] == ["姓名", "身份证号"]
    assert sorted(row[0] for row in rows[1:]) == await _census_names(seeded_url)
    # The county sees its census in clear: the ID numbers are whole.
    assert all("*" not in row[1] for row in rows[1:])

    await sign_in(second, "agency", "/agency")
    await second.goto("/agency/fairs")
    await second.locator('main a[href^="/agency/fairs/"]').first.click()
    fair = second.url.removeprefix(second.url.split("/agency")[0])
    shown, _ = await _shown(second, fair, '[aria-label="登记的毕业生"] tbody tr td:first-child')
    exported = [str(row[0]) for row in (await _export(second, fair))[1:]]
    assert exported == shown


async def test_no_side_door_to_another_roles_export_or_another_users_job(
    page: Page, seeded_url: str
) -> None:
    engine = create_engine(seeded_url)
    try:
        async with session_factory(engine)() as session:
            school = await session.scalar(select(User.id).where(User.username == "school"))
            job = await jobs.submit(
                session,
                user_id=school,
                scopes="alliance:read",
                kind="students",
                step=JobStep.EXPORT,
                file_name="学生台账.xlsx",
            )
            await session.commit()
            others_job = job.id
    finally:
        await engine.dispose()
    await sign_in(page, "agency", "/agency")
    token = await page.locator('input[name="csrf_token"]').first.get_attribute("value")
    refused = await page.request.post("/exports/students", form={"csrf_token": token or ""})
    assert refused.status == 403
    for path in ("", "/progress", "/file"):
        answer = await page.request.get(f"/ledgers/jobs/{others_job}{path}")
        assert answer.status == 404, path
