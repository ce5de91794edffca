"""Each person's own choices: mood sharing, time away, and whether Candor has welcomed them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from store import audit
from store.db import session_scope
from store.models import PersonSettings

# The fields `save_personal` writes (the personal settings form), in the order shown.
PERSONAL_FIELDS = (
    "checkin_weekday",
    "checkin_hour",
    "checkin_minute",
    "share_mood",
    "quiet_start",
    "quiet_end",
    "prep_lead_hours",
)


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
        """Record the welcome; False if the person was already welcomed (send nothing).

        Atomic: of two concurrent calls (Slack sends `app_home_opened` and `team_join` close
        together) exactly one returns True.
        """
        try:
            with session_scope(self._engine) as session:
                result = session.execute(
                    update(PersonSettings)
                    .where(
                        col(PersonSettings.person_id) == person_id,
                        col(PersonSettings.welcomed_at).is_(None),
                    )
                    .values(welcomed_at=at, updated_at=at)
                )
                if getattr(result, "rowcount", 0):
                    return True
                if session.get(PersonSettings, person_id) is not None:
                    return False
                session.add(PersonSettings(person_id=person_id, welcomed_at=at, updated_at=at))
        except IntegrityError:
            return False  # a concurrent first welcome inserted the row
        return True

    def save_personal(
        self, person_id: int, values: dict[str, int | bool | None], at: datetime
    ) -> list[str]:
        """Write the personal settings form's fields (`PERSONAL_FIELDS`; None: the default).

        Returns the fields that changed. The write and one audit event (the changed field
        names, never their values) commit together; saving the same values records nothing.
        """
        unknown = set(values) - set(PERSONAL_FIELDS)
        if unknown:
            raise ValueError(f"not a personal setting: {sorted(unknown)}")
        with session_scope(self._engine) as session:
            row = self._row(session, person_id, at)
            changed = [k for k, v in values.items() if getattr(row, k) != v]
            if not changed:
                return []
            for key in changed:
                setattr(row, key, values[key])
            row.updated_at = at
            audit.record(
                session,
                at=at,
                actor_id=person_id,
                action="settings.personal_changed",
                subject_kind="person_settings",
                subject_id=person_id,
                detail={"fields": changed},
            )
        return changed

    @staticmethod
    def _row(session: Session, person_id: int, at: datetime) -> PersonSettings:
        row = session.get(PersonSettings, person_id)
        if row is None:
            row = PersonSettings(person_id=person_id, updated_at=at)
            session.add(row)
        return row
