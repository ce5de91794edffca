"""Scheduler election: of several replicas on one database, exactly one runs the scheduler,
and another takes over when it stops. Sends stay once-only even when two run a job."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot import leader
from bot.leader import leader_lock
from bot.slack.standin import SlackStandIn
from handlers.digest import weekly_digest
from store.repository import Store
from tests.conftest import FakeClock, SlackHarness, running_candor


def test_only_one_holder_at_a_time_and_release_hands_over(store: Store, tmp_path: Path) -> None:
    first = leader_lock(store.engine, tmp_path)
    second = leader_lock(store.engine, tmp_path)
    try:
        assert first.try_acquire() is True
        assert second.try_acquire() is False
        assert first.still_held() and not second.still_held()
        first.release()
        assert second.try_acquire() is True
    finally:
        first.release()
        second.release()


async def _role(harness: SlackHarness) -> str:
    async with harness.http.get(harness.server.make_url("/healthz")) as response:
        return str((await response.json())["scheduler"])


async def _roles(*harnesses: SlackHarness) -> list[str]:
    return [await _role(h) for h in harnesses]


async def _until(condition: object, *harnesses: SlackHarness) -> list[str]:
    for _ in range(200):
        roles = await _roles(*harnesses)
        if callable(condition) and condition(roles):
            return roles
        await asyncio.sleep(0.02)
    return await _roles(*harnesses)


async def test_two_replicas_elect_one_scheduler_and_a_standby_takes_over(
    tmp_path: Path,
    database_url: str,
    standin: SlackStandIn,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(leader, "RETRY_SECONDS", 0.05)
    async with (
        running_candor(tmp_path, database_url, standin, clock) as one,
        running_candor(tmp_path, database_url, standin, clock) as two,
    ):
        roles = await _until(lambda r: "leader" in r, one, two)
        assert sorted(roles) == ["leader", "standby"]
        await asyncio.sleep(0.2)  # several more rounds of trying change nothing
        assert sorted(await _roles(one, two)) == ["leader", "standby"]
        survivor = two if roles[0] == "leader" else one
        stopping = one if survivor is two else two
        await stopping.server.close()  # the leader stops (a deploy, a crash)

        assert await _until(lambda r: r == ["leader"], survivor) == ["leader"]


async def test_a_job_run_by_two_replicas_at_once_sends_once(
    tmp_path: Path, database_url: str, standin: SlackStandIn, clock: FakeClock
) -> None:
    env = {"CANDOR_HR_CHANNEL": "C0HR", "CANDOR_MIN_GROUP": "3"}
    async with (
        running_candor(tmp_path, database_url, standin, clock, **env) as one,
        running_candor(tmp_path, database_url, standin, clock, **env) as two,
    ):
        await asyncio.gather(
            one.candor.run_scheduled("weekly digest", weekly_digest),
            two.candor.run_scheduled("weekly digest", weekly_digest),
        )

    posts = [c for c in standin.calls_to("chat.postMessage") if c.args["channel"] == "C0HR"]
    assert len(posts) == 1
