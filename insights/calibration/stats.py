"""Shared statistics: multiple-testing correction, Welch intervals, normal intervals."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

ALPHA = 0.05


def bh_adjust(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (step-up, monotone, capped at 1), input order.

    NaN p-values (tests that could not run) stay NaN and do not count as tests.
    """
    values = np.asarray(p_values, dtype=float)
    out = np.full(values.shape, math.nan)
    finite = np.flatnonzero(~np.isnan(values))
    m = len(finite)
    if m == 0:
        return out.tolist()
    order = finite[np.argsort(values[finite], kind="stable")]
    ranked = values[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out[order] = np.minimum(ranked, 1.0)
    return out.tolist()


@dataclass(frozen=True)
class Interval:
    """An estimate with its two-sided confidence interval and p-value against zero."""

    estimate: float
    low: float
    high: float
    p_value: float


def welch_difference(a: Sequence[float], b: Sequence[float], *, level: float = 0.95) -> Interval:
    """Mean of ``a`` minus mean of ``b`` with a Welch t interval and two-sided p-value.

    Raises:
        ValueError: either sample has fewer than two values.
    """
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(x) < 2 or len(y) < 2:
        raise ValueError("each sample needs at least two values")
    vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    diff = float(x.mean() - y.mean())
    se = math.sqrt(vx + vy)
    if se == 0.0:
        return Interval(diff, diff, diff, 1.0 if diff == 0.0 else 0.0)
    df = (vx + vy) ** 2 / (vx**2 / (len(x) - 1) + vy**2 / (len(y) - 1))
    t = float(stats.t.ppf(0.5 + level / 2, df))
    p = float(2 * stats.t.sf(abs(diff) / se, df))
    return Interval(diff, diff - t * se, diff + t * se, p)


def normal_interval(estimate: float, se: float, *, level: float = 0.95) -> Interval:
    """A Wald interval and two-sided p-value for an estimate with standard error ``se``."""
    if se <= 0.0 or math.isnan(se):
        return Interval(estimate, estimate, estimate, math.nan)
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = float(2 * stats.norm.sf(abs(estimate) / se))
    return Interval(estimate, estimate - z * se, estimate + z * se, p)
