"""Data-rights requests (erasure): opened by a person or HR, decided once by HR."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col, or_, select

from store import audit
from store.db import session_scope
from store.models import PrivacyRequest

ERASE = "erase"
PENDING, APPROVED, REJECTED, DONE = "pending", "approved", "rejected", "done"


class PrivacyRequestRepo:
    """Opens, reads and decides privacy requests; every step leaves an audit event (ids only)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def open_erasure(
        self, subject_id: int, requested_by: int | None, at: datetime
    ) -> tuple[PrivacyRequest, bool]:
        """The subject's open (pending) erasure request, or a new one; True if it was created."""
        with session_scope(self._engine) as session:
            query = select(PrivacyRequest).where(
                PrivacyRequest.subject_id == subject_id,
                PrivacyRequest.kind == ERASE,
                PrivacyRequest.status == PENDING,
            )
            existing = session.exec(query.order_by(col(PrivacyRequest.id))).first()
            if existing is not None:
                return existing, False
            request = PrivacyRequest(
                kind=ERASE,
                subject_id=subject_id,
                requested_by=requested_by,
                status=PENDING,
                created_at=at,
            )
            session.add(request)
            session.flush()
            audit.record(
                session,
                at=at,
                actor_id=requested_by,
                action="privacy.erase_requested",
                subject_kind="privacy_request",
                subject_id=request.id,
            )
            return request, True

    def get(self, request_id: int) -> PrivacyRequest | None:
        """One request by id."""
        with session_scope(self._engine) as session:
            return session.get(PrivacyRequest, request_id)

    def concerning(self, person_id: int) -> list[PrivacyRequest]:
        """Every request a person is the subject of or made, oldest first."""
        query = select(PrivacyRequest).where(
            or_(PrivacyRequest.subject_id == person_id, PrivacyRequest.requested_by == person_id)
        )
        with session_scope(self._engine) as session:
            return list(session.exec(query.order_by(col(PrivacyRequest.id))))

    def decide(
        self, request_id: int, *, to: str, by: int | None, at: datetime, expected: str = PENDING
    ) -> bool:
        """Move a request from `expected` to `to`; False if it wasn't `expected` (decided already).

        The check and the change are one conditional UPDATE, so of two HR people pressing
        Approve at once exactly one wins.
        """
        with session_scope(self._engine) as session:
            result = session.execute(
                update(PrivacyRequest)
                .where(col(PrivacyRequest.id) == request_id, col(PrivacyRequest.status) == expected)
                .values(status=to, decided_by=by, decided_at=at)
            )
            if not getattr(result, "rowcount", 0):
                return False
            audit.record(
                session,
                at=at,
                actor_id=by,
                action=f"privacy.erase_{to}",
                subject_kind="privacy_request",
                subject_id=request_id,
            )
            return True
