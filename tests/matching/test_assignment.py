"""The fair shortlist's assignment is optimal: checked against brute force on small cases."""

from __future__ import annotations

import itertools
import random

import pytest

from resolvers.matching.fair import optimal_assignment


def brute_force_best(scores: dict[tuple[int, int], float], seats: dict[int, int]) -> float:
    """Try every way to give each person one eligible position or none."""
    persons = sorted({person for person, _ in scores})
    options = [[None] + [pos for (p, pos) in scores if p == person] for person in persons]
    best = 0.0
    for choice in itertools.product(*options):
        taken = [pos for pos in choice if pos is not None]
        if all(taken.count(pos) <= seats[pos] for pos in set(taken)):
            best = max(
                best,
                sum(
                    scores[person, pos]
                    for person, pos in zip(persons, choice, strict=True)
                    if pos is not None
                ),
            )
    return best


def random_case(rng: random.Random):
    persons = range(1, rng.randint(1, 6) + 1)
    positions = range(100, 100 + rng.randint(1, 4))
    seats = {pos: rng.randint(0, 2) for pos in positions}
    scores = {
        (p, pos): round(rng.random(), 3) for p in persons for pos in positions if rng.random() < 0.7
    }
    return scores, seats


@pytest.mark.parametrize("seed", range(60))
def test_total_equals_brute_force_and_seats_hold(seed: int) -> None:
    scores, seats = random_case(random.Random(seed))
    chosen = optimal_assignment(scores, seats)
    assert all((person, pos) in scores for person, pos in chosen.items())
    assert all(list(chosen.values()).count(pos) <= seats[pos] for pos in seats)
    assert sum(scores[pair] for pair in chosen.items()) == pytest.approx(
        brute_force_best(scores, seats)
    )


def test_greedy_would_be_wrong_here() -> None:
    # Greedy gives person 11 the 0.9 seat and leaves 12 with nothing; the optimum is 0.8 + 0.7.
    scores = {(11, 1): 0.9, (11, 2): 0.8, (12, 1): 0.7}
    assert optimal_assignment(scores, {1: 1, 2: 1}) == {11: 2, 12: 1}


def test_nobody_eligible_means_an_empty_shortlist() -> None:
    assert optimal_assignment({}, {1: 3}) == {}
