"""Shared fixtures: a store per database backend, a Slack stand-in, and a running Candor."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from sqlalchemy import text

from bot.app import Candor, create_app, index_opener
from bot.background import Background
from bot.settings import Settings
from bot.slack.app import make_client
from bot.slack.deferral import SlackRole
from bot.slack.directory import SlackDirectory
from bot.slack.signed_requests import signed_headers, slash_command_body
from bot.slack.standin import SlackStandIn, SlackUser
from bot.worker import RequestWorker
from handlers.org_import import import_directory
from store.repository import Store
from store.vector.embedder import HashingEmbedder
from store.vector.index import InMemoryIndex, VectorIndex
from tests.chroma_server import ChromaServer, ChromaServerError

POSTGRES_URL = os.environ.get("CANDOR_TEST_POSTGRES_URL")
CHROMA_TESTS = os.environ.get("CANDOR_TEST_CHROMA", "on").strip().lower()
SIGNING_SECRET = "test-signing-secret-" + uuid.uuid4().hex
BOT_TOKEN = "xoxb-test"

ORG_CSV = """email,name,manager_email,department,title,role
maya@example.com,Maya Okafor,,Leadership,VP Engineering,
ana@example.com,Ana Silva,maya@example.com,Payments,Engineering Manager,
li@example.com,Li Wei,ana@example.com,Payments,Backend Engineer,
sam@example.com,Sam Rivera,ana@example.com,Payments,Frontend Engineer,
omar@example.com,Omar Haddad,maya@example.com,Platform,SRE,
hana@example.com,Hana Kim,,People,People Partner,hr
"""

SLACK_USERS = [
    SlackUser("U0MAYA", "maya", "Maya Okafor", "maya@example.com"),
    SlackUser("U0ANA", "ana", "Ana Silva", "ana@example.com"),
    SlackUser("U0LI", "li", "Li Wei", "li@example.com"),
    SlackUser("U0SAM", "sam", "Sam Rivera", "sam@example.com"),
    SlackUser("U0OMAR", "omar", "Omar Haddad", "omar@example.com"),
    SlackUser("U0HANA", "hana", "Hana Kim", "hana@example.com"),
    SlackUser("U0GUEST", "guest", "Gia Guest", "gia@contractor.example"),
    SlackUser("U0DEPLOYBOT", "deploybot", "Deploy Bot", None, is_bot=True),
]


# Calls that carry Candor's answer to a request (as opposed to lookups it makes on the way).
ANSWERS = {"chat.postMessage", "chat.postEphemeral", "response_url", "views.open"}


def _reset_postgres(url: str) -> None:
    engine = Store.open(url, run_migrations=False).engine
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each backend (PostgreSQL only when configured)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'candor.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need CANDOR_TEST_POSTGRES_URL (CI sets it)")
    _reset_postgres(POSTGRES_URL)
    yield POSTGRES_URL


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Chroma server for the whole run, started on first use (`tests/chroma_server.py`).

    It is part of the integration suite, so a server that cannot start fails the tests that
    need it, with its log; `CANDOR_TEST_CHROMA=off` skips them instead.
    """
    if CHROMA_TESTS == "off":
        pytest.skip("CANDOR_TEST_CHROMA=off: the Chroma server tests are switched off")
    server = ChromaServer(tmp_path_factory.mktemp("chroma") / "data")
    failure = None
    try:
        server.start()
    except ChromaServerError as error:
        failure = str(error)
    if failure is not None:  # outside the except: the report shows the log, not a chain
        pytest.fail(f"The Chroma server for the tests did not start. {failure}", pytrace=False)
    yield server.url
    server.stop()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A migrated store on each backend."""
    opened = Store.open(database_url)
    yield opened
    opened.close()


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def standin() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn(users=SLACK_USERS, token=BOT_TOKEN) as running:
        yield running


def make_settings(tmp_path: Path, database_url: str, api_url: str, **env: str) -> Settings:
    """Settings for a test instance: its own data dir, the stand-in, a random signing secret."""
    values = {
        "CANDOR_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "CANDOR_EMBEDDER": "hashing",
        **env,
    }
    return Settings.from_env(values, dotenv_path=None)


@dataclass
class SlackHarness:
    """A running Candor behind a real HTTP server, and a way to send it signed commands."""

    candor: Candor
    server: TestServer
    standin: SlackStandIn
    clock: FakeClock
    index: InMemoryIndex
    http: ClientSession
    sent: list[str] = field(default_factory=list)
    # With a worker (`running_candor(split=True)`): the worker process's Candor, in this one.
    worker: Candor | None = None

    @property
    def url(self) -> str:
        return str(self.server.make_url("/slack/events"))

    def command_body(
        self,
        text: str,
        *,
        user: str = "U0LI",
        trigger: str | None = None,
        command: str = "/kudos",
        channel: str = "C0GENERAL",
    ) -> str:
        return slash_command_body(
            command=command,
            text=text,
            user_id=user,
            channel_id=channel,
            trigger_id=trigger or uuid.uuid4().hex,
            response_url=self.standin.response_url_base + uuid.uuid4().hex,
        )

    async def post(
        self,
        body: str,
        *,
        secret: str = SIGNING_SECRET,
        timestamp: int | None = None,
        extra: dict[str, str] | None = None,
    ) -> int:
        headers = {**signed_headers(secret, body, timestamp), **(extra or {})}
        async with self.http.post(self.url, data=body.encode(), headers=headers) as response:
            await response.read()
            return response.status

    async def click(
        self, action_id: str, value: str, *, user: str, channel: str = "C0GENERAL"
    ) -> int:
        """Press a button: a signed block_actions payload, then wait for Candor's answer."""
        payload = {
            "type": "block_actions",
            "team": {"id": "T0CANDOR"},
            "user": {"id": user},
            "channel": {"id": channel},
            "trigger_id": uuid.uuid4().hex,
            "response_url": self.standin.response_url_base + uuid.uuid4().hex,
            "actions": [
                {
                    "action_id": action_id,
                    "value": value,
                    "type": "button",
                    "action_ts": str(time.time()),
                }
            ],
        }
        body = urlencode({"payload": json.dumps(payload)})
        before = len(self.standin.calls)
        status = await self.post(body)
        await self.settle(before)
        return status

    async def kudos(self, text: str, **kwargs: str) -> int:
        """Send `/kudos text` and wait until Candor has finished answering it."""
        before = len(self.standin.calls)
        status = await self.post(self.command_body(text, **kwargs))
        await self.settle(before)
        return status

    def forms(self) -> list[dict[str, Any]]:
        """The modal views Candor opened (`views.open`), oldest first."""
        return [c.args["view"] for c in self.standin.calls_to("views.open")]

    async def submit(
        self,
        view: dict[str, Any],
        inputs: dict[str, str],
        *,
        user: str,
        view_id: str | None = None,
    ) -> dict[str, Any]:
        """Fill in and submit a modal Candor opened, as Slack would: a signed `view_submission`
        with each field's value in `view.state.values`. Returns Slack's ack body ({} when the
        modal closes; `response_action: errors` with field errors)."""
        values: dict[str, dict[str, Any]] = {}
        for block in view.get("blocks", []):
            if block.get("type") != "input":
                continue
            element = block["element"]
            raw = inputs.get(block["block_id"])
            state: dict[str, Any] = {"type": element["type"]}
            if element["type"] == "datepicker":
                state["selected_date"] = raw
            elif element["type"] == "static_select":
                state["selected_option"] = None if raw is None else {"value": raw}
            else:
                state["value"] = raw
            values[block["block_id"]] = {element["action_id"]: state}
        payload = {
            "type": "view_submission",
            "team": {"id": "T0CANDOR"},
            "user": {"id": user},
            "view": {
                "id": view_id or "V" + uuid.uuid4().hex[:10].upper(),
                "hash": uuid.uuid4().hex,
                "team_id": "T0CANDOR",
                "type": "modal",
                "callback_id": view["callback_id"],
                "private_metadata": view.get("private_metadata", ""),
                "state": {"values": values},
            },
        }
        body = urlencode({"payload": json.dumps(payload)})
        before = len(self.standin.calls)
        headers = signed_headers(SIGNING_SECRET, body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        async with self.http.post(self.url, data=body, headers=headers) as response:
            assert response.status == 200, await response.text()
            text = await response.text()
        ack = json.loads(text) if text.strip() else {}
        if not ack.get("errors"):
            await self.settle(before, answer=False)
        return ack

    async def settle(self, before: int, quiet: float = 0.05, *, answer: bool = True) -> None:
        """Wait until Candor has answered (a message or reply since call number `before`),
        its listener has finished, and it has made no call for `quiet` seconds. Lookups alone
        (auth.test, users.info) don't count as an answer: slow work may still be running after
        them. With `answer=False` (a request that should change nothing) just wait for `quiet`
        seconds without calls."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        seen, last_change = len(self.standin.calls), loop.time()
        while loop.time() < deadline:
            await asyncio.sleep(0.02)
            calls = self.standin.calls
            if len(calls) != seen:
                seen, last_change = len(calls), loop.time()
                continue
            answered = not answer or any(c.method in ANSWERS for c in calls[before:])
            busy = self.busy()  # the listener may still be working
            if answered and not busy and loop.time() - last_change >= quiet:
                return
        # No call at all within the deadline: the caller's assertions say what was missing.

    def busy(self) -> bool:
        """Whether a listener is still working, or a request still waits for the worker."""
        if self.candor.inflight.running:
            return True
        if self.worker is None:
            return False
        return self.worker.inflight.running > 0 or self.candor.store.request_queue.depth() > 0


@asynccontextmanager
async def running_candor(
    tmp_path: Path,
    database_url: str,
    standin: SlackStandIn,
    clock: FakeClock,
    *,
    open_index: Callable[[], VectorIndex] | None = None,
    org_csv: str = ORG_CSV,
    llm: Any = None,
    split: bool = False,
    **env: str,
) -> AsyncIterator[SlackHarness]:
    """Candor with the sample org imported, served over HTTP, talking to the stand-in.

    The vector index is `open_index`, else the configured one when `CHROMA_URL` is given, else
    the harness's in-memory index. With `split`, as `candor serve` runs by default: the web
    app acks and queues, and a worker (its own Candor, on this event loop) replays the queue.
    """
    settings = make_settings(tmp_path, database_url, standin.base_url, **env)
    index = InMemoryIndex(HashingEmbedder())
    if open_index is None:
        open_index = index_opener(settings) if settings.chroma_url else (lambda: index)
    role: SlackRole = "web" if split else "inline"
    candor = create_app(settings, clock=clock, open_vector_index=open_index, llm=llm, role=role)
    await import_directory(candor.store, org_csv, clock(), SlackDirectory(make_client(settings)))
    server = TestServer(candor.web_app())
    await server.start_server()
    worker = background = replaying = replayer = None
    if split:
        worker = create_app(
            settings, clock=clock, open_vector_index=open_index, llm=llm, role="worker"
        )
        background = Background(worker, work=True, run_scheduler=False)
        await background.start()
        assert worker.slack is not None
        replayer = RequestWorker(worker.slack, worker.store.request_queue, clock, poll_seconds=0.01)
        replaying = asyncio.create_task(replayer.run())
    try:
        async with ClientSession() as http:
            yield SlackHarness(candor, server, standin, clock, index, http, worker=worker)
    finally:
        if replaying is not None and replayer is not None:
            replaying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await replaying
            await replayer.wait_idle()
        if background is not None:
            await background.stop()
        await server.close()


@pytest.fixture
async def slack(
    tmp_path: Path, database_url: str, standin: SlackStandIn, clock: FakeClock
) -> AsyncIterator[SlackHarness]:
    """The default running Candor (see `running_candor`)."""
    async with running_candor(tmp_path, database_url, standin, clock) as harness:
        yield harness


@pytest.fixture
def home(slack: SlackHarness) -> SlackHarness:
    """The default running Candor, named for the Home, welcome and settings tests."""
    return slack
