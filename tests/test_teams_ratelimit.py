"""Teams' per-conversation rate limits and 429 handling, on a fake clock (no sleeping)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from types import SimpleNamespace

import pytest

from bot.teams.ratelimit import ConversationLimiter, retry_after_seconds, with_429_retries
from tests.teams_fixtures import FakeTimer


def _limiter(timer: FakeTimer) -> ConversationLimiter:
    return ConversationLimiter(monotonic=timer.monotonic, sleep=timer.sleep)


async def test_seven_a_second_then_wait() -> None:
    timer = FakeTimer()
    limiter = _limiter(timer)

    for _ in range(7):
        await limiter.acquire("a:chat")
    assert timer.sleeps == []
    await limiter.acquire("a:chat")

    assert timer.sleeps == [pytest.approx(1.0)]


async def test_eight_in_two_seconds_and_sixty_in_thirty() -> None:
    timer = FakeTimer()
    limiter = _limiter(timer)

    for _ in range(60):
        await limiter.acquire("a:chat")
    start = timer.now - sum(timer.sleeps)
    await limiter.acquire("a:chat")

    # 60 messages may not go faster than 8 per 2 s; the 61st waits for the 30 s window.
    assert timer.now - start >= 30.0
    assert all(s > 0 for s in timer.sleeps)


async def test_conversations_are_limited_separately() -> None:
    timer = FakeTimer()
    limiter = _limiter(timer)

    for _ in range(7):
        await limiter.acquire("a:one")
    await limiter.acquire("a:two")

    assert timer.sleeps == []
    assert limiter.delay("a:one") == pytest.approx(1.0)
    assert limiter.delay("a:never-used") == 0.0


async def test_idle_conversations_are_forgotten() -> None:
    timer = FakeTimer()
    limiter = ConversationLimiter(monotonic=timer.monotonic, sleep=timer.sleep, max_conversations=2)

    await limiter.acquire("a:one")
    await limiter.acquire("a:two")
    timer.now += 4000
    await limiter.acquire("a:three")

    assert limiter.delay("a:one") == 0.0


def _http_error(status: int, headers: dict[str, str]) -> Exception:
    error = Exception("refused")
    error.response = SimpleNamespace(status_code=status, headers=headers)  # type: ignore[attr-defined]
    return error


def test_retry_after_is_read_as_seconds_or_a_date() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)

    assert retry_after_seconds(_http_error(429, {"Retry-After": "3"})) == 3.0
    assert 3.0 <= (retry_after_seconds(_http_error(429, {"Retry-After": later})) or 0) <= 5.0
    assert retry_after_seconds(_http_error(429, {})) == 1.0
    assert retry_after_seconds(_http_error(429, {"Retry-After": "9999"})) == 60.0
    assert retry_after_seconds(_http_error(503, {"Retry-After": "3"})) is None
    assert retry_after_seconds(ValueError("no response")) is None


async def test_429s_are_retried_then_given_up() -> None:
    timer = FakeTimer()
    attempts: list[int] = []

    async def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise _http_error(429, {"Retry-After": "2"})
        return "sent"

    assert await with_429_retries(flaky, timer.sleep) == "sent"
    assert timer.sleeps == [2.0, 2.0]

    async def always_busy() -> str:
        raise _http_error(429, {"Retry-After": "1"})

    with pytest.raises(Exception, match="refused"):
        await with_429_retries(always_busy, timer.sleep, retries=2)


async def test_other_errors_are_not_retried() -> None:
    timer = FakeTimer()

    async def broken() -> None:
        raise _http_error(403, {})

    with pytest.raises(Exception, match="refused"):
        await with_429_retries(broken, timer.sleep)
    assert timer.sleeps == []
