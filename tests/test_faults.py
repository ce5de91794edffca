"""Faults: Slack rate limits, server errors and timeouts are retried, not dropped; a process
killed mid-batch resumes from the outbox without duplicates; a database that is briefly away
gets the user a clear reply and Candor carries on once it is back."""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy.engine import Engine, make_url

from bot.slack.app import make_client
from bot.slack.standin import SlackStandIn
from handlers.messages import Message, Outgoing, ToChannel
from handlers.services import Services
from store.indexer import drain_outbox
from store.repository import Store
from store.vector.chroma import open_index
from store.vector.embedder import HashingEmbedder
from tests.conftest import ANSWERS, FakeClock, SlackHarness, make_settings, running_candor
from tests.test_indexer import NOW, _kudos

KEY = "report:C0HR:2026-W45"


@pytest.fixture
def delays(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """The waits slack_sdk's retry handlers ask for, recorded instead of slept; no jitter."""
    waited: list[float] = []
    real_sleep = asyncio.sleep

    async def record(seconds: float, *args: object, **kwargs: object) -> None:
        if seconds > 0:
            waited.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(random, "random", lambda: 0.0)
    # The handlers call `asyncio.sleep` through the module: patch it only there.
    import slack_sdk.http_retry.async_handler as backoff
    import slack_sdk.http_retry.builtin_async_handlers as handlers

    class _Asyncio:
        sleep = staticmethod(record)

    monkeypatch.setattr(handlers, "asyncio", _Asyncio)
    monkeypatch.setattr(backoff, "asyncio", _Asyncio)
    yield waited


async def report_round(services: Services, now: datetime) -> list[Outgoing]:
    if not services.store.deliveries.claim(KEY, "report", now):
        return []
    return [Outgoing(ToChannel("C0HR"), Message("weekly report"), "report", delivery_key=KEY)]


def report_calls(slack: SlackHarness) -> list[int]:
    """HTTP status of every attempt to post the report."""
    calls = slack.standin.calls_to("chat.postMessage")
    return [c.status for c in calls if c.args.get("channel") == "C0HR"]


# --- Slack retries ---------------------------------------------------------------------------


async def test_a_429_is_retried_after_its_retry_after_and_not_dropped(
    slack: SlackHarness, delays: list[float]
) -> None:
    slack.standin.fail_next("chat.postMessage", status=429, retry_after=7, times=2)

    await slack.candor.run_scheduled("weekly report", report_round)

    assert report_calls(slack) == [429, 429, 200]
    assert delays == [7.0, 7.0]  # waited exactly what Slack asked, each time
    assert slack.candor.store.deliveries.claimed(KEY)
    assert slack.candor.metrics.deliveries.value(kind="weekly report", outcome="sent") == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_are_retried_with_growing_backoff(
    slack: SlackHarness, delays: list[float], status: int
) -> None:
    slack.standin.fail_next("chat.postMessage", status=status, times=2)

    await slack.candor.run_scheduled("weekly report", report_round)

    assert report_calls(slack) == [status, status, 200]
    assert delays == [0.5, 1.0]
    assert slack.candor.store.deliveries.claimed(KEY)


async def test_slack_down_for_good_costs_one_attempt_a_round_then_a_dead_letter(
    slack: SlackHarness, delays: list[float]
) -> None:
    slack.standin.fail_next("chat.postMessage", status=503, times=1000)
    deliveries = slack.candor.store.deliveries

    for round_number in range(1, 6):
        await slack.candor.run_scheduled("weekly report", report_round)
        assert len(report_calls(slack)) == 3 * round_number  # the first try and two retries

    assert [(d.key, d.attempts) for d in deliveries.dead()] == [(KEY, 5)]
    await slack.candor.run_scheduled("weekly report", report_round)
    assert len(report_calls(slack)) == 15  # dead: not tried again


@pytest.fixture
async def hanging_slack() -> AsyncIterator[tuple[str, list[str]]]:
    """A Slack Web API that never answers the first two calls (a timeout) and then does."""
    calls: list[str] = []
    released = asyncio.Event()

    async def api(request: web.Request) -> web.Response:
        calls.append(request.match_info["method"])
        if len(calls) <= 2:
            await released.wait()
        return web.json_response({"ok": True, "channel": "C0HR", "ts": "1.0"})

    app = web.Application()
    app.router.add_post("/api/{method}", api)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/api/", calls
    finally:
        released.set()
        await runner.cleanup()


async def test_timeouts_are_retried_with_backoff(
    tmp_path: Path, hanging_slack: tuple[str, list[str]], delays: list[float]
) -> None:
    url, calls = hanging_slack
    client = make_client(make_settings(tmp_path, "sqlite://", url))
    client.timeout = 0.2  # type: ignore[assignment]  # seconds; the real client waits 10

    response = await client.chat_postMessage(channel="C0HR", text="weekly report")

    assert response["ok"] is True
    assert calls == ["chat.postMessage"] * 3
    assert delays == [0.5, 1.0]


# --- a process killed mid-batch --------------------------------------------------------------

_KILLED_DRAIN = """
import os, sys
from datetime import UTC, datetime
from pathlib import Path
from store.indexer import drain_outbox
from store.repository import Store
from store.vector.chroma import open_index
from store.vector.embedder import HashingEmbedder

store = Store.open(sys.argv[1])
index = open_index(HashingEmbedder(), data_dir=Path(sys.argv[2]), chroma_url=None)
batches = None if sys.argv[3] == "all" else int(sys.argv[3])
# Killed after the index took the first batch, before the outbox recorded it (in a pipelined
# drain, while the second batch is embedded): no cleanup runs.
store.outbox.mark_done = lambda *args, **kwargs: os._exit(137)
drain_outbox(store, index, datetime.now(UTC), batch_size=3, batches=batches)
"""


@pytest.mark.parametrize("batches", ["1", "all"], ids=["one-batch", "pipelined"])
def test_a_process_killed_mid_batch_resumes_from_the_outbox_without_duplicates(
    store: Store, database_url: str, tmp_path: Path, batches: str
) -> None:
    records = _kudos(store, 7)
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_DRAIN, database_url, str(tmp_path), batches],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        timeout=120,
    )
    assert killed.returncode == 137, killed.stderr.decode()[-2000:]
    assert store.outbox.pending_count() == 7  # the killed batch was never marked done

    index = open_index(HashingEmbedder(), data_dir=tmp_path, chroma_url=None)
    try:
        # What the killed process wrote before it died: the first batch only (a pipelined
        # drain writes the next batch only after the one before was settled).
        assert index.count() == 3
        assert drain_outbox(store, index, NOW, batch_size=3, batches=None) == 7
        assert store.outbox.pending_count() == 0
        assert index.ids() == {f"kudos:{r.id}" for r in records}
    finally:
        index.close()


# --- the database briefly away ---------------------------------------------------------------


class Outage:
    """Takes the database away from a running Candor and brings it back."""

    def __init__(self, engine: Engine, database_url: str, proxy: TcpProxy | None) -> None:
        self._engine, self._url, self._proxy = engine, database_url, proxy
        self._moved: list[tuple[Path, Path]] = []

    def begin(self) -> None:
        if self._proxy is not None:
            self._proxy.refuse()  # PostgreSQL: every connection dropped, new ones refused
            return
        # SQLite: the file can no longer be opened (a folder stands where it was).
        self._engine.dispose()
        path = Path(self._url.split("///", 1)[1])
        for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if part.exists():
                aside = part.with_name("away-" + part.name)
                part.rename(aside)
                self._moved.append((aside, part))
        path.mkdir()

    def end(self) -> None:
        if self._proxy is not None:
            self._proxy.accept()
            return
        path = Path(self._url.split("///", 1)[1])
        path.rmdir()
        for aside, part in self._moved:
            aside.rename(part)


class TcpProxy:
    """A TCP relay to PostgreSQL that can drop every connection and refuse new ones."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open = True
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            if not self._open:
                client.close()
                continue
            upstream = socket.create_connection(self._target)
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def refuse(self) -> None:
        self._open = False
        with self._lock:
            for s in self._sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
            self._sockets.clear()

    def accept(self) -> None:
        self._open = True

    def close(self) -> None:
        self.refuse()
        self._listener.close()


@pytest.fixture
async def outage_harness(
    tmp_path: Path, database_url: str, standin: SlackStandIn, clock: FakeClock
) -> AsyncIterator[tuple[SlackHarness, Outage]]:
    proxy = None
    url = database_url
    if not database_url.startswith("sqlite"):
        parsed = make_url(database_url)
        proxy = TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
        url = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    try:
        async with running_candor(tmp_path, url, standin, clock) as harness:
            yield harness, Outage(harness.candor.store.engine, url, proxy)
    finally:
        if proxy is not None:
            proxy.close()


def answers(slack: SlackHarness, since: int) -> str:
    calls = slack.standin.calls[since:]
    return " ".join(str(c.args.get("text", "")) for c in calls if c.method in ANSWERS)


async def test_a_command_while_the_database_is_away_gets_a_clear_reply_then_works_again(
    outage_harness: tuple[SlackHarness, Outage], caplog: pytest.LogCaptureFixture
) -> None:
    slack, outage = outage_harness
    store = slack.candor.store

    outage.begin()
    before = len(slack.standin.calls)
    status = await slack.kudos("<@U0SAM|sam> for the calm release #ownership", user="U0LI")

    assert status == 200  # acked: Slack shows no error of its own
    reply = answers(slack, before)
    assert "can't reach its database right now" in reply and "try again in a minute" in reply
    assert "OperationalError" not in reply and "Traceback" not in reply
    assert "calm release" not in caplog.text

    outage.end()
    before = len(slack.standin.calls)
    await slack.kudos("<@U0SAM|sam> for the calm release #ownership", user="U0LI")

    assert "can't reach" not in answers(slack, before)
    assert store.kudos.count() == 1  # stored once, after the outage
