"""Send-once bookkeeping for scheduled and proactive messages.

A delivery row moves claimed → sent, or claimed → failed → claimed (the next round's claim)
… → dead once `max_attempts` sends have failed. Only claimed and sent rows count as "went
out": a failed key is free to claim again, and a dead one is neither sent nor retried until
an admin asks (`candor deliveries retry KEY`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, or_, select

from store.db import session_scope
from store.models import Delivery

CLAIMED, SENT, FAILED, DEAD = "claimed", "sent", "failed", "dead"
# The statuses that mean "this message went out, or is going out now".
TAKEN = (CLAIMED, SENT)


def _changed(result: Any) -> int:
    return int(result.rowcount or 0)


class DeliveryRepo:
    """Claims delivery keys: the first claim wins, every later one (any process) loses."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def claim(self, key: str, kind: str, at: datetime) -> bool:
        """Record that `key` is being sent; False if it was already claimed, sent or is dead.

        A key whose last send failed is claimed again (one claimer wins, the update is
        conditional on the status it read)."""
        try:
            with session_scope(self._engine) as session:
                found = session.get(Delivery, key)
                if found is None:
                    session.add(Delivery(key=key, kind=kind, created_at=at, status=CLAIMED))
                    return True
                if found.status != FAILED:
                    return False
                won = session.execute(
                    update(Delivery)
                    .where(col(Delivery.key) == key, col(Delivery.status) == FAILED)
                    .values(status=CLAIMED, created_at=at)
                )
                return _changed(won) == 1
        except IntegrityError:
            return False  # a concurrent claim committed first

    def mark_sent(self, key: str) -> None:
        """Note that a claimed key's message went out."""
        with session_scope(self._engine) as session:
            session.execute(
                update(Delivery)
                .where(col(Delivery.key) == key, col(Delivery.status) == CLAIMED)
                .values(status=SENT)
            )

    def record_failure(self, key: str, at: datetime, *, job: str, max_attempts: int) -> str | None:
        """Count a failed send of a claimed key: it becomes failed (the next round tries again)
        or, at its `max_attempts`-th failure, dead. Returns the new status; None when the key
        was not claimed (nothing to count)."""
        with session_scope(self._engine) as session:
            attempts = col(Delivery.attempts) + 1
            counted = session.execute(
                update(Delivery)
                .where(col(Delivery.key) == key, col(Delivery.status) == CLAIMED)
                .values(
                    attempts=attempts,
                    last_failed_at=at,
                    job=job[:40],
                    status=sa.case((attempts >= max_attempts, DEAD), else_=FAILED),
                )
            )
            if _changed(counted) != 1:
                return None
            return session.exec(select(Delivery.status).where(Delivery.key == key)).one()

    def release(self, key: str) -> None:
        """Forget a claim whose message was never tried (nothing sent), so a later run may."""
        with session_scope(self._engine) as session:
            delivery = session.get(Delivery, key)
            if delivery is not None:
                session.delete(delivery)

    def any_claimed(self, prefixes: list[str]) -> bool:
        """Whether any key starting with one of `prefixes` went out (or is going out)."""
        if not prefixes:
            return False
        with session_scope(self._engine) as session:
            found = session.exec(
                select(Delivery.key)
                .where(or_(*(col(Delivery.key).startswith(p, autoescape=True) for p in prefixes)))
                .where(col(Delivery.status).in_(TAKEN))
                .limit(1)
            ).first()
        return found is not None

    def claimed(self, key: str) -> bool:
        """Whether `key` went out or is being sent (not failed, not dead)."""
        with session_scope(self._engine) as session:
            found = session.get(Delivery, key)
            return found is not None and found.status in TAKEN

    # --- dead letters ------------------------------------------------------------------------

    def dead(self) -> list[Delivery]:
        """Every dead-lettered delivery, most recently given up first."""
        with session_scope(self._engine) as session:
            query = select(Delivery).where(Delivery.status == DEAD)
            return list(session.exec(query.order_by(col(Delivery.last_failed_at).desc())))

    def take_unalerted(self, at: datetime) -> list[Delivery]:
        """Dead deliveries no admin was told about, marked alerted at `at` in the same step so
        a concurrent round (or replica) does not alert about them again."""
        with session_scope(self._engine) as session:
            keys = list(
                session.exec(
                    select(Delivery.key).where(
                        Delivery.status == DEAD, col(Delivery.alerted_at).is_(None)
                    )
                )
            )
            won = [
                key
                for key in keys
                if _changed(
                    session.execute(
                        update(Delivery)
                        .where(col(Delivery.key) == key, col(Delivery.alerted_at).is_(None))
                        .values(alerted_at=at)
                    )
                )
                == 1
            ]
            if not won:
                return []
            query = select(Delivery).where(col(Delivery.key).in_(won))
            return list(session.exec(query.order_by(col(Delivery.key))))

    def unmark_alerted(self, keys: Sequence[str]) -> None:
        """Give alerts that could not be sent back, so the next round tries them again."""
        if not keys:
            return
        with session_scope(self._engine) as session:
            session.execute(
                update(Delivery).where(col(Delivery.key).in_(keys)).values(alerted_at=None)
            )

    def retry(self, key: str) -> bool:
        """Bring a dead delivery back: the next round that still finds it due sends it again,
        with a fresh count of attempts. False when `key` is not dead."""
        with session_scope(self._engine) as session:
            revived = session.execute(
                update(Delivery)
                .where(col(Delivery.key) == key, col(Delivery.status) == DEAD)
                .values(status=FAILED, attempts=0, alerted_at=None)
            )
            return _changed(revived) == 1
