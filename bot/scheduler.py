"""APScheduler with a SQL job store: jobs survive restarts; deliveries are claimed once."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.settings import Settings

JOB_TABLE = "candor_jobs"
WEEKLY_DIGEST = "weekly-digest"
RETENTION = "retention"
CHECKINS = "checkins"
PREP = "oneonone-prep"
FEEDBACK_REMINDERS = "feedback-reminders"
# How often the due-now jobs look for work: a check-in goes out at most this late.
TICK_MINUTES = 5


def build_scheduler(settings: Settings) -> AsyncIOScheduler:
    """A scheduler in the org's time zone with Candor's jobs registered (not started)."""
    zone = ZoneInfo(settings.core.timezone)
    scheduler = AsyncIOScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=settings.database_url, tablename=JOB_TABLE)},
        timezone=zone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600},
    )
    every_tick = IntervalTrigger(minutes=TICK_MINUTES, timezone=zone)
    jobs = (
        (WEEKLY_DIGEST, "weekly_digest_job", every_tick,
         "Weekly themes digest to the HR channel, at HR's chosen day and time"),
        # Always scheduled, a no-op while CANDOR_RETENTION_DAYS is unset: the job store then
        # never keeps a stale job from a configuration that has since changed.
        (RETENTION, "retention_job", CronTrigger(hour=3, minute=0, timezone=zone),
         "Delete feedback older than the retention period"),
        (CHECKINS, "checkin_job", every_tick,
         "Check-ins due at each person's local time, and reminders"),
        (PREP, "prep_job", every_tick,
         "Pre-1:1 nudges for managers and prep notes for reports"),
        (FEEDBACK_REMINDERS, "feedback_reminder_job", every_tick,
         "One reminder for feedback requests still unanswered after three days"),
    )  # fmt: skip
    for job_id, function, trigger, name in jobs:
        # A reference by name: the job store keeps it, so the functions must not be renamed.
        scheduler.add_job(
            f"bot.jobs:{function}", trigger, id=job_id, name=name, replace_existing=True
        )
    return scheduler
