"""One aiohttp server: Slack events, commands and interactivity, and a health check."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.typedefs import Handler
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

from bot import jobs
from bot.leader import SchedulerLeadership, leader_lock
from bot.scheduler import build_scheduler

if TYPE_CHECKING:
    from bot.app import Candor

log = logging.getLogger(__name__)


class AccessLog(AbstractAccessLogger):
    """aiohttp's access log without query strings: an OAuth redirect carries a one-time code."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %s %.1f ms',
            request.remote,
            request.method,
            request.path,
            response.status,
            time * 1000,
        )


def build_web_app(candor: Candor, *, run_scheduler: bool = True) -> web.Application:
    """Routes: `POST /slack/events` (everything Slack sends), `GET /healthz`, and with OAuth
    (several workspaces) `GET /slack/install` and `GET /slack/oauth_redirect`, which Bolt answers.

    Args:
        run_scheduler: run scheduled jobs (weekly digest) in this process.
    """
    metrics = candor.metrics

    @web.middleware
    async def measure(request: web.Request, handler: Handler) -> web.StreamResponse:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "other"  # no random paths
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as error:
            status = error.status
            raise
        finally:
            metrics.requests.inc(route=route, status=str(status))
            metrics.latency.observe(time.perf_counter() - started, route=route)

    app = web.Application(client_max_size=1024**2, middlewares=[measure])

    async def slack_events(request: web.Request) -> web.Response:
        assert candor.slack is not None
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
            "scheduler": "off" if leadership is None else _role(leadership),
        }
        return web.json_response(body, status=200 if database else 503)

    leadership = (
        SchedulerLeadership(
            leader_lock(candor.store.engine, candor.settings.data_dir),
            lambda: build_scheduler(candor.settings),
            on_lead=lambda: jobs.attach(candor),
        )
        if run_scheduler
        else None
    )

    async def start_background(_app: web.Application) -> None:
        # Runs before the server listens: load the model now, not on the first requests.
        await candor.indexer.warm_up()
        candor.indexer.start()
        if leadership is not None:
            leadership.start()  # every replica tries; one runs the scheduler

    async def stop_background(_app: web.Application) -> None:
        if leadership is not None:
            await leadership.stop()
            jobs.attach(None)
        await candor.close()

    if candor.slack is not None:
        app.router.add_post("/slack/events", slack_events)
        flow = candor.slack.oauth_flow
        if flow is not None:

            async def slack_install(request: web.Request) -> web.Response:
                assert flow is not None
                bolt_response = await flow.handle_installation(await to_bolt_request(request))
                return await to_aiohttp_response(bolt_response)

            async def slack_oauth_redirect(request: web.Request) -> web.Response:
                assert flow is not None
                bolt_response = await flow.handle_callback(await to_bolt_request(request))
                return await to_aiohttp_response(bolt_response)

            app.router.add_get(flow.install_path, slack_install)
            app.router.add_get(flow.redirect_uri_path, slack_oauth_redirect)

    async def metrics_endpoint(_request: web.Request) -> web.Response:
        body = await asyncio.to_thread(metrics.render)  # the outbox gauge reads the database
        return web.Response(text=body, content_type="text/plain", charset="utf-8")

    metrics.gauge(
        "candor_outbox_pending",
        "Changes waiting for the vector index",
        candor.store.outbox.pending_count,
    )
    metrics.gauge(
        "candor_requests_in_flight",
        "Requests acked and still being worked on",
        lambda: candor.inflight.running,
    )
    if leadership is not None:
        metrics.gauge(
            "candor_scheduler_leader",
            "1 if this replica runs the scheduler",
            lambda: 1.0 if leadership.leading else 0.0,
        )
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_endpoint)
    if candor.teams is not None:
        app.router.add_post("/api/messages", candor.teams.handle)
    app.on_startup.append(start_background)
    app.on_cleanup.append(stop_background)
    return app


def _role(leadership: SchedulerLeadership) -> str:
    return "leader" if leadership.leading else "standby"
