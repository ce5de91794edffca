"""A person's skill profile: per competency, the evidence behind it and the gap to the level
their role expects — or "not enough evidence" rather than a guess.

The level a person shows in a competency is the median level of the descriptors their
non-critical evidence matched (a typical level, not a best moment). No cell is combined with
another into an overall score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median_low

MIN_EVIDENCE = 3

NOT_ENOUGH = "not enough evidence"
BELOW = "below expected"
GROWTH = "growth-leaning"
MEETS = "meets expected"
NO_EXPECTATION = "no expectation for the role"


@dataclass(frozen=True)
class EvidenceItem:
    """One linked record about a person (`source` is "kudos:12", "feedback:3", …)."""

    source: str
    competency: str
    level: int | None
    similarity: float
    polarity: str  # strength | growth | mixed | neutral
    at: datetime


@dataclass(frozen=True)
class RatingItem:
    """One rating of a person in a competency (`source` is "rating:7")."""

    source: str
    competency: str
    score: float
    scale_high: float
    at: datetime


@dataclass(frozen=True)
class Cell:
    """One competency of one person: counts, the latest rating, the gap and its records."""

    competency: str
    evidence: int
    strengths: int
    growth: int
    other: int  # mixed or neutral
    latest_rating: RatingItem | None
    expected_level: int | None
    shown_level: int | None  # None: not enough evidence
    status: str
    sources: tuple[str, ...]  # every record behind the cell, newest first
    times: tuple[datetime, ...] = ()  # when each of `sources` was written, same order

    @property
    def gap(self) -> int | None:
        """Levels below the expectation (0 when met); None without enough evidence or with
        no expectation."""
        if self.shown_level is None or self.expected_level is None:
            return None
        return max(self.expected_level - self.shown_level, 0)

    @property
    def is_gap(self) -> bool:
        """Whether this cell is something to develop: below expected or leaning growth."""
        return self.status in (BELOW, GROWTH)


@dataclass(frozen=True)
class Profile:
    """A person's cells, one per competency of the framework, in the framework's order."""

    person_id: int
    role: str
    cells: tuple[Cell, ...]

    def cell(self, competency: str) -> Cell | None:
        """The cell of one competency, if the framework has it."""
        return next((c for c in self.cells if c.competency == competency), None)

    def top_gaps(self, limit: int = 3) -> list[Cell]:
        """The cells most worth developing: biggest level gap, then most growth-leaning."""
        gaps = [c for c in self.cells if c.is_gap]
        gaps.sort(key=lambda c: (-(c.gap or 0), -(c.growth - c.strengths), c.competency))
        return gaps[:limit]


def build_profile(
    person_id: int,
    role: str,
    competencies: Sequence[str],
    expected: Mapping[str, int],
    evidence: Sequence[EvidenceItem],
    ratings: Sequence[RatingItem] = (),
    *,
    min_evidence: int = MIN_EVIDENCE,
) -> Profile:
    """The profile of one person.

    Args:
        role: their role (job title) as the framework names it.
        competencies: the framework's competencies, in display order.
        expected: the role's expected level per competency.
        evidence: their linked records (any competency; unknown ones are ignored).
        ratings: their ratings whose competency matches the framework.
        min_evidence: fewer linked records than this is "not enough evidence".
    """
    cells = []
    for name in competencies:
        items = sorted(
            (e for e in evidence if e.competency == name), key=lambda e: e.at, reverse=True
        )
        rated = sorted((r for r in ratings if r.competency == name), key=lambda r: r.at)
        cells.append(_cell(name, items, rated, expected.get(name), min_evidence))
    return Profile(person_id, role, tuple(cells))


def _cell(
    name: str,
    items: list[EvidenceItem],
    rated: list[RatingItem],
    expected: int | None,
    min_evidence: int,
) -> Cell:
    strengths = sum(1 for e in items if e.polarity == "strength")
    growth = sum(1 for e in items if e.polarity == "growth")
    levels = [e.level for e in items if e.polarity != "growth" and e.level is not None]
    enough = len(items) >= min_evidence
    shown = median_low(levels) if enough and levels else None
    if not enough:
        status = NOT_ENOUGH
    elif expected is not None and shown is not None and shown < expected:
        status = BELOW
    elif growth > strengths:
        status = GROWTH
    elif expected is None:
        status = NO_EXPECTATION
    else:
        status = MEETS
    sources = tuple(e.source for e in items) + tuple(r.source for r in reversed(rated))
    times = tuple(e.at for e in items) + tuple(r.at for r in reversed(rated))
    return Cell(
        competency=name,
        evidence=len(items),
        strengths=strengths,
        growth=growth,
        other=len(items) - strengths - growth,
        latest_rating=rated[-1] if rated else None,
        expected_level=expected,
        shown_level=shown,
        status=status,
        sources=sources,
        times=times,
    )
