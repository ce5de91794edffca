"""`candor serve`: the aiohttp server for Slack's HTTP mode, or a Socket Mode connection."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from bot.app import create_app
from bot.settings import Settings, SettingsError
from bot.web import AccessLog

log = logging.getLogger(__name__)


async def serve(settings: Settings, *, host: str, port: int, socket_mode: bool = False) -> None:
    """Run until interrupted. Socket Mode still serves `/healthz` on the port."""
    if socket_mode:
        settings.require("SLACK_APP_TOKEN")
    candor = create_app(settings)
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
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        if socket_handler is not None:
            await socket_handler.close_async()
        await runner.cleanup()
