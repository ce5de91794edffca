"""Recency signals: a rater following the last 60 days is flagged; whole-period raters are not."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import datetime, timedelta

import numpy as np

from insights.calibration.recency import ORG, RecencySignal, recency_signals
from insights.calibration.records import Evidence, Rating

END = datetime(2025, 6, 30, 12)
Rule = Callable[[float, float], float]  # (whole-period mean, recent mean) -> latent score


def _org(
    rules: dict[str, Rule],
    *,
    ratees: int = 30,
    early_items: int = 6,
    recent_items: int = 3,
    seed: int = 0,
) -> tuple[list[Rating], list[Evidence]]:
    """Each rater rates their own ``ratees`` on 3 competencies by ``rule`` plus noise.

    Evidence items reflect one constant ability, before and inside the last 60 days alike.
    """
    rng = np.random.default_rng(seed)
    ratings: list[Rating] = []
    evidence: list[Evidence] = []
    for rater, rule in rules.items():
        for i in range(ratees):
            person = f"{rater}-report{i}"
            ability = rng.normal()
            days = [*rng.uniform(61, 180, early_items), *rng.uniform(0, 59, recent_items)]
            signals = np.clip(np.rint(ability + rng.normal(0, 1, len(days))), -1, 1)
            for day, signal in zip(days, signals, strict=True):
                evidence.append(
                    Evidence(person, END - timedelta(days=day), float(signal), f"ev{len(evidence)}")
                )
            recent = float(signals[early_items:].mean())
            latent = 3 + rule(float(signals.mean()), recent)
            for c in range(3):
                score = float(np.clip(np.rint(latent + rng.normal(0, 0.4)), 1, 5))
                ratings.append(Rating("H1", rater, person, f"c{c}", score, END, f"r{len(ratings)}"))
    return ratings, evidence


def _by_rater(signals: tuple[RecencySignal, ...]) -> dict[str, RecencySignal]:
    return {s.rater: s for s in signals}


def whole(w: float, r: float) -> float:
    return 1.2 * w


def recent(w: float, r: float) -> float:
    return 1.2 * r


def test_a_rater_who_follows_the_last_60_days_is_flagged_and_others_are_not() -> None:
    ratings, evidence = _org({"fair": whole, "recency": recent, "also-fair": whole}, seed=1)

    rows = _by_rater(recency_signals(ratings, evidence))

    flagged = rows["recency"]
    assert flagged.flag == "recency"
    assert 0 < flagged.ci_low < flagged.effect < flagged.ci_high
    assert flagged.p_adjusted is not None and flagged.p_adjusted < 0.05
    assert flagged.n == 30
    assert rows["fair"].flag is None and rows["also-fair"].flag is None
    assert rows["fair"].ci_low < 0 < rows["fair"].ci_high


def test_whole_period_raters_are_not_flagged_when_evidence_piles_up_at_the_end() -> None:
    # Twice as many recent items as early ones: a whole-period rater leans on recent items
    # simply because there are more of them, which is not recency bias.
    ratings, evidence = _org({"a": whole, "b": whole}, early_items=2, recent_items=6, seed=2)

    rows = _by_rater(recency_signals(ratings, evidence))

    assert set(rows) == {"a", "b", ORG}
    assert [row.flag for row in rows.values()] == [None, None, None]


def test_nulls_over_several_seeds_flag_nothing() -> None:
    for seed in range(10, 15):
        ratings, evidence = _org({"a": whole, "b": whole, "c": whole}, ratees=15, seed=seed)

        assert [s.flag for s in recency_signals(ratings, evidence)] == [None] * 4, seed


def test_the_org_wide_row_pools_raters_and_counts_ratees() -> None:
    ratings, evidence = _org({"a": recent, "b": recent}, ratees=20, seed=3)

    org = _by_rater(recency_signals(ratings, evidence))[ORG]

    assert org.n == 40
    assert org.flag == "recency"
    assert "clustered" in org.test


def test_raters_with_fewer_ratees_than_the_minimum_are_left_out() -> None:
    ratings, evidence = _org({"big": whole}, ratees=12, seed=4)
    small, more = _org({"small": recent}, ratees=4, seed=5)

    rows = _by_rater(recency_signals([*ratings, *small], [*evidence, *more], min_group=5))

    assert set(rows) == {"big", ORG}
    strict = _by_rater(recency_signals([*ratings, *small], [*evidence, *more], min_group=20))
    assert strict == {}


def test_records_name_the_ratings_and_the_evidence_inside_the_period() -> None:
    ratings, evidence = _org({"a": whole}, ratees=6, seed=6)
    stale = Evidence("a-report0", END - timedelta(days=400), 1.0, "stale")
    later = Evidence("a-report0", END + timedelta(days=1), 1.0, "later")

    (row, _org_row) = recency_signals(ratings, [*evidence, stale, later])

    assert set(row.records) == {r.record for r in ratings} | {e.record for e in evidence}
    json.dumps(dataclasses.asdict(row), allow_nan=False)


def test_ratees_without_evidence_on_both_sides_of_the_window_are_dropped() -> None:
    ratings, evidence = _org({"a": whole}, ratees=8, seed=7)
    only_early = [
        e for e in evidence if not e.ratee.endswith("report0") or e.at < END - timedelta(days=60)
    ]

    (row, _org_row) = recency_signals(ratings, only_early)

    assert row.n == 7
    assert {"r0", "r1", "r2"}.isdisjoint(row.records)  # report0's ratings


def test_period_end_and_window_are_parameters() -> None:
    ratings, evidence = _org({"a": recent}, seed=8)
    # Ratings dated a year later: the default period (182 days back) holds no evidence.
    late = [dataclasses.replace(r, rated_at=END + timedelta(days=365)) for r in ratings]

    assert recency_signals(late, evidence) == ()
    rows = _by_rater(recency_signals(late, evidence, period_end=END))
    assert rows["a"].flag == "recency"
    assert "last-60-days" in rows["a"].test
    assert "last-30-days" in recency_signals(late, evidence, period_end=END, window_days=30)[0].test


def test_no_ratings_gives_no_rows() -> None:
    assert recency_signals([], []) == ()


def test_a_rater_who_gives_everyone_the_same_score_has_no_row() -> None:
    ratings, evidence = _org({"flat": whole}, ratees=10, seed=9)
    flat = [dataclasses.replace(r, score=3.0) for r in ratings]

    assert recency_signals(flat, evidence) == ()
