"""The audit log: who did what to which record. Ids and counts only, never content."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.db import session_scope
from store.models import AuditEvent


def record(
    session: Session,
    *,
    at: datetime,
    actor_id: int | None,
    action: str,
    subject_kind: str,
    subject_id: int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add an audit event inside the caller's transaction."""
    session.add(
        AuditEvent(
            at=at,
            actor_id=actor_id,
            action=action,
            subject_kind=subject_kind,
            subject_id=subject_id,
            detail=detail or {},
        )
    )


# Whose data a read was about: the reader's own, one other person's, or a group's (aggregate).
ReadScope = Literal["self", "individual", "aggregate"]


class AuditRepo:
    """Writing events that stand alone (reads, exports) and reading the audit log."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(
        self,
        *,
        at: datetime,
        actor_id: int | None,
        action: str,
        subject_kind: str,
        subject_id: int | None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Add one audit event in its own transaction."""
        with session_scope(self._engine) as session:
            record(
                session,
                at=at,
                actor_id=actor_id,
                action=action,
                subject_kind=subject_kind,
                subject_id=subject_id,
                detail=detail,
            )

    def record_read(
        self,
        *,
        at: datetime,
        actor_id: int | None,
        actor_role: str,
        scope: ReadScope,
        subject_kind: str,
        subject_id: int | None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Log that someone read data: action `read.<scope>`, the reader's role in the detail.

        `detail` holds ids and counts only (record ids, a theme id, how many records), never
        content and, for aggregate reads, never the ids of the people in the group.
        """
        self.add(
            at=at,
            actor_id=actor_id,
            action=f"read.{scope}",
            subject_kind=subject_kind,
            subject_id=subject_id,
            detail={"role": actor_role, **(detail or {})},
        )

    def since(self, start: datetime) -> list[AuditEvent]:
        """Every event at or after `start`, oldest first (for exports)."""
        with session_scope(self._engine) as session:
            query = (
                select(AuditEvent)
                .where(col(AuditEvent.at) >= start)
                .order_by(col(AuditEvent.at), col(AuditEvent.id))
            )
            return list(session.exec(query))

    def events(self, *, action: str | None = None, limit: int = 1000) -> list[AuditEvent]:
        """The most recent events first, optionally of one action."""
        with session_scope(self._engine) as session:
            query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
            if action is not None:
                query = query.where(AuditEvent.action == action)
            return list(session.exec(query))
