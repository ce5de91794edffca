"""Halo and horn: raters whose competency ratings of the same person barely differ.

For each rater-ratee pair rated on at least two competencies, the spread is the SD of the
competency scores (organisation competency effects removed; repeats averaged per cell),
corrected for the number of competencies (c4) so pairs with 2 and 6 competencies compare.
A rater's spreads are compared with every other rater's by a Welch t interval: each person
counts once, however many times they were rated. A much smaller spread means the rater's
overall impression drives every competency score: "halo" when the rater's scores sit at or
above the organisation mean, "horn" when below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from insights.calibration.cells import adjusted_scores, rating_cells
from insights.calibration.records import Rating
from insights.calibration.stats import ALPHA, bh_adjust, welch_difference

# A flag needs the spread to be smaller than others' by at least this share of the SD of
# all ratings: a smaller gap is not worth a calibration conversation.
MEANINGFUL_SD = 0.2
TEST = "Welch t on within-person spread across competencies, rater vs all other raters"


@dataclass(frozen=True)
class HaloSignal:
    """How much more uniform a rater's competency scores of one person are than others'.

    ``effect`` is others' mean within-person SD minus this rater's (points): positive means
    more uniform than other raters.
    """

    rater: str
    effect: float
    ci_low: float
    ci_high: float
    n: int
    spread: float
    others_spread: float
    level: float
    p_value: float
    p_adjusted: float
    flag: str | None
    test: str
    caveat: str
    records: tuple[str, ...]


def _c4(m: np.ndarray) -> np.ndarray:
    """Bias factor of the sample SD of ``m`` normal values (E[s] = c4 * sigma)."""
    return np.sqrt(2.0 / (m - 1)) * np.exp(gammaln(m / 2) - gammaln((m - 1) / 2))


def pair_spreads(ratings: Sequence[Rating]) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Rater ids, each pair's rater code and its bias-corrected within-pair SD (>= 2 cells)."""
    cells = rating_cells(ratings)
    if not cells.score.size:
        return (), np.zeros(0, dtype=np.int64), np.zeros(0)
    score = adjusted_scores(cells)
    n_pairs = len(cells.pair_rater)
    count = np.bincount(cells.pair, minlength=n_pairs).astype(float)
    mean = np.bincount(cells.pair, weights=score, minlength=n_pairs) / count
    square = np.bincount(cells.pair, weights=(score - mean[cells.pair]) ** 2, minlength=n_pairs)
    usable = count >= 2
    m = count[usable]
    spread = np.sqrt(square[usable] / (m - 1)) / _c4(m)
    return cells.raters, cells.pair_rater[usable], spread


def _caveat(flag: str | None) -> str:
    if flag is None:
        return (
            "Within-person spread is not clearly smaller than other raters'; uniform scores "
            "can also mean the people rated are evenly strong or weak."
        )
    return (
        "This rater's competency scores of each person move together more than other "
        "raters' do; that can be a global impression (or a scale ceiling or floor) driving "
        "every score, or people whose strengths truly are even, so read the ratings."
    )


def halo_signals(ratings: Sequence[Rating], *, min_group: int = 5) -> tuple[HaloSignal, ...]:
    """Raters whose competency scores of the same person are far more uniform than others'.

    Args:
        ratings: All ratings (usually one cycle).
        min_group: Raters with fewer distinct people rated on two or more competencies are
            not listed.

    Returns:
        One signal per listed rater, most uniform first; BH over the listed raters.
    """
    raters, pair_rater, spread = pair_spreads(ratings)
    if not spread.size:
        return ()
    scores = np.asarray([r.score for r in ratings], dtype=float)
    org_mean, org_sd = float(scores.mean()), float(scores.std())
    by_rater: dict[str, list[Rating]] = {}
    for rating in ratings:
        by_rater.setdefault(rating.rater, []).append(rating)
    rows = []
    for index, rater in enumerate(raters):
        mine = pair_rater == index
        others = spread[~mine]
        if np.count_nonzero(mine) < min_group or others.size < 2:
            continue
        interval = welch_difference(others.tolist(), spread[mine].tolist())
        rows.append((index, rater, int(np.count_nonzero(mine)), interval))
    adjusted = bh_adjust([r[3].p_value for r in rows])
    out: list[HaloSignal] = []
    for (index, rater, n, interval), p_adj in zip(rows, adjusted, strict=True):
        mine = pair_rater == index
        level = float(np.mean([r.score for r in by_rater[rater]])) - org_mean
        flag = None
        if p_adj < ALPHA and interval.estimate >= MEANINGFUL_SD * org_sd:
            flag = "halo" if level >= 0 else "horn"
        out.append(
            HaloSignal(
                rater=rater,
                effect=round(interval.estimate, 4),
                ci_low=round(interval.low, 4),
                ci_high=round(interval.high, 4),
                n=n,
                spread=round(float(spread[mine].mean()), 4),
                others_spread=round(float(spread[~mine].mean()), 4),
                level=round(level, 4),
                p_value=interval.p_value,
                p_adjusted=p_adj,
                flag=flag,
                test=TEST,
                caveat=_caveat(flag),
                records=tuple(sorted(r.record for r in by_rater[rater])),
            )
        )
    out.sort(key=lambda s: (-s.effect, s.rater))
    return tuple(out)
