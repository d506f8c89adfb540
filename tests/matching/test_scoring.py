"""Each factor on crafted cases, the priority weights, the score's range and its bound."""

from __future__ import annotations

import random
from dataclasses import fields

import pytest

from models.people import Education, HouseholdCategory
from resolvers.matching.scoring import (
    FitWeights,
    MatchPolicy,
    PriorityWeights,
    certificates_fit,
    education_suffices,
    intention_fit,
    location_fit,
    major_fit,
    salary_fit,
    score,
    upper_bound,
)
from tests.matching.profiles import (
    CHENGKOU,
    CROSS_PROVINCE,
    HANGZHOU,
    IN_COUNTY,
    IN_PROVINCE,
    POLICY,
    QINGDAO,
    WANZHOU,
    graduate,
    position,
)


@pytest.mark.parametrize(
    ("major", "accepted", "expected"),
    [
        ("460301", {"460301"}, 1.0),  # the same 6-digit major
        ("460303", {"460301"}, 0.6),  # same 4-digit class 4603
        ("460104", {"460301"}, 0.3),  # same 2-digit category 46 (装备制造大类)
        ("510202", {"460301"}, 0.0),
        ("460104", {"510202", "460303", "460104"}, 1.0),  # the best accepted major counts
        (None, {"460301"}, 0.0),  # no student record
        ("460301", set(), 0.0),  # a position naming no major gives no major credit
    ],
)
def test_major_fit_gives_credit_by_shared_catalogue_code(major, accepted, expected) -> None:
    assert major_fit(major, frozenset(accepted)) == expected


def test_intention_fit_is_whether_the_occupation_is_wanted() -> None:
    assert intention_fit(frozenset({"6-31-01-03", "4-01-02-01"}), "6-31-01-03") == 1.0
    assert intention_fit(frozenset({"4-01-02-01"}), "6-31-01-03") == 0.0
    assert intention_fit(frozenset(), "6-31-01-03") == 0.0


@pytest.mark.parametrize(
    ("work", "tier", "desired", "expected"),
    [
        (CHENGKOU, None, set(), 1.0),  # home county
        (WANZHOU, None, set(), 0.8),  # same province
        (WANZHOU, None, {"500101"}, 1.0),  # a county the graduate named
        (QINGDAO, None, set(), 0.8),  # east–west paired province
        (QINGDAO, None, {"370000"}, 1.0),  # a province the graduate named holds its counties
        (HANGZHOU, None, set(), 0.5),  # elsewhere
        (HANGZHOU, CROSS_PROVINCE, set(), 0.5),
        (WANZHOU, IN_COUNTY, set(), 0.0),  # beyond the farthest the graduate will go
        (WANZHOU, IN_COUNTY, {"500101"}, 0.0),  # the tier is the limit, even for a named region
        (QINGDAO, IN_PROVINCE, set(), 0.0),
        (CHENGKOU, IN_COUNTY, set(), 1.0),
    ],
)
def test_location_fit_follows_the_intention_tier(work, tier, desired, expected) -> None:
    person = graduate(preferred_tier=tier, desired_regions=frozenset(desired))
    assert location_fit(person, work, POLICY) == expected


def test_east_west_pairing_counts_in_both_directions_only_when_configured() -> None:
    person = graduate(household_region=QINGDAO)
    assert location_fit(person, CHENGKOU, POLICY) == 0.8
    assert location_fit(person, CHENGKOU, MatchPolicy()) == 0.5


@pytest.mark.parametrize(
    ("expected", "low", "high", "fit"),
    [
        (None, 3000, 4000, 1.0),
        (4000, 4000, 5000, 1.0),  # the floor meets the expectation
        (4500, 4000, 5000, 0.75),  # halfway up the range
        (5000, 4000, 5000, 0.5),  # only the ceiling meets it
        (6000, 4000, 5000, 0.5 * (1 - 2 * 1000 / 6000)),
        (10000, 4000, 5000, 0.0),  # the ceiling is half the expectation
    ],
)
def test_salary_fit_is_continuous_and_falls_with_the_shortfall(expected, low, high, fit) -> None:
    assert salary_fit(expected, low, high) == pytest.approx(fit)


def test_certificates_fit_is_the_share_held() -> None:
    assert certificates_fit(frozenset({"电工证"}), frozenset()) == 1.0
    assert certificates_fit(frozenset({"电工证"}), frozenset({"电工证", "焊工证"})) == 0.5
    assert certificates_fit(frozenset(), frozenset({"电工证"})) == 0.0


def test_education_is_ranked() -> None:
    assert education_suffices(Education.HIGHER_VOCATIONAL, Education.SECONDARY_VOCATIONAL)
    assert education_suffices(Education.SECONDARY_VOCATIONAL, Education.SECONDARY_VOCATIONAL)
    assert not education_suffices(Education.JUNIOR_MIDDLE, Education.SECONDARY_VOCATIONAL)


def test_a_perfect_match_without_priority_scores_the_fit_share() -> None:
    scored = score(graduate(), position(), POLICY)
    assert [getattr(scored.factors, f.name) for f in fields(scored.factors)] == [1.0] * 5
    assert scored.score == pytest.approx(1.0 / POLICY.total_weight)


def test_default_priority_order_is_monitored_then_key_county_then_relocated() -> None:
    weights = PriorityWeights()
    assert weights.monitored_household > weights.key_county > weights.relocated > 0


def test_priority_orders_otherwise_equal_graduates() -> None:
    plain = graduate()
    monitored = graduate(household_category=HouseholdCategory.UNSTABLE)
    key_county = graduate(key_county=True)
    relocated = graduate(relocated=True)
    ranked = sorted(
        [plain, relocated, key_county, monitored], key=lambda g: -score(g, position(), POLICY).score
    )
    assert ranked == [monitored, key_county, relocated, plain]


def test_priority_weights_are_configurable() -> None:
    relocated_first = MatchPolicy(priority=PriorityWeights(monitored_household=0.01, relocated=0.3))
    monitored = graduate(household_category=HouseholdCategory.MARGINAL)
    relocated = graduate(relocated=True)
    assert (
        score(relocated, position(), relocated_first).score
        > score(monitored, position(), relocated_first).score
    )


def test_yulu_priority_positions_and_reserved_class_positions_rank_first() -> None:
    person = graduate(class_ids=frozenset({7}))
    plain, yulu, reserved = (
        position(),
        position(yulu_priority=True),
        position(reserved_for_classes=frozenset({7})),
    )
    scores = [score(person, p, POLICY).score for p in (plain, yulu, reserved)]
    assert scores[0] < scores[1] < scores[2]
    assert (
        score(graduate(), reserved, POLICY).priority.reserved_for_class is False
    )  # another class's seat


def test_negative_or_all_zero_weights_are_refused() -> None:
    with pytest.raises(ValueError):
        MatchPolicy(fit=FitWeights(major=-0.1))
    zero_fit = FitWeights(**{f.name: 0.0 for f in fields(FitWeights)})
    zero_priority = PriorityWeights(**{f.name: 0.0 for f in fields(PriorityWeights)})
    with pytest.raises(ValueError):
        MatchPolicy(fit=zero_fit, priority=zero_priority)


def _random_pair(rng: random.Random):
    majors = ["460301", "460303", "460104", "510202", None]
    person = graduate(
        major_code=rng.choice(majors),
        education=rng.choice(list(Education)),
        certificates=frozenset(rng.sample(["电工证", "焊工证", "叉车证"], rng.randint(0, 2))),
        household_region=rng.choice([CHENGKOU, WANZHOU, QINGDAO]),
        household_category=rng.choice(list(HouseholdCategory)),
        relocated=rng.random() < 0.5,
        key_county=rng.random() < 0.5,
        preferred_tier=rng.choice([None, IN_COUNTY, IN_PROVINCE, CROSS_PROVINCE]),
        expected_salary=rng.choice([None, 3000, 4500, 8000]),
        class_ids=frozenset(rng.sample([1, 2], rng.randint(0, 1))),
        desired_occupations=frozenset(rng.sample(["6-31-01-03", "4-04-05-02"], rng.randint(0, 2))),
    )
    job = position(
        accepted_majors=frozenset(rng.sample(majors[:4], rng.randint(0, 2))),
        occupation_code=rng.choice(["6-31-01-03", "4-04-05-02"]),
        region_code=rng.choice([CHENGKOU, WANZHOU, QINGDAO, HANGZHOU]),
        required_certificates=frozenset(rng.sample(["电工证", "焊工证"], rng.randint(0, 2))),
        salary_min=rng.choice([2000, 4000]),
        salary_max=rng.choice([4500, 6000]),
        yulu_priority=rng.random() < 0.5,
        reserved_for_classes=frozenset(rng.sample([1, 2], rng.randint(0, 1))),
    )
    return person, job


def test_score_stays_in_unit_range_and_under_every_bound_the_engine_uses() -> None:
    rng = random.Random(5)
    for _ in range(3000):
        person, job = _random_pair(rng)
        scored = score(person, job, POLICY)
        assert 0.0 <= scored.score <= 1.0
        priority = {f.name: getattr(scored.priority, f.name) for f in fields(scored.priority)}
        assert scored.score <= upper_bound(POLICY) + 1e-12
        assert (
            scored.score
            <= upper_bound(
                POLICY,
                major=scored.factors.major,
                intention=scored.factors.intention,
                priority=priority,
            )
            + 1e-12
        )
