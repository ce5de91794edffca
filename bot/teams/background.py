"""Work that continues after Teams has its answer: tracked, logged, and awaited on shutdown."""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Background:
    """Runs coroutines as tasks, logs their failures (type and stack only), and drains them."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, work: Coroutine[Any, Any, object], name: str) -> None:
        """Start `work` now, without waiting for it."""
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.error(
                "background task %s failed: %s\n%s",
                task.get_name(),
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)),
            )

    @property
    def pending(self) -> int:
        """How many tasks are still running."""
        return len(self._tasks)

    async def drain(self, timeout: float | None = None) -> bool:
        """Wait until every task (and any they start) is done; False if `timeout` passed first."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while self._tasks:
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return False
            await asyncio.wait(set(self._tasks), timeout=remaining)
        return True

    async def close(self, timeout: float = 10.0) -> None:
        """Give running work `timeout` seconds to finish, then cancel what is left."""
        if await self.drain(timeout):
            return
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
