"""Importing ledgers from Excel: a problem per row for each rule, remit, all or nothing, and
importing the same file twice changing nothing. Expected answers are written out by hand (or
read from the database with plain SQL), never computed by the importer."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.rules import AccessDenied
from models.audit import AuditRecord
from models.organisations import Organisation
from models.people import EnrolmentIntention, Household, Person, StudentRecord, StudentStatus
from models.positions import Position
from models.tracking import FollowUp
from models.transfers import StudentTransfer
from resolvers import ledgers
from resolvers.context import Context
from tests.ledgers.files import acting_as, valid_id, workbook

CENSUS_HEADERS = [field.header for field in ledgers.CENSUS.fields]
COUNTY = "500229"  # 城口县: the demo county bureau's county


def census_row(name: str, id_number: str, **changes: Any) -> list[Any]:
    values = {
        "姓名": name,
        "身份证号": id_number,
        "出生日期": "",
        "手机号": "",
        "户籍地代码": COUNTY,
        "家庭类别": "脱贫户",
        "易地扶贫搬迁": "否",
        "户号": "",
        "摸底年份": 2026,
        "愿意就读职业院校": "是",
        "意向专业": "",
        "备注": "",
    } | changes
    return [values[header] for header in CENSUS_HEADERS]


async def _run(session: AsyncSession, username: str, kind, data: bytes, commit: bool = False):
    ctx = Context(session=session, viewer=await acting_as(session, username))
    return await ledgers.run(ctx, kind, data, commit=commit)


def _found(report: ledgers.Report) -> set[tuple[int, str, str]]:
    return {(p.row, p.column, p.rule) for p in report.problems}


async def _count(session: AsyncSession, model) -> int:
    return await session.scalar(select(func.count()).select_from(model))


async def test_every_rule_is_a_problem_on_its_row_and_column(session: AsyncSession) -> None:
    elsewhere = await session.scalar(
        select(Person.id_number)
        .join(Household, Household.id == Person.household_id)
        .where(Household.region_code != COUNTY)
        .limit(1)
    )
    good = valid_id(COUNTY, "20100305", 11)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [
        census_row("甲", good),  # row 2: fine
        census_row("乙", bad_check),  # 3: check digit
        census_row("丙", valid_id(COUNTY, "20100306", 12), 出生日期="2010-03-07"),  # 4: birth date
        census_row("丁", valid_id("440106", "20100307", 13)),  # 5: ID from another province
        census_row("戊", valid_id(COUNTY, "20100308", 14), 意向专业="999999"),  # 6: unknown major
        census_row(
            "己", valid_id(COUNTY, "20100309", 15), 家庭类别="贫困户"
        ),  # 7: unknown category
        census_row("庚", good),  # 8: the same person as row 2
        census_row(
            "辛", valid_id("500101", "20100310", 16), 户籍地代码="500101"
        ),  # 9: not my county
        census_row("壬", elsewhere, 户籍地代码=COUNTY),  # 10: registered in another county
        census_row("癸" * 33, valid_id(COUNTY, "20100311", 17)),  # 11: name too long
        census_row("", valid_id(COUNTY, "20100312", 18)),  # 12: name missing
        census_row("子", valid_id(COUNTY, "20100313", 19), 户籍地代码="500000"),  # 13: not a county
    ]
    report = await _run(session, "county", ledgers.CENSUS, workbook(CENSUS_HEADERS, rows))
    assert _found(report) == {
        (3, "身份证号", "ID_CHECK_DIGIT"),
        (4, "出生日期", "ID_BIRTH_DATE"),
        (5, "身份证号", "ID_REGION"),
        (6, "意向专业", "UNKNOWN_CODE"),
        (7, "家庭类别", "UNKNOWN_CODE"),
        (8, "身份证号", "DUPLICATE"),
        (9, "户籍地代码", "NOT_IN_REMIT"),
        (10, "户籍地代码", "NOT_IN_REMIT"),
        (11, "姓名", "TOO_LONG"),
        (12, "姓名", "REQUIRED"),
        (13, "户籍地代码", "UNKNOWN_CODE"),
    }
    by_row = {p.row: p for p in report.problems}
    # A person registered in another county gets the answer a claimed household outside the
    # county gets: the preview says nothing about who is registered where.
    assert by_row[10].message == by_row[9].message == "户籍地须在本局辖区内。"
    assert "第 2 行" in by_row[8].message
    assert report.counts["create"] == 1 and report.rows == 12 and not report.ok


async def test_the_preview_writes_nothing_and_the_commit_writes_all(session: AsyncSession) -> None:
    persons, rows = (
        await _count(session, Person),
        [census_row(f"新生{i}", valid_id(COUNTY, "20110401", 100 + i)) for i in range(5)],
    )
    data = workbook(CENSUS_HEADERS, rows)
    preview = await _run(session, "county", ledgers.CENSUS, data)
    assert preview.ok and preview.counts["create"] == 5
    assert await _count(session, Person) == persons
    committed = await _run(session, "county", ledgers.CENSUS, data, commit=True)
    assert committed.ok and committed.counts["create"] == 5
    assert await _count(session, Person) == persons + 5
    created = await session.scalars(
        select(EnrolmentIntention.survey_year)
        .join(Person, Person.id == EnrolmentIntention.person_id)
        .where(Person.name.like("新生%"))
    )
    assert list(created) == [2026] * 5


async def test_a_failure_in_the_last_row_leaves_nothing(session: AsyncSession) -> None:
    """3,000 good rows are written batch by batch before the last one fails: the whole import
    is rolled back (the benchmark covers 100,000)."""
    before = {
        model: await _count(session, model) for model in (Person, Household, EnrolmentIntention)
    }
    rows = [census_row(f"批量{i}", _nth_id(i)) for i in range(3000)]
    rows.append(census_row("最后", _nth_id(0)))  # a duplicate of row 2, found only at the end
    report = await _run(
        session, "county", ledgers.CENSUS, workbook(CENSUS_HEADERS, rows), commit=True
    )
    assert not report.ok and _found(report) == {(3002, "身份证号", "DUPLICATE")}
    await session.rollback()  # what the job and the command do when the report is not ok
    assert {model: await _count(session, model) for model in before} == before


def _nth_id(i: int) -> str:
    """Distinct valid ID numbers of the county: one per day from 2009-01-01, sequence 500+."""
    born = date(2009, 1, 1) + timedelta(days=i % 1500)
    return valid_id(COUNTY, born.strftime("%Y%m%d"), 500 + i // 1500)


async def test_importing_the_same_file_twice_changes_nothing_the_second_time(
    session: AsyncSession,
) -> None:
    rows = [census_row(f"复{i}", valid_id(COUNTY, "20100720", 200 + i)) for i in range(4)]
    data = workbook(CENSUS_HEADERS, rows)
    first = await _run(session, "county", ledgers.CENSUS, data, commit=True)
    assert first.ok and first.counts["create"] == 4
    counts = {
        m: await _count(session, m) for m in (Person, Household, EnrolmentIntention, AuditRecord)
    }
    versions = list(await session.scalars(select(Person.version).where(Person.name.like("复%"))))
    second = await _run(session, "county", ledgers.CENSUS, data, commit=True)
    assert second.ok and second.counts == {"create": 0, "update": 0, "unchanged": 4, "request": 0}
    assert {m: await _count(session, m) for m in counts} == counts
    assert (
        list(await session.scalars(select(Person.version).where(Person.name.like("复%"))))
        == versions
    )


async def test_a_new_survey_year_adds_a_row_and_a_changed_answer_updates(
    session: AsyncSession,
) -> None:
    id_number = valid_id(COUNTY, "20100801", 300)
    await _run(
        session,
        "county",
        ledgers.CENSUS,
        workbook(CENSUS_HEADERS, [census_row("年", id_number)]),
        commit=True,
    )
    rows = [census_row("年", id_number, 摸底年份=2027, 愿意就读职业院校="否")]
    report = await _run(
        session, "county", ledgers.CENSUS, workbook(CENSUS_HEADERS, rows), commit=True
    )
    assert report.ok and report.counts["update"] == 1
    years = await session.execute(
        select(EnrolmentIntention.survey_year, EnrolmentIntention.wants_vocational)
        .join(Person, Person.id == EnrolmentIntention.person_id)
        .where(Person.id_number == id_number)
        .order_by(EnrolmentIntention.survey_year)
    )
    assert years.all() == [(2026, True), (2027, False)]


# --- remit ------------------------------------------------------------------------------------

INTENTION_HEADERS = [field.header for field in ledgers.INTENTIONS.fields]


def intention_row(id_number: str, **changes: Any) -> list[Any]:
    values = {
        "身份证号": id_number,
        "姓名": "",
        "毕业年份": 2026,
        "意向职业代码": "",
        "意向地区代码": "",
        "就业地域": "",
        "期望月薪（元）": 5000,
        "正在求职": "是",
        "打算升学": "否",
        "打算创业": "否",
    } | changes
    return [values[header] for header in INTENTION_HEADERS]


async def _school_of(session: AsyncSession, username: str) -> int:
    from models.organisations import User

    return await session.scalar(select(User.organisation_id).where(User.username == username))


async def test_a_school_writes_only_its_own_students_and_learns_nothing_of_others(
    session: AsyncSession,
) -> None:
    school = await _school_of(session, "school")
    own = await session.scalar(
        select(Person.id_number)
        .join(StudentRecord, StudentRecord.person_id == Person.id)
        .where(StudentRecord.school_id == school)
        .order_by(Person.id)
        .limit(1)
    )
    other = await session.scalar(
        select(Person.id_number)
        .join(StudentRecord, StudentRecord.person_id == Person.id)
        .where(StudentRecord.school_id != school)
        .order_by(Person.id)
        .limit(1)
    )
    unknown = valid_id(COUNTY, "20040101", 990)
    rows = [intention_row(own), intention_row(other), intention_row(unknown)]
    data = workbook(INTENTION_HEADERS, rows)
    intentions_before = await session.scalar(
        select(func.count()).select_from(Person).where(Person.id_number == other)
    )
    report = await _run(session, "school", ledgers.INTENTIONS, data, commit=True)
    assert _found(report) == {(3, "身份证号", "NOT_IN_REMIT"), (4, "身份证号", "NOT_IN_REMIT")}
    by_row = {p.row: p.message for p in report.problems}
    assert by_row[3] == by_row[4]  # another school's student answers as an unknown number
    await session.rollback()
    assert intentions_before == 1


async def test_a_school_files_requests_for_students_it_does_not_hold(session: AsyncSession) -> None:
    """Unknown or another school's: the same planned action (a request), no person written."""
    school = await _school_of(session, "school")
    other = await session.scalar(
        select(Person.id_number)
        .join(StudentRecord, StudentRecord.person_id == Person.id)
        .where(StudentRecord.school_id != school, StudentRecord.status == StudentStatus.STUDYING)
        .order_by(Person.id)
        .limit(1)
    )
    other_record = await session.scalar(
        select(StudentRecord.school_id)
        .join(Person, Person.id == StudentRecord.person_id)
        .where(Person.id_number == other)
    )
    headers = [field.header for field in ledgers.STUDENTS.fields]
    major = "610301"

    def row(name: str, id_number: str) -> list[Any]:
        values = {
            "姓名": name,
            "身份证号": id_number,
            "户籍地代码": id_number[:6],
            "家庭类别": "脱贫户",
            "专业": major,
            "入学年份": 2025,
            "预计毕业年份": 2028,
        }
        return [values.get(header, "") for header in headers]

    persons = await _count(session, Person)
    unknown = valid_id(COUNTY, "20080808", 400)
    report = await _run(
        session,
        "school",
        ledgers.STUDENTS,
        workbook(headers, [row("新", unknown), row("他", other)]),
        commit=True,
    )
    assert report.ok and report.counts["request"] == 2, report.as_json()
    assert await _count(session, Person) == persons
    assert (
        await session.scalar(
            select(StudentRecord.school_id)
            .join(Person, Person.id == StudentRecord.person_id)
            .where(Person.id_number == other)
        )
        == other_record
    )
    filed = await session.scalar(
        select(func.count())
        .select_from(StudentTransfer)
        .where(
            StudentTransfer.requesting_school_id == school,
            StudentTransfer.id_number.in_([unknown, other]),
        )
    )
    assert filed == 2


async def test_roles_without_the_mutation_cannot_import(session: AsyncSession) -> None:
    data = workbook(CENSUS_HEADERS, [census_row("甲", valid_id(COUNTY, "20100305", 11))])
    for username in ("school", "enterprise", "agency"):
        with pytest.raises(AccessDenied):
            await _run(session, username, ledgers.CENSUS, data)
    # A city bureau may call the mutation but keeps no census of its own: the whole file is refused.
    report = await _run(session, "city", ledgers.CENSUS, data)
    assert report.file_problem == "摸底台账由县级乡村振兴局维护。" and report.rows == 0


async def test_a_missing_required_column_refuses_the_file(session: AsyncSession) -> None:
    headers = [h for h in CENSUS_HEADERS if h != "身份证号"]
    report = await _run(
        session, "county", ledgers.CENSUS, workbook(headers, [["甲"] * len(headers)])
    )
    assert report.file_problem is not None and "身份证号" in report.file_problem and not report.ok


# --- positions and follow-ups ------------------------------------------------------------------

POSITION_HEADERS = [field.header for field in ledgers.POSITIONS.fields]


def position_row(title: str, **changes: Any) -> list[Any]:
    values = {
        "岗位名称": title,
        "职业代码": "6-29-03-02",
        "岗位类型": "全职",
        "最低学历": "中职",
        "招聘人数": 5,
        "月薪下限（元）": 4000,
        "月薪上限（元）": 6000,
        "工作地点代码": "500101",
        "可接受专业代码": "",
        "福利待遇": "",
        "岗位描述": "",
        "雨露计划优先": "是",
        "有效期起": "2026-09-01",
        "有效期止": "2026-12-31",
    } | changes
    return [values[header] for header in POSITION_HEADERS]


async def test_positions_import_creates_then_updates_by_title_place_and_start(
    session: AsyncSession,
) -> None:
    enterprise = await _school_of(session, "enterprise")
    before = await session.scalar(
        select(func.count()).select_from(Position).where(Position.enterprise_id == enterprise)
    )
    first = await _run(
        session,
        "enterprise",
        ledgers.POSITIONS,
        workbook(POSITION_HEADERS, [position_row("导入岗位甲"), position_row("导入岗位乙")]),
        commit=True,
    )
    assert first.ok and first.counts["create"] == 2
    rows = [
        position_row("导入岗位甲", 招聘人数=8),
        position_row("导入岗位乙"),
        position_row("导入岗位乙", 月薪上限="3000"),
    ]
    second = await _run(session, "enterprise", ledgers.POSITIONS, workbook(POSITION_HEADERS, rows))
    assert _found(second) == {(4, "岗位名称、工作地点代码、有效期起", "DUPLICATE")}
    third = await _run(
        session, "enterprise", ledgers.POSITIONS, workbook(POSITION_HEADERS, rows[:2]), commit=True
    )
    assert third.ok and third.counts == {"create": 0, "update": 1, "unchanged": 1, "request": 0}
    assert (
        await session.scalar(select(Position.headcount).where(Position.title == "导入岗位甲")) == 8
    )
    assert (
        await session.scalar(
            select(func.count()).select_from(Position).where(Position.enterprise_id == enterprise)
        )
        == before + 2
    )


async def test_follow_ups_import_is_idempotent(session: AsyncSession) -> None:
    school = await _school_of(session, "school")
    own = await session.scalar(
        select(Person.id_number)
        .join(StudentRecord, StudentRecord.person_id == Person.id)
        .where(StudentRecord.school_id == school)
        .order_by(Person.id.desc())
        .limit(1)
    )
    headers = [field.header for field in ledgers.FOLLOW_UPS.fields]
    values = {"身份证号": own, "回访日期": "2026-11-02", "就业状态": "在岗", "月收入（元）": 4100}
    data = workbook(headers, [[values.get(h, "") for h in headers]])
    first = await _run(session, "school", ledgers.FOLLOW_UPS, data, commit=True)
    assert first.ok and first.counts["create"] == 1
    count = await _count(session, FollowUp)
    second = await _run(session, "school", ledgers.FOLLOW_UPS, data, commit=True)
    assert (
        second.ok and second.counts["unchanged"] == 1 and await _count(session, FollowUp) == count
    )
    wrong = {**values, "就业状态": "未就业"}
    third = await _run(
        session,
        "school",
        ledgers.FOLLOW_UPS,
        workbook(headers, [[wrong.get(h, "") for h in headers]]),
    )
    assert _found(third) == {(2, "月收入（元）", "REFUSED")}


async def test_a_suspended_member_cannot_import(session: AsyncSession) -> None:
    from models.organisations import Membership

    school = await _school_of(session, "school")
    organisation = await session.get(Organisation, school)
    organisation.membership = Membership.SUSPENDED
    await session.flush()
    with pytest.raises(AccessDenied):
        await _run(session, "school", ledgers.INTENTIONS, workbook(INTENTION_HEADERS, []))
    await session.rollback()


async def test_siblings_of_one_registration_number_share_one_household(
    session: AsyncSession,
) -> None:
    older, younger, third = (
        valid_id(COUNTY, born, 320) for born in ("20080101", "20100202", "20120303")
    )
    rows = [census_row("兄", older, 户号="HH-0001"), census_row("妹", younger, 户号="HH-0001")]
    report = await _run(
        session, "county", ledgers.CENSUS, workbook(CENSUS_HEADERS, rows), commit=True
    )
    assert report.ok and report.counts["create"] == 2
    # A third child of the same 户号, in a later file: joins the household now registered.
    later = await _run(
        session,
        "county",
        ledgers.CENSUS,
        workbook(CENSUS_HEADERS, [census_row("弟", third, 户号="HH-0001")]),
        commit=True,
    )
    assert later.ok and later.counts["create"] == 1
    households = await session.scalars(
        select(Person.household_id).where(Person.id_number.in_([older, younger, third]))
    )
    assert len(set(households)) == 1
    registered = await session.scalar(
        select(func.count())
        .select_from(Household)
        .where(Household.registration_number == "HH-0001")
    )
    assert registered == 1


async def test_every_new_person_is_audited_with_their_identity(session: AsyncSession) -> None:
    number = valid_id(COUNTY, "20110606", 330)
    rows = [census_row("审计", number, 手机号="13900001111")]
    await _run(session, "county", ledgers.CENSUS, workbook(CENSUS_HEADERS, rows), commit=True)
    person = await session.scalar(select(Person.id).where(Person.id_number == number))
    record = (
        await session.scalars(select(AuditRecord).where(AuditRecord.subject_person_id == person))
    ).one()
    assert record.operation == "upsertEnrolmentIntention" and record.detail["ok"] is True
    assert record.detail["changes"] == {
        "name": {"before": None, "after": "审计"},
        "id_number": {"before": None, "after": number},
        "phone": {"before": None, "after": "13900001111"},
        "household_region": {"before": None, "after": COUNTY},
        "household_category": {"before": None, "after": "lifted"},
        "relocated": {"before": None, "after": False},
    }
