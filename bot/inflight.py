"""Work still running after its request was acknowledged, so shutdown (and tests) can wait."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

log = logging.getLogger(__name__)

# How many requests' after-ack work may run at once. Each piece of it holds the event loop
# for a few milliseconds between awaits (SQL writes are synchronous); unbounded, a burst of
# requests fills the loop's ready queue with hundreds of such pieces and every new request's
# ack waits behind all of them (seconds at 50/s). Bounded, an ack waits behind at most this
# many. Four still answers ~4 commands a second when each waits ~1 s on Slack's API, far above
# a company's real rate; a burst beyond it is answered a little later, but acked at once.
AFTER_ACK_CONCURRENCY = 4
# A worker process (`bot.worker`) has no acks to protect: its requests mostly wait on Slack's
# API and the database, so it works on more at once.
WORKER_CONCURRENCY = 16


class InFlight:
    """Counts listener work that runs after the ack (Slack gives three seconds to ack, so the
    real work happens after the HTTP response has gone).

    `candor serve` waits for it on shutdown so that a request acked just before a deploy still
    gets its answer; the test harness waits for it instead of guessing with sleeps.
    """

    def __init__(self, after_ack_concurrency: int = AFTER_ACK_CONCURRENCY) -> None:
        """Start with nothing running.

        Args:
            after_ack_concurrency: How many `after_ack()` blocks may run at once.
        """
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._after_ack = asyncio.Semaphore(after_ack_concurrency)

    @property
    def running(self) -> int:
        return self._running

    @asynccontextmanager
    async def track(self) -> AsyncIterator[None]:
        self._running += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._running -= 1
            if self._running == 0:
                self._idle.set()

    @asynccontextmanager
    async def after_ack(self) -> AsyncIterator[None]:
        """Track work that runs after its request was acked, and start it only when fewer than
        `after_ack_concurrency` such blocks are running, so new requests are acked promptly
        under load; the rest queue (counted as running) in arrival order."""
        async with self.track(), self._after_ack:
            yield

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until no work is running; False if some still was after `timeout` seconds."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning("%s request(s) still running after %.0f s", self._running, timeout)
            return False
        return True
