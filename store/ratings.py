"""Review cycles and ratings: imported from CSV or captured in the review flow.

An import is applied whole in one transaction: a cycle is created with its scale on first use,
and a rating already stored for the same (cycle, rater, ratee, competency, time) is updated in
place, so importing a file twice stores it once. Audit events carry counts, never scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from store import audit
from store.db import session_scope
from store.rating_models import Rating, RatingCycle


@dataclass(frozen=True)
class NewRating:
    """A validated rating to store (people already resolved to ids)."""

    cycle: str
    rater_id: int
    ratee_id: int
    competency: str
    score: float
    rated_at: datetime


@dataclass(frozen=True)
class RatingImportSummary:
    """What an import changed."""

    cycles_created: int
    added: int
    updated: int
    unchanged: int


class RatingRepo:
    """Stores review cycles and their ratings."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def cycles(self) -> list[RatingCycle]:
        """Every cycle, newest first."""
        with session_scope(self._engine) as session:
            return list(
                session.exec(
                    select(RatingCycle).order_by(
                        col(RatingCycle.created_at).desc(), col(RatingCycle.id).desc()
                    )
                )
            )

    def cycle(self, name: str) -> RatingCycle | None:
        """The cycle called `name` (case-insensitive), if any."""
        wanted = name.strip().lower()
        return next((c for c in self.cycles() if c.name.lower() == wanted), None)

    def latest_cycle(self) -> RatingCycle | None:
        """The most recently created cycle, if any."""
        cycles = self.cycles()
        return cycles[0] if cycles else None

    def in_cycle(self, cycle_id: int) -> list[Rating]:
        """Every rating of one cycle, oldest first."""
        return self._oldest_first(col(Rating.cycle_id) == cycle_id)

    def _oldest_first(self, where: Any) -> list[Rating]:
        with session_scope(self._engine) as session:
            query = select(Rating).where(where)
            return list(session.exec(query.order_by(col(Rating.rated_at), col(Rating.id))))

    def create_cycle(
        self, name: str, *, scale: tuple[float, float], competencies: Sequence[str], at: datetime
    ) -> RatingCycle:
        """A new, empty cycle for ratings captured in the review flow.

        Raises:
            ValueError: a cycle with that name exists.
        """
        if self.cycle(name) is not None:
            raise ValueError(f"a cycle called {name!r} exists")
        with session_scope(self._engine) as session:
            cycle = RatingCycle(
                name=name,
                scale_low=scale[0],
                scale_high=scale[1],
                competencies=list(dict.fromkeys(competencies)),
                created_at=at,
            )
            session.add(cycle)
            session.flush()
            return cycle

    def about(self, ratee_id: int) -> list[Rating]:
        """Every rating of one person, in any cycle, oldest first (their own data export)."""
        return self._oldest_first(col(Rating.ratee_id) == ratee_id)

    def given_by(self, rater_id: int) -> list[Rating]:
        """Every rating one person gave, in any cycle, oldest first (their own data export)."""
        return self._oldest_first(col(Rating.rater_id) == rater_id)

    def import_ratings(
        self,
        rows: Sequence[NewRating],
        *,
        scale: tuple[float, float],
        at: datetime,
        actor_id: int | None = None,
        source: str = "import",
    ) -> RatingImportSummary:
        """Store every row in one transaction; new cycles get `scale`."""
        with session_scope(self._engine) as session:
            cycles = {c.name.lower(): c for c in session.exec(select(RatingCycle))}
            created = 0
            for name in dict.fromkeys(r.cycle for r in rows):
                if name.lower() not in cycles:
                    cycle = RatingCycle(
                        name=name, scale_low=scale[0], scale_high=scale[1], created_at=at
                    )
                    session.add(cycle)
                    session.flush()
                    cycles[name.lower()] = cycle
                    created += 1
            for row in rows:
                cycle = cycles[row.cycle.lower()]
                if row.competency.lower() not in {c.lower() for c in cycle.competencies}:
                    cycle.competencies = [*cycle.competencies, row.competency]
                    session.add(cycle)
            ids = [c.id for c in cycles.values() if c.id is not None]
            stored = {
                _key(r.cycle_id, r.rater_id, r.ratee_id, r.competency, r.rated_at): r
                for r in session.exec(select(Rating).where(col(Rating.cycle_id).in_(ids)))
            }
            added = updated = unchanged = 0
            for row in rows:
                cycle_id = cycles[row.cycle.lower()].id
                assert cycle_id is not None
                key = _key(cycle_id, row.rater_id, row.ratee_id, row.competency, row.rated_at)
                existing = stored.get(key)
                if existing is None:
                    stored[key] = _new(cycle_id, row, at, source)
                    session.add(stored[key])
                    added += 1
                elif existing.score == row.score:
                    unchanged += 1
                else:
                    existing.score = row.score
                    session.add(existing)
                    updated += 1
            summary = RatingImportSummary(created, added, updated, unchanged)
            audit.record(
                session,
                at=at,
                actor_id=actor_id,
                action="ratings.imported",
                subject_kind="ratings",
                subject_id=None,
                detail={
                    "source": source,
                    "cycles_created": created,
                    "added": added,
                    "updated": updated,
                    "unchanged": unchanged,
                },
            )
        return summary


def _key(
    cycle_id: int, rater: int, ratee: int, competency: str, at: datetime
) -> tuple[int, int, int, str, str]:
    return cycle_id, rater, ratee, competency, at.isoformat()


def _new(cycle_id: int, row: NewRating, at: datetime, source: str) -> Rating:
    return Rating(
        cycle_id=cycle_id,
        rater_id=row.rater_id,
        ratee_id=row.ratee_id,
        competency=row.competency,
        score=row.score,
        rated_at=row.rated_at,
        source=source,
        created_at=at,
    )
