"""Reference data for the Yulu+ portal: regions, key counties, pairings, majors, occupations.

Pure Python on purpose: the seed loader (and tests) can call these functions without a
database. Administrative divisions come from python-stdnum's GB/T 2260 table, so they
match what `stdnum.cn.ric` accepts for ID numbers; everything else is a small CSV in
`seeds/reference/` that a reviewer can check line by line against the official lists.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from stdnum import numdb

_DIR = Path(__file__).with_name("reference")

# The provinces the alliance works in: the western assisted provinces, their eastern
# partners in east–west cooperation (东西部协作), and Guangdong/Zhejiang/Jiangsu/Fujian/
# Shandong where most cross-province jobs are.
PROVINCES: frozenset[str] = frozenset(
    {
        "11",
        "12",
        "15",
        "31",
        "32",
        "33",
        "35",
        "37",
        "44",
        "45",
        "50",
        "51",
        "52",
        "53",
        "61",
        "62",
        "63",
        "64",
    }
)

# The catalogue (教职成〔2021〕2号) numbers the same 19 categories three times:
# 21–39 for bachelor-level vocational, 41–59 for higher (专科), 61–79 for secondary.
_CATEGORY_NAMES = (
    "农林牧渔大类",
    "资源环境与安全大类",
    "能源动力与材料大类",
    "土木建筑大类",
    "水利大类",
    "装备制造大类",
    "生物与化工大类",
    "轻工纺织大类",
    "食品药品与粮食大类",
    "交通运输大类",
    "电子与信息大类",
    "医药卫生大类",
    "财经商贸大类",
    "旅游大类",
    "文化艺术大类",
    "新闻传播大类",
    "教育与体育大类",
    "公安与司法大类",
    "公共管理与服务大类",
)
_LEVEL_BASES = {"bachelor": 21, "higher": 41, "secondary": 61}
MAJOR_CATEGORIES: dict[str, str] = {
    str(base + i): name for base in _LEVEL_BASES.values() for i, name in enumerate(_CATEGORY_NAMES)
}


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str  # "province" | "city" | "county"
    parent_code: str | None
    is_key_county: bool


@dataclass(frozen=True)
class Major:
    code: str
    name: str
    level: str  # "secondary" | "higher" | "bachelor"
    category_code: str
    class_code: str


@dataclass(frozen=True)
class Occupation:
    code: str
    name: str
    major_group: str


def _read_csv(name: str) -> list[dict[str, str]]:
    with (_DIR / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _current_name(entry: str) -> str | None:
    """Name valid today, or None if the division has been abolished.

    Entries look like "万盛区" or "[1997-2010]万盛区,[2011-]綦江区": the last alternative
    is the newest, and it is current only if its date range is open-ended.
    Note that the table is right to close 江北区/渝北区 (500105/500112) in 2025: Chongqing
    abolished both on 2025-11-06 and set up 两江新区 (500157; in office 2026-01-25), with
    five northern towns of 渝北 moving to 北碚区. Households registered there must be
    re-pointed to 500157 or 500109; old ID numbers stay valid for stdnum.
    """
    last = entry.split(",")[-1]
    if not last.startswith("["):
        return last
    period, name = last[1:].split("]")
    return None if period.split("-")[1] else name


@cache
def key_county_codes() -> frozenset[str]:
    """National key assistance counties (国家乡村振兴重点帮扶县, announced 2021-08)."""
    return frozenset(row["code"] for row in _read_csv("key_counties.csv"))


@cache
def _regions() -> tuple[Region, ...]:
    key = key_county_codes()
    result: list[Region] = []
    for _, province, _, _, children in numdb.get("cn/loc").prefixes:
        if province not in PROVINCES:
            continue
        names = {province + sub: _current_name(props["county"]) for _, sub, _, props, _ in children}
        current = {code: name for code, name in names.items() if name}
        for code, name in current.items():
            city, county = code[2:4], code[4:]
            if city == "00":
                result.append(Region(code, name, "province", None, False))
            elif county == "00":
                # The municipalities' pseudo-cities "市辖区"/"县" are kept under their table
                # names: they are how GB/T 2260 groups districts and counties there.
                result.append(Region(code, name, "city", province + "0000", False))
            elif county == "01" and name == "市辖区":
                # XXYY01 "市辖区" is a statistical placeholder, not a county.
                continue
            else:
                parent = code[:4] + "00"
                parent = parent if parent in current else province + "0000"
                result.append(Region(code, name, "county", parent, code in key))
    return tuple(result)


def regions() -> list[Region]:
    """Current provinces, cities and counties of the alliance's provinces (no national root)."""
    return list(_regions())


def pairings() -> list[tuple[str, str]]:
    """East–west cooperation pairs after the 2021 adjustment, as (west, east) province codes."""
    return [(row["west_code"], row["east_code"]) for row in _read_csv("pairings.csv")]


def majors() -> list[Major]:
    """Vocational majors from the 2021 catalogue (专业大类 = first 2 digits, 专业类 = first 4)."""
    rows = _read_csv("majors.csv")
    return [Major(r["code"], r["name"], r["level"], r["code"][:2], r["code"][:4]) for r in rows]


def occupations() -> list[Occupation]:
    """Occupations with their 国家职业分类大典 codes (GB/T 6565 layout: 大类-中类-小类-细类)."""
    return [Occupation(r["code"], r["name"], r["code"][0]) for r in _read_csv("occupations.csv")]
