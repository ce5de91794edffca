"""The theme engine's records: plain, frozen dataclasses in and out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = ["PERIODS", "FeedbackItem", "Theme", "ThemeResult"]

PERIODS = ("current", "previous")


@dataclass(frozen=True)
class FeedbackItem:
    """One piece of feedback (kudos, check-in answer, peer feedback) with its embedding.

    Attributes:
        id: Unique, stable id such as ``"kudos:12"``; it also fixes the processing order,
            so results do not depend on the order of the input.
        text: The feedback text (used for labels and polarity only).
        vector: Unit-normalised embedding; all items share one model and dimension.
        subject_ids: The people the feedback is about (recipients).
        author_id: Who wrote it, when known.
        at: When it was written (informational; periods are given explicitly).
        period: ``"current"`` or ``"previous"``; themes are found in the current period
            and the previous one is the baseline for trends.
    """

    id: str
    text: str
    vector: Sequence[float]
    subject_ids: tuple[int, ...]
    author_id: int | None
    at: datetime | None = None
    period: str = "current"


@dataclass(frozen=True)
class Theme:
    """A group of current-period feedback about the same thing.

    Attributes:
        id: ``"t1"``, ``"t2"``, … by size (largest first), ties by label.
        label: Two to four key phrases joined by ``" · "``.
        keywords: Key phrases, best first (the label's phrases come first).
        polarity: ``"strength"``, ``"growth"`` or ``"mixed"``.
        size: Current-period items in the theme.
        people: Distinct people behind those items (subjects and authors).
        previous_size: Previous-period items closest to the same centroid.
        trend: ``"rising"``, ``"falling"``, ``"steady"`` or ``"new"`` (nothing before).
        item_ids: Ids of the current-period items, sorted.
        representative_ids: Up to three current items closest to the centroid, closest
            first; showing them is the caller's decision (anonymity rules).
    """

    id: str
    label: str
    keywords: tuple[str, ...]
    polarity: str
    size: int
    people: int
    previous_size: int
    trend: str
    item_ids: tuple[str, ...]
    representative_ids: tuple[str, ...]


@dataclass(frozen=True)
class ThemeResult:
    """All themes, largest first, and each input item's theme id (None: no theme)."""

    themes: tuple[Theme, ...]
    assignments: tuple[str | None, ...]
