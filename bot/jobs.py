"""Scheduled jobs. Module-level functions with stable names: the job store keeps references
to them by name, so renaming one breaks stored jobs."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import Candor

log = logging.getLogger(__name__)

_running: Candor | None = None


def attach(candor: Candor | None) -> None:
    """Tell the jobs which running Candor to act on (set by the server at start-up)."""
    global _running
    _running = candor


async def weekly_digest_job() -> None:
    """Every few minutes: the themes digest to the HR channel once it is due (Monday 09:00 org
    time unless HR chose another day and time), once per week."""
    from handlers.digest import weekly_digest

    if _running is None:
        log.warning("weekly digest skipped: Candor is not running in this process")
        return
    await _running.run_scheduled("weekly digest", weekly_digest)


async def retention_job() -> None:
    """Daily 03:00 org time: delete feedback older than `CANDOR_RETENTION_DAYS` (if set)."""
    from handlers.retention import apply_retention

    if _running is None:
        log.warning("retention skipped: Candor is not running in this process")
        return
    services = _running.services
    await apply_retention(services, services.clock())


async def checkin_job() -> None:
    """Every few minutes: check-ins due at each person's local time, and their one reminder.

    Which sends are due is computed from the clock and the delivery keys, so a run missed while
    the server was down is caught up once (within the grace window) by the next one."""
    from handlers.checkins import checkin_round

    if _running is None:
        log.warning("check-ins skipped: Candor is not running in this process")
        return
    await _running.run_scheduled("check-ins", checkin_round)


async def prep_job() -> None:
    """Every few minutes: the pre-1:1 nudge for 1:1s starting within the lead time."""
    from handlers.prep import prep_round

    if _running is None:
        log.warning("1:1 prep skipped: Candor is not running in this process")
        return
    await _running.run_scheduled("1:1 prep", prep_round)


async def feedback_reminder_job() -> None:
    """Every few minutes: one reminder per feedback request unanswered for three days."""
    from handlers.feedback_reminders import feedback_reminder_round

    if _running is None:
        log.warning("feedback reminders skipped: Candor is not running in this process")
        return
    await _running.run_scheduled("feedback reminders", feedback_reminder_round)
