"""Teams' per-conversation rate limits, kept before sending, and 429s waited out after.

Teams allows a bot, per conversation, 7 messages a second, 8 in 2 s, 60 in 30 s and 1,800 an
hour; beyond that it answers 429 with `Retry-After`. The clock and the sleeper are injected so
tests never sleep.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleeper = Callable[[float], Awaitable[None]]
TEAMS_WINDOWS: tuple[tuple[float, int], ...] = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))
MAX_RETRY_AFTER_S = 60.0


@dataclass
class _Conversation:
    sent: deque[float]
    lock: asyncio.Lock


class ConversationLimiter:
    """Waits, per conversation, until one more message fits every window."""

    def __init__(
        self,
        windows: tuple[tuple[float, int], ...] = TEAMS_WINDOWS,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleeper = asyncio.sleep,
        max_conversations: int = 5_000,
    ) -> None:
        self._windows = windows
        self._longest = max(w for w, _ in windows)
        self._now = monotonic
        self._sleep = sleep
        self._max = max_conversations
        self._conversations: dict[str, _Conversation] = {}

    def _state(self, key: str) -> _Conversation:
        state = self._conversations.get(key)
        if state is None:
            if len(self._conversations) >= self._max:
                self._forget_idle()
            state = _Conversation(deque(), asyncio.Lock())
            self._conversations[key] = state
        return state

    def _forget_idle(self) -> None:
        horizon = self._now() - self._longest
        for key in [
            k
            for k, s in self._conversations.items()
            if not s.lock.locked() and (not s.sent or s.sent[-1] < horizon)
        ]:
            del self._conversations[key]

    def delay(self, key: str) -> float:
        """Seconds until one more message to `key` fits every window (0 if it fits now)."""
        state = self._conversations.get(key)
        if state is None:
            return 0.0
        now = self._now()
        wait = 0.0
        for window, limit in self._windows:
            in_window = [t for t in state.sent if t > now - window]
            if len(in_window) >= limit:
                wait = max(wait, in_window[-limit] + window - now)
        return wait

    async def acquire(self, key: str) -> None:
        """Wait until a message to `key` may go, and count it as sent."""
        state = self._state(key)
        async with state.lock:
            while (wait := self.delay(key)) > 0:
                log.info("Teams rate limit: waiting %.2fs for conversation %s", wait, key)
                await self._sleep(wait)
            now = self._now()
            state.sent.append(now)
            while state.sent and state.sent[0] <= now - self._longest:
                state.sent.popleft()


def retry_after_seconds(error: BaseException) -> float | None:
    """The wait a 429 asks for (`Retry-After` seconds or date), or None if it isn't a 429."""
    response: Any = getattr(error, "response", None)
    if getattr(response, "status_code", None) != 429:
        return None
    headers = getattr(response, "headers", None) or {}
    raw = str(headers.get("Retry-After") or headers.get("retry-after") or "").strip()
    if not raw:
        return 1.0
    try:
        seconds = float(raw)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(raw).timestamp() - time.time()
        except (TypeError, ValueError):
            seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


async def with_429_retries(
    send: Callable[[], Awaitable[T]], sleep: Sleeper, *, retries: int = 3, what: str = ""
) -> T:
    """Call `send`, waiting out up to `retries` 429 answers as `Retry-After` asks."""
    attempt = 0
    while True:
        try:
            return await send()
        except Exception as error:
            wait = retry_after_seconds(error)
            if wait is None or attempt >= retries:
                raise
            attempt += 1
            log.info("Teams answered 429 for %s; retrying in %.1fs", what, wait)
            await sleep(wait)
