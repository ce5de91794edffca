"""The competency framework and the learning catalogue HR imports.

Imports are applied whole in one transaction and update in place: a competency is matched by
name (case-insensitive), a level by (competency, level), an expectation by (role, competency),
a catalogue item by its url, else by title and competency. Nothing absent from a file is
deleted, since evidence links point at competencies. Audit events carry counts only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store import audit
from store.competency_models import Competency, CompetencyLevel, LearningItem, RoleExpectation
from store.db import session_scope


@dataclass(frozen=True)
class NewCompetency:
    """A validated competency with its level descriptors (level -> descriptor)."""

    name: str
    description: str = ""
    levels: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NewExpectation:
    """A role's expected level in a competency (named as in the file)."""

    role: str
    competency: str
    level: int


@dataclass(frozen=True)
class NewLearningItem:
    """A validated catalogue row (its competency named as in the framework)."""

    title: str
    url: str
    competency: str
    level: int
    format: str = ""
    duration: str = ""


@dataclass(frozen=True)
class ImportSummary:
    """What an import changed, in rows."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class Framework:
    """The whole framework as stored, for the analytics."""

    competencies: list[Competency]
    levels: list[CompetencyLevel]
    expectations: list[RoleExpectation]

    def by_id(self) -> dict[int, Competency]:
        """Competencies by id."""
        return {c.id: c for c in self.competencies if c.id is not None}

    def by_name(self, name: str) -> Competency | None:
        """The competency called `name` (case-insensitive), if any."""
        wanted = name.strip().lower()
        return next((c for c in self.competencies if c.name.lower() == wanted), None)


class _Tally:
    def __init__(self) -> None:
        self.added = self.updated = self.unchanged = 0

    def summary(self) -> ImportSummary:
        return ImportSummary(self.added, self.updated, self.unchanged)


class CompetencyRepo:
    """Stores the competency framework and the learning catalogue."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def framework(self) -> Framework:
        """Every competency (by name), level and role expectation."""
        with session_scope(self._engine) as session:
            return Framework(
                list(session.exec(select(Competency).order_by(col(Competency.name)))),
                list(session.exec(select(CompetencyLevel).order_by(col(CompetencyLevel.id)))),
                list(session.exec(select(RoleExpectation).order_by(col(RoleExpectation.id)))),
            )

    def catalogue(self) -> list[LearningItem]:
        """Every learning item, by id."""
        with session_scope(self._engine) as session:
            return list(session.exec(select(LearningItem).order_by(col(LearningItem.id))))

    def import_framework(
        self,
        competencies: Sequence[NewCompetency],
        expectations: Sequence[NewExpectation],
        *,
        at: datetime,
        actor_id: int | None = None,
    ) -> ImportSummary:
        """Store competencies, their levels and role expectations in one transaction."""
        tally = _Tally()
        with session_scope(self._engine) as session:
            stored = {c.name.lower(): c for c in session.exec(select(Competency))}
            for new in competencies:
                _upsert_competency(session, stored, new, at, tally)
            expected = {
                (e.role.lower(), e.competency_id): e for e in session.exec(select(RoleExpectation))
            }
            for row in expectations:
                competency_id = stored[row.competency.lower()].id
                assert competency_id is not None
                existing = expected.get((row.role.lower(), competency_id))
                if existing is None:
                    item = RoleExpectation(
                        role=row.role, competency_id=competency_id, level=row.level
                    )
                    session.add(item)
                    expected[(row.role.lower(), competency_id)] = item
                    tally.added += 1
                elif existing.level == row.level:
                    tally.unchanged += 1
                else:
                    existing.level = row.level
                    session.add(existing)
                    tally.updated += 1
            _audit(session, "competencies.imported", at, actor_id, tally)
        return tally.summary()

    def import_catalogue(
        self, rows: Sequence[NewLearningItem], *, at: datetime, actor_id: int | None = None
    ) -> ImportSummary:
        """Store catalogue rows in one transaction (their competencies must exist)."""
        tally = _Tally()
        with session_scope(self._engine) as session:
            ids = {c.name.lower(): c.id for c in session.exec(select(Competency))}
            items = list(session.exec(select(LearningItem)))
            for row in rows:
                competency_id = ids[row.competency.lower()]
                assert competency_id is not None
                existing = next((i for i in items if _same_item(i, row, competency_id)), None)
                values: dict[str, Any] = {
                    "title": row.title,
                    "url": row.url,
                    "competency_id": competency_id,
                    "level": row.level,
                    "format": row.format,
                    "duration": row.duration,
                }
                if existing is None:
                    item = LearningItem(**values, updated_at=at)
                    session.add(item)
                    items.append(item)
                    tally.added += 1
                elif all(getattr(existing, k) == v for k, v in values.items()):
                    tally.unchanged += 1
                else:
                    for key, value in values.items():
                        setattr(existing, key, value)
                    existing.updated_at = at
                    session.add(existing)
                    tally.updated += 1
            _audit(session, "learning.imported", at, actor_id, tally)
        return tally.summary()


def _same_item(item: LearningItem, row: NewLearningItem, competency_id: int) -> bool:
    if row.url:
        return item.url == row.url
    return (
        not item.url
        and item.competency_id == competency_id
        and item.title.lower() == row.title.lower()
    )


def _upsert_competency(
    session: Session,
    stored: dict[str, Competency],
    new: NewCompetency,
    at: datetime,
    tally: _Tally,
) -> None:
    competency = stored.get(new.name.lower())
    if competency is None:
        competency = Competency(name=new.name, description=new.description, updated_at=at)
        session.add(competency)
        session.flush()
        stored[new.name.lower()] = competency
        tally.added += 1
    elif new.description and competency.description != new.description:
        competency.description = new.description
        competency.updated_at = at
        session.add(competency)
        tally.updated += 1
    else:
        tally.unchanged += 1
    assert competency.id is not None
    levels = {
        row.level: row
        for row in session.exec(
            select(CompetencyLevel).where(CompetencyLevel.competency_id == competency.id)
        )
    }
    for level, descriptor in sorted(new.levels.items()):
        existing = levels.get(level)
        if existing is None:
            session.add(
                CompetencyLevel(competency_id=competency.id, level=level, descriptor=descriptor)
            )
            tally.added += 1
        elif existing.descriptor == descriptor:
            tally.unchanged += 1
        else:
            existing.descriptor = descriptor
            session.add(existing)
            tally.updated += 1


def _audit(
    session: Session, action: str, at: datetime, actor_id: int | None, tally: _Tally
) -> None:
    audit.record(
        session,
        at=at,
        actor_id=actor_id,
        action=action,
        subject_kind="competencies",
        subject_id=None,
        detail={"added": tally.added, "updated": tally.updated, "unchanged": tally.unchanged},
    )
