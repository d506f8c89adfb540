"""Pure scoring of one graduate against one position: factors in [0, 1], policy priority, score.

Nothing here touches the database, so every rule is testable on hand-made profiles, and the
SQL candidate generation (resolvers.matching.candidates) can bound what this module computes:
``upper_bound`` is the promise that lets the engine stop reading candidates early.

Score = (Σ fit weight × fit factor + Σ priority weight × priority flag) / (sum of all weights),
so a score is in [0, 1] and the weights say how much each consideration counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from models.people import (
    EDUCATION_RANK,
    MONITORED_CATEGORIES,
    Education,
    HouseholdCategory,
    LocationTier,
    location_tier,
)

# Partial credit by how much of the catalogue code two majors share (职业教育专业目录 2021:
# 2-digit category 大类, 4-digit class 类, 6-digit major).
MAJOR_EXACT, MAJOR_SAME_CLASS, MAJOR_SAME_CATEGORY, MAJOR_NONE = 1.0, 0.6, 0.3, 0.0
MAJOR_LEVELS = (MAJOR_EXACT, MAJOR_SAME_CLASS, MAJOR_SAME_CATEGORY, MAJOR_NONE)

# Location: home is best (the action counts in-county jobs first), then a region the graduate
# named, the home province, the east–west paired province, anywhere else.
LOCATION_HOME_OR_DESIRED = 1.0
LOCATION_IN_PROVINCE = 0.8
LOCATION_PAIRED_PROVINCE = 0.8
LOCATION_ELSEWHERE = 0.5
LOCATION_BEYOND_INTENTION = 0.0

TIER_DISTANCE = {
    LocationTier.IN_COUNTY: 0,
    LocationTier.IN_PROVINCE: 1,
    LocationTier.CROSS_PROVINCE: 2,
}


@dataclass(frozen=True)
class FitWeights:
    major: float = 0.30
    intention: float = 0.25
    location: float = 0.20
    salary: float = 0.15
    certificates: float = 0.10


@dataclass(frozen=True)
class PriorityWeights:
    """Policy priority (雨露计划+): families most at risk of relapsing into poverty first.

    The defaults keep the action plan's order — monitored household > key assistance county >
    relocated family; a class's reserved positions go to its own students first.
    """

    monitored_household: float = 0.12
    key_county: float = 0.08
    relocated: float = 0.04
    yulu_priority_position: float = 0.05
    reserved_for_class: float = 0.15


@dataclass(frozen=True)
class MatchPolicy:
    fit: FitWeights = field(default_factory=FitWeights)
    priority: PriorityWeights = field(default_factory=PriorityWeights)
    # East–west cooperation (东西部协作): 2-digit province prefixes, (west, east).
    paired_provinces: frozenset[tuple[str, str]] = frozenset()

    def __post_init__(self) -> None:
        for weights in (self.fit, self.priority):
            for weight in fields(weights):
                if getattr(weights, weight.name) < 0:
                    raise ValueError(f"weight {weight.name} must not be negative")
        if self.total_weight <= 0:
            raise ValueError("at least one weight must be positive")

    @property
    def total_weight(self) -> float:
        return _sum(self.fit) + _sum(self.priority)

    def paired(self, province_a: str, province_b: str) -> bool:
        return (province_a, province_b) in self.paired_provinces or (
            (province_b, province_a) in self.paired_provinces
        )


def _sum(weights) -> float:
    return sum(getattr(weights, f.name) for f in fields(weights))


@dataclass(frozen=True)
class GraduateProfile:
    """What matching needs to know about a graduate (their employment intention, 求职意向)."""

    person_id: int
    education: Education
    major_code: str | None
    certificates: frozenset[str]
    household_region: str | None  # 户籍地, a county code; None when the viewer may not see it
    household_category: HouseholdCategory | None
    relocated: bool
    key_county: bool  # the household's county is a national key assistance county
    preferred_tier: LocationTier | None  # farthest the graduate will go; None: anywhere
    expected_salary: int | None
    desired_occupations: frozenset[str]
    desired_regions: frozenset[str]  # region codes of any level
    class_ids: frozenset[int] = frozenset()  # targeted / customised classes the person is in


@dataclass(frozen=True)
class PositionProfile:
    position_id: int
    occupation_code: str
    accepted_majors: frozenset[str]
    min_education: Education
    salary_min: int
    salary_max: int
    region_code: str  # work place, a county code
    required_certificates: frozenset[str]
    yulu_priority: bool
    reserved_for_classes: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Factors:
    major: float
    intention: float
    location: float
    salary: float
    certificates: float


@dataclass(frozen=True)
class Priority:
    monitored_household: bool
    key_county: bool
    relocated: bool
    yulu_priority_position: bool
    reserved_for_class: bool


@dataclass(frozen=True)
class Scored:
    graduate: GraduateProfile
    position: PositionProfile
    score: float
    factors: Factors
    priority: Priority


# ------------------------------------------------------------------------------- hard filters


def education_suffices(education: Education, minimum: Education) -> bool:
    return EDUCATION_RANK[education] >= EDUCATION_RANK[minimum]


def educations_at_least(minimum: Education) -> list[Education]:
    """The education levels that meet ``minimum``, for an SQL ``IN`` list."""
    return [level for level in Education if education_suffices(level, minimum)]


# ------------------------------------------------------------------------------- factors


def major_fit(major_code: str | None, accepted: frozenset[str]) -> float:
    """The best credit any accepted major gives: same code, same 4-digit class, same category.

    A position that names no major gives no major credit (it has no evidence of fit to reward);
    every graduate is alike on that factor, so the order among them is unaffected.
    """
    if not major_code:
        return MAJOR_NONE
    return max((_major_credit(major_code, code) for code in accepted), default=MAJOR_NONE)


def _major_credit(major_code: str, accepted_code: str) -> float:
    if major_code == accepted_code:
        return MAJOR_EXACT
    if major_code[:4] == accepted_code[:4]:
        return MAJOR_SAME_CLASS
    if major_code[:2] == accepted_code[:2]:
        return MAJOR_SAME_CATEGORY
    return MAJOR_NONE


def intention_fit(desired_occupations: frozenset[str], occupation_code: str) -> float:
    return 1.0 if occupation_code in desired_occupations else 0.0


def without_household(graduate: GraduateProfile) -> GraduateProfile:
    """The profile as scored for a viewer who does not see the household in clear: no household
    flags and no home, so neither the priority weights nor the location factor can reveal the
    family's status or county (auth.rules.PERSONAL_FIELDS, "household")."""
    return replace(
        graduate, household_region=None, household_category=None, relocated=False, key_county=False
    )


def location_fit(graduate: GraduateProfile, work_region: str, policy: MatchPolicy) -> float:
    """Without the home (``without_household``), only the desired regions speak: a desired
    region scores as home, anywhere else as elsewhere."""
    if graduate.household_region is None:
        return (
            LOCATION_HOME_OR_DESIRED
            if in_desired_region(graduate.desired_regions, work_region)
            else LOCATION_ELSEWHERE
        )
    tier = location_tier(graduate.household_region, work_region)
    if (
        graduate.preferred_tier is not None
        and TIER_DISTANCE[tier] > TIER_DISTANCE[graduate.preferred_tier]
    ):
        return LOCATION_BEYOND_INTENTION
    if tier is LocationTier.IN_COUNTY or in_desired_region(graduate.desired_regions, work_region):
        return LOCATION_HOME_OR_DESIRED
    if tier is LocationTier.IN_PROVINCE:
        return LOCATION_IN_PROVINCE
    if policy.paired(graduate.household_region[:2], work_region[:2]):
        return LOCATION_PAIRED_PROVINCE
    return LOCATION_ELSEWHERE


def in_desired_region(desired_regions: frozenset[str], work_region: str) -> bool:
    """A desired region is any level of GB/T 2260: ``500000`` holds every county ``50xxxx``."""
    return any(work_region.startswith(region_prefix(code)) for code in desired_regions)


def region_prefix(code: str) -> str:
    """The code prefix every region inside ``code`` starts with."""
    # Not rstrip("0"): province 500000 is "50", and its first digit alone would be all of 5x.
    if code == "000000":
        return ""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def salary_fit(expected: int | None, salary_min: int, salary_max: int) -> float:
    """1 when even the floor meets the expectation; 0.5 when only the ceiling does; falling to 0
    when the ceiling is half the expectation or less. Continuous, so small gaps cost little."""
    if not expected or salary_min >= expected:
        return 1.0
    if salary_max >= expected:
        return 0.5 + 0.5 * (salary_max - expected) / (salary_max - salary_min)
    shortfall = (expected - salary_max) / expected
    return 0.5 * max(0.0, 1.0 - 2.0 * shortfall)


def certificates_fit(held: frozenset[str], required: frozenset[str]) -> float:
    if not required:
        return 1.0
    return len(held & required) / len(required)


# ------------------------------------------------------------------------------- the score


def factors_of(
    graduate: GraduateProfile, position: PositionProfile, policy: MatchPolicy
) -> Factors:
    return Factors(
        major=major_fit(graduate.major_code, position.accepted_majors),
        intention=intention_fit(graduate.desired_occupations, position.occupation_code),
        location=location_fit(graduate, position.region_code, policy),
        salary=salary_fit(graduate.expected_salary, position.salary_min, position.salary_max),
        certificates=certificates_fit(graduate.certificates, position.required_certificates),
    )


def priority_of(graduate: GraduateProfile, position: PositionProfile) -> Priority:
    return Priority(
        monitored_household=graduate.household_category in MONITORED_CATEGORIES,
        key_county=graduate.key_county,
        relocated=graduate.relocated,
        yulu_priority_position=position.yulu_priority,
        reserved_for_class=bool(graduate.class_ids & position.reserved_for_classes),
    )


def score(graduate: GraduateProfile, position: PositionProfile, policy: MatchPolicy) -> Scored:
    factors = factors_of(graduate, position, policy)
    priority = priority_of(graduate, position)
    raw = _weighted(factors, policy.fit) + _weighted(priority, policy.priority)
    return Scored(graduate, position, raw / policy.total_weight, factors, priority)


def _weighted(values, weights) -> float:
    return sum(float(getattr(values, f.name)) * getattr(weights, f.name) for f in fields(weights))


def upper_bound(
    policy: MatchPolicy,
    *,
    major: float | None = None,
    intention: float | None = None,
    priority: dict[str, bool | None] | None = None,
) -> float:
    """The highest score any pair can reach when some factors or flags are already known.

    Unknown factors count as 1 and unknown flags as set (None or missing means unknown). The
    engine reads candidates band by band and stops once its k-th score beats the next band's
    bound, so this must never be below a real score (tests/matching check it on every pair).
    """
    known_fit = {"major": major, "intention": intention}
    fit = sum(
        getattr(policy.fit, f.name) * (1.0 if known_fit.get(f.name) is None else known_fit[f.name])
        for f in fields(policy.fit)
    )
    flags = priority or {}
    boost = sum(
        getattr(policy.priority, f.name)
        * (1.0 if (flag := flags.get(f.name)) is None else float(flag))
        for f in fields(policy.priority)
    )
    return (fit + boost) / policy.total_weight
