"""SQL tables for competencies: the framework HR imports (competencies, level descriptors,
role expectations), the learning catalogue, evidence links and mentoring opt-ins.

Evidence links point at their source record by a "kind:id" string ("kudos:12", "rating:7"),
the same ids the vector index uses, so a link never copies feedback text.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class Competency(SQLModel, table=True):
    """One competency of the framework ("Communication")."""

    __tablename__ = "competencies"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    description: str = Field(default="", max_length=1000)
    updated_at: datetime


class CompetencyLevel(SQLModel, table=True):
    """What one level of a competency looks like, in the words of the framework."""

    __tablename__ = "competency_levels"
    __table_args__ = (sa.UniqueConstraint("competency_id", "level"),)

    id: int | None = Field(default=None, primary_key=True)
    competency_id: int = Field(foreign_key="competencies.id", index=True)
    level: int
    descriptor: str = Field(max_length=1000)


class RoleExpectation(SQLModel, table=True):
    """The level a role (a person's job title) is expected to show in a competency."""

    __tablename__ = "role_expectations"
    __table_args__ = (sa.UniqueConstraint("role", "competency_id"),)

    id: int | None = Field(default=None, primary_key=True)
    role: str = Field(max_length=200, index=True)
    competency_id: int = Field(foreign_key="competencies.id", index=True)
    level: int


class LearningItem(SQLModel, table=True):
    """One catalogue entry (course, book, talk); re-imports match it by url, else by title
    and competency."""

    __tablename__ = "learning_items"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    url: str = Field(default="", max_length=1000)
    competency_id: int = Field(foreign_key="competencies.id", index=True)
    level: int
    format: str = Field(default="", max_length=60)
    duration: str = Field(default="", max_length=60)
    updated_at: datetime


class EvidenceLink(SQLModel, table=True):
    """A record that speaks to a person's competency, with why: the similarity to the matched
    level descriptor (1.0 for a rating, which names its competency)."""

    __tablename__ = "evidence_links"
    __table_args__ = (sa.UniqueConstraint("source", "person_id", "competency_id"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=40, index=True)  # "kudos:12", "feedback:3", "rating:7"
    person_id: int = Field(foreign_key="people.id", index=True)
    competency_id: int = Field(foreign_key="competencies.id", index=True)
    similarity: float
    level: int | None = None  # the matched descriptor's level; None for ratings
    polarity: str = Field(max_length=10)  # strength | growth | mixed | neutral
    created_at: datetime


class MentoringOptIn(SQLModel, table=True):
    """A person's consent to be suggested as a mentor: for one competency, or all (None)."""

    __tablename__ = "mentoring_optins"
    __table_args__ = (sa.UniqueConstraint("person_id", "competency_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="people.id", index=True)
    competency_id: int | None = Field(default=None, foreign_key="competencies.id")
    at: datetime
