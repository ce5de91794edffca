"""Teams test helpers: recorded-style activities, a connector stand-in, and a running bot.

Activities start from the JSON under `tests/fixtures/teams/` (shaped like what Teams sends)
and get their text, mentions, ids and `serviceUrl` filled in per test.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from bot.indexer_task import BackgroundIndexer
from bot.teams.app import TeamsRuntime, build_teams
from bot.teams.connector_standin import TENANT_ID, ConnectorStandIn, TeamsUser
from bot.teams.ratelimit import ConversationLimiter
from bot.teams.settings import TeamsSettings
from handlers.catalog import build_router
from handlers.config import CoreConfig
from handlers.org_import import import_directory
from handlers.services import Services
from store.repository import Store
from store.vector.embedder import HashingEmbedder
from store.vector.index import InMemoryIndex
from tests.conftest import ORG_CSV, FakeClock

FIXTURES = Path(__file__).parent / "fixtures" / "teams"
BOT_ID = "28:11111111-2222-3333-4444-555555555555"
TENANT = TENANT_ID
CHANNEL = "19:0f1e2d3c4b5a69788796a5b4c3d2e1f0@thread.tacv2"
TEAM = "19:aa11bb22cc33dd44ee55ff6677889900@thread.tacv2"

MAYA = TeamsUser("29:1maya-okafor-77d2", "Maya Okafor", "maya@example.com")
ANA = TeamsUser("29:1ana-silva-5b3e", "Ana Silva", "ana@example.com")
LI = TeamsUser("29:1li-wei-8c1f", "Li Wei", "li@example.com")
SAM = TeamsUser("29:1sam-rivera-41aa", "Sam Rivera", "sam@example.com")
OMAR = TeamsUser("29:1omar-haddad-0c9a", "Omar Haddad", "omar@example.com")
HANA = TeamsUser("29:1hana-kim-3e21", "Hana Kim", "hana@example.com")
GIA = TeamsUser("29:1gia-guest-9f00", "Gia Guest", "gia@contractor.example")
DEPLOYBOT = TeamsUser("28:deploy-bot-0001", "Deploy Bot", None, role="bot")
TEAMS_USERS = [MAYA, ANA, LI, SAM, OMAR, HANA, GIA, DEPLOYBOT]

Part = str | TeamsUser


def load(name: str) -> dict[str, Any]:
    """A fixture activity (a fresh copy)."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return copy.deepcopy(data)


def personal_chat_id(user: TeamsUser) -> str:
    """The id of a user's 1:1 chat with the bot: as long and opaque as the real ones."""
    digest = hashlib.sha512(user.id.encode()).digest()
    return "a:1" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def compose(*parts: Part, split_names: bool = False) -> tuple[str, list[dict[str, Any]]]:
    """Message text and mention entities: users become `<at>Name</at>` tags."""
    words: list[str] = []
    entities: list[dict[str, Any]] = []
    for part in parts:
        if isinstance(part, str):
            words.append(part)
            continue
        names = part.name.split() if split_names else [part.name]
        for name in names:
            tag = f"<at>{name}</at>"
            words.append(tag)
            entities.append(
                {"type": "mention", "text": tag, "mentioned": {"id": part.id, "name": name}}
            )
    return " ".join(words), entities


def _fill(
    activity: dict[str, Any],
    text: str,
    entities: list[dict[str, Any]],
    user: TeamsUser,
    service_url: str | None,
    activity_id: str | None,
) -> dict[str, Any]:
    activity["text"] = text
    activity.pop("attachments", None)
    client = [e for e in activity.get("entities", []) if e.get("type") != "mention"]
    activity["entities"] = [*entities, *client]
    activity["from"] = {"id": user.id, "name": user.name, "aadObjectId": f"aad-{user.id}"}
    activity["id"] = activity_id or uuid.uuid4().hex
    if service_url:
        activity["serviceUrl"] = service_url
    return activity


def personal_message(
    *parts: Part,
    user: TeamsUser = LI,
    service_url: str | None = None,
    activity_id: str | None = None,
) -> dict[str, Any]:
    """A message in the user's 1:1 chat with the bot."""
    text, entities = compose(*parts)
    activity = _fill(load("personal_message"), text, entities, user, service_url, activity_id)
    activity["conversation"]["id"] = personal_chat_id(user)
    return activity


def channel_message(
    *parts: Part,
    user: TeamsUser = LI,
    service_url: str | None = None,
    activity_id: str | None = None,
    split_names: bool = False,
) -> dict[str, Any]:
    """A message in a team channel that @mentions the bot first, as Teams requires."""
    bot = {
        "type": "mention",
        "text": "<at>Candor</at>",
        "mentioned": {"id": BOT_ID, "name": "Candor"},
    }
    text, entities = compose(*parts, split_names=split_names)
    activity = _fill(
        load("channel_message"),
        f"<at>Candor</at> {text}",
        [bot, *entities],
        user,
        service_url,
        activity_id,
    )
    activity["conversation"]["id"] = f"{CHANNEL};messageid={activity['id']}"
    return activity


class FakeTimer:
    """A monotonic clock and a sleeper that only moves it: rate limits without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def open_services(database_url: str, clock: FakeClock, *, with_index: bool = False) -> Services:
    """The services a Candor process builds (the store migrated), without the Slack app;
    `with_index` adds an in-memory vector index behind the background indexer."""
    store = Store.open(database_url)
    if not with_index:
        return Services(store=store, base_config=CoreConfig(), clock=clock)
    index = InMemoryIndex(HashingEmbedder())
    indexer = BackgroundIndexer(store, lambda: index, clock)
    return Services(
        store=store,
        base_config=CoreConfig(),
        clock=clock,
        notify_indexer=indexer.wake,
        index=indexer,
    )


@dataclass
class TeamsHarness:
    """A Teams runtime behind a real HTTP endpoint, talking to the connector stand-in."""

    runtime: TeamsRuntime
    services: Services
    server: TestServer
    standin: ConnectorStandIn
    clock: FakeClock
    timer: FakeTimer
    http: ClientSession
    statuses: list[int] = field(default_factory=list)

    @property
    def store(self) -> Store:
        return self.services.store

    @property
    def url(self) -> str:
        return str(self.server.make_url("/api/messages"))

    async def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> int:
        """POST one activity to `/api/messages`; returns the HTTP status."""
        async with self.http.post(self.url, json=activity, headers=headers or {}) as response:
            await response.read()
            return response.status

    async def send(self, activity: dict[str, Any]) -> int:
        """POST an activity and wait until every reply and DM it causes has been sent."""
        activity.setdefault("serviceUrl", self.standin.service_url)
        activity["serviceUrl"] = self.standin.service_url
        status = await self.post(activity)
        assert await self.runtime.drain(timeout=10), "deliveries did not finish"
        return status


def web_app(runtime: TeamsRuntime) -> web.Application:
    """The route `bot/web.py` serves Teams on."""
    app = web.Application()
    app.router.add_post("/api/messages", runtime.handle)
    return app


@asynccontextmanager
async def running_teams(
    database_url: str,
    clock: FakeClock,
    *,
    standin: ConnectorStandIn | None = None,
    env: dict[str, str] | None = None,
    import_org: bool = True,
    org_csv: str = ORG_CSV,
    with_index: bool = False,
) -> AsyncIterator[TeamsHarness]:
    """Candor's Teams bot with the sample org, served over HTTP, talking to a connector
    stand-in (a new one unless given). Authentication is off unless `env` says otherwise."""
    async with AsyncExitStack() as stack:
        if standin is None:
            standin = await stack.enter_async_context(
                ConnectorStandIn(users=TEAMS_USERS, tenant_id=TENANT)
            )
        services = open_services(database_url, clock, with_index=with_index)
        stack.callback(services.store.close)
        if import_org:
            await import_directory(services.store, org_csv, clock())
        settings = TeamsSettings.from_env(
            env if env is not None else {"CANDOR_TEAMS_AUTH_DISABLED": "1"}
        )
        timer = FakeTimer()
        limiter = ConversationLimiter(monotonic=timer.monotonic, sleep=timer.sleep)
        router = build_router()
        runtime = build_teams(settings, services, router, limiter=limiter, sleep=timer.sleep)
        stack.push_async_callback(runtime.close)
        server = TestServer(web_app(runtime))
        await server.start_server()
        stack.push_async_callback(server.close)
        http = await stack.enter_async_context(ClientSession())
        yield TeamsHarness(runtime, services, server, standin, clock, timer, http)
