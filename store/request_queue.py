"""The request queue: Slack requests acked by the web process, handled by a worker process.

The web process only checks a request's signature, acks it and `put`s it here (one small
insert), so acks never wait behind the work a request starts. Workers `claim` the oldest
rows, replay them and `done` them. A worker that dies leaves its claims behind; once they
are `stale_after` old another worker takes them again. Replays may therefore happen twice;
the handlers' request-key guard (`handlers.outcome`) makes the second one a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from store.db import session_scope
from store.queue_models import QueuedRequest

# A claim older than this is taken to belong to a worker that died.
STALE_AFTER = timedelta(minutes=2)
# After this many claims a request is given up (it crashed its worker each time).
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Claimed:
    """A request a worker has taken: what to replay, and its id to settle."""

    id: int
    body: str
    content_type: str
    request_id: str
    attempts: int


class RequestQueue:
    """Puts, claims and settles queued requests (any number of processes)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def put(self, body: str, content_type: str, request_id: str, at: datetime) -> int:
        """Queue an acked request; return its id."""
        with session_scope(self._engine) as session:
            row = QueuedRequest(
                body=body, content_type=content_type, request_id=request_id, enqueued_at=at
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            return row.id

    def claim(
        self, worker: str, at: datetime, limit: int, stale_after: timedelta = STALE_AFTER
    ) -> list[Claimed]:
        """Take up to `limit` of the oldest unclaimed (or stale) requests for `worker`.

        One conditional UPDATE: two workers never both win a row (on PostgreSQL the
        condition is checked again on the row a concurrent claim has just changed)."""
        free = or_(
            col(QueuedRequest.claimed_by).is_(None),
            col(QueuedRequest.claimed_at) < at - stale_after,
        )
        with session_scope(self._engine) as session:
            oldest = (
                select(QueuedRequest.id).where(free).order_by(col(QueuedRequest.id)).limit(limit)
            )
            rows = session.execute(
                update(QueuedRequest)
                .where(col(QueuedRequest.id).in_(oldest.scalar_subquery()), free)
                .values(claimed_by=worker, claimed_at=at, attempts=QueuedRequest.attempts + 1)
                .returning(
                    col(QueuedRequest.id),
                    col(QueuedRequest.body),
                    col(QueuedRequest.content_type),
                    col(QueuedRequest.request_id),
                    col(QueuedRequest.attempts),
                )
            ).all()
        return sorted((Claimed(*row) for row in rows), key=lambda c: c.id)

    def done(self, request_id: int) -> None:
        """Forget a handled request (its body quotes what someone wrote)."""
        with session_scope(self._engine) as session:
            session.execute(delete(QueuedRequest).where(col(QueuedRequest.id) == request_id))

    def depth(self) -> int:
        """How many requests wait for a worker or are being handled."""
        with session_scope(self._engine) as session:
            return int(session.exec(select(func.count()).select_from(QueuedRequest)).one())
