"""The retention policy: old kudos leave SQL and the index, daily at 03:00 org time."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.slack.standin import SlackStandIn
from handlers.config import CoreConfig
from handlers.retention import apply_retention
from handlers.services import Services
from store.kudos import doc_id
from store.repository import Store
from store.vector.embedder import HashingEmbedder
from store.vector.index import InMemoryIndex
from tests.conftest import FakeClock, running_candor
from tests.test_erasure import NOW, everything_in_sql, fill, give, seed


async def test_retention_deletes_old_kudos_from_sql_and_the_index(store: Store) -> None:
    org = seed(store)
    old = give(store, org.ids["ana"], [org.ids["omar"]], "an old thank-you", NOW - timedelta(100))
    edge = give(store, org.ids["ana"], [org.ids["sam"]], "a month ago", NOW - timedelta(29))
    index = InMemoryIndex(HashingEmbedder())
    fill(store, index)
    woken: list[bool] = []
    services = Services(
        store=store,
        base_config=CoreConfig(retention_days=30),
        notify_indexer=lambda: woken.append(True),
    )
    assert await apply_retention(services, NOW) == 1
    fill(store, index)

    assert store.kudos.get_many([old, edge])[0].id == edge
    assert doc_id(old) not in index.ids() and doc_id(edge) in index.ids()
    assert woken == [True]
    [event] = store.audit.events(action="retention.applied")
    assert event.detail["kudos"] == 1
    assert "an old thank-you" not in everything_in_sql(store)


async def test_without_a_retention_period_nothing_is_deleted(store: Store) -> None:
    seed(store)
    assert await apply_retention(Services(store=store), NOW + timedelta(days=3650)) == 0
    assert store.kudos.count() == 5


async def test_retention_runs_daily_at_3_in_the_org_time_zone(tmp_path: Path) -> None:
    from bot.scheduler import RETENTION, build_scheduler

    settings = Settings.from_env(
        {
            "CANDOR_DATA_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'jobs.db'}",
            "CANDOR_TIMEZONE": "Asia/Tokyo",
        },
        dotenv_path=None,
    )
    scheduler = build_scheduler(settings)
    scheduler.start(paused=True)
    try:
        job = scheduler.get_job(RETENTION)
        assert job is not None and job.func_ref == "bot.jobs:retention_job"
        first = job.next_run_time
        assert (first.hour, first.minute) == (3, 0) and str(first.tzinfo) == "Asia/Tokyo"
        following = job.trigger.get_next_fire_time(first, first + timedelta(seconds=1))
        assert following - first == timedelta(days=1)
    finally:
        scheduler.shutdown(wait=False)


@pytest.mark.parametrize(("raw", "days"), [("", None), ("30", 30), ("365", 365)])
def test_retention_days_setting(raw: str, days: int | None) -> None:
    settings = Settings.from_env({"CANDOR_RETENTION_DAYS": raw}, dotenv_path=None)
    assert settings.core.retention_days == days


@pytest.mark.parametrize("raw", ["7", "29", "a year"])
def test_retention_days_below_30_or_not_a_number_is_refused(raw: str) -> None:
    from bot.settings import SettingsError

    with pytest.raises(SettingsError, match="CANDOR_RETENTION_DAYS"):
        Settings.from_env({"CANDOR_RETENTION_DAYS": raw}, dotenv_path=None)


async def test_the_retention_job_acts_on_the_running_candor(
    tmp_path: Path, database_url: str, standin: SlackStandIn, clock: FakeClock
) -> None:
    from bot import jobs

    async with running_candor(
        tmp_path, database_url, standin, clock, CANDOR_RETENTION_DAYS="30"
    ) as slack:
        await slack.kudos("<@U0SAM|sam> for the old runbook #craft")
        clock.advance(days=31)
        await slack.kudos("<@U0SAM|sam> for the new runbook #craft")
        old, new = (doc_id(k.id) for k in slack.candor.store.kudos.page(0, 10))

        await jobs.retention_job()  # what the scheduler runs at 03:00

        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while old in slack.index.ids() and loop.time() < deadline:
            await asyncio.sleep(0.02)
        assert slack.index.ids() == {new}
        assert slack.candor.store.kudos.count() == 1
