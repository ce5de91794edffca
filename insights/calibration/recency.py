"""Recency: ratings that follow the last weeks' evidence rather than the whole period's.

The period is the ``period_days`` up to ``period_end``; its last ``window_days`` are the
recent window. For every ratee with evidence both before and inside the window, ``W`` is the
mean evidence signal over the whole period and ``R`` the mean inside the window. A rater's
score for a ratee is their mean rating of that ratee. The model is

    score = a + b * W + effect * R + error

with score, W and R standardised, so ``effect`` is the extra weight, in standard deviations
of the ratings per standard deviation of recent evidence, that recent evidence gets beyond
its own share of the whole period. A rater who weighs every piece of evidence alike, or who
rates the underlying ability that all evidence reflects, has ``effect`` near 0 whatever the
number of recent items: the whole-period mean already contains them. (Regressing on early
and recent means instead would flag such a rater whenever evidence piles up near the end.)

Per rater: ordinary least squares on that rater's ratees, t interval with n - 3 degrees of
freedom. Organisation-wide (rater ``"*"``): the same model within raters (every variable
centred on its rater's mean, which removes rater severity), with standard errors clustered
by ratee, as a ratee rated by several raters is one unit. All rows form one
Benjamini–Hochberg family; ``flag`` is "recency" when the adjusted p < 0.05 and the effect is
at least ``MIN_EFFECT``. A negative effect (older evidence weighs more) is never flagged.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import fmean

import numpy as np
from scipy import stats

from insights.anonymity import effective_min_group
from insights.calibration.records import Evidence, Rating
from insights.calibration.stats import ALPHA, bh_adjust

MIN_EFFECT = 0.2
MIN_RATEES = 5  # three coefficients need a few degrees of freedom left over
ORG = "*"

RECENCY_CAVEAT = (
    "Ratings that track the last weeks' evidence more than the whole period's may reflect a "
    "real recent change in performance or evidence logged unevenly; it is a prompt to look "
    "at the whole period, not proof of recency bias."
)


@dataclass(frozen=True)
class RecencySignal:
    """Extra weight of recent evidence in one rater's ratings (or the organisation's)."""

    rater: str
    effect: float
    ci_low: float
    ci_high: float
    n: int
    p_value: float | None
    p_adjusted: float | None
    flag: str | None
    test: str
    caveat: str
    records: tuple[str, ...]


@dataclass(frozen=True)
class _Pair:
    rater: str
    ratee: str
    score: float
    whole: float
    recent: float


@dataclass(frozen=True)
class _Fit:
    effect: float
    low: float
    high: float
    p_value: float


def recency_signals(
    ratings: Sequence[Rating],
    evidence: Sequence[Evidence],
    *,
    period_end: datetime | None = None,
    window_days: int = 60,
    period_days: int = 182,
    min_group: int = 5,
) -> tuple[RecencySignal, ...]:
    """Per-rater and organisation-wide recency signals; raters with too few ratees are left out.

    Args:
        ratings: One period's ratings.
        evidence: Dated evidence about the ratees; items outside the period are ignored.
        period_end: End of the period; defaults to the latest ``rated_at``.
        window_days: Length of the recent window at the end of the period.
        period_days: Length of the whole period.
        min_group: Minimum distinct ratees behind a shown row (raised to the floor of 3).
    """
    if not ratings:
        return ()
    end = period_end or max(rating.rated_at for rating in ratings)
    start, cut = end - timedelta(days=period_days), end - timedelta(days=window_days)
    in_period = [item for item in evidence if start <= item.at <= end]
    whole: dict[str, list[float]] = defaultdict(list)
    recent: dict[str, list[float]] = defaultdict(list)
    evidence_records: dict[str, list[str]] = defaultdict(list)
    for item in in_period:
        whole[item.ratee].append(item.signal)
        evidence_records[item.ratee].append(item.record)
        if item.at >= cut:
            recent[item.ratee].append(item.signal)
    # Both parts of the period must have evidence, or there is nothing to tell apart.
    usable = {ratee for ratee in recent if len(whole[ratee]) > len(recent[ratee])}

    scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    rating_records: dict[tuple[str, str], list[str]] = defaultdict(list)
    for rating in ratings:
        if rating.ratee in usable:
            scores[(rating.rater, rating.ratee)].append(rating.score)
            rating_records[(rating.rater, rating.ratee)].append(rating.record)
    pairs = [
        _Pair(rater, ratee, fmean(s), fmean(whole[ratee]), fmean(recent[ratee]))
        for (rater, ratee), s in sorted(scores.items())
    ]
    need = max(effective_min_group(min_group), MIN_RATEES)
    by_rater: dict[str, list[_Pair]] = defaultdict(list)
    for pair in pairs:
        by_rater[pair.rater].append(pair)

    fitted: list[tuple[str, _Fit, list[_Pair], str]] = []
    for rater, mine in sorted(by_rater.items()):
        fit = _fit_rater(mine) if len(mine) >= need else None
        if fit is not None:
            fitted.append((rater, fit, mine, _test(window_days, "OLS, t test")))
    if len({pair.ratee for pair in pairs}) >= need:
        fit = _fit_org(pairs)
        if fit is not None:
            test = _test(window_days, "within raters, ratee-clustered standard errors, t test")
            fitted.append((ORG, fit, pairs, test))

    adjusted = bh_adjust([fit.p_value for _, fit, _, _ in fitted])
    signals = []
    for (rater, fit, used, test), p_adj in zip(fitted, adjusted, strict=True):
        p_adjusted = None if math.isnan(p_adj) else p_adj
        meaningful = fit.effect >= MIN_EFFECT
        records = {r for pair in used for r in rating_records[(pair.rater, pair.ratee)]}
        records.update(
            r for ratee in {pair.ratee for pair in used} for r in evidence_records[ratee]
        )
        signals.append(
            RecencySignal(
                rater=rater,
                effect=fit.effect,
                ci_low=fit.low,
                ci_high=fit.high,
                n=len({pair.ratee for pair in used}),
                p_value=None if math.isnan(fit.p_value) else fit.p_value,
                p_adjusted=p_adjusted,
                flag="recency"
                if meaningful and p_adjusted is not None and p_adjusted < ALPHA
                else None,
                test=test,
                caveat=RECENCY_CAVEAT,
                records=tuple(sorted(records)),
            )
        )
    return tuple(signals)


def _test(window_days: int, how: str) -> str:
    return (
        f"regression of the rating on whole-period and last-{window_days}-days evidence means "
        f"(standardised); effect = weight of the recent mean beyond the whole period; {how}; "
        "Benjamini–Hochberg across rows"
    )


def _standardise(values: np.ndarray) -> np.ndarray | None:
    sd = float(values.std())
    return None if sd == 0.0 else (values - values.mean()) / sd


def _fit_rater(pairs: Sequence[_Pair]) -> _Fit | None:
    """OLS of score on W and R for one rater; None when a variable does not vary."""
    columns = [
        _standardise(np.array([getattr(p, name) for p in pairs]))
        for name in ("score", "whole", "recent")
    ]
    y, w, r = columns
    if y is None or w is None or r is None:
        return None
    x = np.column_stack([np.ones(len(pairs)), w, r])
    xtx_inv = _inverse(x.T @ x)
    if xtx_inv is None:
        return None
    coef = xtx_inv @ x.T @ y
    df = len(pairs) - x.shape[1]
    residual = y - x @ coef
    variance = float(residual @ residual) / df
    return _t_interval(float(coef[2]), math.sqrt(variance * xtx_inv[2, 2]), df)


def _fit_org(pairs: Sequence[_Pair]) -> _Fit | None:
    """Within-rater OLS of score on W and R with standard errors clustered by ratee."""
    rater_of = _codes([p.rater for p in pairs])
    centred = []
    for name in ("score", "whole", "recent"):
        values = np.array([getattr(p, name) for p in pairs])
        means = np.bincount(rater_of, weights=values) / np.bincount(rater_of)
        standardised = _standardise(values - means[rater_of])
        if standardised is None:
            return None
        centred.append(standardised)
    y, w, r = centred
    x = np.column_stack([w, r])
    xtx_inv = _inverse(x.T @ x)
    if xtx_inv is None:
        return None
    coef = xtx_inv @ x.T @ y
    residual = y - x @ coef
    cluster = _codes([p.ratee for p in pairs])
    clusters, raters = int(cluster.max()) + 1, int(rater_of.max()) + 1
    scores = np.zeros((clusters, x.shape[1]))
    np.add.at(scores, cluster, x * residual[:, None])
    meat = scores.T @ scores
    n, k = len(pairs), x.shape[1] + raters
    if clusters < 2 or n <= k:
        return None
    correction = clusters / (clusters - 1) * (n - 1) / (n - k)
    covariance = xtx_inv @ meat @ xtx_inv * correction
    return _t_interval(float(coef[1]), math.sqrt(float(covariance[1, 1])), clusters - 1)


def _codes(labels: Sequence[str]) -> np.ndarray:
    """Integer codes 0..k-1 for labels, in sorted label order."""
    order = {label: i for i, label in enumerate(sorted(set(labels)))}
    return np.array([order[label] for label in labels])


def _inverse(matrix: np.ndarray) -> np.ndarray | None:
    # Near-collinear W and R (e.g. all evidence recent) leave no separate recent weight.
    if np.linalg.cond(matrix) > 1e10:
        return None
    return np.linalg.inv(matrix)


def _t_interval(estimate: float, se: float, df: int) -> _Fit:
    if se == 0.0 or not math.isfinite(se):
        return _Fit(estimate, estimate, estimate, math.nan)
    t = float(stats.t.ppf(1 - ALPHA / 2, df))
    p = float(2 * stats.t.sf(abs(estimate) / se, df))
    return _Fit(estimate, estimate - t * se, estimate + t * se, p)
