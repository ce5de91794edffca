"""Outlier raters in 360 feedback: raters who disagree with the other raters of the same people.

Only people rated by at least two raters count. Each cell (rater, ratee, competency; repeats
averaged, competency effects removed) is compared with the leave-one-out consensus: the
inverse-variance weighted mean of the other raters' cells for the same person and
competency. Each rater's overall offset is removed first, so a severe or lenient rater is not
an outlier for that alone (severity is its own signal).

A residual's expected square is the rater's own error variance plus the consensus's
(1 / the sum of the other raters' inverse variances). Subtracting the consensus part leaves
an unbiased, F-like estimate of the rater's error variance in every cell; the raters'
variances (the consensus weights) are re-estimated from those a few times. Without that
subtraction a wild rater would make everyone who shares a person with them look wild too:
with two raters, the consensus for each is the other.

Per rater-ratee pair, the cells' estimates are averaged into one value (each person counts
once: a rater's disagreements about one person share their impression of that person); a
rater's values are compared with all other raters' by a Welch t on that mean square. The
effect and its interval are reported as root mean squares (points): this rater's RMS error
minus the others', the interval transformed from the mean-square interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from insights.calibration.cells import adjusted_scores, rating_cells
from insights.calibration.records import Rating
from insights.calibration.stats import ALPHA, bh_adjust, welch_difference

# A flag needs the RMS error to exceed others' by at least this share of the SD of all
# ratings.
MEANINGFUL_SD = 0.2
REWEIGHTING_ROUNDS = 6
TEST = (
    "Welch t on each person's mean squared disagreement with the leave-one-out consensus, "
    "less the consensus's own variance (F-like), rater vs other raters"
)
CAVEAT = (
    "Disagreeing with the other raters of the same people is not being wrong: this rater "
    "may see different work; it says the scores are hard to reconcile, not why."
)


@dataclass(frozen=True)
class MisfitSignal:
    """How much more a rater disagrees with co-raters than other raters do (RMS, points)."""

    rater: str
    effect: float
    ci_low: float
    ci_high: float
    n: int
    rms: float
    others_rms: float
    p_value: float
    p_adjusted: float
    flag: str | None
    test: str
    caveat: str
    records: tuple[str, ...]


def _pair_residuals(ratings: Sequence[Rating]) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Rater ids, the rater code of each usable pair, and the pair's error-variance estimate."""
    cells = rating_cells(ratings)
    none = ((), np.zeros(0, dtype=np.int64), np.zeros(0))
    if not cells.score.size:
        return none
    raters_per_ratee = np.bincount(cells.pair_ratee, minlength=len(cells.ratees))
    keep = raters_per_ratee[cells.ratee] >= 2
    if not keep.any():
        return none
    score = adjusted_scores(cells)[keep]
    rater, pair = cells.rater[keep], cells.pair[keep]
    _, target = np.unique(
        cells.ratee[keep] * len(cells.competencies) + cells.competency[keep], return_inverse=True
    )
    n_raters = len(cells.raters)
    offset = np.zeros(n_raters)
    variance = np.full(n_raters, max(float(np.var(score)), 1e-6))
    valid = np.zeros(len(score), dtype=bool)
    excess = np.zeros(len(score))
    for _ in range(REWEIGHTING_ROUNDS):
        centred = score - offset[rater]
        w = 1.0 / variance[rater]
        total_w = np.bincount(target, weights=w)[target] - w
        total = np.bincount(target, weights=w * centred)[target] - w * centred
        # Another rater of the same cell carries a weight of at least 1 / max variance.
        valid = total_w * variance.max() > 0.5
        safe_w = np.where(valid, total_w, 1.0)
        resid = np.where(valid, centred - total / safe_w, 0.0)
        excess = np.where(valid, resid**2 - 1.0 / safe_w, 0.0)
        used = np.bincount(rater, weights=valid, minlength=n_raters)
        has = used > 0
        sums = np.bincount(rater, weights=resid, minlength=n_raters)
        # Half steps: with two raters of a person, both move towards each other at once.
        offset[has] += sums[has] / used[has] / 2
        estimate = np.bincount(rater, weights=excess, minlength=n_raters)[has] / used[has]
        typical = float(np.median(estimate)) if estimate.size else 1.0
        # A floor keeps one rater who happens to agree perfectly from taking all the weight.
        variance[has] = np.maximum(estimate, 0.1 * max(typical, 1e-6))
    n_pairs = len(cells.pair_rater)
    cells_used = np.bincount(pair[valid], minlength=n_pairs)
    square = np.bincount(pair[valid], weights=excess[valid], minlength=n_pairs)
    usable = cells_used > 0
    return cells.raters, cells.pair_rater[usable], square[usable] / cells_used[usable]


def _rms(mean_square: float) -> float:
    return float(np.sqrt(max(mean_square, 0.0)))


def misfit_signals(ratings: Sequence[Rating], *, min_group: int = 5) -> tuple[MisfitSignal, ...]:
    """Raters whose scores disagree with the other raters of the same people far more than usual.

    Args:
        ratings: All ratings (usually one cycle); people with one rater are ignored.
        min_group: Raters with fewer distinct co-rated people are not listed.

    Returns:
        One signal per listed rater, most disagreeing first; BH over the listed raters.
    """
    raters, pair_rater, mean_square = _pair_residuals(ratings)
    if not mean_square.size:
        return ()
    org_sd = float(np.std([r.score for r in ratings]))
    by_rater: dict[str, list[str]] = {}
    for rating in ratings:
        by_rater.setdefault(rating.rater, []).append(rating.record)
    rows = []
    for index, rater in enumerate(raters):
        mine = pair_rater == index
        n = int(np.count_nonzero(mine))
        if n < max(min_group, 2) or np.count_nonzero(~mine) < 2:
            continue
        others = float(mean_square[~mine].mean())
        interval = welch_difference(mean_square[mine].tolist(), mean_square[~mine].tolist())
        rows.append((rater, n, others, interval))
    adjusted = bh_adjust([r[3].p_value for r in rows])
    out = []
    for (rater, n, others, interval), p_adj in zip(rows, adjusted, strict=True):
        effect = _rms(others + interval.estimate) - _rms(others)
        meaningful = effect >= MEANINGFUL_SD * org_sd
        out.append(
            MisfitSignal(
                rater=rater,
                effect=round(effect, 4),
                ci_low=round(_rms(others + interval.low) - _rms(others), 4),
                ci_high=round(_rms(others + interval.high) - _rms(others), 4),
                n=n,
                rms=round(_rms(others + interval.estimate), 4),
                others_rms=round(_rms(others), 4),
                p_value=interval.p_value,
                p_adjusted=p_adj,
                flag="outlier" if p_adj < ALPHA and meaningful else None,
                test=TEST,
                caveat=CAVEAT,
                records=tuple(sorted(by_rater[rater])),
            )
        )
    out.sort(key=lambda s: (-s.effect, s.rater))
    return tuple(out)
