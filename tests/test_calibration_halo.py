"""Halo / horn: raters whose competency scores of one person barely differ are flagged."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime

import numpy as np

from insights.calibration.halo import halo_signals
from insights.calibration.records import Rating

AT = datetime(2026, 3, 1)


def ratings(uniform: dict[str, float], *, people: int = 30, seed: int = 2) -> list[Rating]:
    """Raters rate everyone on four competencies; ``uniform`` raters keep a factor of the
    competency-specific variation and add a level shift."""
    rng = np.random.default_rng(seed)
    ability = rng.normal(3.0, 0.6, people)
    profile = rng.normal(0.0, 0.5, (people, 4))
    out: list[Rating] = []
    for rater in [*uniform, "n1", "n2", "n3", "n4", "n5"]:
        keep, level = (0.1, uniform[rater]) if rater in uniform else (1.0, 0.0)
        for j in range(people):
            specific = profile[j] + rng.normal(0.0, 0.4, 4)
            for c in range(4):
                score = ability[j] + level + keep * specific[c]
                out.append(Rating("c", rater, f"p{j}", f"k{c}", score, AT, f"{rater}-{j}-{c}"))
    return out


def test_uniform_raters_flagged_halo_or_horn_by_level() -> None:
    rows = {s.rater: s for s in halo_signals(ratings({"high": 0.5, "low": -0.5}))}
    assert rows["high"].flag == "halo"
    assert rows["low"].flag == "horn"
    assert all(rows[f"n{i}"].flag is None for i in range(1, 6))
    assert rows["high"].effect > 0 and rows["high"].ci_low > 0
    assert rows["high"].spread < rows["high"].others_spread
    assert rows["high"].p_adjusted >= rows["high"].p_value
    assert rows["high"].n == 30


def test_null_raters_are_not_flagged() -> None:
    for seed in range(5):
        assert all(s.flag is None for s in halo_signals(ratings({}, seed=seed)))


def test_repeated_ratings_do_not_add_people() -> None:
    base = ratings({"high": 0.0}, people=8)
    copies = [dataclasses.replace(r, record=r.record + "b") for r in base if r.rater == "high"]
    once = {s.rater: s for s in halo_signals(base)}["high"]
    twice = {s.rater: s for s in halo_signals(base + copies)}["high"]
    assert twice.n == once.n == 8
    assert twice.p_value == once.p_value


def test_raters_with_few_people_are_not_listed_and_output_is_clean() -> None:
    data = ratings({}, people=4)
    assert halo_signals(data, min_group=5) == ()
    out = halo_signals(ratings({"high": 0.3}, people=6))
    json.dumps([dataclasses.asdict(s) for s in out], allow_nan=False)
    assert halo_signals([]) == ()
