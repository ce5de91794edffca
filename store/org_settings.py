"""Organisation settings HR changes from chat: key → JSON value, overriding the environment."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from store import audit
from store.db import session_scope
from store.deliveries import TAKEN
from store.models import Delivery, OrgSetting


class OrgSettingsRepo:
    """Reads and writes `OrgSetting` rows; a key without a row keeps the environment's value."""

    def __init__(self, engine: Engine, *, max_age: float = 30.0) -> None:
        self._engine = engine
        # Every handler reads the settings in force; one query per `max_age` seconds is enough
        # (a change made on this replica shows at once, one made on another within `max_age`).
        self._max_age = max_age
        self._cached: tuple[float, dict[str, Any]] | None = None

    def current(self) -> dict[str, Any]:
        """Every stored setting, from a short-lived cache."""
        now = time.monotonic()
        if self._cached is None or now - self._cached[0] > self._max_age:
            self._cached = (now, self.all())
        return dict(self._cached[1])

    def get(self, key: str) -> Any | None:
        """One setting's value, or None when HR never set it."""
        with session_scope(self._engine) as session:
            row = session.get(OrgSetting, key)
            return None if row is None else row.value

    def all(self) -> dict[str, Any]:
        """Every stored setting by key."""
        with session_scope(self._engine) as session:
            return {row.key: row.value for row in session.exec(select(OrgSetting))}

    def save(self, values: Mapping[str, Any], *, at: datetime, actor_id: int | None) -> list[str]:
        """Store several settings at once (None removes a key: back to the environment's value).

        Returns the keys whose value changed. The writes and one audit event (the changed keys,
        never the values) commit together; saving the same values again records nothing.
        """
        changed: list[str] = []
        self._cached = None
        with session_scope(self._engine) as session:
            for key, value in values.items():
                row = session.get(OrgSetting, key)
                if value is None:
                    if row is not None:
                        session.delete(row)
                        changed.append(key)
                    continue
                if row is not None and row.value == value:
                    continue
                if row is None:
                    row = OrgSetting(key=key, value=value, updated_at=at)
                row.value, row.updated_by, row.updated_at = value, actor_id, at
                session.add(row)
                changed.append(key)
            if changed:
                audit.record(
                    session,
                    at=at,
                    actor_id=actor_id,
                    action="settings.org_changed",
                    subject_kind="org_settings",
                    subject_id=None,
                    detail={"keys": sorted(changed)},
                )
        self._cached = None
        return changed

    def last_sent(self, kind: str) -> datetime | None:
        """When the latest scheduled message of a delivery kind (e.g. "digest") was claimed;
        failed and dead-lettered sends don't count.

        HR's Home shows when the weekly digest last went out.
        """
        with session_scope(self._engine) as session:
            found = session.exec(
                select(func.max(Delivery.created_at)).where(
                    Delivery.kind == kind, col(Delivery.status).in_(TAKEN)
                )
            ).one()
        return found if isinstance(found, datetime) else None
