"""Golden texts: what an agency officer reads out (为什么推荐, 缺少什么)."""

from __future__ import annotations

from models.people import HouseholdCategory
from resolvers.matching.explain import missing, reasons
from resolvers.matching.scoring import score
from tests.matching.profiles import (
    HANGZHOU,
    IN_PROVINCE,
    NAMES,
    POLICY,
    QINGDAO,
    WANZHOU,
    graduate,
    position,
)


def test_reasons_of_a_strong_match_for_a_monitored_family() -> None:
    person = graduate(
        household_category=HouseholdCategory.SUDDEN_HARDSHIP,
        key_county=True,
        relocated=True,
        class_ids=frozenset({3}),
    )
    job = position(
        yulu_priority=True, reserved_for_classes=frozenset({3}), salary_min=4200, salary_max=5200
    )
    scored = score(person, job, POLICY)
    assert reasons(scored, NAMES, POLICY) == [
        "所学专业「机电一体化技术」是岗位招收的专业",
        "求职意向包含该岗位的职业「电工」",
        "工作地在户籍所在县，可就近就业",
        "月薪4200–5200元，起薪不低于期望的4000元",
        "持有岗位要求的证书：电工证",
        "防止返贫监测对象家庭，优先帮扶",
        "来自国家乡村振兴重点帮扶县",
        "易地扶贫搬迁家庭",
        "雨露计划毕业生优先岗位",
        "所在定向（定制）班的预留岗位",
    ]
    assert missing(scored, NAMES) == []


def test_what_a_weak_match_is_missing() -> None:
    person = graduate(
        major_code="460104",
        certificates=frozenset(),
        expected_salary=6000,
        preferred_tier=IN_PROVINCE,
        desired_occupations=frozenset({"4-04-05-02"}),
    )
    job = position(region_code=HANGZHOU, required_certificates=frozenset({"电工证", "焊工证"}))
    scored = score(person, job, POLICY)
    assert reasons(scored, NAMES, POLICY) == [
        "所学专业「机械制造及自动化」与岗位招收的专业同属一个专业大类"
    ]
    assert missing(scored, NAMES) == [
        "专业不完全对口：岗位招收机电一体化技术",
        "岗位的职业「电工」不在求职意向中",
        "工作地超出就业地意向（本省以内）",
        "月薪上限5000元低于期望的6000元",
        "缺少证书：焊工证、电工证",
    ]


def test_location_and_salary_wording_between_the_extremes() -> None:
    within_range = position(region_code=QINGDAO, salary_min=3500, salary_max=4500)
    scored = score(graduate(major_code="510202"), within_range, POLICY)
    assert "工作地在东西部协作结对省份" in reasons(scored, NAMES, POLICY)
    assert "月薪3500–4500元，可达到期望的4000元" in reasons(scored, NAMES, POLICY)
    assert missing(scored, NAMES)[0] == "所学专业不在岗位招收的专业（机电一体化技术）之内"
    nearby = score(
        graduate(desired_regions=frozenset({"500101"})), position(region_code=WANZHOU), POLICY
    )
    assert "工作地在求职意向地区" in reasons(nearby, NAMES, POLICY)
    open_major = score(graduate(), position(accepted_majors=frozenset()), POLICY)
    assert reasons(open_major, NAMES, POLICY)[0] == "岗位不限专业"
