"""The outbox: changes the vector index still has to apply, written with the data they describe."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.db import session_scope
from store.models import OutboxEntry

UPSERT = "upsert"
DELETE = "delete"


def enqueue(session: Session, doc_id: str, op: str, at: datetime) -> None:
    """Queue an index change inside the caller's transaction, so data and queue commit together."""
    if op not in (UPSERT, DELETE):
        raise ValueError(f"unknown outbox op {op!r}")
    session.add(OutboxEntry(doc_id=doc_id, op=op, created_at=at))


class OutboxRepo:
    """Reading and settling outbox entries."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def pending(self, limit: int, *, after: int | None = None) -> list[OutboxEntry]:
        """The oldest unprocessed entries, oldest first; with `after`, only those with a
        higher id (a pipelined drain skips the batch still being written, whose entries stay
        pending until it is settled)."""
        query = select(OutboxEntry).where(col(OutboxEntry.processed_at).is_(None))
        if after is not None:
            query = query.where(col(OutboxEntry.id) > after)
        with session_scope(self._engine) as session:
            return list(session.exec(query.order_by(col(OutboxEntry.id)).limit(limit)))

    def pending_count(self) -> int:
        """How many entries the index has not applied yet."""
        with session_scope(self._engine) as session:
            query = select(func.count()).where(col(OutboxEntry.processed_at).is_(None))
            return int(session.exec(query).one())

    def mark_done(self, ids: Sequence[int], at: datetime) -> None:
        """Settle entries the index has applied."""
        if not ids:
            return
        with session_scope(self._engine) as session:
            session.execute(
                update(OutboxEntry)
                .where(col(OutboxEntry.id).in_(list(ids)))
                .values(processed_at=at, attempts=OutboxEntry.attempts + 1)
            )

    def mark_failed(self, ids: Sequence[int], error: str) -> None:
        """Count a failed attempt; the entries stay pending and are retried."""
        if not ids:
            return
        with session_scope(self._engine) as session:
            session.execute(
                update(OutboxEntry)
                .where(col(OutboxEntry.id).in_(list(ids)))
                .values(attempts=OutboxEntry.attempts + 1, last_error=error[:200])
            )

    def settle_all(self, at: datetime) -> int:
        """Mark every pending entry done (after a full rebuild made them moot)."""
        with session_scope(self._engine) as session:
            result = session.execute(
                update(OutboxEntry)
                .where(col(OutboxEntry.processed_at).is_(None))
                .values(processed_at=at)
            )
            return int(getattr(result, "rowcount", 0) or 0)
