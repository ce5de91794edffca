"""The retention policy in SQL: kudos and AI outputs older than a cutoff are deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select

from store import audit
from store.db import session_scope
from store.deletion import CHUNK, delete_kudos
from store.models import AIOutput, Kudos
from store.repository import Store


@dataclass(frozen=True)
class RetentionReport:
    """What a retention run deleted."""

    kudos_deleted: int
    ai_outputs_deleted: int


def delete_older_than(store: Store, cutoff: datetime, at: datetime) -> RetentionReport:
    """Delete kudos (and AI outputs) created before `cutoff`, queueing index deletes.

    Kudos go in batches, each its own transaction, so a large first run never holds the
    database for long; a crash part-way leaves every batch either fully done or untouched.
    """
    kudos_deleted = 0
    while True:
        with session_scope(store.engine) as session:
            query = (
                select(Kudos.id)
                .where(col(Kudos.created_at) < cutoff)
                .order_by(col(Kudos.id))
                .limit(CHUNK)
            )
            ids = [i for i in session.exec(query) if i is not None]
            if ids:
                delete_kudos(session, ids, at)
        if not ids:
            break
        kudos_deleted += len(ids)
    with session_scope(store.engine) as session:
        result = session.execute(delete(AIOutput).where(col(AIOutput.created_at) < cutoff))
        ai_deleted = int(getattr(result, "rowcount", 0) or 0)
        if kudos_deleted or ai_deleted:
            audit.record(
                session,
                at=at,
                actor_id=None,
                action="retention.applied",
                subject_kind="kudos",
                subject_id=None,
                detail={
                    "kudos": kudos_deleted,
                    "ai_outputs": ai_deleted,
                    "cutoff": cutoff.isoformat(),
                },
            )
    return RetentionReport(kudos_deleted, ai_deleted)
