"""Rater severity: the crossed model recovers planted raters, shrinks thin ones, hides few."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import datetime

import numpy as np

from insights.calibration.cells import pair_means, rating_cells
from insights.calibration.raters import fit_crossed, rater_severity
from insights.calibration.records import Rating

AT = datetime(2026, 3, 1)


def crossed_ratings(
    shifts: dict[str, float], *, people: int = 40, seed: int = 1, noise: float = 0.4
) -> list[Rating]:
    """Every rater rates every person on three competencies; ``shifts`` lower their scores."""
    rng = np.random.default_rng(seed)
    ability = rng.normal(0.0, 0.7, people)
    out: list[Rating] = []
    for rater, shift in shifts.items():
        for j in range(people):
            for c in range(3):
                score = 3.0 + ability[j] - shift + 0.1 * c + rng.normal(0.0, noise)
                out.append(Rating("c1", rater, f"p{j}", f"k{c}", score, AT, f"{rater}-{j}-{c}"))
    return out


def by_rater(report_signals: tuple) -> dict:
    return {s.rater: s for s in report_signals}


def test_recovers_severe_and_lenient_raters_with_intervals_covering_truth() -> None:
    shifts = {"a": 0.6, "b": -0.6, "c": 0.0, "d": 0.0, "e": 0.0, "f": 0.0}
    report = rater_severity(crossed_ratings(shifts))
    rows = by_rater(report.signals)
    assert rows["a"].flag == "severe" and rows["b"].flag == "lenient"
    assert all(rows[r].flag is None for r in "cdef")
    # Effects are relative to the raters' average (0 here), so the truth is the shift itself.
    for rater in "ab":
        assert rows[rater].ci_low <= shifts[rater] <= rows[rater].ci_high
        assert rows[rater].p_adjusted < 0.05
    assert rows["a"].severity > 0 > rows["b"].severity
    assert report.signals[0].rater == "a"
    assert report.hidden == 0


def test_null_raters_are_not_flagged() -> None:
    for seed in range(5):
        report = rater_severity(crossed_ratings(dict.fromkeys("abcdefgh", 0.0), seed=seed))
        assert [s.flag for s in report.signals] == [None] * 8


def test_rater_with_few_ratees_is_shrunk_and_hidden() -> None:
    ratings = crossed_ratings({"a": 0.3, "b": -0.3, "c": 0.0, "d": 0.0}, seed=3)
    # "thin" rates two people, very severely: it informs the model but is not listed.
    ratings += [
        Rating("c1", "thin", f"p{j}", f"k{c}", 1.0, AT, f"thin-{j}-{c}")
        for j in range(2)
        for c in range(3)
    ]
    report = rater_severity(ratings, min_group=5)
    assert "thin" not in by_rater(report.signals)
    assert report.hidden == 1
    fit = fit_crossed(pair_means(rating_cells(ratings)))
    cells = rating_cells(ratings)
    thin = cells.raters.index("thin")
    raw_gap = 3.0 - 1.0  # its ratees average about 3; it gave 1
    assert 0 < -fit.rater_effect[thin] < raw_gap  # shrunk toward 0, still severe


def test_repeated_ratings_do_not_add_evidence() -> None:
    shifts = {"a": 0.25, "b": 0.0, "c": 0.0, "d": 0.0, "e": 0.0}
    ratings = crossed_ratings(shifts, people=12, seed=4)
    once = by_rater(rater_severity(ratings).signals)["a"]
    copies = [dataclasses.replace(r, record=f"{r.record}-again") for r in ratings if r.rater == "a"]
    twice = by_rater(rater_severity(ratings + copies).signals)["a"]
    assert twice.p_value == once.p_value
    assert twice.ci_high - twice.ci_low == once.ci_high - once.ci_low
    assert twice.ratees == once.ratees == 12
    assert twice.n == 2 * once.n  # the records behind it are all listed
    assert copies[0].record in twice.records


def test_bh_adjustment_is_applied_over_listed_raters() -> None:
    report = rater_severity(crossed_ratings({"a": 0.3, "b": 0.1, "c": 0.0, "d": -0.2}))
    ps = sorted((s.p_value, s.p_adjusted) for s in report.signals)
    m = len(ps)
    assert all(adj >= p for p, adj in ps)
    assert math.isclose(ps[-1][1], ps[-1][0])  # the largest p is its own adjustment
    assert math.isclose(ps[0][1], min(min(p * m / (i + 1), 1) for i, (p, _) in enumerate(ps)))


def test_rater_whose_people_nobody_else_rates_gets_that_caveat() -> None:
    ratings = crossed_ratings({"a": 0.0, "b": 0.0, "c": 0.0}, people=10)
    ratings += [
        Rating("c1", "solo", f"q{j}", f"k{c}", 2.0, AT, f"solo-{j}-{c}")
        for j in range(6)
        for c in range(3)
    ]
    row = by_rater(rater_severity(ratings).signals)["solo"]
    assert row.shared_ratees == 0
    assert "nobody else" in row.caveat


def test_output_is_json_without_nan_and_has_cli_keys() -> None:
    report = rater_severity(crossed_ratings({"a": 0.0, "b": 0.0, "c": 0.0}, people=6))
    text = json.dumps(dataclasses.asdict(report), allow_nan=False)
    row = json.loads(text)["signals"][0]
    assert {"rater", "severity", "ci_low", "ci_high", "n", "flag"} <= row.keys()


def test_empty_input() -> None:
    report = rater_severity([])
    assert report.signals == () and report.hidden == 0
