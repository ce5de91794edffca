"""Work after the ack is counted, so shutdown and tests can wait for it."""

from __future__ import annotations

import asyncio
import contextlib

from bot.inflight import InFlight


async def test_waiting_returns_once_the_last_piece_of_work_has_finished() -> None:
    inflight = InFlight()
    release = asyncio.Event()

    async def work() -> None:
        async with inflight.track():
            await release.wait()

    tasks = [asyncio.create_task(work()) for _ in range(2)]
    await asyncio.sleep(0)
    assert inflight.running == 2
    assert await inflight.wait_idle(timeout=0.01) is False  # still running: gives up, says so

    release.set()
    assert await inflight.wait_idle(timeout=1) is True
    assert inflight.running == 0
    await asyncio.gather(*tasks)


async def test_work_that_fails_is_no_longer_counted() -> None:
    inflight = InFlight()

    async def failing() -> None:
        async with inflight.track():
            raise RuntimeError("boom")

    with contextlib.suppress(RuntimeError):
        await failing()
    assert inflight.running == 0
    assert await inflight.wait_idle(timeout=0.01) is True


async def test_after_ack_work_runs_a_few_at_a_time_in_arrival_order() -> None:
    inflight = InFlight(after_ack_concurrency=2)
    release = asyncio.Event()
    started: list[int] = []

    async def work(n: int) -> None:
        async with inflight.after_ack():
            started.append(n)
            await release.wait()

    tasks = [asyncio.create_task(work(n)) for n in range(5)]
    await asyncio.sleep(0)
    assert started == [0, 1]  # the rest wait their turn...
    assert inflight.running == 5  # ...but count as running, so shutdown waits for them too
    assert await inflight.wait_idle(timeout=0.01) is False

    release.set()
    assert await inflight.wait_idle(timeout=1) is True
    assert started == [0, 1, 2, 3, 4]
    await asyncio.gather(*tasks)
