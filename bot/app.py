"""Wiring: `create_app(settings)` builds Candor — store, index, handlers and the Slack app."""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.dead_letters import alert_admins
from bot.indexer_task import BackgroundIndexer
from bot.inflight import AFTER_ACK_CONCURRENCY, WORKER_CONCURRENCY, InFlight
from bot.logging_setup import scheduled_job_context
from bot.metrics import Metrics
from bot.settings import Settings
from bot.slack.app import build_slack_app, make_client
from bot.slack.deferral import SlackRole
from bot.slack.oauth import SlackOAuth
from bot.slack.sender import DeliveryReport, ReplyTarget, SlackSender
from bot.slack.workspaces import SlackWorkspaces
from handlers.catalog import build_router
from handlers.messages import Outgoing, ToChannel, ToPerson
from handlers.router import Router
from handlers.services import Services, utc_now
from store.deliveries import DEAD
from store.repository import Store
from store.vector.chroma import open_index
from store.vector.embedder import make_embedder
from store.vector.index import VectorIndex

if TYPE_CHECKING:
    from bot.teams.app import TeamsRuntime

log = logging.getLogger(__name__)


def index_opener(
    settings: Settings, *, recreate: bool = False, background: bool = True
) -> Callable[[], VectorIndex]:
    """A function that opens the configured vector index (called lazily, off the event loop).

    Args:
        recreate: drop an index built with another embedder (for `candor reindex`).
        background: leave one core free for the server's event loop while embedding.
    """
    threads = max(1, (os.cpu_count() or 2) - 1) if background else None

    def open_configured() -> VectorIndex:
        embedder = make_embedder(settings.embedder, settings.data_dir / "models", threads)
        return open_index(
            embedder, data_dir=settings.data_dir, chroma_url=settings.chroma_url, recreate=recreate
        )

    return open_configured


@dataclass
class Candor:
    """A running Candor: what `candor serve`, the demo and the tests start."""

    settings: Settings
    store: Store
    services: Services
    router: Router
    slack: AsyncApp | None
    slack_sender: SlackSender | None
    indexer: BackgroundIndexer
    teams: TeamsRuntime | None = None
    # Several Slack workspaces (OAuth): bot tokens by workspace for scheduled posts.
    slack_workspaces: SlackWorkspaces | None = None
    # Slack listener work still running after its ack; shutdown waits for it.
    inflight: InFlight = field(default_factory=InFlight)
    metrics: Metrics = field(default_factory=Metrics)
    # Where Slack work after the ack runs: here, queued for a worker, or replayed (a worker).
    role: SlackRole = "inline"
    _closed: bool = field(default=False, repr=False)

    def web_app(self, *, run_scheduler: bool = True) -> web.Application:
        """The aiohttp application serving Slack and health, with the indexer and the
        scheduler running beside it."""
        from bot.web import build_web_app

        return build_web_app(self, run_scheduler=run_scheduler)

    @scheduled_job_context  # each run's log lines carry a job run id
    async def run_scheduled(
        self, name: str, job: Callable[[Services, datetime], Awaitable[list[Outgoing]]]
    ) -> None:
        """Run a scheduled use case now and deliver each message on the platform that owns
        its destination (a Teams conversation Candor knows, else Slack)."""
        outgoing = await job(self.services, self.services.clock())
        keyed = [o for o in outgoing if o.delivery_key]
        sent = await self.deliver([o for o in outgoing if not o.delivery_key])
        dead = 0
        deliveries = self.store.deliveries
        for item in keyed:
            assert item.delivery_key is not None
            # One by one: a failed send is counted on its key, and the next round claims it
            # again until it has failed `delivery_max_attempts` times (then it is dead).
            if await self.deliver([item]):
                deliveries.mark_sent(item.delivery_key)
                sent += 1
                continue
            status = deliveries.record_failure(
                item.delivery_key,
                self.services.clock(),
                job=name,
                max_attempts=self.settings.delivery_max_attempts,
            )
            if status == DEAD:
                dead += 1
        failed = len(outgoing) - sent - dead
        self.metrics.deliveries.inc(sent, kind=name, outcome="sent")
        self.metrics.deliveries.inc(failed, kind=name, outcome="failed")
        self.metrics.deliveries.inc(dead, kind=name, outcome="dead")
        log.info("%s: %s sent, %s failed, %s dead-lettered", name, sent, failed, dead)
        await alert_admins(
            self.store, self.deliver, self.services.clock(), self.settings.delivery_max_attempts
        )

    async def deliver(self, outgoing: Sequence[Outgoing]) -> int:
        """Send messages now, each on the platform that owns its destination; return how many
        went out (`Services.deliver_now`, and scheduled jobs)."""
        on_teams = [o for o in outgoing if self._teams_owns(o)]
        on_slack = [o for o in outgoing if o not in on_teams]
        sent = 0
        if on_slack and self.slack_sender is not None:
            sent += (await self._deliver_on_slack(self.slack_sender, on_slack)).sent
        if on_teams and self.teams is not None:
            sent += (await self.teams.send(on_teams)).sent
        return sent

    async def _deliver_on_slack(
        self, sender: SlackSender, outgoing: list[Outgoing]
    ) -> DeliveryReport:
        if self.slack_workspaces is not None:
            return await self.slack_workspaces.deliver(sender, outgoing)
        return await sender.deliver(outgoing, ReplyTarget(user_id=""))

    def _teams_owns(self, item: Outgoing) -> bool:
        if self.teams is None:
            return False
        if self.slack_sender is None:
            return True
        if isinstance(item.to, ToChannel):
            return self.store.conversations.get("teams", item.to.channel_id) is not None
        if isinstance(item.to, ToPerson):
            person = self.store.people.get(item.to.person_id)
            return person is not None and not person.slack_user_id and bool(person.teams_user_id)
        return False

    async def close(self) -> None:
        """Stop background work and release the database and the index."""
        if self._closed:
            return
        self._closed = True
        await self.inflight.wait_idle(timeout=10)
        if self.teams is not None:
            await self.teams.close()
        await self.indexer.stop()
        self.store.close()


def _chat_model(settings: Settings) -> Any | None:
    """The configured langchain chat model, or None (offline engine) if unset or unusable."""
    if not settings.llm:
        return None
    from prompts.llm import load_chat_model

    try:
        return load_chat_model(settings.llm)
    except Exception as error:  # a missing provider package or credentials: stay useful
        log.warning(
            "CANDOR_LLM could not be loaded (%s); using the offline engine", type(error).__name__
        )
        return None


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    open_vector_index: Callable[[], VectorIndex] | None = None,
    slack_client: AsyncWebClient | None = None,
    llm: Any | None = None,
    teams_adapter: Any = None,
    role: SlackRole = "inline",
) -> Candor:
    """Build Candor from settings: migrate the database, wire handlers, Slack and Teams.

    Slack is on when its settings are given or Teams isn't configured (a Teams-only install
    needs no Slack app). With `SLACK_CLIENT_ID` and `SLACK_CLIENT_SECRET` it installs into
    several workspaces (OAuth) and needs no `SLACK_BOT_TOKEN`. `role` is for `candor serve`
    and `candor worker` (`bot.slack.deferral`).

    Raises:
        SettingsError: when a required setting is missing (named in the message).
    """
    slack_on = settings.slack_configured
    if slack_on or not settings.teams.configured:
        settings.require(*settings.slack_required)  # before touching anything
        slack_on = True
    store = Store.open(settings.database_url)
    indexer = BackgroundIndexer(store, open_vector_index or index_opener(settings), clock)
    services = Services(
        store=store,
        base_config=settings.core,
        clock=clock,
        notify_indexer=indexer.wake,
        index=indexer,
        llm=llm if llm is not None else _chat_model(settings),
    )
    router = build_router()
    slack: AsyncApp | None = None
    sender: SlackSender | None = None
    workspaces: SlackWorkspaces | None = None
    inflight = InFlight(WORKER_CONCURRENCY if role == "worker" else AFTER_ACK_CONCURRENCY)
    metrics = Metrics()
    if slack_on:
        client = slack_client or make_client(settings)
        sender = SlackSender(client, store)
        oauth = None
        if settings.slack_oauth.requested:
            oauth = SlackOAuth.build(settings.slack_oauth, store.engine, client)
            workspaces = SlackWorkspaces(oauth, client, store, settings.slack_oauth.team_id)
        slack = build_slack_app(
            settings,
            services,
            router,
            client=client,
            sender=sender,
            oauth=oauth,
            inflight=inflight,
            metrics=metrics,
            role=role,
        )
    teams = None
    if settings.teams.configured:
        from bot.teams.app import build_teams  # botbuilder costs about 1 s to import

        teams = build_teams(settings.teams, services, router, adapter=teams_adapter)
    candor = Candor(
        settings,
        store,
        services,
        router,
        slack,
        sender,
        indexer,
        teams,
        workspaces,
        inflight,
        metrics,
        role,
    )
    services.deliver_now = candor.deliver
    return candor
