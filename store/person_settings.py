"""Each person's own choices: mood sharing, time away, and whether Candor has welcomed them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.db import session_scope
from store.models import PersonSettings


class PersonSettingsRepo:
    """Reads and writes `PersonSettings`; a person without a row has the defaults."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, person_id: int) -> PersonSettings:
        """The person's settings (defaults, unsaved, when they never changed any)."""
        with session_scope(self._engine) as session:
            found = session.get(PersonSettings, person_id)
        return found or PersonSettings(person_id=person_id, updated_at=datetime.min)

    def many(self, person_ids: Iterable[int]) -> dict[int, PersonSettings]:
        """Settings by person id, defaults included for everyone asked about."""
        ids = set(person_ids)
        with session_scope(self._engine) as session:
            rows = session.exec(
                select(PersonSettings).where(col(PersonSettings.person_id).in_(ids))
            ).all()
        found = {r.person_id: r for r in rows}
        return {
            pid: found.get(pid) or PersonSettings(person_id=pid, updated_at=datetime.min)
            for pid in ids
        }

    def set_share_mood(self, person_id: int, share: bool, at: datetime) -> None:
        """Give or withdraw consent for the manager to see the person's mood."""
        with session_scope(self._engine) as session:
            row = self._row(session, person_id, at)
            row.share_mood = share
            row.updated_at = at

    def set_away(self, person_id: int, until: date | None, at: datetime) -> None:
        """Mark the person away up to and including `until` (None: back)."""
        with session_scope(self._engine) as session:
            row = self._row(session, person_id, at)
            row.away_until = until
            row.updated_at = at

    def mark_welcomed(self, person_id: int, at: datetime) -> bool:
        """Record the welcome; False if the person was already welcomed (send nothing)."""
        with session_scope(self._engine) as session:
            row = self._row(session, person_id, at)
            if row.welcomed_at is not None:
                return False
            row.welcomed_at = at
            row.updated_at = at
        return True

    @staticmethod
    def _row(session: Session, person_id: int, at: datetime) -> PersonSettings:
        row = session.get(PersonSettings, person_id)
        if row is None:
            row = PersonSettings(person_id=person_id, updated_at=at)
            session.add(row)
        return row
