"""Every match explained in Chinese: why it is recommended (为什么推荐) and what is missing (缺少什么).

The texts are what an agency officer reads to a graduate over the phone, so they name the major,
the occupation, the money and the certificates rather than the factor values.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.people import LocationTier, location_tier
from resolvers.matching.scoring import (
    LOCATION_BEYOND_INTENTION,
    MAJOR_EXACT,
    MAJOR_NONE,
    MAJOR_SAME_CATEGORY,
    MAJOR_SAME_CLASS,
    MatchPolicy,
    Scored,
    in_desired_region,
)

TIER_WORDS = {
    LocationTier.IN_COUNTY: "本县",
    LocationTier.IN_PROVINCE: "本省",
    LocationTier.CROSS_PROVINCE: "省外",
}


@dataclass(frozen=True)
class Names:
    """Catalogue names for codes (majors, occupations); an unknown code shows as itself."""

    majors: dict[str, str]
    occupations: dict[str, str]

    def major(self, code: str) -> str:
        return self.majors.get(code, code)

    def occupation(self, code: str) -> str:
        return self.occupations.get(code, code)


def reasons(scored: Scored, names: Names, policy: MatchPolicy) -> list[str]:
    found = [
        _major_reason(scored, names),
        _intention_reason(scored, names),
        _location_reason(scored, policy),
        _salary_reason(scored),
        _certificates_reason(scored),
    ]
    return [text for text in found if text] + _priority_reasons(scored)


def missing(scored: Scored, names: Names) -> list[str]:
    found = [
        _major_gap(scored, names),
        _intention_gap(scored, names),
        _location_gap(scored),
        _salary_gap(scored),
        _certificates_gap(scored),
    ]
    return [text for text in found if text]


# ------------------------------------------------------------------------------- why


def _major_reason(scored: Scored, names: Names) -> str | None:
    graduate, position = scored.graduate, scored.position
    if not position.accepted_majors:
        return "岗位不限专业"
    major = f"所学专业「{names.major(graduate.major_code or '')}」"
    return {
        MAJOR_EXACT: f"{major}是岗位招收的专业",
        MAJOR_SAME_CLASS: f"{major}与岗位招收的专业同属一个专业类",
        MAJOR_SAME_CATEGORY: f"{major}与岗位招收的专业同属一个专业大类",
    }.get(scored.factors.major)


def _intention_reason(scored: Scored, names: Names) -> str | None:
    if scored.factors.intention < 1:
        return None
    return f"求职意向包含该岗位的职业「{names.occupation(scored.position.occupation_code)}」"


def _location_reason(scored: Scored, policy: MatchPolicy) -> str | None:
    graduate, work_region = scored.graduate, scored.position.region_code
    if scored.factors.location == LOCATION_BEYOND_INTENTION:
        return None
    if graduate.household_region is None:  # scored without the household: desired regions only
        return (
            "工作地在求职意向地区"
            if in_desired_region(graduate.desired_regions, work_region)
            else None
        )
    tier = location_tier(graduate.household_region, work_region)
    if tier is LocationTier.IN_COUNTY:
        return "工作地在户籍所在县，可就近就业"
    if in_desired_region(graduate.desired_regions, work_region):
        return "工作地在求职意向地区"
    if tier is LocationTier.IN_PROVINCE:
        return "工作地在本省"
    if policy.paired(graduate.household_region[:2], work_region[:2]):
        return "工作地在东西部协作结对省份"
    return None


def _salary_reason(scored: Scored) -> str | None:
    expected, position = scored.graduate.expected_salary, scored.position
    if not expected or position.salary_max < expected:
        return None
    if position.salary_min >= expected:
        return f"月薪{position.salary_min}–{position.salary_max}元，起薪不低于期望的{expected}元"
    return f"月薪{position.salary_min}–{position.salary_max}元，可达到期望的{expected}元"


def _certificates_reason(scored: Scored) -> str | None:
    held = sorted(scored.graduate.certificates & scored.position.required_certificates)
    return f"持有岗位要求的证书：{'、'.join(held)}" if held else None


MONITORED_REASON = "防止返贫监测对象家庭，优先帮扶"
KEY_COUNTY_REASON = "来自国家乡村振兴重点帮扶县"
RELOCATED_REASON = "易地扶贫搬迁家庭"
HOUSEHOLD_REASONS = frozenset({MONITORED_REASON, KEY_COUNTY_REASON, RELOCATED_REASON})
"""The reasons that state the family's poverty status: the API shows them only where it shows the household."""


def _priority_reasons(scored: Scored) -> list[str]:
    priority = scored.priority
    texts = [
        (priority.monitored_household, MONITORED_REASON),
        (priority.key_county, KEY_COUNTY_REASON),
        (priority.relocated, RELOCATED_REASON),
        (priority.yulu_priority_position, "雨露计划毕业生优先岗位"),
        (priority.reserved_for_class, "所在定向（定制）班的预留岗位"),
    ]
    return [text for applies, text in texts if applies]


# ------------------------------------------------------------------------------- what is missing


def _major_gap(scored: Scored, names: Names) -> str | None:
    accepted = scored.position.accepted_majors
    if not accepted or scored.factors.major == MAJOR_EXACT:
        return None
    wanted = "、".join(names.major(code) for code in sorted(accepted))
    if scored.factors.major == MAJOR_NONE:
        return f"所学专业不在岗位招收的专业（{wanted}）之内"
    return f"专业不完全对口：岗位招收{wanted}"


def _intention_gap(scored: Scored, names: Names) -> str | None:
    if scored.factors.intention == 1:
        return None
    return f"岗位的职业「{names.occupation(scored.position.occupation_code)}」不在求职意向中"


def _location_gap(scored: Scored) -> str | None:
    preferred = scored.graduate.preferred_tier
    if scored.factors.location != LOCATION_BEYOND_INTENTION or preferred is None:
        return None
    return f"工作地超出就业地意向（{TIER_WORDS[preferred]}以内）"


def _salary_gap(scored: Scored) -> str | None:
    expected, ceiling = scored.graduate.expected_salary, scored.position.salary_max
    if not expected or ceiling >= expected:
        return None
    return f"月薪上限{ceiling}元低于期望的{expected}元"


def _certificates_gap(scored: Scored) -> str | None:
    lacking = sorted(scored.position.required_certificates - scored.graduate.certificates)
    return f"缺少证书：{'、'.join(lacking)}" if lacking else None
