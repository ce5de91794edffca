"""Manager distributions: inflation and compression against the rest of the organisation."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import datetime

import numpy as np

from insights.calibration.managers import manager_signals, score_histogram, spread_ratio
from insights.calibration.records import Rating, Scale

AT = datetime(2026, 3, 1)


def teams(
    shift: dict[str, float], squeeze: dict[str, float], *, size: int = 15, seed: int = 7
) -> dict[str, list[Rating]]:
    rng = np.random.default_rng(seed)
    out: dict[str, list[Rating]] = {}
    for m in [f"m{i}" for i in range(8)]:
        ability = rng.normal(3.0, 0.7, size)
        if m in squeeze:  # centred too, so the squeezed team's mean is not off by chance
            ability = 3.0 + squeeze[m] * (ability - ability.mean())
        out[m] = [
            Rating("c", m, f"{m}-p{j}", f"k{c}", ability[j] + shift.get(m, 0.0), AT, f"{m}{j}{c}")
            for j in range(size)
            for c in range(3)
        ]
    return out


def test_inflating_and_compressing_managers_are_flagged() -> None:
    rows = {s.manager: s for s in manager_signals(teams({"m0": 0.9}, {"m1": 0.2}))}
    assert "inflation" in rows["m0"].flags
    assert rows["m0"].shift_ci_low <= 0.9 <= rows["m0"].shift_ci_high
    assert rows["m1"].flags == ("compression",)
    assert rows["m1"].sd_ratio_ci_high < 1
    assert all(rows[f"m{i}"].flags == () for i in range(2, 8))
    assert rows["m0"].n == 15 and rows["m0"].n_ratings == 45


def test_null_teams_are_not_flagged() -> None:
    for seed in range(5):
        assert all(s.flags == () for s in manager_signals(teams({}, {}, seed=seed)))


def test_small_teams_are_not_returned_and_repeats_count_once() -> None:
    data = teams({}, {}, size=4)
    assert manager_signals(data) == ()
    data = teams({}, {}, size=6)
    again = {
        m: rs + [dataclasses.replace(r, record=r.record + "x") for r in rs]
        for m, rs in data.items()
    }
    first = {s.manager: s for s in manager_signals(data)}["m0"]
    second = {s.manager: s for s in manager_signals(again)}["m0"]
    assert first.n == second.n == 6
    assert math.isclose(first.shift_p_adjusted, second.shift_p_adjusted)
    json.dumps([dataclasses.asdict(s) for s in manager_signals(data)], allow_nan=False)


def test_score_histogram_counts_every_scale_point() -> None:
    data = [Rating("c", "m", "p", "k", s, AT, str(i)) for i, s in enumerate([1, 2, 2, 5, 4.6])]
    assert score_histogram(data, Scale(1, 5)) == ((1.0, 1), (2.0, 2), (3.0, 0), (4.0, 0), (5.0, 2))


def corated_teams(inflate: float, *, better: float = 0.0, seed: int = 3) -> dict[str, list[Rating]]:
    """Eight managers rate their 12 people; a peer rates each person too (360). Team m0's
    people are ``better`` for everyone; manager m0 adds ``inflate`` to their own scores."""
    rng = np.random.default_rng(seed)
    managers = [f"m{i}" for i in range(8)]
    out: dict[str, list[Rating]] = {m: [] for m in managers}
    for k, m in enumerate(managers):
        peer = managers[(k + 1) % 8]
        for j in range(12):
            ability = 3.0 + rng.normal(0.0, 0.6) + (better if m == "m0" else 0.0)
            for rater in (m, peer):
                lift = inflate if rater == "m0" and m == "m0" else 0.0
                for c in range(3):
                    score = ability + lift + rng.normal(0.0, 0.3)
                    out[m].append(
                        Rating("c", rater, f"{m}-p{j}", f"k{c}", score, AT, f"{m}{j}{rater}{c}")
                    )
    return out


def test_a_truly_stronger_team_is_not_inflation_when_others_rate_it_the_same() -> None:
    rows = {s.manager: s for s in manager_signals(corated_teams(0.0, better=1.0))}
    assert rows["m0"].mean - rows["m0"].org_mean > 0.7  # the team really is rated higher
    assert rows["m0"].flags == ()
    assert rows["m0"].shift_ci_low <= 0.0 <= rows["m0"].shift_ci_high
    assert "crossed" in rows["m0"].test


def test_a_manager_rating_above_co_raters_of_the_same_people_is_inflation() -> None:
    rows = {s.manager: s for s in manager_signals(corated_teams(0.5))}
    assert rows["m0"].flags == ("inflation",)
    assert rows["m0"].shift_ci_low <= 0.5 <= rows["m0"].shift_ci_high
    assert rows["m0"].n == 12 and rows["m0"].n_ratings == 36  # the manager's own ratings
    assert "co-rated" in rows["m0"].caveat
    assert all(rows[f"m{i}"].flags == () for i in range(1, 8))


def test_spread_interval_covers_the_true_ratio_and_holds_its_level_on_heavy_tails() -> None:
    rng = np.random.default_rng(21)
    covered = false_alarms = 0
    for _ in range(400):
        spread = spread_ratio(rng.normal(0.0, 0.5, 30), rng.normal(0.0, 1.0, 100))
        covered += spread.low <= 0.5 <= spread.high
        heavy = spread_ratio(rng.standard_t(5, 30), rng.standard_t(5, 100))
        false_alarms += heavy.p_value < 0.05
    assert covered / 400 > 0.9
    assert false_alarms / 400 < 0.08  # an F test rejects about 19 % here


def test_spread_is_untested_for_small_or_all_constant_samples() -> None:
    small = spread_ratio(np.array([1.0, 2.0, 3.0, 4.0]), np.arange(20.0))
    assert math.isnan(small.p_value) and small.low == small.ratio == small.high
    both_flat = spread_ratio(np.full(12, 3.0), np.full(20, 2.0))
    assert math.isnan(both_flat.p_value)


def test_a_team_all_rated_alike_is_the_most_compressed_not_untested() -> None:
    flat = spread_ratio(np.full(12, 3.0), np.arange(20.0) / 5)
    assert flat.ratio == 0.0 and flat.high < 0.1 and flat.p_value < 1e-6


def test_teams_whose_manager_rated_nobody_are_compared_as_everybody_rates_them() -> None:
    data = {f"boss-{m}": rs for m, rs in teams({"m0": 0.9}, {}).items()}
    rows = {s.manager: s for s in manager_signals(data)}
    assert "inflation" in rows["boss-m0"].flags
    assert rows["boss-m0"].test.startswith("shift: person means, pooled t")
    assert "may truly differ" in rows["boss-m0"].caveat
    assert rows["boss-m0"].n == 15 and rows["boss-m0"].n_ratings == 45
