"""`candor serve`: the aiohttp server for Slack's HTTP mode, or a Socket Mode connection.

With `CANDOR_WORKER=process` (the default, see `worker_mode`) it also starts
`candor worker` as a child process and restarts it if it dies: the web process acks and
queues Slack requests, the worker does the work (`bot.slack.deferral`). `external` leaves
workers to be run separately (one or more, e.g. their own containers); `inline` does
everything in this one process (the default with Teams or Socket Mode and a local index).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from aiohttp import web

from bot.app import create_app
from bot.settings import Settings, SettingsError
from bot.web import AccessLog

log = logging.getLogger(__name__)

# How long a stopping worker may take to finish what it started.
WORKER_STOP_SECONDS = 30.0
RESTART_BACKOFF_MAX = 30.0


def worker_mode(settings: Settings, *, socket_mode: bool = False) -> str:
    """How `candor serve` runs: the CANDOR_WORKER asked for, by default "process".

    Teams turns, and Slack requests over Socket Mode, are answered in the web process,
    and some (a digest's themes) read the vector index. A local index directory opens in
    one process only — the worker's — so with one of those on and no CHROMA_URL the
    default is "inline" (everything in one process).

    Raises:
        SettingsError: "process" or "external" asked for in that case.
    """
    answered_in_web = socket_mode or settings.teams.configured
    if settings.worker == "inline" or settings.chroma_url is not None or not answered_in_web:
        return settings.worker or "process"
    if settings.worker is None:
        return "inline"
    what = "Socket Mode" if socket_mode else "Teams"
    raise SettingsError(
        f"CANDOR_WORKER={settings.worker} with {what} needs CHROMA_URL: {what} requests are "
        "answered in the web process, and a local vector index opens in one process only. "
        "Point CHROMA_URL at a Chroma server, or set CANDOR_WORKER=inline."
    )


async def serve(settings: Settings, *, host: str, port: int, socket_mode: bool = False) -> None:
    """Run until interrupted. Socket Mode still serves `/healthz` on the port."""
    if socket_mode:
        settings.require("SLACK_APP_TOKEN")
    mode = worker_mode(settings, socket_mode=socket_mode)
    candor = create_app(settings, role="inline" if mode == "inline" else "web")
    runner = web.AppRunner(candor.web_app(), access_log_class=AccessLog)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("listening on %s:%s (%s)", host, port, "socket mode" if socket_mode else "HTTP mode")
    socket_handler = None
    if socket_mode:
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        if candor.slack is None:
            raise SettingsError(
                "Socket Mode is for Slack: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET"
            )
        socket_handler = AsyncSocketModeHandler(candor.slack, settings.slack_app_token.get())
        await socket_handler.connect_async()
    stop = asyncio.Event()
    supervisor = None
    if mode == "process":
        worker_port = settings.worker_port or port + 1
        supervisor = asyncio.create_task(_supervise_worker(host, worker_port, stop))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        if socket_handler is not None:
            await socket_handler.close_async()
        if supervisor is not None:
            stop.set()
            await supervisor
        await runner.cleanup()


async def _supervise_worker(host: str, port: int, stop: asyncio.Event) -> None:
    """Run `candor worker` until `stop` is set, restarting it (with backoff) if it exits."""
    backoff = 1.0
    command = [sys.executable, "-m", "bot.cli", "worker", "--host", host, "--port", str(port)]
    while not stop.is_set():
        process = await asyncio.create_subprocess_exec(*command)  # inherits env and output
        log.info("started worker process %s", process.pid)
        exited = asyncio.create_task(process.wait())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({exited, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            exited.cancel()
            await _stop_worker(process)
            return
        stopping.cancel()
        log.error("worker process exited with %s; restarting in %.0f s", exited.result(), backoff)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), backoff)
        backoff = min(backoff * 2, RESTART_BACKOFF_MAX)


async def _stop_worker(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), WORKER_STOP_SECONDS)
    except TimeoutError:
        log.error(
            "worker process %s did not stop in %.0f s; killing it", process.pid, WORKER_STOP_SECONDS
        )
        process.kill()
        await process.wait()
