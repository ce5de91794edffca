"""Send-once bookkeeping for scheduled and proactive messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, or_, select

from store.db import session_scope
from store.models import Delivery


class DeliveryRepo:
    """Claims delivery keys: the first claim wins, every later one (any process) loses."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def claim(self, key: str, kind: str, at: datetime) -> bool:
        """Record that `key` is being sent; False if it was already claimed."""
        try:
            with session_scope(self._engine) as session:
                if session.get(Delivery, key) is not None:
                    return False
                session.add(Delivery(key=key, kind=kind, created_at=at))
        except IntegrityError:
            return False  # a concurrent claim committed first
        return True

    def release(self, key: str) -> None:
        """Forget a claim whose send failed, so the next run tries again."""
        with session_scope(self._engine) as session:
            delivery = session.get(Delivery, key)
            if delivery is not None:
                session.delete(delivery)

    def any_claimed(self, prefixes: list[str]) -> bool:
        """Whether any key starting with one of `prefixes` was ever claimed."""
        if not prefixes:
            return False
        with session_scope(self._engine) as session:
            found = session.exec(
                select(Delivery.key)
                .where(or_(*(col(Delivery.key).startswith(p, autoescape=True) for p in prefixes)))
                .limit(1)
            ).first()
        return found is not None

    def claimed(self, key: str) -> bool:
        """Whether `key` has been claimed."""
        with session_scope(self._engine) as session:
            return session.get(Delivery, key) is not None
