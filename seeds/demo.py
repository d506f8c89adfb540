"""A synthetic, Chongqing-like alliance, generated deterministically from one RNG seed.

Everything here is invented: persons, ID numbers, phones and positions are synthetic (the ID
numbers and credit codes are well-formed, with real region codes and valid check characters).
Organisation names follow the style of real members so the demo reads true.

The generator yields ``(table, rows)`` batches in foreign-key order with explicit primary keys,
so the loader can stream them into either database without reading anything back.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count
from typing import Any

from sqlalchemy import Table
from stdnum.cn import ric

from models.applications import Application, ApplicationEvent, RejectionReason, Stage
from models.catalogue import Major, Occupation
from models.classes import Enrolment, TrainingClass, class_reserved_positions
from models.fairs import Fair, fair_enterprises, fair_positions, fair_registrations
from models.organisations import Organisation, User
from models.people import (
    MONITORED_CATEGORIES,
    EmploymentIntention,
    EnrolmentIntention,
    Household,
    HouseholdCategory,
    LocationTier,
    Person,
    StudentRecord,
    employment_intention_occupations,
    employment_intention_regions,
    location_tier,
)
from models.positions import Position, position_majors
from models.regions import Region, RegionLevel
from models.tracking import AssistanceCase, EmploymentRecord, FollowUp
from seeds import identity, reference

RNG_SEED = 20221
AS_OF = date(2026, 11, 1)  # the demo's "today": fixed, so the same seed gives the same data
CHONGQING = "500000"
EASTERN_PROVINCES = ("370000", "440000", "330000", "320000", "350000")  # Shandong first: paired
BATCH = 5_000


@dataclass(frozen=True)
class Scale:
    schools: int
    enterprises: int
    agencies: int
    graduates: int
    students: int
    children: int  # ledger (a): surveyed children and their wish to enter vocational school
    positions: int
    classes: int
    applications: int


SCALES = {
    "test": Scale(
        schools=4,
        enterprises=6,
        agencies=2,
        graduates=160,
        students=120,
        children=30,
        positions=60,
        classes=4,
        applications=60,
    ),
    "demo": Scale(
        schools=24,
        enterprises=30,
        agencies=6,
        graduates=13_000,
        students=18_000,
        children=3_000,
        positions=360,
        classes=30,
        applications=2_400,
    ),
    "bench": Scale(
        schools=300,
        enterprises=3_000,
        agencies=60,
        graduates=600_000,
        students=380_000,
        children=20_000,
        positions=100_000,
        classes=600,
        applications=50_000,
    ),
}

SCHOOL_NAMES = [
    ("重庆工业职业技术学院", "500157", "higher_vocational"),
    ("重庆电子工程职业学院", "500106", "higher_vocational"),
    ("重庆城市管理职业学院", "500106", "higher_vocational"),
    ("重庆三峡职业学院", "500101", "higher_vocational"),
    ("重庆医药高等专科学校", "500106", "higher_vocational"),
    ("重庆旅游职业学院", "500114", "higher_vocational"),
    ("重庆工程职业技术学院", "500116", "higher_vocational"),
    ("重庆市工业学校", "500107", "secondary_vocational"),
    ("重庆市轻工业学校", "500113", "secondary_vocational"),
    ("重庆市农业学校", "500118", "secondary_vocational"),
    ("城口县职业教育中心", "500229", "secondary_vocational"),
    ("巫溪县职业教育中心", "500238", "secondary_vocational"),
    ("酉阳土家族苗族自治县职业教育中心", "500242", "secondary_vocational"),
    ("彭水苗族土家族自治县职业教育中心", "500243", "secondary_vocational"),
    ("万州职业教育中心", "500101", "secondary_vocational"),
    ("黔江区民族职业教育中心", "500114", "secondary_vocational"),
    ("开州区职业教育中心", "500154", "secondary_vocational"),
    ("云阳职业教育中心", "500235", "secondary_vocational"),
    ("奉节职业教育中心", "500236", "secondary_vocational"),
    ("秀山土家族苗族自治县职业教育中心", "500241", "secondary_vocational"),
    ("石柱土家族自治县职业教育中心", "500240", "secondary_vocational"),
    ("丰都县职业教育中心", "500230", "secondary_vocational"),
    ("重庆市技师学院", "500113", "technician"),
    ("重庆五一高级技工学校", "500108", "technician"),
]

ENTERPRISE_NAMES = [
    ("中铁二十局集团重庆工程有限公司", "500157", True, "建筑"),
    ("国网重庆市电力公司", "500103", True, "电力"),
    ("中建八局西南建设工程有限公司", "500157", True, "建筑"),
    ("中国移动通信集团重庆有限公司", "500157", True, "通信"),
    ("中国石化销售股份有限公司重庆石油分公司", "500103", True, "能源"),
    ("中国邮政集团有限公司重庆市分公司", "500103", True, "物流"),
    ("中国华能集团重庆分公司", "500103", True, "电力"),
    ("重庆长安汽车股份有限公司", "500157", False, "汽车制造"),
    ("重庆京东方光电科技有限公司", "500157", False, "电子"),
    ("重庆惠科金渝光电科技有限公司", "500120", False, "电子"),
    ("重庆美心门业集团有限公司", "500113", False, "制造"),
    ("重庆小康汽车有限公司", "500120", False, "汽车制造"),
    ("重庆两江养老服务有限公司", "500157", False, "养老服务"),
    ("重庆渝州宾馆有限公司", "500107", False, "酒店"),
    ("重庆山城电商产业园有限公司", "500108", False, "电子商务"),
    ("城口县山地鸡养殖专业合作社", "500229", False, "农业"),
    ("巫溪县帮扶车间服装加工有限公司", "500238", False, "服装"),
    ("酉阳县桃花源文旅有限公司", "500242", False, "旅游"),
    ("彭水县苗绣帮扶车间有限公司", "500243", False, "手工艺"),
    ("青岛海尔智能制造有限公司", "370212", False, "家电制造"),
    ("潍柴动力股份有限公司", "370705", False, "装备制造"),
    ("比亚迪汽车工业有限公司", "440307", False, "汽车制造"),
    ("广州白云国际机场地勤服务有限公司", "440111", False, "航空服务"),
    ("杭州娃哈哈食品有限公司", "330102", False, "食品"),
    ("苏州立讯精密工业有限公司", "320505", False, "电子"),
    ("宁德时代新能源科技股份有限公司", "350902", False, "新能源"),
    ("顺丰速运（重庆）有限公司", "500157", False, "物流"),
    ("重庆医科大学附属医院后勤服务有限公司", "500103", False, "医疗服务"),
    ("重庆火锅餐饮管理有限公司", "500103", False, "餐饮"),
    ("重庆智慧农业科技有限公司", "500117", False, "农业"),
]

AGENCY_NAMES = [
    ("重庆市人力资源开发服务中心", "500103"),
    ("重庆对外经贸人力资源服务有限公司", "500157"),
    ("城口县劳务服务有限公司", "500229"),
    ("酉阳县劳务经纪人协会服务中心", "500242"),
    ("万州区人力资源市场服务中心", "500101"),
    ("重庆英才人力资源服务有限公司", "500106"),
]

BUREAUS = [
    ("国家乡村振兴局", "000000"),
    ("重庆市乡村振兴局", CHONGQING),
    ("城口县乡村振兴局", "500229"),
    ("巫溪县乡村振兴局", "500238"),
    ("酉阳土家族苗族自治县乡村振兴局", "500242"),
    ("彭水苗族土家族自治县乡村振兴局", "500243"),
    ("万州区乡村振兴局", "500101"),
]

# Join requests waiting for the Chongqing bureau's approval.
PENDING_APPLICANTS = [
    ("重庆渝才人力资源服务有限公司", "500106", "agency"),
    ("酉阳县土家织锦帮扶车间有限公司", "500242", "enterprise"),
]

# username → (role, title shown after the organisation's name). Passwords are in the README.
DEMO_PASSWORD = "yulu-demo-2026"
DEMO_ACCOUNTS = [
    ("school", "school", "就业办 刘老师"),
    ("enterprise", "enterprise", "人力资源部 陈经理"),
    ("agency", "agency", "顾问 周敏"),
    ("county", "bureau", "王科长"),
    ("city", "bureau", "李处长"),
    ("graduate", "graduate", ""),
    ("admin", "admin", "联盟系统管理员"),
]

POSITION_TITLES = {
    "regular": ["{occupation}", "{occupation}（储备）", "{occupation}（一线）"],
    "internship": ["{occupation}见习岗"],
    "public_welfare": ["乡村公益性岗位（{occupation}）"],
    "assistance_workshop": ["帮扶车间{occupation}"],
}
CERTIFICATES = [
    "电工证",
    "焊工证",
    "叉车证",
    "育婴员证",
    "养老护理员证",
    "计算机等级证书",
    "驾驶证C1",
    "中式烹调师证",
    "导游证",
    "护士执业资格证",
]


@dataclass
class World:
    """What earlier batches created and later ones refer to."""

    counties: list[str]
    chongqing_counties: list[str]
    key_counties: list[str]
    majors: list[reference.Major]
    occupations: list[reference.Occupation]
    schools: list[dict]
    enterprises: list[dict]
    agencies: list[dict]
    bureaus: list[dict]
    positions: list[dict]
    graduates: list[dict]
    students: list[dict]
    households: dict[int, dict]


def generate(scale_name: str, password_hash: str) -> Iterator[tuple[Table, list[dict]]]:
    """Yield ``(table, rows)`` batches for one scale; the same arguments give the same rows."""
    scale = SCALES[scale_name]
    rng = random.Random(RNG_SEED)
    yield from _reference_rows()
    world = _world(rng)
    yield from _organisations(rng, scale, world)
    yield from _people(rng, scale, world)
    yield from _positions(rng, scale, world)
    yield from _classes(rng, scale, world)
    yield from _applications(rng, scale, world)
    yield from _fairs(rng, world)
    yield from _users(world, password_hash)


# ---------------------------------------------------------------- reference data


def _reference_rows() -> Iterator[tuple[Table, list[dict]]]:
    regions: list[dict[str, Any]] = [
        {
            "code": "000000",
            "name": "全国",
            "level": RegionLevel.NATIONAL,
            "parent_code": None,
            "path": "/",
            "is_key_county": False,
        }
    ]
    for region in sorted(reference.regions(), key=lambda r: (len(r.code.rstrip("0")), r.code)):
        level = RegionLevel(region.level)
        regions.append(
            {
                "code": region.code,
                "name": region.name,
                "level": level,
                "parent_code": region.parent_code or "000000",
                "path": _path(region.code, level),
                "is_key_county": region.is_key_county,
            }
        )
    # Parents before children: the self-referencing foreign key is checked row by row.
    order = {
        RegionLevel.NATIONAL: 0,
        RegionLevel.PROVINCE: 1,
        RegionLevel.CITY: 2,
        RegionLevel.COUNTY: 3,
    }
    regions.sort(key=lambda r: (order[r["level"]], r["code"]))
    yield Region.__table__, regions
    yield (
        Region.metadata.tables["region_pairings"],
        [{"west_code": west, "east_code": east} for west, east in reference.pairings()],
    )
    yield (
        Major.__table__,
        [
            {
                "code": m.code,
                "name": m.name,
                "level": m.level,
                "category_code": m.category_code,
                "class_code": m.class_code,
            }
            for m in reference.majors()
        ],
    )
    yield Occupation.__table__, [{"code": o.code, "name": o.name} for o in reference.occupations()]


def _path(code: str, level: RegionLevel) -> str:
    from models.regions import region_path

    return region_path(code, level)


def _world(rng: random.Random) -> World:
    counties = sorted(
        r.code for r in reference.regions() if r.level == "county" and _issued_since_2000(r.code)
    )
    chongqing = [c for c in counties if c.startswith("50")]
    key_counties = sorted(c for c in reference.key_county_codes() if c in set(counties))
    return World(
        counties=counties,
        chongqing_counties=chongqing,
        key_counties=key_counties,
        majors=list(reference.majors()),
        occupations=list(reference.occupations()),
        schools=[],
        enterprises=[],
        agencies=[],
        bureaus=[],
        positions=[],
        graduates=[],
        students=[],
        households={},
    )


def _issued_since_2000(code: str) -> bool:
    """Only counties that existed when the demo's persons were born can appear in their IDs."""
    return ric.is_valid(identity.resident_id(code, date(2000, 1, 1), 1, True))


# ---------------------------------------------------------------- organisations


def _organisations(rng: random.Random, scale: Scale, world: World):
    ids = count(1)
    rows: list[dict] = []

    def add(kind: str, name: str, region: str, **extra) -> dict:
        org_id = next(ids)
        row = {
            "id": org_id,
            "kind": kind,
            "name": name,
            "region_code": region,
            "credit_code": identity.credit_code(
                kind, _credit_region(region), 10_000_000 + org_id * 37
            ),
            "membership": "approved",
            "approved_by_id": None,
            "approved_at": None,
            "school_level": None,
            "is_central_soe": False,
            "industry": None,
            "contact_phone": None,
        }
        row.update(extra)
        rows.append(row)
        return row

    for name, region in BUREAUS:
        world.bureaus.append(add("bureau", name, region, contact_phone=identity.mobile(rng)))
    approver = world.bureaus[1]["id"]  # 重庆市乡村振兴局 approves the Chongqing members
    for i in range(scale.schools):
        name, region, level = _cycled(SCHOOL_NAMES, i, rng, world, "学校")
        world.schools.append(
            add(
                "school",
                name,
                region,
                school_level=level,
                approved_by_id=approver,
                contact_phone=identity.mobile(rng),
            )
        )
    for i in range(scale.enterprises):
        name, region, soe, industry = _cycled(ENTERPRISE_NAMES, i, rng, world, "有限公司")
        world.enterprises.append(
            add(
                "enterprise",
                name,
                region,
                is_central_soe=soe,
                industry=industry,
                approved_by_id=approver,
                contact_phone=identity.mobile(rng),
            )
        )
    for i in range(scale.agencies):
        name, region = _cycled(AGENCY_NAMES, i, rng, world, "人力资源服务有限公司")
        world.agencies.append(
            add("agency", name, region, approved_by_id=approver, contact_phone=identity.mobile(rng))
        )
    for name, region, kind in PENDING_APPLICANTS:
        add(kind, name, region, membership="pending", approved_by_id=None)
    yield Organisation.__table__, rows


def _credit_region(region: str) -> str:
    return "500000" if region == "000000" else region  # the national bureau sits in Beijing's table


def _cycled(names: list[tuple], i: int, rng: random.Random, world: World, suffix: str) -> tuple:
    """The named members first; beyond them (bench scale) numbered members in random counties."""
    if i < len(names):
        return names[i]
    base = names[i % len(names)]
    region = rng.choice(world.chongqing_counties)
    return (f"{base[0].split('（')[0]}第{i // len(names) + 1}分支{suffix}", region, *base[2:])


# ---------------------------------------------------------------- households, persons, ledgers


def _people(rng: random.Random, scale: Scale, world: World):
    person_ids = count(1)
    household_ids = count(1)
    sequences: Counter = Counter()
    batches = _Batches()

    def new_person(birth_year: int, education: str) -> dict:
        household = _household(rng, world, next(household_ids))
        batches.add(Household.__table__, household)
        birth = date(birth_year, 1, 1) + timedelta(days=rng.randrange(365))
        male = rng.random() < 0.55
        region = household["region_code"]
        sequences[(region, birth)] += 1
        person = {
            "id": next(person_ids),
            "name": identity.person_name(rng),
            "id_number": identity.resident_id(region, birth, sequences[(region, birth)], male),
            "phone": identity.mobile(rng),
            "gender": "male" if male else "female",
            "birth_date": birth,
            "household_id": household["id"],
            "education": education,
            "certificates": rng.sample(CERTIFICATES, rng.choice((0, 0, 1, 1, 2))),
            "consent_to_share": rng.random() < 0.7,
            "version": 1,
        }
        batches.add(Person.__table__, person)
        world.households[person["id"]] = household
        return person

    key_counties = set(world.key_counties)
    for _ in range(scale.graduates):
        graduation_year = AS_OF.year - rng.choice((0, 0, 0, 1, 1, 2))
        school = rng.choice(world.schools)
        education = _education_of(school)
        person = new_person(
            graduation_year - (21 if education == "higher_vocational" else 18), education
        )
        major = rng.choice(world.majors)
        batches.add(
            StudentRecord.__table__,
            _student_record(person, school, major, graduation_year, "graduated"),
        )
        intention_id = person["id"]
        batches.add(
            EmploymentIntention.__table__,
            {
                "id": intention_id,
                "person_id": person["id"],
                "graduation_year": graduation_year,
                "preferred_tier": rng.choice([*LocationTier, None]),
                "expected_salary": rng.randrange(30, 80) * 100,
                "wants_further_study": rng.random() < 0.06,
                "wants_own_business": rng.random() < 0.04,
                "seeking": True,
                **_match_keys(person, world.households[person["id"]], major, key_counties),
            },
        )
        for occupation in rng.sample(world.occupations, rng.randint(1, 3)):
            batches.add(
                employment_intention_occupations,
                {"intention_id": intention_id, "occupation_code": occupation.code},
            )
        for region in sorted({CHONGQING, rng.choice(EASTERN_PROVINCES)}):
            batches.add(
                employment_intention_regions, {"intention_id": intention_id, "region_code": region}
            )
        world.graduates.append(
            {
                **person,
                "school_id": school["id"],
                "major_code": major.code,
                "graduation_year": graduation_year,
            }
        )
        yield from batches.full()

    for _ in range(scale.students):
        school = rng.choice(world.schools)
        education = (
            "junior_middle"
            if _education_of(school) == "secondary_vocational"
            else "secondary_vocational"
        )
        entry_year = AS_OF.year - rng.choice((0, 1, 2))
        person = new_person(entry_year - (15 if education == "junior_middle" else 18), education)
        major = rng.choice(world.majors)
        length = 3
        batches.add(
            StudentRecord.__table__,
            _student_record(person, school, major, entry_year + length, "studying", entry_year),
        )
        world.students.append({**person, "school_id": school["id"], "major_code": major.code})
        yield from batches.full()

    for i in range(scale.children):
        person = new_person(AS_OF.year - 15, "junior_middle")
        batches.add(
            EnrolmentIntention.__table__,
            {
                "id": i + 1,
                "person_id": person["id"],
                "survey_year": AS_OF.year,
                "wants_vocational": rng.random() < 0.72,
                "preferred_major_code": rng.choice(world.majors).code
                if rng.random() < 0.6
                else None,
                "preferred_school_id": rng.choice(world.schools)["id"]
                if rng.random() < 0.4
                else None,
                "note": None,
            },
        )
        yield from batches.full()
    yield from batches.rest()


def _household(rng: random.Random, world: World, household_id: int) -> dict:
    roll = rng.random()
    if roll < 0.30 and world.key_counties:
        region = rng.choice(world.key_counties)
    elif roll < 0.85:
        region = rng.choice(world.chongqing_counties)
    else:
        region = rng.choice(world.counties)
    category = rng.choices(list(HouseholdCategory), weights=(78, 10, 8, 4))[0]
    return {
        "id": household_id,
        "region_code": region,
        "category": category,
        "relocated": rng.random() < 0.12,
    }


def _match_keys(
    person: dict, household: dict, major: reference.Major, key_counties: set[str]
) -> dict:
    """The intention's matching keys, as models.matching_keys would derive them (availability
    is settled by the loader once employment is known)."""
    return {
        "match_available": True,
        "match_major_code": major.code,
        "match_education": person["education"],
        "match_region_code": household["region_code"],
        "match_monitored": household["category"] in MONITORED_CATEGORIES,
        "match_key_county": household["region_code"] in key_counties,
        "match_relocated": household["relocated"],
    }


def _education_of(school: dict) -> str:
    return (
        "higher_vocational"
        if school["school_level"] == "higher_vocational"
        else "secondary_vocational"
    )


def _student_record(
    person: dict,
    school: dict,
    major: reference.Major,
    graduation_year: int,
    status: str,
    entry_year: int | None = None,
) -> dict:
    return {
        "id": person["id"],
        "person_id": person["id"],
        "school_id": school["id"],
        "major_code": major.code,
        "entry_year": entry_year or graduation_year - 3,
        "expected_graduation_year": graduation_year,
        "status": status,
    }


# ---------------------------------------------------------------- positions


def _positions(rng: random.Random, scale: Scale, world: World):
    batches = _Batches()
    kinds = rng.choices
    for position_id in range(1, scale.positions + 1):
        enterprise = world.enterprises[(position_id - 1) % len(world.enterprises)]
        kind = kinds(
            ["regular", "internship", "public_welfare", "assistance_workshop"],
            weights=(60, 20, 10, 10),
        )[0]
        occupation = rng.choice(world.occupations)
        low = rng.randrange(25, 60) * 100 if kind != "public_welfare" else 2_000
        headcount = rng.randint(1, 20)
        position = {
            "id": position_id,
            "enterprise_id": enterprise["id"],
            "title": rng.choice(POSITION_TITLES[kind]).format(occupation=occupation.name),
            "occupation_code": occupation.code,
            "kind": kind,
            "state": rng.choices(["open", "draft", "closed"], weights=(85, 5, 10))[0],
            "min_education": rng.choice(
                [
                    "junior_middle",
                    "secondary_vocational",
                    "secondary_vocational",
                    "higher_vocational",
                ]
            ),
            "headcount": headcount,
            "filled": 0,
            "salary_min": low,
            "salary_max": low + rng.randrange(5, 30) * 100,
            "region_code": enterprise["region_code"]
            if rng.random() < 0.8
            else rng.choice(world.chongqing_counties),
            "benefits": rng.choice(
                ["五险一金", "五险一金、包食宿", "五险、餐补、交通补贴", "包住、年终奖"]
            ),
            "description": f"{enterprise['name']}招聘{occupation.name}，雨露计划毕业生优先。",
            "required_certificates": rng.sample(CERTIFICATES, rng.choice((0, 0, 0, 1))),
            "yulu_priority": rng.random() < 0.4,
            "valid_from": date(2026, 9, 1),
            "valid_until": date(2027, 6, 30),
            "version": 1,
        }
        world.positions.append(position)
        batches.add(Position.__table__, position)
        category = rng.choice(world.majors).category_code
        accepted = [m for m in world.majors if m.category_code == category]
        for major in rng.sample(accepted, min(len(accepted), rng.randint(1, 3))):
            batches.add(position_majors, {"position_id": position_id, "major_code": major.code})
        yield from batches.full()
    yield from batches.rest()


# ---------------------------------------------------------------- classes


def _classes(rng: random.Random, scale: Scale, world: World):
    batches = _Batches()
    enrolment_ids = count(1)
    students_by_school: dict[int, list[dict]] = {}
    for student in world.students:
        students_by_school.setdefault(student["school_id"], []).append(student)
    for class_id in range(1, scale.classes + 1):
        school = world.schools[(class_id - 1) % len(world.schools)]
        kind = ("targeted", "customised", "short_training")[class_id % 3]
        enterprise = rng.choice(world.enterprises)
        major = rng.choice(world.majors)
        pool = students_by_school.get(school["id"], [])
        seats = rng.randint(20, 50)
        enrolled = rng.sample(pool, min(len(pool), rng.randint(0, seats)))
        label = {"targeted": "定向班", "customised": "定制班", "short_training": "技能培训班"}[kind]
        batches.add(
            TrainingClass.__table__,
            {
                "id": class_id,
                "school_id": school["id"],
                "enterprise_id": None if kind == "short_training" else enterprise["id"],
                "kind": kind,
                "name": f"{enterprise['name'][:6]}{major.name}{label}",
                "major_code": major.code,
                "cohort_year": AS_OF.year,
                "seats": seats,
                "enrolled": len(enrolled),
                "starts_on": date(AS_OF.year, 9, 1),
                "ends_on": date(AS_OF.year + 2, 6, 30),
                "training_plan": f"校企共同制定培养方案：{major.name}专业课程 + 企业岗位实训。",
                "version": 1,
            },
        )
        for student in enrolled:
            batches.add(
                Enrolment.__table__,
                {"id": next(enrolment_ids), "class_id": class_id, "person_id": student["id"]},
            )
        if kind != "short_training":
            own = [p for p in world.positions if p["enterprise_id"] == enterprise["id"]]
            for position in rng.sample(own, min(len(own), 2)):
                batches.add(
                    class_reserved_positions, {"class_id": class_id, "position_id": position["id"]}
                )
        yield from batches.full()
    yield from batches.rest()


# ---------------------------------------------------------------- applications and employment


STAGE_PATH = [Stage.RECOMMENDED, Stage.APPLIED, Stage.INTERVIEW, Stage.OFFER, Stage.HIRED]


def _applications(rng: random.Random, scale: Scale, world: World):
    batches = _Batches()
    event_ids = count(1)
    record_ids = count(1)
    open_positions = [p for p in world.positions if p["state"] == "open"]
    candidates = rng.sample(world.graduates, min(len(world.graduates), scale.applications))
    hired: set[int] = set()
    for application_id, graduate in enumerate(candidates, start=1):
        position = rng.choice(open_positions)
        stage = rng.choices(list(Stage), weights=(20, 25, 15, 8, 20, 9, 3))[0]
        if stage is Stage.HIRED and position["filled"] >= position["headcount"]:
            stage = Stage.OFFER
        source = rng.choice(["self", "school", "agency", "fair"])
        referrer = {
            "school": graduate["school_id"],
            "agency": rng.choice(world.agencies)["id"],
        }.get(source)
        batches.add(
            Application.__table__,
            {
                "id": application_id,
                "person_id": graduate["id"],
                "position_id": position["id"],
                "source": source,
                "referrer_id": referrer,
                "fair_id": None,
                "stage": stage,
                "rejection_reason": rng.choice(list(RejectionReason))
                if stage is Stage.REJECTED
                else None,
                "note": None,
                "version": 1,
            },
        )
        for previous, current in _history(stage):
            batches.add(
                ApplicationEvent.__table__,
                {
                    "id": next(event_ids),
                    "application_id": application_id,
                    "from_stage": previous,
                    "to_stage": current,
                    "actor_user_id": None,
                    "note": None,
                },
            )
        if stage is Stage.HIRED:
            position["filled"] += 1
            hired.add(graduate["id"])
            batches.add(
                EmploymentRecord.__table__,
                _employment(next(record_ids), graduate, world, position, application_id, rng),
            )
        yield from batches.full()
    # Earlier cohorts found work outside the alliance's own pipeline (the article: all employed).
    for graduate in world.graduates:
        if (
            graduate["id"] in hired
            or graduate["graduation_year"] == AS_OF.year
            or rng.random() < 0.15
        ):
            continue
        batches.add(
            EmploymentRecord.__table__,
            _employment(next(record_ids), graduate, world, None, None, rng),
        )
        hired.add(graduate["id"])
        yield from batches.full()
    yield from batches.rest()
    yield from _tracking(rng, world, hired)
    yield Position.__table__, []  # marker: positions' filled counts are final (see loader)


def _history(stage: Stage) -> list[tuple[Stage | None, Stage]]:
    if stage in (Stage.REJECTED, Stage.WITHDRAWN):
        return [
            (None, Stage.RECOMMENDED),
            (Stage.RECOMMENDED, Stage.APPLIED),
            (Stage.APPLIED, stage),
        ]
    path = STAGE_PATH[: STAGE_PATH.index(stage) + 1]
    return list(zip([None, *path[:-1]], path, strict=True))


def _employment(
    record_id: int,
    graduate: dict,
    world: World,
    position: dict | None,
    application_id: int | None,
    rng: random.Random,
) -> dict:
    if position is not None:
        employer = next(e for e in world.enterprises if e["id"] == position["enterprise_id"])
        employer_id, employer_name, region = (
            employer["id"],
            employer["name"],
            position["region_code"],
        )
        income = rng.randint(position["salary_min"], position["salary_max"])
    else:
        employer_id = None
        employer_name = rng.choice(
            [
                "重庆某机械加工厂",
                "深圳某电子厂",
                "本地个体商户",
                "杭州某物流公司",
                "县城某酒店",
                "青岛某食品厂",
                "广州某制衣厂",
            ]
        )
        household_region = world.households[graduate["id"]]["region_code"]
        region = rng.choice(
            [household_region, rng.choice(world.chongqing_counties), rng.choice(world.counties)]
        )
        income = rng.randrange(28, 70) * 100
    return {
        "id": record_id,
        "person_id": graduate["id"],
        "employer_id": employer_id,
        "employer_name": employer_name,
        "position_id": position["id"] if position else None,
        "application_id": application_id,
        "start_date": date(graduate["graduation_year"], 7, 15),
        "end_date": None,
        "monthly_income": income,
        "work_region_code": region,
        "location_tier": location_tier(world.households[graduate["id"]]["region_code"], region),
    }


def _tracking(rng: random.Random, world: World, employed: set[int]):
    batches = _Batches()
    follow_up_ids = count(1)
    case_ids = count(1)
    for graduate in world.graduates:
        is_employed = graduate["id"] in employed
        batches.add(
            FollowUp.__table__,
            {
                "id": next(follow_up_ids),
                "person_id": graduate["id"],
                "on_date": date(AS_OF.year, 10, 15),
                "status": "employed"
                if is_employed
                else rng.choice(["unemployed", "unemployed", "studying", "own_business"]),
                "monthly_income": rng.randrange(28, 70) * 100 if is_employed else None,
                "note": None,
                "recorded_by_id": None,
            },
        )
        if not is_employed and graduate["graduation_year"] < AS_OF.year and rng.random() < 0.5:
            agency = rng.choice(world.agencies)
            batches.add(
                AssistanceCase.__table__,
                {
                    "id": next(case_ids),
                    "person_id": graduate["id"],
                    "owner_org_id": agency["id"],
                    "owner_user_id": None,
                    "reason": "毕业后未就业，需一对一帮扶",
                    "plan": "推送匹配岗位，安排职业指导与见习",
                    "state": "open",
                    "outcome": None,
                    "opened_on": date(AS_OF.year, 9, 1),
                    "closed_on": None,
                },
            )
        yield from batches.full()
    yield from batches.rest()


# ---------------------------------------------------------------- fairs and users


def _fairs(rng: random.Random, world: World):
    organiser = world.agencies[0]
    fair = {
        "id": 1,
        "organiser_id": organiser["id"],
        "name": "2026年雨露计划毕业生就业专场招聘会",
        "kind": "general",
        "mode": "hybrid",
        "region_code": CHONGQING,
        "starts_on": date(AS_OF.year, 11, 20),
        "ends_on": date(AS_OF.year, 11, 21),
    }
    yield Fair.__table__, [fair]
    enterprises = world.enterprises[: min(10, len(world.enterprises))]
    yield fair_enterprises, [{"fair_id": 1, "enterprise_id": e["id"]} for e in enterprises]
    ids = {e["id"] for e in enterprises}
    positions = [p for p in world.positions if p["enterprise_id"] in ids and p["state"] == "open"][
        :40
    ]
    yield fair_positions, [{"fair_id": 1, "position_id": p["id"]} for p in positions]
    seeking = [g for g in world.graduates if g["graduation_year"] == AS_OF.year]
    registered = rng.sample(seeking, min(len(seeking), 60))
    # Every other graduate registered themself (with consent); the organiser registered the rest.
    yield (
        fair_registrations,
        [
            {"fair_id": 1, "person_id": g["id"], "with_consent": index % 2 == 0}
            for index, g in enumerate(registered)
        ],
    )


def _users(world: World, password_hash: str):
    county_bureau = next(b for b in world.bureaus if b["region_code"] == "500229")
    organisation_of = {
        "school": world.schools[min(10, len(world.schools) - 1)],
        "enterprise": world.enterprises[1],
        "agency": world.agencies[0],
        "county": county_bureau,
        "city": world.bureaus[1],
    }
    graduate = next(g for g in world.graduates if g["graduation_year"] == AS_OF.year)
    rows = []
    for user_id, (username, role, title) in enumerate(DEMO_ACCOUNTS, start=1):
        organisation = organisation_of.get(username)
        display = f"{organisation['name']} {title}" if organisation else title
        rows.append(
            {
                "id": user_id,
                "username": username,
                "password_hash": password_hash,
                "display_name": graduate["name"] if role == "graduate" else display,
                "role": role,
                "organisation_id": organisation and organisation["id"],
                "person_id": graduate["id"] if role == "graduate" else None,
                "is_active": True,
                "failed_logins": 0,
                "locked_until": None,
            }
        )
    yield User.__table__, rows


class _Batches:
    """Rows collected per table, handed out whenever a table holds a full batch.

    Parents are flushed before children: tables are yielded in first-seen order.
    """

    def __init__(self) -> None:
        self.rows: dict[Table, list[dict]] = {}

    def add(self, table: Table, row: dict) -> None:
        self.rows.setdefault(table, []).append(row)

    def full(self) -> Iterator[tuple[Table, list[dict]]]:
        if any(len(rows) >= BATCH for rows in self.rows.values()):
            yield from self.rest()

    def rest(self) -> Iterator[tuple[Table, list[dict]]]:
        for table, rows in self.rows.items():
            if rows:
                yield table, rows
        self.rows = {table: [] for table in self.rows}
