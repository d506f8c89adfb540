"""The job board's own table, and its demo content.

The board keys postings by the alliance's organisation id. The demo content gives every central
SOE of the alliance seed a few openings, generated from the organisation's id alone, so the same
alliance seed always meets the same postings.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import Column, Date, Integer, MetaData, String, Table

from models.organisations import Organisation
from seeds import demo

metadata = MetaData()

job_postings = Table(
    "job_postings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organisation_id", Integer, nullable=False, index=True),
    Column("title", String(64), nullable=False),
    Column("channel", String(16), nullable=False),  # campus (校园招聘) or experienced (社会招聘)
    Column("region_code", String(6), nullable=False),
    Column("headcount", Integer, nullable=False),
    Column("salary_min", Integer, nullable=False),
    Column("salary_max", Integer, nullable=False),
    Column("closes_on", Date, nullable=False),
)

TITLES_BY_INDUSTRY = {
    "建筑": ["施工员", "测量员", "安全员", "机械操作手"],
    "电力": ["配电线路工", "变电运维员", "用电检查员", "电力调度员"],
    "通信": ["网络运维工程师", "家庭宽带装维员", "客户经理"],
    "能源": ["加油站站务员", "油库操作员", "设备维修工"],
    "物流": ["邮件投递员", "分拣员", "网点营业员"],
}
GENERAL_TITLES = ["技术员", "储备干部", "综合管理岗"]
POSTINGS_PER_ENTERPRISE = 3


def seed_rows(scale: str) -> list[tuple[Table, list[dict]]]:
    soes = [
        row
        for table, rows in demo.generate(scale, password_hash="")
        if table is Organisation.__table__
        for row in rows
        if row["is_central_soe"]
    ]
    postings = [posting for soe in soes for posting in _postings_of(soe)]
    for posting_id, posting in enumerate(postings, start=1):
        posting["id"] = posting_id
    return [(job_postings, postings)]


def _postings_of(soe: dict) -> list[dict]:
    rng = random.Random(soe["id"])
    titles = TITLES_BY_INDUSTRY.get(soe["industry"], GENERAL_TITLES)
    postings = []
    for title in rng.sample(titles, min(POSTINGS_PER_ENTERPRISE, len(titles))):
        salary_min = rng.randrange(35, 60) * 100
        postings.append(
            {
                "organisation_id": soe["id"],
                "title": title,
                "channel": rng.choice(["campus", "experienced"]),
                "region_code": soe["region_code"],
                "headcount": rng.randint(2, 30),
                "salary_min": salary_min,
                "salary_max": salary_min + rng.randrange(10, 30) * 100,
                "closes_on": demo.AS_OF + timedelta(days=rng.randint(15, 90)),
            }
        )
    return postings
