"""Erasure of a person's check-ins, goals, 1:1s and settings (part of `store.erasure`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, or_, select

from store.models import (
    AgendaItem,
    Checkin,
    CheckinPlan,
    Goal,
    OneOnOne,
    PersonSettings,
)


def _meetings(session: Session, person_id: int) -> list[int | None]:
    return list(
        session.exec(
            select(OneOnOne.id).where(
                or_(OneOnOne.manager_id == person_id, OneOnOne.report_id == person_id)
            )
        )
    )


def _agenda_filter(meetings: list[int | None], person_id: int) -> Any:
    return or_(col(AgendaItem.oneonone_id).in_(meetings), col(AgendaItem.author_id) == person_id)


def count_loop_records(session: Session, person_id: int) -> dict[str, int]:
    """What `erase_loop_records` would delete, without deleting anything."""
    meetings = _meetings(session, person_id)

    def count(model: Any, where: Any) -> int:
        return int(session.exec(select(func.count()).select_from(model).where(where)).one())

    return {
        "checkins_deleted": count(Checkin, col(Checkin.person_id) == person_id),
        "goals_deleted": count(Goal, col(Goal.owner_id) == person_id),
        "oneonones_deleted": len(meetings),
        "agenda_items_deleted": count(AgendaItem, _agenda_filter(meetings, person_id)),
    }


def erase_loop_records(session: Session, person_id: int) -> dict[str, int]:
    """Delete, inside the caller's transaction, everything of the continuous loop that is the
    person's: their check-ins and settings, the goals they own (goals nested under them are
    kept, unlinked), their 1:1s with both sides' agendas, agenda items they wrote elsewhere,
    and their team's check-in plan (the team falls back to the default). Returns counts."""
    meetings = _meetings(session, person_id)
    agenda = session.execute(delete(AgendaItem).where(_agenda_filter(meetings, person_id)))
    oneonones = session.execute(delete(OneOnOne).where(col(OneOnOne.id).in_(meetings)))
    goal_ids = list(session.exec(select(Goal.id).where(Goal.owner_id == person_id)))
    session.execute(update(Goal).where(col(Goal.parent_id).in_(goal_ids)).values(parent_id=None))
    goals = session.execute(delete(Goal).where(col(Goal.id).in_(goal_ids)))
    checkins = session.execute(delete(Checkin).where(col(Checkin.person_id) == person_id))
    session.execute(delete(CheckinPlan).where(col(CheckinPlan.manager_id) == person_id))
    session.execute(delete(PersonSettings).where(col(PersonSettings.person_id) == person_id))
    return {
        "checkins_deleted": _count(checkins),
        "goals_deleted": _count(goals),
        "oneonones_deleted": _count(oneonones),
        "agenda_items_deleted": _count(agenda),
    }


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
