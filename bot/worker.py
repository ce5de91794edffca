"""`candor worker`: the process that does what Slack requests start, after the web process acked.

It replays the requests the web process queued (`bot.slack.deferral`) through its own Bolt
app, and runs the background work that would otherwise share the web process's event loop:
the vector indexer and (on the replica elected leader) the scheduler. `candor serve` starts
one as a child process unless `CANDOR_WORKER` (or `bot.serve.worker_mode`) says otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from slack_bolt.async_app import AsyncApp

from bot.background import Background
from bot.inflight import WORKER_CONCURRENCY
from bot.logging_setup import request_context, request_id_from
from bot.settings import Settings
from bot.slack.deferral import replay_request
from store.request_queue import MAX_ATTEMPTS, Claimed, RequestQueue

log = logging.getLogger(__name__)

# How often an idle worker looks for new requests; a reply comes at most this much later.
POLL_SECONDS = 0.05
# The worker yields the CPU to the web process on a shared machine: an ack is a few
# milliseconds of work that must not wait behind embedding or a digest.
NICENESS = 5


class RequestWorker:
    """Claims queued requests and replays them, a few at a time, until stopped."""

    def __init__(
        self,
        app: AsyncApp,
        queue: RequestQueue,
        clock: Callable[[], datetime],
        *,
        name: str | None = None,
        concurrency: int = WORKER_CONCURRENCY,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._app = app
        self._queue = queue
        self._clock = clock
        self.name = name or f"{socket.gethostname()[:40]}:{os.getpid()}"
        self._concurrency = concurrency
        self._poll = poll_seconds
        self._running: set[asyncio.Task[None]] = set()
        self.handled = 0

    async def run(self) -> None:
        """Claim and replay until cancelled; a database error is logged and retried."""
        while True:
            try:
                claimed = await self.claim()
            except Exception as error:
                log.warning("worker: claiming failed (%s); retrying", type(error).__name__)
                await asyncio.sleep(1)
                continue
            if not claimed:
                await asyncio.sleep(self._poll)
                continue
            for item in claimed:
                task = asyncio.create_task(self.handle(item))
                self._running.add(task)
                task.add_done_callback(self._running.discard)
            if len(self._running) >= self._concurrency:
                await asyncio.wait(self._running, return_when=asyncio.FIRST_COMPLETED)

    async def claim(self) -> list[Claimed]:
        free = self._concurrency - len(self._running)
        if free <= 0:
            return []
        return await asyncio.to_thread(self._queue.claim, self.name, self._clock(), free)

    async def handle(self, item: Claimed) -> None:
        """Replay one request under its web request id; settle it however it ends, except
        when the process dies meanwhile (then another worker takes it once it is stale)."""
        with request_context(request_id_from(item.request_id)):
            if item.attempts > MAX_ATTEMPTS:
                log.error("worker: request %s given up after %s tries", item.id, MAX_ATTEMPTS)
            else:
                try:
                    response = await self._app.async_dispatch(
                        replay_request(item.body, item.content_type)
                    )
                    if response.status >= 400:
                        log.warning("worker: request %s answered %s", item.id, response.status)
                    self.handled += 1
                except Exception as error:  # never take the loop down; the next may work
                    log.error("worker: request %s failed: %s", item.id, type(error).__name__)
            await asyncio.to_thread(self._queue.done, item.id)

    async def drain(self) -> int:
        """Handle everything queued now, then return how many were handled (tests, tools)."""
        before = self.handled
        while claimed := await self.claim():
            await asyncio.gather(*(self.handle(item) for item in claimed))
        return self.handled - before

    async def wait_idle(self) -> None:
        """Wait for the requests being replayed to finish."""
        if self._running:
            await asyncio.wait(self._running)


async def run_worker(settings: Settings, *, host: str, port: int | None) -> None:
    """Run the worker until SIGTERM or SIGINT: replay queued Slack requests, index, and
    compete for the scheduler; with `port`, serve `/healthz` and `/metrics` on it.

    On a stop signal it takes no new requests, lets the ones being replayed finish, then
    stops the indexer and the scheduler.
    """
    from bot.app import create_app
    from bot.web import add_status_routes

    if hasattr(os, "nice"):
        os.nice(NICENESS)
    candor = create_app(settings, role="worker")
    background = Background(candor, work=True, run_scheduler=True)
    await background.start()
    worker = None
    if candor.slack is not None:
        worker = RequestWorker(candor.slack, candor.store.request_queue, candor.services.clock)
    runner = None
    if port is not None:
        status = web.Application()
        add_status_routes(status, candor, background)
        runner = web.AppRunner(status, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
    log.info("worker %s started", worker.name if worker else "(no Slack)")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    replaying = asyncio.create_task(worker.run()) if worker is not None else None
    try:
        await stop.wait()
    finally:
        if replaying is not None and worker is not None:
            replaying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await replaying
            await worker.wait_idle()
        if runner is not None:
            await runner.cleanup()
        await background.stop()
        log.info("worker stopped")
