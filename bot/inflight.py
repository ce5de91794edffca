"""Work still running after its request was acknowledged, so shutdown (and tests) can wait."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

log = logging.getLogger(__name__)


class InFlight:
    """Counts listener work that runs after the ack (Slack gives three seconds to ack, so the
    real work happens after the HTTP response has gone).

    `candor serve` waits for it on shutdown so that a request acked just before a deploy still
    gets its answer; the test harness waits for it instead of guessing with sleeps.
    """

    def __init__(self) -> None:
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

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

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until no work is running; False if some still was after `timeout` seconds."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning("%s request(s) still running after %.0f s", self._running, timeout)
            return False
        return True
