"""One aiohttp server: Slack events, commands and interactivity, and a health check."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

if TYPE_CHECKING:
    from bot.app import Candor

log = logging.getLogger(__name__)


def build_web_app(candor: Candor) -> web.Application:
    """Routes: `POST /slack/events` (everything Slack sends) and `GET /healthz`."""
    app = web.Application(client_max_size=1024**2)

    async def slack_events(request: web.Request) -> web.Response:
        bolt_response = await candor.slack.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def healthz(_request: web.Request) -> web.Response:
        database = await asyncio.to_thread(candor.store.ping)
        pending = await asyncio.to_thread(candor.store.outbox.pending_count) if database else None
        body = {
            "ok": database,
            "database": "ok" if database else "unavailable",
            "index": "degraded" if candor.indexer.last_error else "ok",
            "outbox_pending": pending,
        }
        return web.json_response(body, status=200 if database else 503)

    async def start_background(_app: web.Application) -> None:
        # Runs before the server listens: load the model now, not on the first requests.
        await candor.indexer.warm_up()
        candor.indexer.start()

    async def stop_background(_app: web.Application) -> None:
        await candor.close()

    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    app.on_startup.append(start_background)
    app.on_cleanup.append(stop_background)
    return app
