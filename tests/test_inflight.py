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
