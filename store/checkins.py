"""Check-in plans (questions and cadence per team) and each person's check-in per period."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from store import audit, outbox
from store.db import session_scope
from store.index_documents import checkin_doc_id
from store.models import Checkin, CheckinPlan


class CheckinRepo:
    """Stores check-in plans and answers."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # --- plans ---------------------------------------------------------------------------

    def plan(self, manager_id: int | None) -> CheckinPlan | None:
        """The plan of a manager's team, or the organisation's default (`manager_id=None`)."""
        with session_scope(self._engine) as session:
            query = select(CheckinPlan).where(
                col(CheckinPlan.manager_id).is_(None)
                if manager_id is None
                else CheckinPlan.manager_id == manager_id
            )
            return session.exec(query).first()

    def plans(self) -> list[CheckinPlan]:
        """Every saved plan (the default and each team's)."""
        with session_scope(self._engine) as session:
            return list(session.exec(select(CheckinPlan)).all())

    def save_plan(
        self,
        manager_id: int | None,
        *,
        questions: list[dict[str, str]],
        weekday: int,
        hour: int,
        minute: int,
        every_weeks: int,
        at: datetime,
        actor_id: int | None = None,
    ) -> CheckinPlan:
        """Create or replace the plan of a team (or the default), audited."""
        with session_scope(self._engine) as session:
            query = select(CheckinPlan).where(
                col(CheckinPlan.manager_id).is_(None)
                if manager_id is None
                else CheckinPlan.manager_id == manager_id
            )
            plan = session.exec(query).first() or CheckinPlan(manager_id=manager_id, updated_at=at)
            plan.questions = questions
            plan.weekday, plan.hour, plan.minute = weekday, hour, minute
            plan.every_weeks = every_weeks
            plan.updated_at = at
            session.add(plan)
            session.flush()
            audit.record(
                session,
                at=at,
                actor_id=actor_id,
                action="checkin.plan_saved",
                subject_kind="checkin_plan",
                subject_id=plan.id,
            )
            return plan

    # --- check-ins -----------------------------------------------------------------------

    def get(self, person_id: int, period: str) -> Checkin | None:
        """The person's check-in for `period`, if it was sent or answered."""
        with session_scope(self._engine) as session:
            return session.exec(
                select(Checkin).where(Checkin.person_id == person_id, Checkin.period == period)
            ).first()

    def by_id(self, checkin_id: int) -> Checkin | None:
        """One check-in by id."""
        with session_scope(self._engine) as session:
            return session.get(Checkin, checkin_id)

    def mark_sent(self, person_id: int, period: str, at: datetime) -> Checkin:
        """Record that the period's check-in went out (idempotent)."""
        try:
            with session_scope(self._engine) as session:
                found = session.exec(
                    select(Checkin).where(Checkin.person_id == person_id, Checkin.period == period)
                ).first()
                if found is None:
                    found = Checkin(person_id=person_id, period=period, updated_at=at)
                if found.sent_at is None:
                    found.sent_at = at
                session.add(found)
                return found
        except IntegrityError:  # a concurrent first write
            existing = self.get(person_id, period)
            assert existing is not None
            return existing

    def submit(
        self,
        person_id: int,
        period: str,
        *,
        answers: dict[str, str],
        mood: int | None,
        blocker: str,
        at: datetime,
    ) -> tuple[Checkin, bool]:
        """Save the answers for a period; returns the check-in and whether this was an edit of
        answers given before. The write and its audit event commit together."""
        for attempt in range(2):
            try:
                with session_scope(self._engine) as session:
                    row = session.exec(
                        select(Checkin).where(
                            Checkin.person_id == person_id, Checkin.period == period
                        )
                    ).first()
                    edited = row is not None and row.submitted_at is not None
                    row = row or Checkin(person_id=person_id, period=period, updated_at=at)
                    row.answers = dict(answers)
                    row.mood = mood
                    row.blocker = blocker
                    if row.submitted_at is None:
                        row.submitted_at = at
                    row.updated_at = at
                    session.add(row)
                    session.flush()
                    assert row.id is not None
                    outbox.enqueue(session, checkin_doc_id(row.id), outbox.UPSERT, at)
                    action = "checkin.edited" if edited else "checkin.submitted"
                    audit.record(
                        session,
                        at=at,
                        actor_id=person_id,
                        action=action,
                        subject_kind="checkin",
                        subject_id=row.id,
                    )
                    return row, edited
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def recent(self, person_id: int, since: datetime) -> list[Checkin]:
        """The person's answered check-ins submitted since `since`, oldest first."""
        with session_scope(self._engine) as session:
            return list(
                session.exec(
                    select(Checkin)
                    .where(
                        Checkin.person_id == person_id,
                        col(Checkin.submitted_at).is_not(None),
                        col(Checkin.submitted_at) >= since,
                    )
                    .order_by(col(Checkin.submitted_at), col(Checkin.id))
                ).all()
            )

    def for_period(self, person_ids: Iterable[int], period: str) -> dict[int, Checkin]:
        """The check-ins of several people for one period, by person id."""
        ids = set(person_ids)
        with session_scope(self._engine) as session:
            rows = session.exec(
                select(Checkin).where(col(Checkin.person_id).in_(ids), Checkin.period == period)
            ).all()
        return {r.person_id: r for r in rows}

    def submitted_between(self, start: datetime, end: datetime) -> list[Checkin]:
        """Every check-in answered in [start, end) (completion statistics)."""
        with session_scope(self._engine) as session:
            return list(
                session.exec(
                    select(Checkin).where(
                        col(Checkin.submitted_at) >= start, col(Checkin.submitted_at) < end
                    )
                ).all()
            )

    def sent_between(self, start: datetime, end: datetime) -> list[Checkin]:
        """Every check-in sent in [start, end), answered or not (completion statistics)."""
        with session_scope(self._engine) as session:
            return list(
                session.exec(
                    select(Checkin).where(col(Checkin.sent_at) >= start, col(Checkin.sent_at) < end)
                ).all()
            )

    def history(self, person_id: int, limit: int = 60) -> list[Checkin]:
        """The person's check-ins (sent, answered or both), newest period first."""
        with session_scope(self._engine) as session:
            return list(
                session.exec(
                    select(Checkin)
                    .where(Checkin.person_id == person_id)
                    .order_by(col(Checkin.period).desc())
                    .limit(limit)
                ).all()
            )
