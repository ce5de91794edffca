"""Running the Slack stand-in on its own event loop, for synchronous callers."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.slack.standin import SlackStandIn


class StandInThread:
    """Runs a :class:`SlackStandIn` on its own loop in a daemon thread, for sync callers."""

    def __init__(self, standin: SlackStandIn, host: str = "127.0.0.1", port: int = 0) -> None:
        self.standin = standin
        self._address = (host, port)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> str:
        """Start the thread and the server; returns the Web API base URL."""
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(self.standin.start(*self._address), self._loop)
        try:
            return started.result(timeout=10)
        except BaseException:
            self._loop.call_soon_threadsafe(self._loop.stop)  # don't leave a loop spinning
            raise

    def stop(self) -> None:
        """Stop the server, then the thread's loop."""
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self.standin.stop(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._loop.close()

    @property
    def base_url(self) -> str:
        """The stand-in's Web API base URL."""
        return self.standin.base_url

    def __enter__(self) -> StandInThread:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
