"""Acked here, handled elsewhere: the web process queues Slack requests for a worker.

Under load an ack must not wait behind the work earlier requests started (lookups, SQL
writes, posts): in one process they share an event loop and an interpreter lock, and at 50
requests a second the acks' p99 went from 15 ms to over 100 ms. So `candor serve` runs a
worker process (`candor worker`), and the web process's Bolt app gets `defer_to_worker`: a
global middleware, after Bolt's own signature check and authorization, that acks a slash
command, a button press or an event with an empty 200 at once and queues the raw request
(`store.request_queue`). The worker replays it through its own Bolt app, built the same way
but with `replaying=True` (no signature check: the request was checked when it arrived, and
may be older than Slack's five-minute window by now; listeners finish before the replay
returns), so every listener runs exactly as it would have in the web process.

Not deferred: modal submissions (their work runs before the ack, so that field errors can go
back into the still-open modal), option loads and anything else whose ack carries content,
and Socket Mode requests (acked over the socket, no web latency to protect).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Literal

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.logging_setup import current_request_id
from store.request_queue import RequestQueue

log = logging.getLogger(__name__)

# Where a Bolt app's work after the ack runs: in its own process ("inline"), queued for a
# worker ("web"), or replayed from the queue ("worker").
SlackRole = Literal["inline", "web", "worker"]

# Payload types whose listeners ack with an empty body and do their work afterwards.
DEFERRED_TYPES = frozenset({"block_actions", "event_callback"})


def deferrable(request: AsyncBoltRequest, body: dict[str, Any]) -> bool:
    """A plain-HTTP slash command, button press or event: its ack carries nothing."""
    if request.mode != "http":
        return False
    return "command" in body or body.get("type") in DEFERRED_TYPES


def content_type(request: AsyncBoltRequest) -> str:
    values = request.headers.get("content-type") or ["application/x-www-form-urlencoded"]
    return values[0]


def defer_to_worker(app: AsyncApp, queue: RequestQueue, clock: Callable[[], datetime]) -> None:
    """Install the middleware that acks deferrable requests and queues them for a worker."""

    async def to_worker(
        request: AsyncBoltRequest, body: dict[str, Any], next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        if not deferrable(request, body):
            await next()
            return None
        # In a thread: a write that waits on a database lock must not stall other acks.
        queued = await asyncio.to_thread(
            queue.put,
            request.raw_body,
            content_type(request),
            current_request_id() or "",
            clock(),
        )
        log.debug("queued request %s for the worker", queued)
        return BoltResponse(status=200, body="")

    app.middleware(to_worker)


def replay_request(body: str, content_type: str) -> AsyncBoltRequest:
    """The Bolt request a worker dispatches for a queued one."""
    return AsyncBoltRequest(body=body, headers={"content-type": content_type}, mode="http")
