"""Excel ledgers (三张清单 and the lists around them): templates, checking an upload, committing it.

A ``LedgerKind`` is the columns of one workbook (Chinese headers, drop-down lists for coded
columns, an example row, the explanation of each column) and the API mutation each row becomes.
An upload is read a row at a time (python-calamine) and checked in batches: every cell against
its column's rule, every row against the others (a resident ID number, or a position's key, only
once per file) and against the database under the importer's own rules (auth.rules ``writes``),
each batch with a few statements. The check lists every problem (row, column, rule, in Chinese)
and what each row will do: create, update, leave unchanged, or file a request.

Committing runs the same check and, row by row, the API's own mutation (the same function the
GraphQL mutation calls: its checks, its remit, its audit), all in one transaction: one problem
anywhere, a row the mutation refuses, and nothing is written. A row whose values are stored
already is left alone, so importing the same file twice changes nothing the second time.

Remit: a row about a person outside the importer's remit is refused with the answer the API gives
that mutation (resolvers.people, resolvers.transfers): never "registered elsewhere", so the preview
tells nothing about persons the importer may not see.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Awaitable, Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, tuple_
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from auth import rules
from models.catalogue import Major, Occupation
from models.organisations import Organisation
from models.people import (
    REGISTRATION_NUMBER_LENGTH,
    Education,
    EmploymentIntention,
    EnrolmentIntention,
    Gender,
    Household,
    HouseholdCategory,
    HouseholdCategoryChange,
    LocationTier,
    Person,
    StudentRecord,
    StudentStatus,
    employment_intention_occupations,
    employment_intention_regions,
    id_number_hmac,
)
from models.positions import Position, PositionKind, position_majors
from models.regions import Region, RegionLevel, subtree_bounds
from models.tracking import FollowUp, FollowUpStatus
from resolvers import audit, jobs, people, positions, tracking, transfers
from resolvers.context import Context, SerialSession
from resolvers.ids import to_global_id
from resolvers.outcomes import Outcome, sane_years, today
from resolvers.workbooks import (
    Column,
    Explanation,
    Sheet,
    UnreadableWorkbook,
    read_rows,
    write_workbook,
)

BATCH = 1000
"""Rows checked (and written) together: one set of lookups per batch."""
MAX_LISTED = 2000
"""Problems and planned rows a preview lists (all are counted)."""
DATA_SHEET = "数据"

# --- cells -----------------------------------------------------------------------------------


class CellProblem(ValueError):
    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


RULE_WORDS = {
    "REQUIRED": "必填",
    "INVALID_VALUE": "格式错误",
    "TOO_LONG": "超长",
    "UNKNOWN_CODE": "代码不存在",
    "ID_CHECK_DIGIT": "身份证号校验位错误",
    "ID_FORMAT": "身份证号格式错误",
    "ID_BIRTH_DATE": "身份证号与出生日期不一致",
    "ID_REGION": "身份证号与户籍地不一致",
    "DUPLICATE": "文件内重复",
    "NOT_IN_REMIT": "不在您的管理范围",
    "YEAR_RANGE": "年份超出范围",
    "OUT_OF_RANGE": "数值超出范围",
    "REFUSED": "不符合业务规则",
    "MISSING_COLUMN": "缺少列",
}
"""Every rule a problem names, as the preview words it."""


def _text(value: Any) -> str:
    """A cell as text: numbers typed into a text column (a code, a phone) lose their ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


Parser = Callable[[str, Any], Any]
"""(the cell as text, the raw cell) → the value, or CellProblem."""


def text(limit: int) -> Parser:
    def parse(cell: str, _raw: Any) -> str:
        if len(cell) > limit:
            raise CellProblem("TOO_LONG", f"最多 {limit} 个字，此处 {len(cell)} 个。")
        return cell

    return parse


def integer(low: int, high: int) -> Parser:
    def parse(cell: str, _raw: Any) -> int:
        if not re.fullmatch(r"-?\d+", cell):
            raise CellProblem("INVALID_VALUE", "应为整数。")
        number = int(cell)
        if not low <= number <= high:
            raise CellProblem("OUT_OF_RANGE", f"应在 {low:,} 至 {high:,} 之间。")
        return number

    return parse


def year(cell: str, raw: Any) -> int:
    low, high = sane_years()
    number = integer(-(10**9), 10**9)(cell, raw)
    if not low <= number <= high:
        raise CellProblem("YEAR_RANGE", f"年份须在 {low} 至 {high} 之间。")
    return number


def day(cell: str, raw: Any) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", cell)
    try:
        if match is None:
            raise ValueError
        found = date(*(int(part) for part in match.groups()))
    except ValueError:
        raise CellProblem("INVALID_VALUE", "应为日期，如 2026-09-01。") from None
    low, high = sane_years()
    if not low <= found.year <= high:
        raise CellProblem("YEAR_RANGE", f"日期须在 {low} 年至 {high} 年之间。")
    return found


YES, NO = "是", "否"


def yes_no(cell: str, _raw: Any) -> bool:
    words = {YES: True, NO: False, "Y": True, "N": False, "TRUE": True, "FALSE": False}
    found = words.get(cell.upper())
    if found is None:
        raise CellProblem("INVALID_VALUE", "应填“是”或“否”。")
    return found


def phone(cell: str, _raw: Any) -> str:
    if not (cell.isdigit() and len(cell) == 11 and cell.startswith("1")):
        raise CellProblem("INVALID_VALUE", "手机号应为以 1 开头的 11 位数字。")
    return cell


def id_number(cell: str, _raw: Any) -> str:
    """GB 11643, checked in the order and by the rules of ``stdnum.cn.ric.validate`` (length,
    digits, stdnum's check character, birth date, stdnum's address table for the birth year),
    with the table looked up once per address code and year: that lookup is most of validate's
    cost, and a county's 100,000 children share a few codes. A test holds the two to agreeing."""
    number = cell.upper()
    if len(number) != 18 or not number[:17].isdigit():
        raise CellProblem("ID_FORMAT", "应为 18 位：17 位数字加 1 位校验码（数字或 X）。")
    if ric.calc_check_digit(number) != number[17]:
        raise CellProblem("ID_CHECK_DIGIT", "校验位（第 18 位）不对（GB 11643）。")
    born = birth_date_of(number)
    if born is None:
        raise CellProblem("ID_FORMAT", "第 7 至 14 位不是有效的出生日期。")
    if not _known_address(number[:6], born.year):
        raise CellProblem("ID_FORMAT", f"前 6 位 {number[:6]} 不是出生当年有效的行政区划代码。")
    return number


def birth_date_of(number: str) -> date | None:
    """The birth date an 18-digit ID number holds (its characters 7 to 14), if it is a date."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


@functools.lru_cache(maxsize=8192)
def _known_address(code: str, year: int) -> bool:
    try:
        ric.get_birth_place(f"{code}{year:04d}0101001X")
    except stdnum_errors.ValidationError:
        return False
    return True


def choice(words: Mapping[str, enum.Enum]) -> Parser:
    def parse(cell: str, _raw: Any) -> enum.Enum:
        found = words.get(cell)
        if found is None:
            raise CellProblem("UNKNOWN_CODE", f"应为以下之一：{'、'.join(words)}。")
        return found

    return parse


def code(cell: str, _raw: Any) -> str:
    """A catalogue or region code, as the drop-down offers it ("610301 电气自动化技术") or alone;
    whether it exists is checked against the catalogue once per job (``Catalogues``)."""
    return cell.split()[0] if cell else cell


def codes(cell: str, raw: Any) -> list[str]:
    """Several codes separated by 、 , ， ; or spaces."""
    return [part for part in re.split(r"[、,，;；\s]+", cell) if part]


# Chinese words of the enums, as the portal words them (portal.labels; a test checks they agree).
CATEGORY_WORDS = {
    "脱贫户": HouseholdCategory.LIFTED,
    "脱贫不稳定户": HouseholdCategory.UNSTABLE,
    "边缘易致贫户": HouseholdCategory.MARGINAL,
    "突发严重困难户": HouseholdCategory.SUDDEN_HARDSHIP,
}
EDUCATION_WORDS = {
    "初中": Education.JUNIOR_MIDDLE,
    "中职": Education.SECONDARY_VOCATIONAL,
    "高职专科": Education.HIGHER_VOCATIONAL,
    "本科": Education.BACHELOR,
}
STATUS_WORDS = {
    "在读": StudentStatus.STUDYING,
    "已毕业": StudentStatus.GRADUATED,
    "已退学": StudentStatus.WITHDRAWN,
}
TIER_WORDS = {
    "县内": LocationTier.IN_COUNTY,
    "省内县外": LocationTier.IN_PROVINCE,
    "跨省": LocationTier.CROSS_PROVINCE,
}
KIND_WORDS = {
    "全职": PositionKind.REGULAR,
    "就业见习": PositionKind.INTERNSHIP,
    "公益性岗位": PositionKind.PUBLIC_WELFARE,
    "帮扶车间": PositionKind.ASSISTANCE_WORKSHOP,
}
FOLLOW_UP_WORDS = {
    "在岗": FollowUpStatus.EMPLOYED,
    "未就业": FollowUpStatus.UNEMPLOYED,
    "升学": FollowUpStatus.STUDYING,
    "自主创业": FollowUpStatus.OWN_BUSINESS,
}


class Catalogue(enum.StrEnum):
    """Which table a code column is checked against."""

    MAJOR = "major"
    OCCUPATION = "occupation"
    COUNTY = "county"  # a county (a household's 户籍地)
    REGION = "region"  # any province, city or county (a place of work)


@dataclass(frozen=True)
class Field:
    key: str
    header: str
    parse: Parser
    rule: str  # the explanation sheet's words
    example: Any
    required: bool = False
    catalogue: Catalogue | None = None
    choices: Sequence[str] = ()
    width: float = 14


def _chosen(words: dict[str, Any]) -> Sequence[str]:
    return tuple(words)


# --- rows and reports ------------------------------------------------------------------------


@dataclass
class Problem:
    row: int
    column: str
    rule: str
    message: str

    def as_json(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "rule": RULE_WORDS.get(self.rule, self.rule),
            "message": self.message,
        }


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    REQUEST = "request"  # a school's request for a person it does not hold (resolvers.transfers)


ACTION_WORDS = {
    Action.CREATE: "新增",
    Action.UPDATE: "更新",
    Action.UNCHANGED: "无变化",
    Action.REQUEST: "提交入学或转学申请（待审批）",
}


@dataclass
class Row:
    number: int  # as Excel numbers it (the header is row 1)
    values: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    action: Action | None = None
    target: Any = None  # what the write needs: the stored row's id, a person's global id

    def refuse(self, column: str, rule: str, message: str) -> None:
        self.problems.append(Problem(self.number, column, rule, message))


@dataclass
class Report:
    """The preview of an upload (or a commit's outcome): counts, every problem, the plan."""

    rows: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {action.value: 0 for action in Action})
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    problem_rows: int = 0
    planned: list[dict[str, Any]] = field(default_factory=list)
    file_problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem_count == 0 and self.file_problem is None

    def add(self, row: Row, label: str) -> None:
        self.rows += 1
        if row.problems:
            self.problem_rows += 1
            self.problem_count += len(row.problems)
            room = MAX_LISTED - len(self.problems)
            self.problems.extend(row.problems[: max(room, 0)])
            return
        assert row.action is not None
        self.counts[row.action.value] += 1
        if row.action != Action.UNCHANGED and len(self.planned) < MAX_LISTED:
            self.planned.append(
                {"row": row.number, "action": ACTION_WORDS[row.action], "label": label}
            )

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "rows": self.rows,
            "counts": self.counts,
            "problems": [problem.as_json() for problem in self.problems],
            "problem_count": self.problem_count,
            "problem_rows": self.problem_rows,
            "planned": self.planned,
            "file_problem": self.file_problem,
        }


# --- kinds -----------------------------------------------------------------------------------

Planner = Callable[[Context, list[Row]], Awaitable[None]]
Writer = Callable[[Context, Row], Awaitable[Outcome]]


@dataclass(frozen=True)
class LedgerKind:
    name: str
    title: str
    mutation: str  # the API mutation a row becomes: who may import is who may call it
    fields: tuple[Field, ...]
    key: Callable[[dict[str, Any]], Hashable]  # a row's identity within the file
    key_columns: str  # the key's columns, for the duplicate message
    plan: Planner
    write: Writer
    label: Callable[[dict[str, Any]], str]
    notes: tuple[str, ...] = ()
    # Writes a batch's new rows together; returns those it leaves to ``write``, row by row.
    create_many: Callable[[Context, list[Row]], Awaitable[list[Row]]] | None = None

    def field_named(self, header: str) -> Field | None:
        return next((f for f in self.fields if f.header == header), None)


async def _require_calls(ctx: Context, kind: LedgerKind) -> str | None:
    """AccessDenied unless the viewer may call the kind's mutation (and its organisation is an
    approved member); the reason a whole file is refused, if any."""
    rules.require_mutation(ctx.viewer, kind.mutation)
    if rules.needs_approved_membership(ctx.viewer, kind.mutation):
        membership = await ctx.session.scalar(
            select(Organisation.membership).where(Organisation.id == ctx.viewer.organisation_id)
        )
        rules.require_approved_membership(ctx.viewer, kind.mutation, membership)
    if kind is CENSUS and ctx.viewer.region_level != RegionLevel.COUNTY:
        return "摸底台账由县级乡村振兴局维护。"
    return None


# --- the catalogues a file's codes are checked against: read once per job --------------------


@dataclass
class Catalogues:
    majors: set[str]
    occupations: set[str]
    counties: set[str]
    places: set[str]

    @classmethod
    async def load(cls, ctx: Context) -> Catalogues:
        session = ctx.session
        regions = (await session.execute(select(Region.code, Region.level))).all()
        return cls(
            majors=set(await session.scalars(select(Major.code))),
            occupations=set(await session.scalars(select(Occupation.code))),
            counties={code for code, level in regions if level == RegionLevel.COUNTY},
            places={code for code, level in regions if level != RegionLevel.NATIONAL},
        )

    def known(self, catalogue: Catalogue, value: str) -> bool:
        return (
            value
            in {
                Catalogue.MAJOR: self.majors,
                Catalogue.OCCUPATION: self.occupations,
                Catalogue.COUNTY: self.counties,
                Catalogue.REGION: self.places,
            }[catalogue]
        )


CATALOGUE_WORDS = {
    Catalogue.MAJOR: "专业目录（2021）中没有专业代码",
    Catalogue.OCCUPATION: "职业分类大典（GB/T 6565）中没有职业代码",
    Catalogue.COUNTY: "没有这个县级行政区划代码",
    Catalogue.REGION: "没有这个行政区划代码",
}


def _check_codes(row: Row, kind_field: Field, catalogues: Catalogues) -> None:
    value = row.values.get(kind_field.key)
    if kind_field.catalogue is None or value in (None, "", []):
        return
    for one in value if isinstance(value, list) else [value]:
        if not catalogues.known(kind_field.catalogue, one):
            row.refuse(
                kind_field.header,
                "UNKNOWN_CODE",
                f"{CATALOGUE_WORDS[kind_field.catalogue]} {one}。",
            )


# --- shared person checks (the identity rules of resolvers.people) -----------------------------


def _check_identity(row: Row) -> None:
    """The ID number against the birth date and the household region given on the same row."""
    number = row.values.get("id_number")
    if not number:
        return
    given, held = row.values.get("birth_date"), birth_date_of(number)
    if given is not None and held is not None and held != given:
        row.refuse(
            "出生日期", "ID_BIRTH_DATE", f"与身份证号中的出生日期 {held.isoformat()} 不一致。"
        )
    region = row.values.get("household_region")
    if region and region[:2] != number[:2]:
        row.refuse(
            "身份证号",
            "ID_REGION",
            f"身份证号的地址码 {number[:6]} 与户籍地 {region} 不在同一省份。",
        )


async def _writable_persons(ctx: Context, numbers: list[str]) -> dict[str, Person]:
    """The persons of these ID numbers the viewer may write (auth.rules ``writes``)."""
    if not numbers:
        return {}
    statement = select(Person).where(
        Person.id_number.in_(numbers), rules.writes(ctx.viewer, "persons")
    )
    return {person.id_number: person for person in await ctx.session.scalars(statement)}


async def _registered(ctx: Context, numbers: list[str]) -> set[str]:
    """Which of these ID numbers are registered at all — for the write side only, to refuse
    them with the answer the mutation gives (never shown as such)."""
    if not numbers:
        return set()
    return set(
        await ctx.session.scalars(select(Person.id_number).where(Person.id_number.in_(numbers)))
    )


async def _households(ctx: Context, persons: Sequence[Person]) -> dict[int, Household]:
    ids = {person.household_id for person in persons}
    if not ids:
        return {}
    found = await ctx.session.scalars(select(Household).where(Household.id.in_(ids)))
    return {household.id: household for household in found}


def _identity(values: dict[str, Any]) -> dict[str, Any]:
    """The row as the mutations' PersonIdentityInput."""
    identity = {
        name: values[name]
        for name in (
            "name",
            "id_number",
            "phone",
            "education",
            "household_region",
            "household_category",
            "relocated",
            "registration_number",
        )
        if values.get(name) not in (None, "")
    }
    if "birth_date" in values and values["birth_date"] is not None:
        identity["birth_date"] = values["birth_date"]
    return identity


def _identity_unchanged(
    values: dict[str, Any], person: Person, household: Household | None
) -> bool:
    """Whether the identity a row gives is what is stored (the household only where given)."""
    same = values["name"] == person.name and values.get("phone") in (None, "", person.phone)
    if values.get("education") is not None:
        same = same and values["education"] == person.education
    if household is not None:
        same = (
            same
            and values["household_region"] == household.region_code
            and values["household_category"] == household.category
            and bool(values.get("relocated")) == household.relocated
            and values.get("registration_number") in (None, household.registration_number)
        )
    return same


def _in_my_region(ctx: Context, region: str | None) -> bool:
    viewer = ctx.viewer
    bounds = (
        subtree_bounds(viewer.region_code or "", viewer.region_level)
        if viewer.region_level
        else None
    )
    return region is None or bounds is None or bounds[0] <= region <= bounds[1]


# --- (a) the census: county bureaus ----------------------------------------------------------

_EXAMPLE_BASE = "50022920080101001"  # 城口县, born 2008-01-01
EXAMPLE_ID = _EXAMPLE_BASE + ric.calc_check_digit(_EXAMPLE_BASE + "0")  # with a placeholder
PERSON_FIELDS = (
    Field("name", "姓名", text(32), "最多 32 个字。", "张小明", required=True, width=10),
    Field(
        "id_number",
        "身份证号",
        id_number,
        "18 位居民身份证号（GB 11643，含校验码）；文件内每人只能出现一次。请以文本格式填写。",
        EXAMPLE_ID,
        required=True,
        width=22,
    ),
    Field(
        "birth_date",
        "出生日期",
        day,
        "可不填；填写时须与身份证号第 7 至 14 位一致。",
        "2008-01-01",
        width=12,
    ),
    Field("phone", "手机号", phone, "可不填；以 1 开头的 11 位数字。", "13800000000", width=14),
)
HOUSEHOLD_FIELDS = (
    Field(
        "household_region",
        "户籍地代码",
        code,
        "户籍所在县的 6 位行政区划代码（GB/T 2260）。",
        "500229",
        required=True,
        catalogue=Catalogue.COUNTY,
        width=12,
    ),
    Field(
        "household_category",
        "家庭类别",
        choice(CATEGORY_WORDS),
        "脱贫户，或防止返贫监测对象的一类。",
        "脱贫户",
        required=True,
        choices=_chosen(CATEGORY_WORDS),
        width=14,
    ),
    Field(
        "relocated", "易地扶贫搬迁", yes_no, "是或否，不填为否。", NO, choices=(YES, NO), width=12
    ),
    Field(
        "registration_number",
        "户号",
        text(REGISTRATION_NUMBER_LENGTH),
        "可不填；户口簿上的户号。同一县内户号相同的人登记为同一户（兄弟姐妹共用一户）。",
        "",
        width=16,
    ),
)


async def _plan_census(ctx: Context, batch: list[Row]) -> None:
    numbers = [row.values["id_number"] for row in batch]
    mine = await _writable_persons(ctx, numbers)
    households = await _households(ctx, list(mine.values()))
    others = await _registered(ctx, [number for number in numbers if number not in mine])
    person_ids = [person.id for person in mine.values()]
    stored = (
        {
            (entry.person_id, entry.survey_year): entry
            for entry in await ctx.session.scalars(
                select(EnrolmentIntention).where(EnrolmentIntention.person_id.in_(person_ids))
            )
        }
        if person_ids
        else {}
    )
    for row in batch:
        values = row.values
        if not _in_my_region(ctx, values["household_region"]) or values["id_number"] in others:
            # The mutation's answer for a person registered elsewhere too (resolvers.people).
            row.refuse("户籍地代码", "NOT_IN_REMIT", people.NOT_IN_REGION[2])
            continue
        person = mine.get(values["id_number"])
        if person is None:
            row.action = Action.CREATE
            continue
        entry = stored.get((person.id, values["survey_year"]))  # one row per survey year
        same_entry = (
            entry is not None
            and entry.wants_vocational == values["wants_vocational"]
            and entry.preferred_major_code == (values.get("preferred_major_code") or None)
            and (entry.note or None) == (values.get("note") or None)
        )
        same_person = _identity_unchanged(values, person, households[person.household_id])
        row.action = Action.UNCHANGED if same_entry and same_person else Action.UPDATE


async def _write_census(ctx: Context, row: Row) -> Outcome:
    """A row that updates a person of the county, or joins a household already registered:
    the census mutation itself (resolvers.people.upsert_enrolment_intention)."""
    values = row.values
    return await people.upsert_enrolment_intention(
        ctx,
        _identity(values),
        {
            "survey_year": values["survey_year"],
            "wants_vocational": values["wants_vocational"],
            "preferred_major_code": values.get("preferred_major_code") or None,
            "note": values.get("note") or None,
        },
    )


async def _create_census(ctx: Context, rows: list[Row]) -> list[Row]:
    """New children of the county in households of their own (or sharing a 户号 new to the
    county), created together: the census mutation's writes for a new person — a household with
    its first category row, the person, the survey row, the audited identity — as four multi-row
    INSERTs a batch instead of a dozen statements a row. Every rule the mutation checks was
    checked on the row (its cells, its county, the ID number unregistered). Returns the rows
    left for the mutation: those joining a household that is registered already."""
    numbers = {
        (row.values["household_region"], row.values["registration_number"])
        for row in rows
        if row.values.get("registration_number")
    }
    registered = set()
    if numbers:
        found = await ctx.session.execute(
            select(Household.region_code, Household.registration_number).where(
                tuple_(Household.region_code, Household.registration_number).in_(numbers)
            )
        )
        registered = set(found.all())

    def joins_registered(row: Row) -> bool:
        return (row.values["household_region"], row.values.get("registration_number")) in registered

    new = [row for row in rows if not joins_registered(row)]
    if new:
        await _insert_census(ctx, new)
    return [row for row in rows if joins_registered(row)]


async def _insert_census(ctx: Context, rows: list[Row]) -> None:
    households: dict[tuple[str, str], dict[str, Any]] = {}
    for index, row in enumerate(rows):
        households.setdefault(_household_key(index, row), _household_values(row.values))
    for household, key in zip(
        households.values(), await _reserve_ids(ctx, Household, len(households)), strict=True
    ):
        household["id"] = key
    person_ids = await _reserve_ids(ctx, Person, len(rows))
    # Core executemany on the tables: the ORM's bulk INSERT spends more per row than the database.
    persons = [
        _person_values(row.values, households[_household_key(index, row)]["id"], person_ids[index])
        for index, row in enumerate(rows)
    ]
    await ctx.session.execute(insert(Household.__table__), list(households.values()))
    await ctx.session.execute(
        insert(HouseholdCategoryChange.__table__),
        [_first_category(ctx, household) for household in households.values()],
    )
    await ctx.session.execute(insert(Person.__table__), persons)
    await ctx.session.execute(
        insert(EnrolmentIntention.__table__),
        [
            {"person_id": person["id"], **_survey_values(row.values)}
            for row, person in zip(rows, persons, strict=True)
        ],
    )
    for row, person in zip(rows, persons, strict=True):
        ctx.audit.mutated(
            CENSUS.mutation,
            True,
            subject_person_id=person["id"],
            changes={
                name: {"before": None, "after": value}
                for name, value in _audited_identity(row.values).items()
            },
        )


def _household_key(index: int, row: Row) -> tuple[str, str]:
    """Rows of one 户号 share a household; a row without one gets its own."""
    return (row.values["household_region"], row.values.get("registration_number") or f"#{index}")


async def _reserve_ids(ctx: Context, model: type[Any], count: int) -> list[int]:
    """``count`` new primary keys of ``model``'s table, so that a batch is inserted with one
    executemany (an INSERT ... RETURNING of many rows comes back one statement a row on SQLite,
    whose RETURNING order is not guaranteed). PostgreSQL: from the table's sequence. SQLite: after
    the largest id, safe because the import holds the database's only write lock."""
    if count == 0:
        return []
    table = model.__table__.name
    if ctx.on_postgresql:
        reserved = await ctx.session.scalars(
            select(func.nextval(func.pg_get_serial_sequence(table, "id"))).select_from(
                func.generate_series(1, count)
            )
        )
        return list(reserved)
    largest: int = await ctx.session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0
    return list(range(largest + 1, largest + 1 + count))


def _survey_values(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "survey_year": values["survey_year"],
        "wants_vocational": values["wants_vocational"],
        "preferred_major_code": values.get("preferred_major_code") or None,
        "note": values.get("note") or None,
    }


def _household_values(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "region_code": values["household_region"],
        "category": values["household_category"],
        "relocated": bool(values.get("relocated")),
        "registration_number": values.get("registration_number") or None,
    }


def _first_category(ctx: Context, household: dict[str, Any]) -> dict[str, Any]:
    """The category a new household is registered with (resolvers.households' first row)."""
    return {
        "household_id": household["id"],
        "from_category": None,
        "to_category": household["category"],
        "changed_on": today(),
        "reason": "登记",
        "changed_by_user_id": ctx.viewer.user_id,
        "changed_by_organisation_id": ctx.viewer.organisation_id,
    }


def _person_values(values: dict[str, Any], household_id: int, person_id: int) -> dict[str, Any]:
    number = values["id_number"]
    return {
        "id": person_id,
        "name": values["name"].strip(),
        "id_number": number,
        "id_number_hmac": id_number_hmac(number),  # the federation's person key
        "phone": values.get("phone") or None,
        "gender": Gender.MALE if int(number[16]) % 2 else Gender.FEMALE,  # GB 11643
        "birth_date": birth_date_of(number),
        "household_id": household_id,
        "education": Education.JUNIOR_MIDDLE,
        "certificates": [],
        "consent_to_share": False,
        "version": 1,
    }


def _audited_identity(values: dict[str, Any]) -> dict[str, Any]:
    """The identity fields the audit log keeps of a new person (resolvers.people.AUDITED_IDENTITY)."""
    stored = {
        "name": values["name"].strip(),
        "id_number": values["id_number"],
        "phone": values.get("phone") or None,
        "household_region": values["household_region"],
        "household_category": values["household_category"].value,
        "relocated": bool(values.get("relocated")),
        "registration_number": values.get("registration_number") or None,
    }
    return {name: stored[name] for name in people.AUDITED_IDENTITY if stored.get(name) is not None}


CENSUS = LedgerKind(
    name="census",
    title="摸底台账（清单一：就读职业院校意愿）",
    mutation="upsertEnrolmentIntention",
    fields=(
        *PERSON_FIELDS,
        *HOUSEHOLD_FIELDS,
        Field(
            "survey_year", "摸底年份", year, "调查年份，如 2026。", 2026, required=True, width=10
        ),
        Field(
            "wants_vocational",
            "愿意就读职业院校",
            yes_no,
            "是或否。",
            YES,
            required=True,
            choices=(YES, NO),
            width=16,
        ),
        Field(
            "preferred_major_code",
            "意向专业",
            code,
            "可不填；专业目录（2021）中的专业代码，可从下拉列表选择。",
            "",
            catalogue=Catalogue.MAJOR,
            width=28,
        ),
        Field("note", "备注", text(500), "可不填；最多 500 字。", "", width=24),
    ),
    key=lambda values: values["id_number"],
    key_columns="身份证号",
    plan=_plan_census,
    write=_write_census,
    create_many=_create_census,
    label=lambda values: values["name"],
    notes=("县级乡村振兴局维护本县摸底台账；户籍地须在本局辖区内。",),
)

# --- (b) the student ledger: schools ---------------------------------------------------------


async def _plan_students(ctx: Context, batch: list[Row]) -> None:
    mine = await _writable_persons(ctx, [row.values["id_number"] for row in batch])
    person_ids = [person.id for person in mine.values()]
    records = (
        {
            record.person_id: record
            for record in await ctx.session.scalars(
                select(StudentRecord).where(StudentRecord.person_id.in_(person_ids))
            )
        }
        if person_ids
        else {}
    )
    for row in batch:
        values = row.values
        if values["entry_year"] > values["expected_graduation_year"]:
            row.refuse("预计毕业年份", "REFUSED", "毕业年份不能早于入学年份。")
            continue
        person = mine.get(values["id_number"])
        if person is None:
            # Unknown, or someone else's: the same request either way (resolvers.transfers).
            row.action = Action.REQUEST
            continue
        record = records.get(person.id)
        same = (
            record is not None
            and record.school_id == ctx.viewer.organisation_id
            and record.major_code == values["major_code"]
            and record.entry_year == values["entry_year"]
            and record.expected_graduation_year == values["expected_graduation_year"]
            and record.status == values["status"]
            and _identity_unchanged(values, person, None)
        )
        row.action = Action.UNCHANGED if same else Action.UPDATE


async def _write_student(ctx: Context, row: Row) -> Outcome:
    values = row.values
    return await transfers.upsert_student_record(
        ctx,
        _identity(values),
        {
            "major_code": values["major_code"],
            "entry_year": values["entry_year"],
            "expected_graduation_year": values["expected_graduation_year"],
            "status": values["status"],
        },
    )


STUDENTS = LedgerKind(
    name="students",
    title="学生台账（清单二：在校雨露计划学生）",
    mutation="upsertStudentRecord",
    fields=(
        *PERSON_FIELDS,
        *HOUSEHOLD_FIELDS,
        Field(
            "education",
            "学历",
            choice(EDUCATION_WORDS),
            "可不填；已达到的最高学历。",
            "初中",
            choices=_chosen(EDUCATION_WORDS),
            width=10,
        ),
        Field(
            "major_code",
            "专业",
            code,
            "专业目录（2021）中的专业代码，可从下拉列表选择。",
            "",
            required=True,
            catalogue=Catalogue.MAJOR,
            width=28,
        ),
        Field("entry_year", "入学年份", year, "如 2025。", 2025, required=True, width=10),
        Field(
            "expected_graduation_year",
            "预计毕业年份",
            year,
            "不早于入学年份。",
            2028,
            required=True,
            width=12,
        ),
        Field(
            "status",
            "学籍状态",
            choice(STATUS_WORDS),
            "在读、已毕业或已退学；不填为在读。",
            "在读",
            choices=_chosen(STATUS_WORDS),
            width=10,
        ),
    ),
    key=lambda values: values["id_number"],
    key_columns="身份证号",
    plan=_plan_students,
    write=_write_student,
    label=lambda values: values["name"],
    notes=(
        "本校学生直接更新；其他人（新生、他校学生）提交入学或转学申请，由学生现就读学校或户籍地县级乡村振兴局审批。",
        "户籍地代码与家庭类别对新生必填。",
    ),
)

# --- (c) graduates' employment intentions: schools (and graduates themselves) -------------------

NOT_YOURS = "在您管理的人员中没有找到此身份证号。"
"""The answer for a person outside the importer's remit, whether or not the number is registered
(resolvers.people.writable_person answers the same)."""


async def _plan_intentions(ctx: Context, batch: list[Row]) -> None:
    mine = await _writable_persons(ctx, [row.values["id_number"] for row in batch])
    person_ids = [person.id for person in mine.values()]
    stored: dict[int, EmploymentIntention] = {}
    links: dict[int, tuple[set[str], set[str]]] = {}
    if person_ids:
        for intention in await ctx.session.scalars(
            select(EmploymentIntention).where(EmploymentIntention.person_id.in_(person_ids))
        ):
            stored[intention.person_id] = intention
            links[intention.id] = (set(), set())
        for table, column, side in (
            (employment_intention_occupations, "occupation_code", 0),
            (employment_intention_regions, "region_code", 1),
        ):
            for intention_id, linked_code in await ctx.session.execute(
                select(table.c.intention_id, table.c[column]).where(
                    table.c.intention_id.in_(list(links))
                )
            ):
                links[intention_id][side].add(linked_code)
    for row in batch:
        values = row.values
        person = mine.get(values["id_number"])
        if person is None:
            row.refuse("身份证号", "NOT_IN_REMIT", NOT_YOURS)
            continue
        row.target = to_global_id("Person", person.id)
        intention = stored.get(person.id)
        if intention is None:
            row.action = Action.CREATE
            continue
        occupations, regions = links[intention.id]
        same = (
            intention.graduation_year == values["graduation_year"]
            and intention.preferred_tier == values.get("preferred_tier")
            and intention.expected_salary == values.get("expected_salary")
            and intention.seeking == values["seeking"]
            and intention.wants_further_study == values["wants_further_study"]
            and intention.wants_own_business == values["wants_own_business"]
            and occupations == set(values.get("occupation_codes") or [])
            and regions == set(values.get("region_codes") or [])
        )
        row.action = Action.UNCHANGED if same else Action.UPDATE


async def _write_intention(ctx: Context, row: Row) -> Outcome:
    values = row.values
    return await people.upsert_employment_intention(
        ctx,
        row.target,
        {
            "graduation_year": values["graduation_year"],
            "preferred_tier": values.get("preferred_tier"),
            "expected_salary": values.get("expected_salary"),
            "seeking": values["seeking"],
            "wants_further_study": values["wants_further_study"],
            "wants_own_business": values["wants_own_business"],
            "occupation_codes": values.get("occupation_codes") or [],
            "region_codes": values.get("region_codes") or [],
        },
    )


INTENTIONS = LedgerKind(
    name="intentions",
    title="毕业生就业意向（清单三）",
    mutation="upsertEmploymentIntention",
    fields=(
        PERSON_FIELDS[1],
        Field("name", "姓名", text(32), "便于核对，可不填；不会修改人员姓名。", "张小明", width=10),
        Field("graduation_year", "毕业年份", year, "如 2026。", 2026, required=True, width=10),
        Field(
            "occupation_codes",
            "意向职业代码",
            codes,
            f"可不填；最多 {people.MAX_DESIRED} 个职业代码（GB/T 6565），用顿号分隔。",
            "6-31-01-03",
            catalogue=Catalogue.OCCUPATION,
            width=24,
        ),
        Field(
            "region_codes",
            "意向地区代码",
            codes,
            f"可不填；最多 {people.MAX_DESIRED} 个行政区划代码，用顿号分隔。",
            "500000",
            catalogue=Catalogue.REGION,
            width=20,
        ),
        Field(
            "preferred_tier",
            "就业地域",
            choice(TIER_WORDS),
            "可不填（不限）；愿意去的最远范围：县内、省内县外或跨省。",
            "跨省",
            choices=_chosen(TIER_WORDS),
            width=10,
        ),
        Field(
            "expected_salary",
            "期望月薪（元）",
            integer(0, 1_000_000),
            "可不填；0 至 1,000,000。",
            4500,
            width=14,
        ),
        Field(
            "seeking",
            "正在求职",
            yes_no,
            "是或否。",
            YES,
            required=True,
            choices=(YES, NO),
            width=10,
        ),
        Field(
            "wants_further_study",
            "打算升学",
            yes_no,
            "是或否，不填为否。",
            NO,
            choices=(YES, NO),
            width=10,
        ),
        Field(
            "wants_own_business",
            "打算创业",
            yes_no,
            "是或否，不填为否。",
            NO,
            choices=(YES, NO),
            width=10,
        ),
    ),
    key=lambda values: values["id_number"],
    key_columns="身份证号",
    plan=_plan_intentions,
    write=_write_intention,
    label=lambda values: values.get("name") or values["id_number"][:4] + "…",
    notes=("只能填写本校学生（毕业生）的就业意向。",),
)

# --- positions: enterprises -------------------------------------------------------------------


def _position_key(values: dict[str, Any]) -> tuple[Any, ...]:
    return (values["title"], values["region_code"], values["valid_from"])


async def _plan_positions(ctx: Context, batch: list[Row]) -> None:
    keys = [_position_key(row.values) for row in batch]
    statement = select(Position).where(
        rules.writes(ctx.viewer, "positions"),
        tuple_(Position.title, Position.region_code, Position.valid_from).in_(keys),
    )
    stored = {
        (position.title, position.region_code, position.valid_from): position
        for position in await ctx.session.scalars(statement)
    }
    majors: dict[int, set[str]] = {position.id: set() for position in stored.values()}
    if majors:
        for position_id, major in await ctx.session.execute(
            select(position_majors.c.position_id, position_majors.c.major_code).where(
                position_majors.c.position_id.in_(list(majors))
            )
        ):
            majors[position_id].add(major)
    for row, key in zip(batch, keys, strict=True):
        values = row.values
        if values["salary_min"] > values["salary_max"]:
            row.refuse("月薪上限（元）", "REFUSED", "月薪上限不能低于下限。")
        if values["valid_from"] > values["valid_until"]:
            row.refuse("有效期止", "REFUSED", "有效期止不能早于有效期起。")
        if row.problems:
            continue
        position = stored.get(key)
        if position is None:
            row.action = Action.CREATE
            continue
        row.target = (to_global_id("Position", position.id), position.version)
        changes = _position_values(values)
        same = majors[position.id] == set(changes.pop("major_codes")) and all(
            getattr(position, name) == value for name, value in changes.items()
        )
        row.action = Action.UNCHANGED if same else Action.UPDATE


def _position_values(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": values["title"],
        "occupation_code": values["occupation_code"],
        "kind": values["kind"],
        "min_education": values["min_education"],
        "headcount": values["headcount"],
        "salary_min": values["salary_min"],
        "salary_max": values["salary_max"],
        "region_code": values["region_code"],
        "valid_from": values["valid_from"],
        "valid_until": values["valid_until"],
        "major_codes": values.get("major_codes") or [],
        "benefits": values.get("benefits") or None,
        "description": values.get("description") or None,
        "yulu_priority": bool(values.get("yulu_priority")),
    }


async def _write_position(ctx: Context, row: Row) -> Outcome:
    if row.action == Action.CREATE:
        return await positions.create_position(ctx, _position_values(row.values))
    global_id, version = row.target
    return await positions.update_position(ctx, global_id, version, _position_values(row.values))


POSITIONS = LedgerKind(
    name="positions",
    title="岗位需求清单",
    mutation="createPosition",
    fields=(
        Field(
            "title",
            "岗位名称",
            text(128),
            "最多 128 个字。",
            "电气设备安装工",
            required=True,
            width=20,
        ),
        Field(
            "occupation_code",
            "职业代码",
            code,
            "职业分类大典（GB/T 6565）中的职业代码。",
            "6-29-03-02",
            required=True,
            catalogue=Catalogue.OCCUPATION,
            width=14,
        ),
        Field(
            "kind",
            "岗位类型",
            choice(KIND_WORDS),
            "全职、就业见习、公益性岗位或帮扶车间。",
            "全职",
            required=True,
            choices=_chosen(KIND_WORDS),
            width=12,
        ),
        Field(
            "min_education",
            "最低学历",
            choice(EDUCATION_WORDS),
            "初中、中职、高职专科或本科。",
            "中职",
            required=True,
            choices=_chosen(EDUCATION_WORDS),
            width=10,
        ),
        Field(
            "headcount",
            "招聘人数",
            integer(1, 100_000),
            "1 至 100,000。",
            10,
            required=True,
            width=10,
        ),
        Field(
            "salary_min",
            "月薪下限（元）",
            integer(0, 1_000_000),
            "0 至 1,000,000。",
            4000,
            required=True,
            width=14,
        ),
        Field(
            "salary_max",
            "月薪上限（元）",
            integer(0, 1_000_000),
            "不低于下限。",
            6000,
            required=True,
            width=14,
        ),
        Field(
            "region_code",
            "工作地点代码",
            code,
            "工作地的行政区划代码（省、市或县）。",
            "500101",
            required=True,
            catalogue=Catalogue.REGION,
            width=12,
        ),
        Field(
            "major_codes",
            "可接受专业代码",
            codes,
            "可不填；专业代码，用顿号分隔。",
            "",
            catalogue=Catalogue.MAJOR,
            width=20,
        ),
        Field("benefits", "福利待遇", text(2000), "可不填。", "五险一金", width=20),
        Field("description", "岗位描述", text(4000), "可不填。", "", width=24),
        Field(
            "yulu_priority",
            "雨露计划优先",
            yes_no,
            "是或否，不填为否。",
            YES,
            choices=(YES, NO),
            width=12,
        ),
        Field(
            "valid_from", "有效期起", day, "如 2026-09-01。", "2026-09-01", required=True, width=12
        ),
        Field(
            "valid_until",
            "有效期止",
            day,
            "不早于有效期起。",
            "2026-12-31",
            required=True,
            width=12,
        ),
    ),
    key=_position_key,
    key_columns="岗位名称、工作地点代码、有效期起",
    plan=_plan_positions,
    write=_write_position,
    label=lambda values: values["title"],
    notes=(
        "同一岗位名称、工作地点和有效期起的岗位视为同一岗位：已有则更新，没有则新增（新增为草稿，发布后才对外可见）。",
    ),
)

# --- follow-ups: schools ---------------------------------------------------------------------


async def _plan_follow_ups(ctx: Context, batch: list[Row]) -> None:
    mine = await _writable_persons(ctx, [row.values["id_number"] for row in batch])
    person_ids = [person.id for person in mine.values()]
    stored = (
        {
            (follow_up.person_id, follow_up.on_date): follow_up
            for follow_up in await ctx.session.scalars(
                select(FollowUp).where(
                    FollowUp.person_id.in_(person_ids), rules.writes(ctx.viewer, "follow_ups")
                )
            )
        }
        if person_ids
        else {}
    )
    for row in batch:
        values = row.values
        person = mine.get(values["id_number"])
        if person is None:
            row.refuse("身份证号", "NOT_IN_REMIT", NOT_YOURS)
            continue
        if values.get("monthly_income") and values["status"] not in tracking.WORKING:
            row.refuse("月收入（元）", "REFUSED", "只有在岗或自主创业的毕业生才填写月收入。")
            continue
        row.target = to_global_id("Person", person.id)
        found = stored.get((person.id, values["on_date"]))
        if found is None:
            row.action = Action.CREATE
            continue
        same = (
            found.status == values["status"]
            and found.monthly_income == values.get("monthly_income")
            and (found.note or None) == (values.get("note") or None)
        )
        # A follow-up is a dated fact: one of the same day with other values is a second visit.
        row.action = Action.UNCHANGED if same else Action.CREATE


async def _write_follow_up(ctx: Context, row: Row) -> Outcome:
    values = row.values
    return await tracking.record_follow_up(
        ctx,
        row.target,
        {
            "on_date": values["on_date"],
            "status": values["status"],
            "monthly_income": values.get("monthly_income"),
            "note": values.get("note") or None,
        },
    )


FOLLOW_UPS = LedgerKind(
    name="follow-ups",
    title="跟踪回访记录",
    mutation="recordFollowUp",
    fields=(
        PERSON_FIELDS[1],
        Field("name", "姓名", text(32), "便于核对，可不填。", "张小明", width=10),
        Field("on_date", "回访日期", day, "如 2026-11-20。", "2026-11-20", required=True, width=12),
        Field(
            "status",
            "就业状态",
            choice(FOLLOW_UP_WORDS),
            "在岗、未就业、升学或自主创业。",
            "在岗",
            required=True,
            choices=_chosen(FOLLOW_UP_WORDS),
            width=10,
        ),
        Field(
            "monthly_income",
            "月收入（元）",
            integer(0, tracking.MAX_INCOME),
            "在岗或自主创业时填写。",
            4800,
            width=12,
        ),
        Field("note", "备注", text(tracking.MAX_TEXT), "可不填。", "", width=30),
    ),
    key=lambda values: (values["id_number"], values["on_date"]),
    key_columns="身份证号、回访日期",
    plan=_plan_follow_ups,
    write=_write_follow_up,
    label=lambda values: values.get("name") or values["id_number"][:4] + "…",
    notes=("只能填写本校学生（毕业生）的回访记录；同一人同一天内容相同的记录只保留一条。",),
)

KINDS: dict[str, LedgerKind] = {
    kind.name: kind for kind in (CENSUS, STUDENTS, INTENTIONS, POSITIONS, FOLLOW_UPS)
}


# --- templates -------------------------------------------------------------------------------


def _choice_list(
    kind_field: Field, catalogue_choices: dict[Catalogue, Sequence[str]]
) -> Sequence[str]:
    if kind_field.choices:
        return kind_field.choices
    if kind_field.parse is code and kind_field.catalogue in catalogue_choices:
        return catalogue_choices[kind_field.catalogue]
    return ()


async def template(ctx: Context | None, kind: LedgerKind) -> bytes:
    """The kind's workbook: headers, drop-down lists (the major catalogue too, when a context is
    given to read it), one example row, and the explanation sheet."""
    catalogue_choices: dict[Catalogue, Sequence[str]] = {}
    if ctx is not None:
        majors = await ctx.session.execute(select(Major.code, Major.name).order_by(Major.code))
        catalogue_choices[Catalogue.MAJOR] = [f"{code_} {name}" for code_, name in majors]
    columns = [Column(f.header, f.width, _choice_list(f, catalogue_choices)) for f in kind.fields]
    example = [f.example for f in kind.fields]
    explanation = Explanation(
        introduction=(
            kind.title,
            "在“数据”表中从第 2 行起每行填写一条（第 2 行是示例，导入前请删除或改写）。",
            "带 * 的列必填。导入前系统会逐行检查并列出全部问题；有任何问题时不会写入任何数据。",
            *kind.notes,
        ),
        lines=[
            [
                f.header + ("*" if f.required else ""),
                "是" if f.required else "否",
                f.rule,
                _text(f.example),
            ]
            for f in kind.fields
        ],
    )
    return write_workbook([Sheet(DATA_SHEET, columns, [example])], explanation)


# --- checking and committing -----------------------------------------------------------------


def _header_map(kind: LedgerKind, header: list[Any]) -> tuple[dict[int, Field], list[str]]:
    """Which column holds which field (by its header, * allowed), and the required ones missing."""
    found: dict[int, Field] = {}
    for index, cell in enumerate(header):
        kind_field = kind.field_named(_text(cell).rstrip("*").strip())
        if kind_field is not None:
            found[index] = kind_field
    present = {f.key for f in found.values()}
    missing = [f.header for f in kind.fields if f.required and f.key not in present]
    return found, missing


def _parse_row(
    number: int, cells: list[Any], columns: dict[int, Field], kind: LedgerKind
) -> Row | None:
    """The row's values by field, each cell's problem noted; None for an empty row."""
    if all(_text(cell) == "" for cell in cells):
        return None
    row = Row(number, {f.key: None for f in kind.fields})
    for index, kind_field in columns.items():
        raw = cells[index] if index < len(cells) else ""
        cell = _text(raw)
        if cell == "":
            if kind_field.required:
                row.refuse(
                    kind_field.header, "REQUIRED", f"{kind_field.header}为必填项，本行为空。"
                )
            continue
        try:
            row.values[kind_field.key] = kind_field.parse(cell, raw)
        except CellProblem as problem:
            row.refuse(kind_field.header, problem.rule, problem.message)
    _defaults(row)
    return row


def _defaults(row: Row) -> None:
    """What an empty optional cell means: 否 for yes/no columns, 在读 for a status."""
    for name in ("relocated", "wants_further_study", "wants_own_business", "yulu_priority"):
        if name in row.values and row.values[name] is None:
            row.values[name] = False
    if "status" in row.values and row.values["status"] is None:
        row.values["status"] = StudentStatus.STUDYING


def _rows(kind: LedgerKind, source: bytes | Path, report: Report) -> Iterator[Row]:
    rows = read_rows(source, DATA_SHEET)
    header = next(rows, None)
    if header is None:
        report.file_problem = "工作簿是空的：请使用下载的模板填写。"
        return
    columns, missing = _header_map(kind, header)
    if missing:
        report.file_problem = f"缺少必填列：{'、'.join(missing)}。请使用下载的模板填写。"
        return
    for number, cells in enumerate(rows, start=2):
        row = _parse_row(number, cells, columns, kind)
        if row is not None:
            yield row


def _check_in_file(
    kind: LedgerKind, row: Row, seen: dict[Hashable, int], catalogues: Catalogues
) -> None:
    for kind_field in kind.fields:
        _check_codes(row, kind_field, catalogues)
    _check_identity(row)
    if row.problems:
        return
    key = kind.key(row.values)
    first = seen.setdefault(key, row.number)
    if first != row.number:
        row.refuse(
            kind.key_columns, "DUPLICATE", f"与第 {first} 行重复（{kind.key_columns}相同）。"
        )


ProgressCallback = Callable[[int], Awaitable[None]]


async def run(
    ctx: Context,
    kind: LedgerKind,
    source: bytes | Path,
    *,
    commit: bool,
    progress: ProgressCallback | None = None,
) -> Report:
    """Check every row of the upload; with ``commit``, also write each planned row through the
    kind's mutation — the caller commits the transaction only if the report is ``ok``.
    AccessDenied when the viewer may not call the kind's mutation at all."""
    report = Report()
    report.file_problem = await _require_calls(ctx, kind)
    if report.file_problem:
        return report
    ctx.audit.operation = f"import:{kind.name}"
    if commit:
        assert isinstance(ctx.session, SerialSession)  # what Context makes of any session
        await ctx.session.lock_for_writing()
    catalogues = await Catalogues.load(ctx)
    seen: dict[Hashable, int] = {}
    batch: list[Row] = []

    async def settle() -> None:
        ready = [row for row in batch if not row.problems]
        if ready:
            await kind.plan(ctx, ready)
        if commit and report.ok and not any(row.problems for row in batch):
            await _write_batch(ctx, kind, batch)
        for row in batch:
            report.add(row, kind.label(row.values))
        batch.clear()
        if commit:
            await _release(ctx)
        if progress is not None:
            await progress(report.rows)

    for row in _rows(kind, source, report):
        _check_in_file(kind, row, seen, catalogues)
        batch.append(row)
        if len(batch) >= BATCH:
            await settle()
    await settle()
    return report


async def _write_batch(ctx: Context, kind: LedgerKind, batch: list[Row]) -> None:
    changing = [row for row in batch if row.action != Action.UNCHANGED]
    if kind.create_many is not None:
        left = {
            id(row)
            for row in await kind.create_many(
                ctx, [r for r in changing if r.action == Action.CREATE]
            )
        }
        changing = [row for row in changing if row.action != Action.CREATE or id(row) in left]
    for row in changing:
        await _write(ctx, kind, row)


async def _write(ctx: Context, kind: LedgerKind, row: Row) -> None:
    outcome = await kind.write(ctx, row)
    for error in outcome.errors:
        row.refuse(_header_of(kind, error.field), "REFUSED", error.message)


def _header_of(kind: LedgerKind, api_field: str | None) -> str:
    """The column of an API field name (householdRegion → 户籍地代码)."""
    if api_field is None:
        return ""
    wanted = re.sub(r"(?<!^)(?=[A-Z])", "_", api_field).lower()
    found = next((f.header for f in kind.fields if f.key == wanted), None)
    return found or ""


async def _release(ctx: Context) -> None:
    """Write the batch's audit notes and forget its ORM objects: a 100,000-row import never holds
    more than a batch of them (the transaction stays open: all or nothing)."""
    await audit.flush(ctx)
    ctx.forget_loaded()


# --- as background jobs (resolvers.jobs) -------------------------------------------------------


async def check_job(running: jobs.RunningJob) -> jobs.Outcome:
    """The preview: every row checked, nothing written."""
    return await _job(running, commit=False)


async def commit_job(running: jobs.RunningJob) -> jobs.Outcome:
    """The same check, writing as it goes, in one transaction: committed only if no row had a
    problem; otherwise rolled back whole, and the job fails with the problems found."""
    return await _job(running, commit=True)


async def _job(running: jobs.RunningJob, *, commit: bool) -> jobs.Outcome:
    job = running.job
    kind = KINDS[job.kind]
    async with running.sessions() as session:
        ctx = Context(session=session, viewer=running.viewer)
        # While an import writes it holds SQLite's only write lock: progress stays in-process.
        running.progress.writes_to_database = not commit or ctx.on_postgresql
        try:
            report = await run(
                ctx, kind, job.payload or b"", commit=commit, progress=running.progress.advance
            )
        except rules.AccessDenied as denied:
            return jobs.Outcome({}, failed=str(denied))
        except UnreadableWorkbook as unreadable:
            return jobs.Outcome({}, failed=str(unreadable))
        if commit and report.ok:
            await session.commit()
        else:
            await session.rollback()
    result = report.as_json() | {"committed": commit and report.ok}
    failed = None if report.ok or not commit else "导入未完成：发现问题，未写入任何数据。"
    return jobs.Outcome(result, failed=failed)
