"""The audit log: who did what to which record. Ids and counts only, never content."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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


class AuditRepo:
    """Reading the audit log."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def events(self, *, action: str | None = None, limit: int = 1000) -> list[AuditEvent]:
        """The most recent events first, optionally of one action."""
        with session_scope(self._engine) as session:
            query = select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)
            if action is not None:
                query = query.where(AuditEvent.action == action)
            return list(session.exec(query))
