"""The retention policy: feedback older than `CANDOR_RETENTION_DAYS` is deleted, daily."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from handlers.services import Services
from store.retention import delete_older_than

log = logging.getLogger(__name__)


async def apply_retention(services: Services, now: datetime) -> int:
    """Delete kudos (and AI outputs) older than the retention period; return how many kudos.

    Does nothing when no period is configured. Deletions reach the vector index through the
    outbox; the indexer is woken to apply them.
    """
    days = services.config.retention_days
    if days is None:
        return 0
    cutoff = now - timedelta(days=days)
    report = await asyncio.to_thread(delete_older_than, services.store, cutoff, now)
    if report.kudos_deleted:
        services.notify_indexer()
    log.info(
        "retention (%s days): %s kudos and %s AI outputs deleted",
        days,
        report.kudos_deleted,
        report.ai_outputs_deleted,
    )
    return report.kudos_deleted
