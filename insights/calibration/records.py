"""The plain records calibration works on, as given by the CLI files or the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Rating:
    """One score a rater gave a ratee on one competency in one cycle.

    Ids are opaque strings: emails as given in a CSV file, or person ids from the store.
    ``record`` names the source record (``line 12`` or ``rating:57``) so every signal can
    point at the ratings behind it.
    """

    cycle: str
    rater: str
    ratee: str
    competency: str
    score: float
    rated_at: datetime
    record: str


@dataclass(frozen=True)
class Evidence:
    """A dated piece of evidence about a ratee: +1 praise, -1 criticism, 0 neutral."""

    ratee: str
    at: datetime
    signal: float
    record: str


@dataclass(frozen=True)
class Scale:
    """A cycle's rating scale; ``high`` is the top rating."""

    low: float = 1.0
    high: float = 5.0

    def contains(self, score: float) -> bool:
        """Whether ``score`` lies on the scale."""
        return self.low <= score <= self.high


@dataclass(frozen=True)
class Attribute:
    """One protected attribute value of one person, used only in aggregates."""

    person: str
    attribute: str
    value: str
