"""Group gaps and the four-fifths rule: planted gaps, nulls, hand-made ratios, disclosure."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime

import numpy as np
import pytest

from insights.calibration.groups import GroupReport, GroupSignal, group_gaps
from insights.calibration.records import Attribute, Rating, Scale

AT = datetime(2025, 6, 30)
SCALE = Scale(1, 5)


def _org(
    sizes: dict[str, int],
    *,
    gap: dict[str, float] | None = None,
    seed: int = 0,
    attribute: str = "gender",
) -> tuple[list[Rating], list[Attribute]]:
    """People in groups, rated on 4 competencies by one of 6 managers: ability + noise."""
    rng = np.random.default_rng(seed)
    ratings: list[Rating] = []
    attributes: list[Attribute] = []
    index = 0
    for group, size in sizes.items():
        for _ in range(size):
            person = f"person{index}@example.com"
            attributes.append(Attribute(person, attribute, group))
            ability = rng.normal(0, 0.5) + (gap or {}).get(group, 0.0)
            rater = f"manager{index % 6}"
            for c in range(4):
                score = float(np.clip(np.rint(3.3 + ability + rng.normal(0, 0.6)), 1, 5))
                ratings.append(
                    Rating("2025", rater, person, f"c{c}", score, AT, f"line {len(ratings) + 2}")
                )
            index += 1
    return ratings, attributes


def _rating(person: str, score: float, n: int = 0) -> Rating:
    return Rating("2025", "boss", person, f"c{n}", score, AT, f"{person}:{n}")


def _signal(report: GroupReport, attribute: str, group: str) -> GroupSignal:
    return next(s for s in report.signals if (s.attribute, s.group) == (attribute, group))


def test_a_planted_gap_is_found_with_its_sign_and_an_interval_around_it() -> None:
    ratings, attributes = _org({"women": 40, "men": 40}, gap={"women": -0.8}, seed=1)

    report = group_gaps(ratings, attributes, scale=SCALE)

    women, men = _signal(report, "gender", "women"), _signal(report, "gender", "men")
    assert women.flag is not None and "gap" in women.flag
    assert women.gap is not None and women.ci_low is not None and women.ci_high is not None
    assert women.ci_low < women.gap < women.ci_high < 0
    assert women.ci_low < -0.8 < women.ci_high  # rounding and clipping shrink it a little
    assert men.gap == pytest.approx(-women.gap)
    assert women.p_adjusted is not None and women.p_adjusted < 0.05
    assert (women.n, women.n_ratings) == (40, 160)


def test_gap_and_mean_are_differences_of_person_means() -> None:
    # a1 has two ratings (5 and 3): it counts once, with mean 4, not as two people.
    ratings = [_rating("a1", 5, 0), _rating("a1", 3, 1)]
    ratings += [_rating(f"a{i}", 2) for i in range(2, 6)]
    ratings += [_rating(f"b{i}", 3 + i % 2) for i in range(6)]
    attributes = [Attribute(r.ratee, "team_gender", r.ratee[0]) for r in ratings]

    a = _signal(group_gaps(ratings, attributes, scale=SCALE), "team_gender", "a")

    assert a.n == 5 and a.n_ratings == 6
    assert a.mean == pytest.approx((4 + 2 * 4) / 5)
    assert a.gap == pytest.approx((4 + 2 * 4) / 5 - 3.5)


def test_a_null_organisation_flags_nothing() -> None:
    for seed in range(5):
        ratings, attributes = _org({"a": 35, "b": 30, "c": 25}, seed=seed)
        ages = [Attribute(a.person, "age_band", "xy"[i % 2]) for i, a in enumerate(attributes)]

        report = group_gaps(ratings, [*attributes, *ages], scale=SCALE)

        assert len(report.signals) == 5
        assert [s.flag for s in report.signals] == [None] * 5, seed


def test_the_four_fifths_ratio_on_a_hand_made_example() -> None:
    # Top 20 % of 20 people: the six with a 5 (ties included). a: 1 of 10, b: 5 of 10.
    ratings = [_rating(f"a{i}", 5 if i == 0 else 2) for i in range(10)]
    ratings += [_rating(f"b{i}", 5 if i < 5 else 3) for i in range(10)]
    attributes = [Attribute(r.ratee, "g", r.ratee[0]) for r in ratings]

    report = group_gaps(ratings, attributes, scale=SCALE)

    a, b = _signal(report, "g", "a"), _signal(report, "g", "b")
    assert (a.top_rate, b.top_rate) == (0.1, 0.5)
    assert a.impact_ratio == pytest.approx(0.2)
    assert b.impact_ratio == 1.0
    # Fisher's exact p for 1/10 vs 5/10 is 0.14: a four-fifths breach, but not significant.
    assert a.impact_p_adjusted is not None and a.impact_p_adjusted > 0.05
    assert a.flag is not None and "adverse impact" not in a.flag


def test_a_large_adverse_impact_is_flagged() -> None:
    ratings = [_rating(f"a{i}", 5 if i < 2 else 3) for i in range(40)]
    ratings += [_rating(f"b{i}", 5 if i < 14 else 3) for i in range(40)]
    attributes = [Attribute(r.ratee, "g", r.ratee[0]) for r in ratings]

    a = _signal(group_gaps(ratings, attributes, scale=SCALE), "g", "a")

    assert a.impact_ratio == pytest.approx(2 / 14)
    assert a.flag == "gap, adverse impact"


def test_a_3_person_group_is_hidden_and_cannot_be_recovered_by_subtraction() -> None:
    ratings, attributes = _org({"a": 40, "b": 45, "c": 3}, seed=3)
    # A second attribute splits the 3 across its groups: recovering them then takes a sum
    # over several cells, which a joint check alone would miss.
    ages = [
        Attribute(a.person, "age_band", "young" if i % 2 else "old")
        for i, a in enumerate(attributes)
    ]

    report = group_gaps(ratings, [*attributes, *ages], scale=SCALE)

    gender = [s for s in report.signals if s.attribute == "gender"]
    assert [s.group for s in gender] == ["b"]  # a as well would give c away: total - a - b
    assert dict(report.hidden) == {"gender": 2, "age_band": 0}
    shown = sum(s.n for s in gender)
    assert 88 - shown >= 5  # what "everyone else" covers is still at least 5 people


def test_groups_under_the_minimum_are_never_shown() -> None:
    ratings, attributes = _org({"a": 30, "b": 30, "c": 8, "d": 9}, seed=4)

    report = group_gaps(ratings, attributes, scale=SCALE, min_group=10)

    assert {s.group for s in report.signals} == {"a", "b"}
    assert all(s.n >= 10 for s in report.signals)
    assert dict(report.hidden) == {"gender": 2}


def test_an_attribute_known_for_all_but_a_few_people_is_hidden_whole() -> None:
    ratings, attributes = _org({"a": 30, "b": 30}, seed=5)
    # Age is unknown for two people: its total minus gender's total would expose them.
    ages = [
        Attribute(a.person, "age_band", "x" if i % 2 else "y") for i, a in enumerate(attributes[2:])
    ]

    report = group_gaps(ratings, [*attributes, *ages], scale=SCALE)

    assert {s.attribute for s in report.signals} == {"gender"}
    assert dict(report.hidden) == {"age_band": 2, "gender": 0}


def test_conflicting_or_empty_values_count_as_unknown() -> None:
    ratings, attributes = _org({"a": 10, "b": 10}, seed=6)
    odd = attributes[0].person
    attributes += [Attribute(odd, "gender", "b"), Attribute(attributes[1].person, "age_band", " ")]

    report = group_gaps(ratings, attributes, scale=SCALE)

    assert {(s.group, s.n) for s in report.signals} == {("a", 9), ("b", 10)}


def test_signals_carry_counts_only_never_people_or_records() -> None:
    ratings, attributes = _org({"a": 20, "b": 20, "c": 2}, gap={"a": -1.0}, seed=7)

    report = group_gaps(ratings, attributes, scale=SCALE)
    text = json.dumps(dataclasses.asdict(report), allow_nan=False)

    assert {f.name for f in dataclasses.fields(GroupSignal)} == {
        "attribute",
        "group",
        "n",
        "n_ratings",
        "mean",
        "gap",
        "ci_low",
        "ci_high",
        "p_value",
        "p_adjusted",
        "top_rate",
        "impact_ratio",
        "impact_p_adjusted",
        "flag",
        "test",
        "caveat",
    }
    assert "@example.com" not in text and "line " not in text
    assert '"c"' not in text  # not even the hidden group's name
    assert report.signals and all(s.caveat and s.test for s in report.signals)


def test_no_ratings_gives_an_empty_report() -> None:
    assert group_gaps([], [Attribute("x", "gender", "a")], scale=SCALE) == GroupReport((), ())


def test_a_single_group_has_a_mean_but_no_comparison() -> None:
    ratings, attributes = _org({"only": 12}, seed=8)

    (only,) = group_gaps(ratings, attributes, scale=SCALE).signals

    assert only.gap is None and only.p_adjusted is None and only.flag is None
    assert only.top_rate >= 0.2 and only.impact_ratio == 1.0


def _home_raters(gap: float, seed: int) -> tuple[list[Rating], list[Attribute]]:
    """Groups a and b of 40: a's home managers (m0–m2) rate 0.8 points harsher than b's
    (m3–m5), and everyone also has a second rater picked at random from all six, so the
    managers' severity can be told apart from the groups. ``gap`` is added to a's ability."""
    rng = np.random.default_rng(seed)
    severity = [-0.4, -0.4, -0.4, 0.4, 0.4, 0.4]
    ratings: list[Rating] = []
    attributes: list[Attribute] = []
    for i in range(80):
        person, group = f"person{i}@example.com", "ab"[i // 40]
        attributes.append(Attribute(person, "gender", group))
        home = i % 3 + 3 * (group == "b")
        ability = rng.normal(0, 0.5) + (gap if group == "a" else 0.0)
        for rater in (home, int((home + 1 + rng.integers(5)) % 6)):
            for c in range(4):
                latent = 3.3 + ability + severity[rater] + rng.normal(0, 0.5)
                score = float(np.clip(np.rint(latent), 1, 5))
                ratings.append(Rating("2025", f"m{rater}", person, f"c{c}", score, AT, f"r{i}"))
    return ratings, attributes


@pytest.mark.parametrize("seed", [10, 11, 12])
def test_harsher_raters_are_not_read_as_a_group_gap(seed: int) -> None:
    ratings, attributes = _home_raters(0.0, seed)

    a = _signal(group_gaps(ratings, attributes, scale=SCALE), "gender", "a")

    # HR still reads the raw gap (a's people are rated lower) ...
    assert a.gap is not None and a.ci_high is not None and a.gap < -0.25 and a.ci_high < 0
    # ... but compared like with like, as if rated by the same managers, there is none.
    assert a.p_adjusted is not None and a.p_adjusted > 0.05
    assert "gap" not in (a.flag or "")  # fewer top ratings may still be adverse impact
    assert "raw person means" in a.test and "rater severity" in a.test  # says which is which


def test_a_real_gap_is_still_found_when_raters_differ_too() -> None:
    ratings, attributes = _home_raters(-0.5, 13)

    a = _signal(group_gaps(ratings, attributes, scale=SCALE), "gender", "a")

    assert a.flag is not None and "gap" in a.flag
    assert a.gap is not None and a.gap < -0.5  # raw: the real gap plus the harsher raters
