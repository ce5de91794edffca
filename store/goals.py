"""Goals: objectives with key results, nested under team and company goals, and their progress."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store import audit
from store.db import session_scope
from store.models import Goal
from store.requests import store_once, was_processed

LEVELS = ("personal", "team", "company")


class GoalRepo:
    """Stores goals and their progress; every write is audited (ids only)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(
        self,
        owner_id: int,
        *,
        objective: str,
        key_results: Sequence[str],
        due: date | None,
        at: datetime,
        level: str = "personal",
        parent_id: int | None = None,
    ) -> Goal:
        """Create a goal owned by `owner_id`."""
        with session_scope(self._engine) as session:
            return _insert(session, owner_id, objective, key_results, due, at, level, parent_id)

    def get(self, goal_id: int) -> Goal | None:
        """One goal by id."""
        with session_scope(self._engine) as session:
            return session.get(Goal, goal_id)

    def many(self, goal_ids: Iterable[int]) -> dict[int, Goal]:
        """Goals by id."""
        ids = set(goal_ids)
        with session_scope(self._engine) as session:
            rows = session.exec(select(Goal).where(col(Goal.id).in_(ids))).all()
        return {g.id: g for g in rows if g.id is not None}

    def for_owners(self, owner_ids: Iterable[int], *, active_only: bool = True) -> list[Goal]:
        """The goals of some people, oldest first."""
        ids = set(owner_ids)
        with session_scope(self._engine) as session:
            query = select(Goal).where(col(Goal.owner_id).in_(ids))
            if active_only:
                query = query.where(Goal.status == "active")
            return list(session.exec(query.order_by(col(Goal.id))).all())

    def shared_goals(self) -> list[Goal]:
        """Active team and company goals, which personal goals can be linked to."""
        with session_scope(self._engine) as session:
            return list(
                session.exec(
                    select(Goal)
                    .where(col(Goal.level).in_(("team", "company")), Goal.status == "active")
                    .order_by(col(Goal.id))
                ).all()
            )

    def edit(
        self,
        goal_id: int,
        *,
        at: datetime,
        actor_id: int,
        objective: str | None = None,
        key_results: Sequence[str] | None = None,
        due: date | None = None,
        parent_id: int | None = None,
        clear_parent: bool = False,
    ) -> Goal:
        """Change a goal's text, key results, due date or parent."""
        with session_scope(self._engine) as session:
            goal = session.get(Goal, goal_id)
            if goal is None:
                raise LookupError(goal_id)
            if objective is not None:
                goal.objective = objective
            if key_results is not None:
                goal.key_results = list(key_results)
            if due is not None:
                goal.due = due
            if parent_id is not None or clear_parent:
                goal.parent_id = parent_id
            goal.updated_at = at
            session.add(goal)
            audit.record(
                session,
                at=at,
                actor_id=actor_id,
                action="goal.edited",
                subject_kind="goal",
                subject_id=goal_id,
            )
            return goal

    def set_progress(
        self,
        goal_id: int,
        progress: float,
        *,
        at: datetime,
        actor_id: int,
        status: str | None = None,
    ) -> Goal:
        """Record progress (0..1) and optionally a new status (`done`, `dropped`)."""
        with session_scope(self._engine) as session:
            goal = session.get(Goal, goal_id)
            if goal is None:
                raise LookupError(goal_id)
            goal.progress = min(1.0, max(0.0, progress))
            if status is not None:
                goal.status = status
            goal.progress_at = at
            goal.updated_at = at
            session.add(goal)
            audit.record(
                session,
                at=at,
                actor_id=actor_id,
                action="goal.progress",
                subject_kind="goal",
                subject_id=goal_id,
                detail={"progress": round(goal.progress, 3), "status": goal.status},
            )
            return goal

    def was_processed(self, request_key: str) -> bool:
        """Whether a request with this key has already been stored."""
        return was_processed(self._engine, request_key)

    def add_once(
        self,
        request_key: str,
        owner_id: int,
        *,
        objective: str,
        key_results: Sequence[str],
        due: date | None,
        at: datetime,
        level: str = "personal",
        parent_id: int | None = None,
    ) -> Goal | None:
        """Like `add`, unless `request_key` was stored before: then nothing, and None."""

        def write(session: Session) -> Goal:
            return _insert(session, owner_id, objective, key_results, due, at, level, parent_id)

        return self._once(request_key, "goal.add", at, write)

    def set_progress_once(
        self,
        request_key: str,
        goal_id: int,
        progress: float,
        *,
        at: datetime,
        actor_id: int,
        status: str | None = None,
    ) -> Goal | None:
        """Like `set_progress`, unless `request_key` was stored before: then None.

        Raises:
            LookupError: there is no such goal.
        """

        def write(session: Session) -> Goal:
            goal = _existing(session, goal_id)
            goal.progress = min(1.0, max(0.0, progress))
            if status is not None:
                goal.status = status
            goal.progress_at = at
            goal.updated_at = at
            session.add(goal)
            detail: dict[str, float | str] = {
                "progress": round(goal.progress, 3),
                "status": goal.status,
            }
            _audit(session, at, actor_id, "goal.progress", goal, detail)
            return goal

        return self._once(request_key, "goal.progress", at, write)

    def revise_once(
        self,
        request_key: str,
        goal_id: int,
        *,
        at: datetime,
        actor_id: int,
        objective: str,
        key_results: Sequence[str],
        due: date | None,
        parent_id: int | None,
    ) -> Goal | None:
        """Replace a goal's text, key results, due date and parent (None clears them), once
        per `request_key`; None for a repeat.

        Raises:
            LookupError: there is no such goal.
        """

        def write(session: Session) -> Goal:
            goal = _existing(session, goal_id)
            goal.objective = objective
            goal.key_results = list(key_results)
            goal.due = due
            goal.parent_id = parent_id
            goal.updated_at = at
            session.add(goal)
            _audit(session, at, actor_id, "goal.edited", goal)
            return goal

        return self._once(request_key, "goal.edit", at, write)

    def _once(
        self, request_key: str, kind: str, at: datetime, write: Callable[[Session], Goal]
    ) -> Goal | None:
        def stored(session: Session) -> tuple[Goal, int | None]:
            goal = write(session)
            return goal, goal.id

        return store_once(self._engine, request_key, kind, at, stored)


def _existing(session: Session, goal_id: int) -> Goal:
    goal = session.get(Goal, goal_id)
    if goal is None:
        raise LookupError(goal_id)
    return goal


def _audit(
    session: Session,
    at: datetime,
    actor_id: int,
    action: str,
    goal: Goal,
    detail: dict[str, float | str] | None = None,
) -> None:
    audit.record(
        session,
        at=at,
        actor_id=actor_id,
        action=action,
        subject_kind="goal",
        subject_id=goal.id,
        detail=dict(detail or {}),
    )


def _insert(
    session: Session,
    owner_id: int,
    objective: str,
    key_results: Sequence[str],
    due: date | None,
    at: datetime,
    level: str,
    parent_id: int | None,
) -> Goal:
    """A new goal and its audit event, inside the caller's transaction."""
    if level not in LEVELS:
        raise ValueError(f"unknown goal level {level!r}")
    goal = Goal(
        owner_id=owner_id,
        level=level,
        objective=objective,
        key_results=list(key_results),
        due=due,
        parent_id=parent_id,
        created_at=at,
        updated_at=at,
    )
    session.add(goal)
    session.flush()
    _audit(session, at, owner_id, "goal.created", goal)
    return goal
