"""Hand-made graduates and positions for the pure tests: every field explicit, tweaked per case."""

from __future__ import annotations

from dataclasses import replace

from models.people import Education, HouseholdCategory, LocationTier
from resolvers.matching.explain import Names
from resolvers.matching.scoring import GraduateProfile, MatchPolicy, PositionProfile

CHENGKOU = "500229"  # a Chongqing county (key assistance county in the reference data)
WANZHOU = "500101"  # another Chongqing county
QINGDAO = "370212"  # Shandong: Chongqing's east–west partner
HANGZHOU = "330102"  # Zhejiang: not paired with Chongqing

POLICY = MatchPolicy(paired_provinces=frozenset({("50", "37")}))
NAMES = Names(
    majors={
        "460301": "机电一体化技术",
        "460303": "智能机电技术",
        "460104": "机械制造及自动化",
        "510202": "计算机网络技术",
    },
    occupations={"6-31-01-03": "电工", "4-04-05-02": "网络与信息安全管理员"},
)


def graduate(**changes) -> GraduateProfile:
    base = GraduateProfile(
        person_id=1,
        education=Education.HIGHER_VOCATIONAL,
        major_code="460301",
        certificates=frozenset({"电工证"}),
        household_region=CHENGKOU,
        household_category=HouseholdCategory.LIFTED,
        relocated=False,
        key_county=False,
        preferred_tier=None,
        expected_salary=4000,
        desired_occupations=frozenset({"6-31-01-03"}),
        desired_regions=frozenset(),
        class_ids=frozenset(),
    )
    return replace(base, **changes)


def position(**changes) -> PositionProfile:
    base = PositionProfile(
        position_id=10,
        occupation_code="6-31-01-03",
        accepted_majors=frozenset({"460301"}),
        min_education=Education.SECONDARY_VOCATIONAL,
        salary_min=4000,
        salary_max=5000,
        region_code=CHENGKOU,
        required_certificates=frozenset({"电工证"}),
        yulu_priority=False,
        reserved_for_classes=frozenset(),
    )
    return replace(base, **changes)


IN_COUNTY, IN_PROVINCE, CROSS_PROVINCE = (
    LocationTier.IN_COUNTY,
    LocationTier.IN_PROVINCE,
    LocationTier.CROSS_PROVINCE,
)
