"""The templates' drop-down words are the portal's own words for the same values."""

from __future__ import annotations

from portal.labels import LABELS
from resolvers import ledgers


def test_every_choice_is_worded_as_the_portal_words_it() -> None:
    for words, table in (
        (ledgers.CATEGORY_WORDS, "household_category"),
        (ledgers.EDUCATION_WORDS, "education"),
        (ledgers.STATUS_WORDS, "student_status"),
        (ledgers.TIER_WORDS, "location_tier"),
        (ledgers.KIND_WORDS, "position_kind"),
        (ledgers.FOLLOW_UP_WORDS, "follow_up_status"),
    ):
        assert {value.name: word for word, value in words.items()} == LABELS[table], table


def test_the_id_number_rule_agrees_with_stdnum() -> None:
    """Brute force: every kind of number (valid, each broken part, unknown and retired address
    codes, impossible dates) is accepted exactly when stdnum.cn.ric.is_valid accepts it."""
    import random

    from stdnum.cn import ric

    rng = random.Random(12)
    addresses = ["500229", "500101", "110101", "440106", "999999", "500000", "510100", "000000"]
    numbers = []
    for _ in range(4000):
        born = f"{rng.randint(1900, 2030):04d}{rng.randint(0, 13):02d}{rng.randint(0, 32):02d}"
        base = f"{rng.choice(addresses)}{born}{rng.randint(0, 999):03d}"
        check = rng.choice([ric.calc_check_digit(base + "0"), str(rng.randint(0, 9)), "X", "Y"])
        numbers.append(base + check)
    numbers += ["", "5002292008010100", "50022920080101001x", "abc"]
    for number in numbers:
        try:
            ledgers.id_number(number, number)
            accepted = True
        except ledgers.CellProblem:
            accepted = False
        assert accepted == ric.is_valid(number), number
