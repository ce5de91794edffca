"""Like-with-like person means, Welch's ANOVA, Holm, and the two-stage adjustment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
import pytest
from scipy import stats

from insights.calibration.group_model import (
    SplitTest,
    adjusted_person_means,
    holm_adjust,
    omnibus_p,
    two_stage_adjust,
    welch_anova,
)
from insights.calibration.records import Rating
from insights.calibration.stats import welch_difference

AT = datetime(2025, 6, 30)


def test_welch_anova_matches_scipy_and_is_welchs_t_for_two_groups() -> None:
    rng = np.random.default_rng(0)
    three = [rng.normal(0, 1, 8), rng.normal(0.4, 2, 15), rng.normal(0, 1, 30)]
    a, b, c = (sample.tolist() for sample in three)

    assert welch_anova([a, b, c]) == pytest.approx(stats.f_oneway(*three, equal_var=False).pvalue)
    assert welch_anova([b, c]) == pytest.approx(welch_difference(b, c).p_value)


def test_welch_anova_leaves_out_samples_too_small_to_have_a_spread() -> None:
    assert welch_anova([[1.0, 2.0, 3.0], [5.0]]) is None
    assert welch_anova([[1.0, 2.0, 3.0], [2.0, 4.0], [9.0]]) == pytest.approx(
        welch_difference([1.0, 2.0, 3.0], [2.0, 4.0]).p_value
    )
    assert welch_anova([[2.0, 2.0], [2.0, 2.0]]) == 1.0
    assert welch_anova([[2.0, 2.0], [3.0, 3.0]]) == 0.0


def test_holm_on_a_hand_made_example() -> None:
    # Sorted: 0.01 × 3 = 0.03, 0.03 × 2 = 0.06, 0.04 × 1 = 0.04 -> monotone 0.06.
    assert holm_adjust([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm_adjust([0.9, 0.2]) == pytest.approx([0.9, 0.4])
    assert holm_adjust([0.6, 0.9]) == [1.0, 1.0]  # capped, and never below a smaller p's
    assert holm_adjust([]) == []


def _split(name: str) -> frozenset[frozenset[str]]:
    return frozenset({frozenset({name}), frozenset({f"not {name}"})})


def test_two_stage_adjust_needs_both_the_attribute_and_the_group() -> None:
    # BH over attributes: g 0.01 × 3 = 0.03, a 0.03 × 3/2 = 0.045, e 0.5. Two of three
    # selected, so Holm p within is scaled by 3/2.
    omnibus = {"g": 0.01, "a": 0.03, "e": 0.5}
    tests = [
        SplitTest("g", _split("g1"), 0.01),
        SplitTest("g", _split("g1"), 0.01),  # the other group of a two-group split
        SplitTest("a", _split("a1"), 0.02),
        SplitTest("a", _split("a2"), 0.2),
        SplitTest("e", _split("e1"), 0.0001),
        SplitTest("e", _split("e2"), None),
    ]

    adjusted = two_stage_adjust(tests, omnibus)

    assert adjusted[:2] == pytest.approx([0.03, 0.03])  # one split: Holm costs nothing
    # a was selected, but its best group's Holm p 0.02 × 2 = 0.04, × 3/2 = 0.06 fails.
    assert adjusted[2:4] == pytest.approx([0.06, 0.3])
    # e's omnibus was not selected: no group p, however small, gets it flagged.
    assert adjusted[4] == pytest.approx(0.5)
    assert adjusted[5] is None


def test_an_attribute_without_an_omnibus_has_no_adjusted_p() -> None:
    tests = [SplitTest("g", _split("g1"), 0.01)]
    assert two_stage_adjust(tests, {"g": None}) == [None]


def test_omnibus_pools_hidden_groups_only_when_there_are_enough_of_them() -> None:
    rng = np.random.default_rng(1)
    people = [f"p{i}" for i in range(60)]
    adjusted = {p: float(rng.normal()) for p in people}
    groups = {
        "a": frozenset(people[:25]),
        "b": frozenset(people[25:50]),
        "c": frozenset(people[50:57]),
        "d": frozenset(people[57:]),
    }

    def sample(group: frozenset[str]) -> list[float]:
        return [adjusted[p] for p in sorted(group)]

    ten = omnibus_p(groups, {"a", "b"}, adjusted)  # c and d: 10 hidden people, pooled
    three = omnibus_p(groups, {"a", "b", "c"}, adjusted)  # d alone: 3 people, left out

    assert ten == pytest.approx(
        welch_anova([sample(groups["a"]), sample(groups["b"]), sample(groups["c"] | groups["d"])])
    )
    assert three == pytest.approx(welch_anova([sample(groups[v]) for v in "abc"]))


def _ratings(severity: Mapping[str, float], rated_by: Mapping[str, Sequence[str]]) -> list[Rating]:
    rng = np.random.default_rng(2)
    ability = {person: rng.normal(0, 0.5) for person in rated_by}
    return [
        Rating(
            "2025",
            rater,
            person,
            f"c{c}",
            3 + ability[person] + severity[rater] + 0.3 * c + rng.normal(0, 0.2),
            AT,
            f"{person}:{rater}:{c}",
        )
        for person, raters in rated_by.items()
        for rater in raters
        for c in range(3)
    ]


def test_adjusted_means_remove_rater_severity_but_keep_the_scale() -> None:
    # Six raters, one point apart in pairs; everyone rated by a home rater and a neighbour,
    # so raters are compared on shared people.
    severity = {f"m{i}": [-0.5, 0.0, 0.5][i % 3] for i in range(6)}
    rated_by = {f"p{i:02d}": (f"m{i % 6}", f"m{(i + 1) % 6}") for i in range(60)}
    ratings = _ratings(severity, rated_by)
    raw = {p: float(np.mean([r.score for r in ratings if r.ratee == p])) for p in rated_by}

    adjusted = adjusted_person_means(ratings)

    # What a person's raw mean would be with raters of no severity at all.
    fair = {p: raw[p] - float(np.mean([severity[r] for r in rs])) for p, rs in rated_by.items()}
    error_raw = np.std([raw[p] - fair[p] for p in rated_by])
    error_adjusted = np.std([adjusted[p] - fair[p] for p in rated_by])
    assert error_raw > 0.15
    assert error_adjusted < 0.2 * error_raw, error_adjusted
    assert np.mean(list(adjusted.values())) == pytest.approx(np.mean(list(raw.values())), abs=0.1)


def test_with_one_rater_only_competencies_are_removed() -> None:
    ratings = _ratings({"m0": 0.0}, {f"p{i}": ("m0",) for i in range(8)})
    raw = {
        p: float(np.mean([r.score for r in ratings if r.ratee == p]))
        for p in {r.ratee for r in ratings}
    }

    adjusted = adjusted_person_means(ratings)

    assert adjusted == pytest.approx(raw)  # every person has every competency
    assert adjusted_person_means([]) == {}
