"""find_themes: cluster the current period, label, score polarity and compare periods."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from insights.themes.clustering import Clustering, fit_themes, to_theme_space
from insights.themes.labels import key_phrases
from insights.themes.model import PERIODS, FeedbackItem, Theme, ThemeResult
from insights.themes.polarity import item_polarity, theme_polarity

__all__ = ["find_themes"]

_REPRESENTATIVES = 3
# Polarity is a majority vote; 500 evenly spread items decide it to within a few percent.
_POLARITY_SAMPLE = 500
# A theme is rising or falling only when its share of the period's feedback changed by at
# least a quarter and the change is unlikely to be noise (one-sided z >= 1.64, about 95 %,
# for the difference of two Poisson counts).
_TREND_RATIO = 1.25
_TREND_Z = 1.64


def _matrix(items: Sequence[FeedbackItem]) -> np.ndarray:
    try:
        # np.array without a dtype stacks rows that are already arrays ten times faster.
        matrix = np.array([item.vector for item in items]).astype(np.float32, copy=False)
    except (ValueError, TypeError):
        raise ValueError("all items need numeric vectors of the same length") from None
    if matrix.ndim != 2 or matrix.shape[1] == 0:
        raise ValueError("all items need numeric vectors of the same length")
    if not np.isfinite(matrix).all():
        raise ValueError("vectors must be finite")
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))[:, None]
    # Callers promise unit vectors; re-normalising is cheap and makes cosine exact. A zero
    # vector stays zero (and gets no theme).
    matrix /= np.maximum(norms, 1e-12)
    return matrix


def _people(item: FeedbackItem) -> frozenset[int]:
    people = set(item.subject_ids)
    if item.author_id is not None:
        people.add(item.author_id)
    return frozenset(people)


def _trend(size: int, previous: int, current_total: int, previous_total: int) -> str:
    if previous == 0:
        return "new"
    # Compare shares, not counts, so a busier period does not make every theme "rising".
    rate = current_total / previous_total
    expected = previous * rate
    z = (size - expected) / math.sqrt(size + previous * rate * rate)
    if size >= _TREND_RATIO * expected and z >= _TREND_Z:
        return "rising"
    if size * _TREND_RATIO <= expected and z <= -_TREND_Z:
        return "falling"
    return "steady"


def find_themes(
    items: Sequence[FeedbackItem],
    *,
    min_size: int = 5,
    max_themes: int = 30,
    seed: int = 0,
) -> ThemeResult:
    """Group feedback into labelled themes with polarity, reach and trend.

    Themes are found among the current period's items; previous-period items are assigned
    to the same centroids (when close enough) to measure the trend. The result depends only
    on the items as a set: they are processed in order of id, so shuffling the input only
    shuffles ``assignments`` along with it.

    Args:
        items: Feedback with unit embeddings, all of one model.
        min_size: Fewest current items a theme needs; smaller clusters' items get no theme.
        max_themes: Most themes to return (the number is chosen from the data below it).
        seed: Seed for the k-means seeding and sampling; same seed, same result.

    Returns:
        Themes, largest first, and the theme id (or None) of every input item in input order.

    Raises:
        ValueError: On bad arguments, an unknown period or vectors of different lengths.
    """
    if min_size < 1:
        raise ValueError("min_size must be at least 1")
    if max_themes < 1:
        raise ValueError("max_themes must be at least 1")
    for item in items:
        if item.period not in PERIODS:
            raise ValueError(f"unknown period {item.period!r}; expected one of {PERIODS}")
    if not items:
        return ThemeResult((), ())

    # Canonical order (by id, then text) makes the result independent of the input order.
    order = sorted(range(len(items)), key=lambda i: (items[i].id, items[i].text))
    ordered = [items[i] for i in order]
    vectors = _matrix(ordered)
    is_current = np.array([item.period == "current" for item in ordered])
    current = np.flatnonzero(is_current)
    previous = np.flatnonzero(~is_current)
    if len(current) < min_size:
        return ThemeResult((), (None,) * len(items))

    # The matrix is ours: map it in place instead of holding a second 100,000-row copy.
    before_space = vectors[previous]
    mean = is_current.astype(np.float32) @ vectors / len(current)
    space = to_theme_space(vectors if len(previous) == 0 else vectors[current], mean, copy=False)
    del vectors
    fitted = fit_themes(space, min_size=min_size, max_themes=max_themes, seed=seed)
    before, _ = fitted.assign(to_theme_space(before_space, mean, copy=False))
    n_themes = len(fitted.centroids)

    current_items = [ordered[i] for i in current]
    people = [_people(item) for item in current_items]
    # Who an item is about, for the rule that a label phrase comes from two people.
    about: list[frozenset[int | str]] = [
        frozenset(item.subject_ids)
        or frozenset(() if item.author_id is None else (item.author_id,))
        or frozenset({f"item:{n}"})
        for n, item in enumerate(current_items)
    ]
    labels = key_phrases([item.text for item in current_items], fitted.labels, n_themes, about)
    drafts = _drafts(fitted, current_items, people, labels, before, len(previous))
    # Ids by size (largest first), ties by label, then by item ids: all input-independent.
    drafts.sort(key=lambda d: (-d[1].size, d[1].label, d[1].item_ids))
    themes = tuple(replace(theme, id=f"t{n}") for n, (_, theme) in enumerate(drafts, start=1))
    theme_of_cluster = {cluster: t.id for (cluster, _), t in zip(drafts, themes, strict=True)}

    ordered_assignment: list[str | None] = [None] * len(ordered)
    for pos, cluster in zip(current.tolist(), fitted.labels.tolist(), strict=True):
        ordered_assignment[pos] = theme_of_cluster.get(cluster)
    for pos, cluster in zip(previous.tolist(), before.tolist(), strict=True):
        ordered_assignment[pos] = theme_of_cluster.get(cluster)
    assignments: list[str | None] = [None] * len(items)
    for pos, original in enumerate(order):
        assignments[original] = ordered_assignment[pos]
    return ThemeResult(themes, tuple(assignments))


def _evenly(members: list[int], cap: int) -> list[int]:
    if len(members) <= cap:
        return members
    step = len(members) / cap
    return [members[int(i * step)] for i in range(cap)]


def _drafts(
    fitted: Clustering,
    items: Sequence[FeedbackItem],
    people: Sequence[frozenset[int]],
    labels: Sequence[tuple[str, tuple[str, ...]]],
    before: np.ndarray,
    previous_total: int,
) -> list[tuple[int, Theme]]:
    """One theme per kept cluster, with a provisional id."""
    counts_before = np.bincount(before[before >= 0], minlength=len(fitted.centroids))
    drafts: list[tuple[int, Theme]] = []
    for cluster, (label, keywords) in enumerate(labels):
        found = np.flatnonzero(fitted.labels == cluster)
        members: list[int] = found.tolist()
        closest: list[int] = found[np.lexsort((found, -fitted.similarity[found]))].tolist()
        sampled = _evenly(members, _POLARITY_SAMPLE)
        size = len(members)
        theme = Theme(
            id=f"c{cluster}",
            label=label,
            keywords=keywords,
            polarity=theme_polarity(item_polarity(items[i].text) for i in sampled),
            size=size,
            people=len(frozenset().union(*(people[i] for i in members))),
            previous_size=int(counts_before[cluster]),
            trend=_trend(size, int(counts_before[cluster]), len(items), previous_total),
            item_ids=tuple(items[i].id for i in members),
            representative_ids=tuple(items[i].id for i in closest[:_REPRESENTATIVES]),
        )
        drafts.append((cluster, theme))
    return drafts
