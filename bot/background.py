"""What runs beside request handling in a process: the Slack HTTP session, the vector indexer
and, on the replica elected leader, the scheduler.

The web process starts all of it when it handles requests itself (`CANDOR_WORKER=inline`,
the demo, the tests); when a worker process handles them (`bot.worker`), the worker starts
the indexer and the scheduler and the web process only the HTTP session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import ClientSession
from slack_sdk.web.async_client import AsyncWebClient

from bot import jobs
from bot.leader import SchedulerLeadership, leader_lock
from bot.scheduler import build_scheduler

if TYPE_CHECKING:
    from bot.app import Candor


class Background:
    """Start and stop one process's background work around its lifetime."""

    def __init__(self, candor: Candor, *, work: bool, run_scheduler: bool) -> None:
        """
        Args:
            work: run the indexer (and, with `run_scheduler`, compete for the scheduler).
            run_scheduler: run scheduled jobs (weekly digest) if elected.
        """
        self._candor = candor
        self.works = work
        self.leadership = (
            SchedulerLeadership(
                leader_lock(candor.store.engine, candor.settings.data_dir),
                lambda: build_scheduler(candor.settings),
                on_lead=lambda: jobs.attach(candor),
            )
            if work and run_scheduler
            else None
        )
        self._sessions: list[tuple[AsyncWebClient, ClientSession]] = []

    async def start(self) -> None:
        # One HTTP session for Slack's Web API (Bolt's per-request clients share it too):
        # without it every call opens a new connection, ~13 ms of event-loop time per kudos.
        sender = self._candor.slack_sender
        client = sender.client if sender is not None else None
        if client is not None and client.session is None:
            client.session = ClientSession()
            self._sessions.append((client, client.session))
        if not self.works:
            return
        # Before requests are taken: load the model now, not on the first requests.
        await self._candor.indexer.warm_up()
        self._candor.indexer.start()
        if self.leadership is not None:
            self.leadership.start()  # every replica tries; one runs the scheduler

    async def stop(self) -> None:
        if self.leadership is not None:
            await self.leadership.stop()
            jobs.attach(None)
        await self._candor.close()
        for client, session in self._sessions:
            client.session = None
            await session.close()
        self._sessions.clear()
