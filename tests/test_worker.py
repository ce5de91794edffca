"""The web and worker split that `candor serve` runs by default: the web app checks, acks and
queues Slack requests (`bot.slack.deferral`); a worker replays them (`bot.worker`)."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from bot.app import Candor, create_app
from bot.logging_setup import install_request_ids
from bot.serve import worker_mode
from bot.slack.app import make_client
from bot.slack.directory import SlackDirectory
from bot.slack.signed_requests import signed_headers, slash_command_body
from bot.slack.standin import SlackStandIn
from bot.worker import RequestWorker
from handlers.org_import import import_directory
from store.db import queue_url
from store.repository import Store
from store.request_queue import MAX_ATTEMPTS, STALE_AFTER
from store.vector.embedder import HashingEmbedder
from store.vector.index import InMemoryIndex
from tests.conftest import (
    ORG_CSV,
    SIGNING_SECRET,
    FakeClock,
    SlackHarness,
    make_settings,
    running_candor,
)

# The same flows as the single-process tests, here through the queue and the worker: a
# command, a retried command, buttons that open forms, a form's field errors (not deferred:
# they must reach the still-open modal) and the App Home.
from tests.test_feedback import (  # noqa: F401
    test_a_request_reaches_each_person_and_the_manager_reads_the_answer_once,
    test_an_empty_answer_is_a_field_error,
)
from tests.test_home import test_a_manager_sees_their_reports_but_not_outside_their_line  # noqa: F401
from tests.test_slack_app import (  # noqa: F401
    test_kudos_is_stored_posted_and_sent_to_recipient_and_manager,
    test_same_request_twice_is_stored_and_posted_once,
)


@pytest.fixture
async def slack(
    tmp_path: Path, database_url: str, standin: SlackStandIn, clock: FakeClock
) -> AsyncIterator[SlackHarness]:
    """Candor as `candor serve` runs it: a web app and a worker, one database."""
    async with running_candor(tmp_path, database_url, standin, clock, split=True) as harness:
        yield harness


@pytest.fixture
def home(slack: SlackHarness) -> SlackHarness:
    return slack


class Split:
    """A web app and a worker's Candor on one database, the worker driven by hand."""

    def __init__(self, web: Candor, worker: Candor, server: TestServer, clock: FakeClock):
        self.web, self.worker, self.server, self.clock = web, worker, server, clock

    def replayer(self, name: str = "worker-1") -> RequestWorker:
        assert self.worker.slack is not None
        return RequestWorker(
            self.worker.slack, self.worker.store.request_queue, self.clock, name=name
        )

    async def kudos(self, http: ClientSession, standin: SlackStandIn, text: str) -> int:
        body = slash_command_body(
            command="/kudos",
            text=text,
            user_id="U0LI",
            trigger_id="trigger-1",
            response_url=standin.response_url_base + "r1",
        )
        url = str(self.server.make_url("/slack/events"))
        headers = {**signed_headers(SIGNING_SECRET, body), "X-Request-Id": "req-from-the-edge"}
        async with http.post(url, data=body.encode(), headers=headers) as response:
            await response.read()
            return response.status


@pytest.fixture
async def split(
    tmp_path: Path, database_url: str, standin: SlackStandIn, clock: FakeClock
) -> AsyncIterator[Split]:
    settings = make_settings(tmp_path, database_url, standin.base_url)
    index = InMemoryIndex(HashingEmbedder())
    web = create_app(settings, clock=clock, open_vector_index=lambda: index, role="web")
    worker = create_app(settings, clock=clock, open_vector_index=lambda: index, role="worker")
    await import_directory(web.store, ORG_CSV, clock(), SlackDirectory(make_client(settings)))
    server = TestServer(web.web_app())
    await server.start_server()
    try:
        yield Split(web, worker, server, clock)
    finally:
        await server.close()
        await worker.close()


def _posts(standin: SlackStandIn) -> int:
    return len(standin.calls_to("chat.postMessage"))


async def test_the_web_app_acks_and_queues_and_the_worker_does_the_work(
    split: Split, standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    install_request_ids()
    caplog.set_level(logging.INFO)
    async with ClientSession() as http:
        assert await split.kudos(http, standin, "<@U0SAM|sam> for the calm incident review") == 200

    # Acked with nothing done yet: the request waits in SQL, not in this process's memory.
    assert split.web.store.kudos.count() == 0
    assert _posts(standin) == 0
    assert split.web.store.request_queue.depth() == 1

    assert await split.replayer().drain() == 1

    [kudos] = split.worker.store.kudos.page(0, 10)
    assert kudos.text == "for the calm incident review"
    assert _posts(standin) >= 1
    assert split.web.store.request_queue.depth() == 0  # the body it quoted is gone
    # The worker's lines carry the web request's id, so one request reads as one story.
    worker_lines = [r for r in caplog.records if r.name == "bot.slack.app"]
    assert worker_lines and {getattr(r, "request_id", None) for r in worker_lines} == {
        "req-from-the-edge"
    }


async def test_a_request_left_by_a_dead_worker_is_replayed_once_it_is_stale(
    split: Split, standin: SlackStandIn
) -> None:
    async with ClientSession() as http:
        await split.kudos(http, standin, "<@U0SAM|sam> for the tidy runbook")
    queue = split.web.store.request_queue
    [taken] = queue.claim("worker-that-died", split.clock(), limit=10)

    split.clock.advance(seconds=STALE_AFTER.total_seconds() / 2)
    assert await split.replayer().drain() == 0  # still someone else's
    split.clock.advance(seconds=STALE_AFTER.total_seconds())
    assert await split.replayer().drain() == 1

    assert split.web.store.kudos.count() == 1
    assert queue.depth() == 0
    # The dead worker had in fact finished it: its replay changes nothing.
    await split.replayer().handle(taken)
    assert split.web.store.kudos.count() == 1


async def test_a_request_that_keeps_killing_its_worker_is_given_up(
    split: Split, standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    async with ClientSession() as http:
        await split.kudos(http, standin, "<@U0SAM|sam> for the long migration")
    queue = split.web.store.request_queue
    for attempt in range(MAX_ATTEMPTS):
        assert queue.claim(f"worker-{attempt}", split.clock(), limit=1)
        split.clock.advance(seconds=STALE_AFTER.total_seconds() + 1)

    with caplog.at_level(logging.ERROR):
        await split.replayer().drain()

    assert "given up" in caplog.text
    assert split.web.store.kudos.count() == 0
    assert queue.depth() == 0


def test_concurrent_workers_never_claim_the_same_request(store: Store, clock: FakeClock) -> None:
    queue = store.request_queue
    for n in range(60):
        queue.put(f"body {n}", "application/x-www-form-urlencoded", f"req-{n}", clock())
    claimed: dict[str, list[int]] = {"a": [], "b": [], "c": []}
    start = threading.Barrier(len(claimed))

    def work(name: str) -> None:
        start.wait()
        while batch := queue.claim(name, clock(), limit=3):
            claimed[name] += [c.id for c in batch]

    threads = [threading.Thread(target=work, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    every = [i for ids in claimed.values() for i in ids]
    assert len(every) == 60 and len(set(every)) == 60
    assert queue.depth() == 60  # claimed, not done: a crash now loses nothing
    stale = clock() + STALE_AFTER + timedelta(seconds=1)
    assert len(queue.claim("d", stale, limit=100)) == 60


async def test_the_worker_replays_in_arrival_order_a_few_at_a_time(
    split: Split, standin: SlackStandIn
) -> None:
    async with ClientSession() as http:
        for n in range(6):
            await split.kudos(http, standin, f"<@U0SAM|sam> for review number {n}")
    # The same trigger id for all six: the first is stored, the rest are recognised retries.
    worker = split.replayer()
    running = asyncio.create_task(worker.run())
    try:
        for _ in range(500):
            if split.web.store.request_queue.depth() == 0 and worker.handled == 6:
                break
            await asyncio.sleep(0.02)
    finally:
        running.cancel()
        await worker.wait_idle()
    assert worker.handled == 6
    [kudos] = split.web.store.kudos.page(0, 10)
    assert kudos.text == "for review number 0"


async def test_buttons_and_events_are_queued_too(split: Split, standin: SlackStandIn) -> None:
    button = {
        "type": "block_actions",
        "team": {"id": "T0CANDOR"},
        "user": {"id": "U0LI"},
        "channel": {"id": "C0GENERAL"},
        "trigger_id": "trigger-2",
        "response_url": standin.response_url_base + "r2",
        "actions": [
            {
                "action_id": "home.help:kudos",
                "value": "kudos",
                "type": "button",
                "action_ts": "1700000000.1",
            }
        ],
    }
    event = {
        "token": "t",
        "team_id": "T0CANDOR",
        "api_app_id": "A0CANDOR",
        "type": "event_callback",
        "event_id": "Ev0HOME",
        "event_time": 1700000000,
        "event": {"type": "app_home_opened", "user": "U0ANA", "channel": "D0HOME", "tab": "home"},
    }
    url = str(split.server.make_url("/slack/events"))
    async with ClientSession() as http:
        for body, kind in (
            (urlencode({"payload": json.dumps(button)}), "application/x-www-form-urlencoded"),
            (json.dumps(event), "application/json"),
        ):
            headers = {**signed_headers(SIGNING_SECRET, body), "Content-Type": kind}
            async with http.post(url, data=body.encode(), headers=headers) as response:
                assert response.status == 200
    # Nothing answered in the web process: both wait for the worker.
    assert standin.calls_to("views.publish") == [] and standin.calls_to("response_url") == []
    assert split.web.store.request_queue.depth() == 2

    assert await split.replayer().drain() == 2

    assert [c.args["user_id"] for c in standin.calls_to("views.publish")] == ["U0ANA"]
    assert "/kudos @person" in json.dumps([c.args for c in standin.calls_to("response_url")])


def test_the_worker_mode_is_read_and_checked() -> None:
    from bot.settings import Settings, SettingsError

    assert worker_mode(Settings.from_env({}, dotenv_path=None)) == "process"
    assert Settings.from_env({"CANDOR_WORKER": "Inline"}, dotenv_path=None).worker == "inline"
    with pytest.raises(SettingsError, match="CANDOR_WORKER must be one of process, external"):
        Settings.from_env({"CANDOR_WORKER": "threads"}, dotenv_path=None)


def test_teams_or_socket_mode_with_a_local_index_runs_in_one_process_unless_told_otherwise() -> (
    None
):
    from bot.settings import Settings, SettingsError

    def mode(socket_mode: bool = False, **env: str) -> str:
        return worker_mode(Settings.from_env(env, dotenv_path=None), socket_mode=socket_mode)

    # Teams turns are answered in the web process; only one process can open the local index.
    assert mode(MICROSOFT_APP_ID="app") == "inline"
    assert mode(socket_mode=True) == "inline"
    assert mode(MICROSOFT_APP_ID="app", CHROMA_URL="http://chroma:8000") == "process"
    assert mode(MICROSOFT_APP_ID="app", CANDOR_WORKER="inline") == "inline"
    with pytest.raises(SettingsError, match="CANDOR_WORKER=external with Teams needs CHROMA_URL"):
        mode(MICROSOFT_APP_ID="app", CANDOR_WORKER="external")
    with pytest.raises(SettingsError, match="set CANDOR_WORKER=inline"):
        mode(socket_mode=True, CANDOR_WORKER="process")


@contextmanager
def write_locked(path: Path, seconds: float) -> Iterator[threading.Event]:
    """Another process's writer: hold `path`'s SQLite write lock for `seconds` in a thread;
    yield an event that is set just before the lock is released (so while it is unset, the
    lock is held)."""
    locked, releasing = threading.Event(), threading.Event()

    def hold() -> None:
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        locked.set()
        time.sleep(seconds)
        releasing.set()
        connection.execute("COMMIT")
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    locked.wait()
    try:
        yield releasing
    finally:
        holder.join()


def test_on_sqlite_the_queue_has_a_file_of_its_own_so_puts_never_wait_for_feedback_writes(
    tmp_path: Path, clock: FakeClock
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'candor.db'}")
    worker_side = Store.open(f"sqlite:///{tmp_path / 'candor.db'}")
    try:
        # A long write on the main database (the worker storing feedback) doesn't hold it up.
        with write_locked(tmp_path / "candor.db", seconds=2) as releasing:
            queued = store.request_queue.put("body", "text/plain", "req-1", clock())
            assert not releasing.is_set()  # the put did not wait for the lock to go
        # Any process opening the same database sees the same queue.
        assert [c.id for c in worker_side.request_queue.claim("w", clock(), limit=5)] == [queued]
        assert (tmp_path / "candor-requests.db").exists()
        with sqlite3.connect(tmp_path / "candor.db") as main:
            assert main.execute("SELECT count(*) FROM queued_requests").fetchone() == (0,)
    finally:
        store.close()
        worker_side.close()


def test_a_put_that_meets_a_locked_queue_file_waits_for_it_and_then_stores_once(
    tmp_path: Path, clock: FakeClock
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'candor.db'}")
    try:
        # The put's connection fails at once on the lock; it retries until the lock goes.
        with write_locked(tmp_path / "candor-requests.db", seconds=0.3) as releasing:
            store.request_queue.put("body", "text/plain", "req-1", clock())
            assert releasing.is_set()
        assert store.request_queue.depth() == 1
        # An idle worker's poll only reads, so it isn't held up by a put in progress either.
        store.request_queue.claim("w", clock(), limit=5)
        with write_locked(tmp_path / "candor-requests.db", seconds=2) as releasing:
            assert store.request_queue.claim("w", clock(), limit=5) == []
            assert not releasing.is_set()
    finally:
        store.close()


@pytest.mark.parametrize(
    ("url", "queue"),
    [
        ("sqlite:///data/candor.db", "sqlite:///data/candor-requests.db"),
        ("sqlite:////srv/candor/main.sqlite3", "sqlite:////srv/candor/main-requests.sqlite3"),
        ("sqlite:///data.v2/candor", "sqlite:///data.v2/candor-requests"),
        ("sqlite:///data/.candor", "sqlite:///data/.candor-requests"),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql+psycopg://candor@db/candor", None),
    ],
)
def test_where_the_request_queue_lives(url: str, queue: str | None) -> None:
    assert queue_url(url) == queue
