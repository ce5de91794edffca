"""Ratings folded into cells and rater-ratee pairs, the units the rater signals work on.

A cell is one (rater, ratee, competency): repeated ratings of it are averaged, because a
rater scoring the same person on the same competency twice is one opinion, not two. A pair
is one (rater, ratee): its competency scores, with the organisation's competency effects
removed, describe one person as one rater sees them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from insights.calibration.records import Rating


@dataclass(frozen=True)
class RatingCells:
    """Cell means with integer codes into the sorted id tuples."""

    raters: tuple[str, ...]
    ratees: tuple[str, ...]
    competencies: tuple[str, ...]
    rater: np.ndarray
    ratee: np.ndarray
    competency: np.ndarray
    score: np.ndarray
    pair: np.ndarray
    pair_rater: np.ndarray
    pair_ratee: np.ndarray
    records_by_rater: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class PairMeans:
    """One competency-adjusted mean per rater-ratee pair and how many cells it averages."""

    rater: np.ndarray
    ratee: np.ndarray
    y: np.ndarray
    cells: np.ndarray
    n_raters: int
    n_ratees: int


def _codes(values: Sequence[str]) -> tuple[tuple[str, ...], np.ndarray]:
    names, codes = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
    return tuple(str(n) for n in names), codes.astype(np.int64)


def rating_cells(ratings: Sequence[Rating]) -> RatingCells:
    """Average repeated ratings per (rater, ratee, competency); codes follow sorted ids."""
    empty = np.zeros(0, dtype=np.int64)
    if not ratings:
        return RatingCells((), (), (), empty, empty, empty, np.zeros(0), empty, empty, empty, ())
    raters, rater = _codes([r.rater for r in ratings])
    ratees, ratee = _codes([r.ratee for r in ratings])
    competencies, competency = _codes([r.competency for r in ratings])
    key = (rater * len(ratees) + ratee) * len(competencies) + competency
    cell_keys, cell = np.unique(key, return_inverse=True)
    scores = np.asarray([r.score for r in ratings], dtype=float)
    total = np.bincount(cell, weights=scores)
    count = np.bincount(cell)
    cell_competency = cell_keys % len(competencies)
    pair_key = cell_keys // len(competencies)
    pair_keys, pair = np.unique(pair_key, return_inverse=True)
    by_rater: list[list[str]] = [[] for _ in raters]
    for code, rating in zip(rater.tolist(), ratings, strict=True):
        by_rater[code].append(rating.record)
    return RatingCells(
        raters=raters,
        ratees=ratees,
        competencies=competencies,
        rater=pair_key // len(ratees),
        ratee=pair_key % len(ratees),
        competency=cell_competency,
        score=total / count,
        pair=pair,
        pair_rater=pair_keys // len(ratees),
        pair_ratee=pair_keys % len(ratees),
        records_by_rater=tuple(tuple(sorted(r)) for r in by_rater),
    )


def competency_effects(cells: RatingCells, *, iterations: int = 100) -> np.ndarray:
    """Competency effects (centred) estimated within pairs, so raters and ratees cancel.

    Alternating least squares for score = pair + competency; exact for complete pairs,
    converging quickly when some pairs skip competencies.
    """
    n_comp = len(cells.competencies)
    effect = np.zeros(n_comp)
    if n_comp < 2:
        return effect
    n_pairs = len(cells.pair_rater)
    per_pair = np.bincount(cells.pair, minlength=n_pairs)
    per_comp = np.bincount(cells.competency, minlength=n_comp)
    for _ in range(iterations):
        pair_mean = (
            np.bincount(
                cells.pair, weights=cells.score - effect[cells.competency], minlength=n_pairs
            )
            / per_pair
        )
        resid = cells.score - pair_mean[cells.pair]
        new = np.bincount(cells.competency, weights=resid, minlength=n_comp) / per_comp
        new -= new.mean()
        if np.max(np.abs(new - effect)) < 1e-10:
            return new
        effect = new
    return effect


def adjusted_scores(cells: RatingCells) -> np.ndarray:
    """Cell scores with the organisation's competency effects removed."""
    return cells.score - competency_effects(cells)[cells.competency]


def pair_means(cells: RatingCells) -> PairMeans:
    """Competency-adjusted mean of each rater-ratee pair."""
    n_pairs = len(cells.pair_rater)
    count = np.bincount(cells.pair, minlength=n_pairs)
    y = np.bincount(cells.pair, weights=adjusted_scores(cells), minlength=n_pairs) / count
    return PairMeans(
        rater=cells.pair_rater,
        ratee=cells.pair_ratee,
        y=y,
        cells=count,
        n_raters=len(cells.raters),
        n_ratees=len(cells.ratees),
    )
