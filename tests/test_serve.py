"""`candor serve` as a real process: signed /kudos in, ack, posts and DMs out, clean shutdown."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.settings import Settings
from bot.slack.app import make_client
from bot.slack.directory import SlackDirectory
from bot.slack.signed_requests import signed_headers, slash_command_body
from bot.slack.standin import SlackStandIn, StandInThread
from handlers.org_import import import_directory
from handlers.services import utc_now
from store.repository import Store
from tests.conftest import BOT_TOKEN, ORG_CSV, SIGNING_SECRET, SLACK_USERS

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def api() -> Iterator[StandInThread]:
    with StandInThread(SlackStandIn(SLACK_USERS, token=BOT_TOKEN)) as running:
        yield running


def _env(tmp_path: Path, api: StandInThread) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CANDOR_"))}
    env.update(
        CANDOR_DATA_DIR=str(tmp_path / "data"),
        CANDOR_EMBEDDER="hashing",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=api.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'data' / 'candor.db'}",
    )
    return env


def _start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"candor serve exited early:\n{output}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    process.kill()
    pytest.fail("candor serve did not become healthy in 60 s")


def _stop(process: subprocess.Popen[bytes]) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("candor serve did not stop on SIGTERM")
    assert process.returncode == 0
    return process.stdout.read().decode() if process.stdout else ""


def _health(port: int) -> dict[str, Any]:
    health: dict[str, Any] = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()
    return health


def _wait_until(condition: Callable[[], bool], what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_serve_acks_posts_and_stores_once_across_a_restart(
    tmp_path: Path, api: StandInThread
) -> None:
    env = _env(tmp_path, api)
    settings = Settings.from_env(env, dotenv_path=None)
    store = Store.open(settings.database_url)
    asyncio.run(import_directory(store, ORG_CSV, utc_now(), SlackDirectory(make_client(settings))))
    port, worker_port = _free_port(), _free_port()
    env["CANDOR_WORKER_PORT"] = str(worker_port)
    body = slash_command_body(
        command="/kudos",
        text="<@U0SAM|sam> for untangling the deploy pipeline #craft",
        user_id="U0LI",
        trigger_id=uuid.uuid4().hex,
        response_url=api.standin.response_url_base + "x",
    )
    url = f"http://127.0.0.1:{port}/slack/events"

    process = _start(env, port)
    try:
        started = time.monotonic()
        response = requests.post(url, data=body, headers=signed_headers(SIGNING_SECRET, body))
        ack_seconds = time.monotonic() - started
        assert response.status_code == 200
        assert ack_seconds < 3  # Slack's deadline
        api.standin.wait_for_sync(
            lambda calls: sum(c.method == "chat.postMessage" for c in calls) >= 3, timeout=10
        )
        stale = signed_headers(SIGNING_SECRET, body, int(time.time()) - 600)
        assert requests.post(url, data=body, headers=stale).status_code == 401
        # The web process acked and queued; its worker process did the work. The worker
        # deletes the queued request and counts it just after its last post, so wait for that.
        worker = f"http://127.0.0.1:{worker_port}"
        handled = 'candor_requests_handled_total{kind="command",outcome="ok",platform="slack"} 1'
        _wait_until(
            lambda: (
                _health(port)["requests_queued"] == 0
                and handled in requests.get(f"{worker}/metrics", timeout=5).text
            ),
            "the worker to finish the queued kudos",
        )
        assert _health(port)["index"] == "worker"
        assert requests.get(f"{worker}/healthz", timeout=5).json()["index"] == "ok"
    finally:
        output = _stop(process)
    assert "untangling" not in output  # logs carry no feedback text
    assert store.kudos.count() == 1

    # The same delivery after a restart is recognised and not stored or posted again.
    posts = len(api.standin.calls_to("chat.postMessage"))
    process = _start(env, port)
    try:
        response = requests.post(url, data=body, headers=signed_headers(SIGNING_SECRET, body))
        assert response.status_code == 200
        time.sleep(0.5)  # nothing should happen; give a wrong implementation time to misbehave
    finally:
        _stop(process)
    assert store.kudos.count() == 1
    assert len(api.standin.calls_to("chat.postMessage")) == posts
    store.close()
