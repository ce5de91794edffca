"""360 outlier raters: a rater who disagrees with the co-raters of the same people."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime

import numpy as np

from insights.calibration.misfit import misfit_signals
from insights.calibration.records import Rating

AT = datetime(2026, 3, 1)


def ratings(noisy: dict[str, float], *, people: int = 20, seed: int = 5) -> list[Rating]:
    """Five ordinary raters and the ``noisy`` ones (extra noise SD) rate every person."""
    rng = np.random.default_rng(seed)
    truth = rng.normal(3.0, 0.7, (people, 3))
    raters = {**{f"n{i}": 0.0 for i in range(5)}, **noisy}
    out: list[Rating] = []
    for rater, extra in raters.items():
        shift = 0.8 if rater == "n0" else 0.0  # a severe rater is not an outlier for that
        for j in range(people):
            for c in range(3):
                score = truth[j, c] - shift + rng.normal(0.0, 0.3) + rng.normal(0.0, extra + 1e-9)
                out.append(Rating("c", rater, f"p{j}", f"k{c}", score, AT, f"{rater}-{j}-{c}"))
    return out


def test_noisy_rater_is_flagged_and_severe_one_is_not() -> None:
    rows = {s.rater: s for s in misfit_signals(ratings({"wild": 1.2}))}
    assert rows["wild"].flag == "outlier"
    assert rows["wild"].ci_low > 0 and rows["wild"].rms > rows["wild"].others_rms
    assert rows["n0"].flag is None
    assert all(rows[f"n{i}"].flag is None for i in range(5))
    assert rows["wild"].p_adjusted >= rows["wild"].p_value


def test_with_two_raters_per_person_the_outlier_not_its_coraters_stands_out() -> None:
    rng = np.random.default_rng(9)
    data: list[Rating] = []
    # Six ordinary raters share people in pairs; "wild" co-rates with each of them.
    for j in range(36):
        truth = 3.0 + rng.normal(0.0, 0.7)
        for rater in (f"n{j % 6}", "wild" if j % 2 else f"n{(j + 1) % 6}"):
            noise = 1.5 if rater == "wild" else 0.3
            for c in range(3):
                score = truth + rng.normal(0.0, noise)
                data.append(Rating("c", rater, f"p{j}", f"k{c}", score, AT, f"{rater}{j}{c}"))
    rows = {s.rater: s for s in misfit_signals(data)}
    assert rows["wild"].effect == max(s.effect for s in rows.values())
    assert rows["wild"].flag == "outlier"


def test_null_raters_are_not_flagged() -> None:
    for seed in range(5):
        assert all(s.flag is None for s in misfit_signals(ratings({}, seed=seed)))


def test_people_with_one_rater_do_not_count() -> None:
    data = [
        Rating("c", f"r{j % 3}", f"p{j}", f"k{c}", 3.0 + c, AT, f"{j}{c}")
        for j in range(30)
        for c in range(3)
    ]
    assert misfit_signals(data) == ()
    out = misfit_signals(ratings({"wild": 0.5}, people=6))
    json.dumps([dataclasses.asdict(s) for s in out], allow_nan=False)


def small_org() -> list[Rating]:
    """Three managers rate their teams of 7, 6 and 3 on three competencies; m1 and m2 also
    rate two people of each other's team (the shape that once raised IndexError)."""
    rng = np.random.default_rng(12)
    out: list[Rating] = []
    for manager, size in (("m1", 7), ("m2", 6), ("m3", 3)):
        for j in range(size):
            for c in range(3):
                score = float(rng.integers(1, 6))
                out.append(
                    Rating("c", manager, f"{manager}-p{j}", f"k{c}", score, AT, f"{len(out)}")
                )
    for rater, team in (("m1", "m2"), ("m2", "m1")):
        for j in range(2):
            for c in range(3):
                score = float(rng.integers(1, 6))
                out.append(Rating("c", rater, f"{team}-p{j}", f"k{c}", score, AT, f"{len(out)}"))
    return out


def test_small_org_with_little_overlap_lists_only_raters_with_enough_corated_people() -> None:
    data = small_org()
    assert misfit_signals(data) == ()  # two co-rated people each, under the minimum of 5
    rows = {s.rater: s for s in misfit_signals(data, min_group=2)}
    # m1 and m2 each share four people (two of their own, two of the other's); m3 none.
    assert set(rows) == {"m1", "m2"}
    assert rows["m1"].n == rows["m2"].n == 4
    json.dumps([dataclasses.asdict(s) for s in rows.values()], allow_nan=False)
    assert all(s.flag is None for s in misfit_signals(data, min_group=1))


def test_wild_rater_effect_estimates_the_extra_disagreement() -> None:
    rows = {s.rater: s for s in misfit_signals(ratings({"wild": 1.0}, people=40))}
    # Ordinary raters' error SD is 0.3; the wild one's is sqrt(0.3**2 + 1.0**2) ~ 1.04.
    assert rows["wild"].ci_low <= 1.04 - 0.3 <= rows["wild"].ci_high
    assert 0.2 < rows["n1"].rms < 0.45  # its own error SD, not inflated by sharing with "wild"
