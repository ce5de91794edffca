"""Protected attributes (gender, ethnicity, age band, …): stored apart, read only in aggregate.

Nothing here returns a person's attributes to show them: `for_aggregates` hands the
calibration statistics (person id, attribute, value) rows, which they reduce to group counts
and means under the minimum group size. The one exception is a person's own data export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from store import audit
from store.db import session_scope
from store.deletion import chunks
from store.rating_models import ProtectedAttribute


@dataclass(frozen=True)
class AttributeImportSummary:
    """What an import changed: people and values, never which values."""

    people: int
    values: int
    attributes: tuple[str, ...]


class AttributeRepo:
    """Stores protected attributes per person."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def replace_all(
        self,
        rows: Sequence[tuple[int, str, str]],
        *,
        at: datetime,
        actor_id: int | None = None,
    ) -> AttributeImportSummary:
        """Store (person id, attribute, value) rows in one transaction. For each person in the
        file, the attributes named in the file replace what was stored; an empty value deletes."""
        people = sorted({person for person, _, _ in rows})
        names = sorted({attribute for _, attribute, _ in rows})
        with session_scope(self._engine) as session:
            for chunk in chunks(people):
                session.execute(
                    delete(ProtectedAttribute).where(
                        col(ProtectedAttribute.person_id).in_(chunk),
                        col(ProtectedAttribute.attribute).in_(names),
                    )
                )
            stored = 0
            for person, attribute, value in rows:
                if value:
                    session.add(
                        ProtectedAttribute(
                            person_id=person, attribute=attribute, value=value, imported_at=at
                        )
                    )
                    stored += 1
            audit.record(
                session,
                at=at,
                actor_id=actor_id,
                action="attributes.imported",
                subject_kind="protected_attributes",
                subject_id=None,
                detail={"people": len(people), "values": stored, "attributes": names},
            )
        return AttributeImportSummary(len(people), stored, tuple(names))

    def for_aggregates(self) -> list[tuple[int, str, str]]:
        """(person id, attribute, value) for the calibration statistics, and nothing else."""
        with session_scope(self._engine) as session:
            return [
                (a.person_id, a.attribute, a.value)
                for a in session.exec(select(ProtectedAttribute))
            ]

    def own(self, person_id: int) -> dict[str, str]:
        """One person's own attributes, for their data export only."""
        with session_scope(self._engine) as session:
            return {
                a.attribute: a.value
                for a in session.exec(
                    select(ProtectedAttribute).where(ProtectedAttribute.person_id == person_id)
                )
            }
