"""Rater severity and leniency from a crossed random-effects model, with shrinkage.

Model: score = mu + competency (fixed) + ratee (random) + rater (random) + error. Raters are
compared on the people they rate: a rater whose ratees are also rated by others is measured
against those others; one whose ratees nobody else rates cannot be told apart from a team
that truly performs differently, and the caveat says so.

Repeated ratings are not independent evidence: ratings are first averaged per (rater, ratee,
competency) cell, competency effects are removed within each rater–ratee pair, and the model
is fitted to one mean per pair. Its error therefore holds the rater-by-ratee impression, and
the evidence about a rater grows with the people rated, not with the rows in a file.

The variance ratios are fitted by REML (L-BFGS-B on their logs). Ratee effects are absorbed
(their block is diagonal), so each likelihood evaluation is one Cholesky factorisation of a
(raters + 1)-square matrix: 10,000 ratees and 1,000 raters fit in seconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, sparse, stats
from scipy.linalg import lapack

from insights.calibration.cells import PairMeans, pair_means, rating_cells
from insights.calibration.records import Rating
from insights.calibration.stats import ALPHA, bh_adjust

# A flag needs the unshrunk difference to be at least this share of the SD of all ratings
# (Cohen's "small"): below it a significant difference is too small to act on.
MEANINGFUL_SD = 0.2
LOG_RATIO_BOUNDS = (-9.0, 5.0)
DENSE_CELLS = 200_000
MODEL = (
    "score = mu + competency (fixed) + ratee (random) + rater (random) + error, crossed; "
    "REML on rater-ratee pair means"
)
TEST = (
    "crossed random-effects model (REML), Wald t on the unshrunk rater effect "
    "(df = people rated - 1)"
)


@dataclass(frozen=True)
class RaterSignal:
    """One rater's severity: positive rates lower than peers would rate the same people.

    ``severity`` is the shrunk estimate (points) with its 95% prediction interval;
    ``unshrunk`` is the model-adjusted difference the test is about.
    """

    rater: str
    severity: float
    ci_low: float
    ci_high: float
    n: int
    flag: str | None
    ratees: int
    shared_ratees: int
    unshrunk: float
    p_value: float
    p_adjusted: float
    test: str
    caveat: str
    records: tuple[str, ...]


@dataclass(frozen=True)
class RaterReport:
    """Listed raters (most severe first), how many were hidden, and the fitted model."""

    signals: tuple[RaterSignal, ...]
    hidden: int
    model: str
    rater_sd: float
    residual_sd: float


@dataclass(frozen=True)
class CrossedFit:
    """REML fit of y = mu + ratee + rater + error on pair means."""

    mu: float
    rater_effect: np.ndarray
    rater_pev: np.ndarray
    rater_var: float
    ratee_var: float
    residual_var: float


class _Structure:
    """The parts of the mixed-model equations that do not depend on the variance ratios."""

    def __init__(self, pairs: PairMeans) -> None:
        y, a, b = pairs.y, pairs.ratee, pairs.rater
        self.pairs = pairs
        self.count_a = np.bincount(a, minlength=pairs.n_ratees).astype(float)
        count_b = np.bincount(b, minlength=pairs.n_raters).astype(float)
        # Rows: mu then each rater; columns: ratees; entries count pairs.
        rows = np.concatenate([np.zeros(len(y), dtype=int), b + 1])
        cross = sparse.csr_matrix(
            (np.ones(2 * len(y)), (rows, np.concatenate([a, a]))),
            shape=(pairs.n_raters + 1, pairs.n_ratees),
        )
        # Small organisations are faster dense: sparse bookkeeping dominates there.
        self.sparse = (pairs.n_raters + 1) * pairs.n_ratees > DENSE_CELLS
        self.cross: Any = cross if self.sparse else cross.toarray()
        self.top = np.zeros((pairs.n_raters + 1, pairs.n_raters + 1))
        self.top[0, 0] = len(y)
        self.top[0, 1:] = self.top[1:, 0] = count_b
        self.top[1:, 1:] = np.diag(count_b)
        self.rhs_top = np.concatenate(
            [[y.sum()], np.bincount(b, weights=y, minlength=len(count_b))]
        )
        self.rhs_u = np.bincount(a, weights=y, minlength=pairs.n_ratees)
        self.yy = float(y @ y)

    def solve(self, log_ratios: np.ndarray) -> _Solution:
        """Solve the equations at ``log_ratios`` (log ratee and rater variance / residual).

        Ratee effects are absorbed: their block is diagonal, so only a Schur complement in
        (mu, raters) is factorised. The gradient of the profiled -2 REML log-likelihood
        comes from the standard identities (BLUP sums of squares and traces of the inverse).
        """
        pairs = self.pairs
        gamma_u, gamma_v = np.exp(log_ratios)
        d = self.count_a + 1.0 / gamma_u
        weighted = self.cross.multiply(1.0 / d).tocsr() if self.sparse else self.cross / d
        product = weighted @ self.cross.T
        schur = self.top - (product.toarray() if self.sparse else product)
        schur[1:, 1:] += np.eye(pairs.n_raters) / gamma_v
        factor, _ = lapack.dpotrf(schur, lower=1)
        inverse, _ = lapack.dpotri(factor, lower=1)
        inverse = np.tril(inverse) + np.tril(inverse, -1).T
        theta = inverse @ (self.rhs_top - self.cross @ (self.rhs_u / d))
        u = (self.rhs_u - self.cross.T @ theta) / d
        ypy = max(self.yy - theta @ self.rhs_top - u @ self.rhs_u, 1e-12)
        dof = len(pairs.y) - 1
        logdet = float(np.log(d).sum() + 2 * np.log(np.diag(factor)).sum())
        log_gamma = pairs.n_ratees * log_ratios[0] + pairs.n_raters * log_ratios[1]
        objective = dof * math.log(ypy / dof) + logdet + log_gamma
        if self.sparse:
            kernel = (weighted @ weighted.T).tocoo()
            trace_k = float((inverse[kernel.row, kernel.col] * kernel.data).sum())
        else:
            trace_k = float((inverse * (weighted @ weighted.T)).sum())
        trace_u = float((1.0 / d).sum()) + trace_k
        v = theta[1:]
        trace_v = float(np.trace(inverse) - inverse[0, 0])
        gradient = np.array(
            [
                pairs.n_ratees - trace_u / gamma_u - dof * (u @ u) / (gamma_u * ypy),
                pairs.n_raters - trace_v / gamma_v - dof * (v @ v) / (gamma_v * ypy),
            ]
        )
        return _Solution(objective, gradient, theta, ypy / dof, np.diag(inverse).copy())


@dataclass(frozen=True)
class _Solution:
    objective: float
    gradient: np.ndarray
    theta: np.ndarray
    residual_var: float
    inverse_diag: np.ndarray


def _objective(structure: _Structure, log_ratios: np.ndarray) -> tuple[float, np.ndarray]:
    solution = structure.solve(log_ratios)
    return solution.objective, solution.gradient


def fit_crossed(pairs: PairMeans) -> CrossedFit:
    """Fit the crossed model by REML and return rater BLUPs with their prediction variances."""
    structure = _Structure(pairs)
    start = np.array([0.0, math.log(0.1)])
    if pairs.n_raters > 1 and len(pairs.y) > 2:
        result = optimize.minimize(
            lambda x: _objective(structure, x),
            start,
            jac=True,
            method="L-BFGS-B",
            bounds=[LOG_RATIO_BOUNDS, LOG_RATIO_BOUNDS],
        )
        best = np.asarray(result.x)
    else:
        best = np.array([0.0, LOG_RATIO_BOUNDS[0]])
    solution = structure.solve(best)
    theta, sigma2, inverse_diag = solution.theta, solution.residual_var, solution.inverse_diag
    gamma_u, gamma_v = np.exp(best)
    return CrossedFit(
        mu=float(theta[0]),
        rater_effect=theta[1:],
        rater_pev=sigma2 * inverse_diag[1:],
        rater_var=float(gamma_v * sigma2),
        ratee_var=float(gamma_u * sigma2),
        residual_var=float(sigma2),
    )


def unshrunk_effect(fit: CrossedFit, index: int) -> tuple[float, float]:
    """A rater's unshrunk effect (GLS difference from peers) and its standard error.

    Removing the rater's own prior from the mixed-model equations (Sherman-Morrison) turns
    the BLUP back into the GLS difference: shrinkage never changes the test, only the shown
    estimate.
    """
    pev = float(fit.rater_pev[index])
    keep = max(1.0 - pev / fit.rater_var, 1e-12)
    return float(fit.rater_effect[index]) / keep, math.sqrt(pev / keep)


def _caveat(severity: float, shared: int, ratees: int) -> str:
    direction = "lower" if severity > 0 else "higher"
    if shared == 0:
        return (
            f"Rates {direction} than the organisation, but nobody else rates these {ratees} "
            "people, so this cannot be told apart from a team that truly performs differently."
        )
    return (
        f"Rates about {abs(severity):.2f} points {direction} than other raters of the same "
        f"people ({shared} of {ratees} shared); a difference, not proof of bias: the rater may "
        "see work the others do not."
    )


def rater_severity(ratings: Sequence[Rating], *, min_group: int = 5) -> RaterReport:
    """Estimate every rater's severity (+) or leniency (-) with shrinkage.

    Args:
        ratings: All ratings to compare raters on (usually one cycle).
        min_group: Raters who rated fewer distinct people inform the model but are hidden.

    Returns:
        Listed raters, most severe first, with BH-adjusted p-values over the listed raters.
    """
    cells = rating_cells(ratings)
    if not cells.score.size:
        return RaterReport((), 0, MODEL, 0.0, 0.0)
    pairs = pair_means(cells)
    fit = fit_crossed(pairs)
    rating_sd = float(np.std([r.score for r in ratings]))
    raters_per_ratee = np.bincount(pairs.ratee, minlength=pairs.n_ratees)
    shown: list[tuple[int, float, float]] = []
    hidden = 0
    for index in range(pairs.n_raters):
        mine = pairs.rater == index
        if np.count_nonzero(mine) < min_group:
            hidden += 1
            continue
        shown.append((index, *unshrunk_effect(fit, index)))
    # The rater's difference is an average over the people they rate, so its reference
    # distribution is t with (people - 1) df, not normal: a rater of six people is not
    # judged as if their SE were known.
    p_values = [
        float(2 * stats.t.sf(abs(u) / se, np.count_nonzero(pairs.rater == i) - 1))
        if se > 0 and np.count_nonzero(pairs.rater == i) > 1
        else 1.0
        for i, u, se in shown
    ]
    adjusted = bh_adjust(p_values)
    signals: list[RaterSignal] = []
    for (index, unshrunk, _), p, p_adj in zip(shown, p_values, adjusted, strict=True):
        severity = -float(fit.rater_effect[index])
        half = 1.959963984540054 * math.sqrt(max(float(fit.rater_pev[index]), 0.0))
        mine = pairs.rater == index
        ratees = int(np.count_nonzero(mine))
        shared = int(np.count_nonzero(raters_per_ratee[pairs.ratee[mine]] > 1))
        meaningful = abs(unshrunk) >= MEANINGFUL_SD * rating_sd
        flag = None
        if p_adj < ALPHA and meaningful:
            flag = "severe" if severity > 0 else "lenient"
        records = cells.records_by_rater[index]
        signals.append(
            RaterSignal(
                rater=cells.raters[index],
                severity=round(severity, 4),
                ci_low=round(severity - half, 4),
                ci_high=round(severity + half, 4),
                n=len(records),
                flag=flag,
                ratees=ratees,
                shared_ratees=shared,
                unshrunk=round(-unshrunk, 4),
                p_value=p,
                p_adjusted=p_adj,
                test=TEST,
                caveat=_caveat(severity, shared, ratees),
                records=records,
            )
        )
    signals.sort(key=lambda s: (-s.severity, s.rater))
    return RaterReport(
        signals=tuple(signals),
        hidden=hidden,
        model=MODEL,
        rater_sd=round(math.sqrt(fit.rater_var), 4),
        residual_sd=round(math.sqrt(fit.residual_var), 4),
    )
