"""The scheduler: Candor's jobs under stable ids in the SQL job store, and send-once keys that a
failed send gives back."""

from __future__ import annotations

import inspect
from datetime import datetime
from pathlib import Path

from bot import jobs
from bot.scheduler import (
    CHECKINS,
    FEEDBACK_REMINDERS,
    PREP,
    RETENTION,
    WEEKLY_DIGEST,
    build_scheduler,
)
from bot.settings import Settings
from handlers.messages import Message, Outgoing, ToPerson
from handlers.services import Services
from tests.conftest import SlackHarness


def _settings(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {"CANDOR_DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'jobs.db'}"},
        dotenv_path=None,
    )


async def test_every_job_is_stored_once_under_its_stable_id_across_restarts(tmp_path: Path) -> None:
    for _ in range(2):  # a restart registers the same jobs again
        scheduler = build_scheduler(_settings(tmp_path))
        scheduler.start(paused=True)
        try:
            stored = {job.id: job for job in scheduler.get_jobs()}
        finally:
            scheduler.shutdown(wait=False)
        assert set(stored) == {WEEKLY_DIGEST, RETENTION, CHECKINS, PREP, FEEDBACK_REMINDERS}
    for job in stored.values():
        # The job store keeps a reference by name: each must be a module-level coroutine.
        module, _, name = job.func_ref.partition(":")
        assert module == "bot.jobs"
        assert inspect.iscoroutinefunction(getattr(jobs, name))


async def test_a_failed_scheduled_send_gives_its_key_back_and_a_sent_one_keeps_it(
    slack: SlackHarness,
) -> None:
    store = slack.candor.store
    li = store.people.by_email("li@example.com")
    assert li is not None and li.id is not None
    unreachable = 999_999  # nobody: the send fails

    async def round_(services: Services, now: datetime) -> list[Outgoing]:
        out = []
        for person_id in (li.id, unreachable):
            key = f"test:{person_id}:2026-W45"
            if services.store.deliveries.claim(key, "test", now):
                out.append(Outgoing(ToPerson(person_id), Message("hello"), "test", key))
        return out

    await slack.candor.run_scheduled("test", round_)

    assert store.deliveries.claimed(f"test:{li.id}:2026-W45")
    assert not store.deliveries.claimed(f"test:{unreachable}:2026-W45")  # retried next run
    await slack.candor.run_scheduled("test", round_)
    dms = [c for c in slack.standin.calls_to("chat.postMessage") if c.args.get("text") == "hello"]
    assert len(dms) == 1  # the delivered one went out once
