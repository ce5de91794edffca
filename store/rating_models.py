"""SQL tables for calibration: review cycles, ratings, and protected attributes.

Protected attributes live in their own table, joined to nothing but a person id: only the
calibration path reads them, and only to compute aggregates (`store.attributes`).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class RatingCycle(SQLModel, table=True):
    """A review cycle with its rating scale (``scale_high`` is the top rating)."""

    __tablename__ = "rating_cycles"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    scale_low: float = Field(default=1.0)
    scale_high: float = Field(default=5.0)
    # The competencies rated in this cycle, in the order forms show them.
    competencies: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    created_at: datetime


class Rating(SQLModel, table=True):
    """One score a rater gave a ratee on one competency in one cycle. Re-importing the same
    (cycle, rater, ratee, competency, time) updates the score instead of adding a row."""

    __tablename__ = "ratings"
    __table_args__ = (
        sa.UniqueConstraint("cycle_id", "rater_id", "ratee_id", "competency", "rated_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="rating_cycles.id", index=True)
    rater_id: int = Field(foreign_key="people.id", index=True)
    ratee_id: int = Field(foreign_key="people.id", index=True)
    competency: str = Field(max_length=100)
    score: float
    rated_at: datetime
    source: str = Field(default="import", max_length=20)  # import | review
    created_at: datetime


class ProtectedAttribute(SQLModel, table=True):
    """One protected attribute value (e.g. gender, age band) of one person."""

    __tablename__ = "protected_attributes"
    __table_args__ = (sa.UniqueConstraint("person_id", "attribute"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="people.id", index=True)
    attribute: str = Field(max_length=60)
    value: str = Field(max_length=100)
    imported_at: datetime
