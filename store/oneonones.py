"""Recurring 1:1s between a manager and a report, and their shared agendas."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import col, or_, select

from store import audit
from store.db import session_scope
from store.models import AgendaItem, OneOnOne


class OneOnOneRepo:
    """Stores 1:1 schedules and agenda items; writes are audited (ids only)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def schedule(
        self,
        manager_id: int,
        report_id: int,
        *,
        weekday: int,
        hour: int,
        minute: int,
        every_weeks: int,
        tz: str,
        first_date: date,
        at: datetime,
    ) -> OneOnOne:
        """Create the pair's 1:1, or reschedule (and reactivate) the one they have."""
        with session_scope(self._engine) as session:
            meeting = session.exec(
                select(OneOnOne).where(
                    OneOnOne.manager_id == manager_id, OneOnOne.report_id == report_id
                )
            ).first() or OneOnOne(
                manager_id=manager_id,
                report_id=report_id,
                weekday=weekday,
                hour=hour,
                minute=minute,
                tz=tz,
                first_date=first_date,
                created_at=at,
                updated_at=at,
            )
            meeting.weekday, meeting.hour, meeting.minute = weekday, hour, minute
            meeting.every_weeks = every_weeks
            meeting.tz = tz
            meeting.first_date = first_date
            meeting.active = True
            meeting.snoozed_until = None
            meeting.updated_at = at
            session.add(meeting)
            session.flush()
            audit.record(
                session,
                at=at,
                actor_id=manager_id,
                action="oneonone.scheduled",
                subject_kind="oneonone",
                subject_id=meeting.id,
            )
            return meeting

    def get(self, oneonone_id: int) -> OneOnOne | None:
        """One 1:1 by id."""
        with session_scope(self._engine) as session:
            return session.get(OneOnOne, oneonone_id)

    def between(self, manager_id: int, report_id: int) -> OneOnOne | None:
        """The pair's 1:1 (active or not)."""
        with session_scope(self._engine) as session:
            return session.exec(
                select(OneOnOne).where(
                    OneOnOne.manager_id == manager_id, OneOnOne.report_id == report_id
                )
            ).first()

    def involving(self, person_id: int) -> list[OneOnOne]:
        """The active 1:1s a person is in, as manager or report."""
        with session_scope(self._engine) as session:
            return list(
                session.exec(
                    select(OneOnOne)
                    .where(
                        OneOnOne.active,
                        or_(OneOnOne.manager_id == person_id, OneOnOne.report_id == person_id),
                    )
                    .order_by(col(OneOnOne.id))
                ).all()
            )

    def active(self) -> list[OneOnOne]:
        """Every active 1:1 (the nudge job's work list)."""
        with session_scope(self._engine) as session:
            return list(
                session.exec(
                    select(OneOnOne).where(OneOnOne.active).order_by(col(OneOnOne.id))
                ).all()
            )

    def cancel(self, oneonone_id: int, *, at: datetime, actor_id: int) -> None:
        """Stop a 1:1 (its agenda is kept)."""
        self._update(oneonone_id, at, actor_id, "oneonone.cancelled", active=False)

    def snooze(self, oneonone_id: int, until: datetime, *, at: datetime, actor_id: int) -> None:
        """Hold the prep nudge until `until`."""
        self._update(oneonone_id, at, actor_id, "oneonone.snoozed", snoozed_until=until)

    def _update(
        self, oneonone_id: int, at: datetime, actor_id: int, action: str, **values: object
    ) -> None:
        with session_scope(self._engine) as session:
            meeting = session.get(OneOnOne, oneonone_id)
            if meeting is None:
                raise LookupError(oneonone_id)
            for name, value in values.items():
                setattr(meeting, name, value)
            meeting.updated_at = at
            session.add(meeting)
            audit.record(
                session,
                at=at,
                actor_id=actor_id,
                action=action,
                subject_kind="oneonone",
                subject_id=oneonone_id,
            )

    # --- agenda ----------------------------------------------------------------------------

    def add_item(
        self,
        oneonone_id: int,
        author_id: int,
        text: str,
        *,
        at: datetime,
        source: tuple[str, int] | None = None,
    ) -> AgendaItem:
        """Add a topic to the shared agenda (from a nudge topic when `source` is given)."""
        with session_scope(self._engine) as session:
            item = AgendaItem(
                oneonone_id=oneonone_id,
                author_id=author_id,
                text=text,
                source_kind=source[0] if source else None,
                source_id=source[1] if source else None,
                created_at=at,
            )
            session.add(item)
            session.flush()
            audit.record(
                session,
                at=at,
                actor_id=author_id,
                action="agenda.added",
                subject_kind="agenda_item",
                subject_id=item.id,
            )
            return item

    def open_items(self, oneonone_id: int) -> list[AgendaItem]:
        """Items not yet marked done, oldest first: they carry over from one 1:1 to the next."""
        with session_scope(self._engine) as session:
            return list(
                session.exec(
                    select(AgendaItem)
                    .where(AgendaItem.oneonone_id == oneonone_id, col(AgendaItem.done_at).is_(None))
                    .order_by(col(AgendaItem.id))
                ).all()
            )

    def item(self, item_id: int) -> AgendaItem | None:
        """One agenda item by id."""
        with session_scope(self._engine) as session:
            return session.get(AgendaItem, item_id)

    def mark_done(self, item_id: int, *, at: datetime, actor_id: int) -> bool:
        """Close an item; False if it was already done."""
        with session_scope(self._engine) as session:
            item = session.get(AgendaItem, item_id)
            if item is None:
                raise LookupError(item_id)
            if item.done_at is not None:
                return False
            item.done_at = at
            session.add(item)
            audit.record(
                session,
                at=at,
                actor_id=actor_id,
                action="agenda.done",
                subject_kind="agenda_item",
                subject_id=item_id,
            )
        return True
