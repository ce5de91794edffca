"""One aiohttp server: Slack events, commands and interactivity, and a health check."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import traceback
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.typedefs import Handler
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

from bot.background import Background
from bot.leader import SchedulerLeadership
from bot.logging_setup import request_context, request_id_from
from bot.slack.payload_shape import payload_problem

if TYPE_CHECKING:
    from bot.app import Candor

log = logging.getLogger(__name__)


class AccessLog(AbstractAccessLogger):
    """aiohttp's access log without query strings: an OAuth redirect carries a one-time code."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        # Written after the request's own context has closed: restore its id for this line.
        with request_context(response.headers.get(REQUEST_ID_HEADER, "")):
            self.logger.info(
                '%s "%s %s" %s %.1f ms',
                request.remote,
                request.method,
                request.path,
                response.status,
                time * 1000,
            )


REQUEST_ID_HEADER = "X-Request-Id"


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give each request an id that every log line written for it carries (the listener work
    after Slack's ack too: its tasks inherit the context), and echo it in `X-Request-Id`.

    An unexpected error becomes a 500 naming only that id: its type and stack go to the log,
    never its message, which may quote what someone wrote.
    """
    request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    with request_context(request_id):
        try:
            response = await handler(request)
        except web.HTTPException as refusal:
            refusal.headers[REQUEST_ID_HEADER] = request_id
            raise
        except Exception as error:
            log.error(
                "%s %s failed: %s\n%s",
                request.method,
                request.path,
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)),
            )
            response = web.json_response({"error": "internal error"}, status=500)
        if not response.prepared:
            response.headers[REQUEST_ID_HEADER] = request_id
        return response


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

    background = Background(candor, work=candor.role != "web", run_scheduler=run_scheduler)

    app = web.Application(client_max_size=1024**2, middlewares=[request_ids, measure])
    # Slack is optional (a Teams-only install has no signing secret and no /slack/events).
    secret = candor.settings.slack_signing_secret.get() if candor.slack is not None else ""
    verifier = SignatureVerifier(secret) if secret.strip() else None

    async def slack_events(request: web.Request) -> web.Response:
        assert candor.slack is not None and verifier is not None
        # Bolt parses the body and builds its context before it checks the signature, and
        # trusts the body's shape: check both first, so bad input gets a 4xx, not a 500.
        body = await request.text()
        ssl_check = request.content_type == "application/x-www-form-urlencoded" and (
            "ssl_check" in parse_qs(body)  # unsigned by design: Bolt answers it itself
        )
        if not ssl_check and not verifier.is_valid_request(body, dict(request.headers)):
            log.info("Slack request refused: bad or stale signature")
            return web.Response(status=401)
        try:
            problem = payload_problem(parse_body(body, request.content_type))
        except (json.JSONDecodeError, UnicodeDecodeError):
            problem = "the body is not valid JSON"
        if problem:
            log.info("Slack request refused: %s", problem)
            return web.json_response({"error": problem}, status=400)
        bolt_response = await candor.slack.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def start_background(_app: web.Application) -> None:
        await background.start()

    async def stop_background(_app: web.Application) -> None:
        await background.stop()

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

    add_status_routes(app, candor, background)
    if candor.teams is not None:
        app.router.add_post("/api/messages", candor.teams.handle)
    app.on_startup.append(start_background)
    app.on_cleanup.append(stop_background)
    return app


def add_status_routes(app: web.Application, candor: Candor, background: Background) -> None:
    """`GET /healthz` and `GET /metrics` (Prometheus text) for this process.

    A web process whose worker does the work (`CANDOR_WORKER=process` or `external`) reports
    the index and the scheduler as "worker": the worker serves its own status.
    """
    metrics = candor.metrics
    leadership = background.leadership
    queued = candor.role != "inline"

    async def healthz(_request: web.Request) -> web.Response:
        database = await asyncio.to_thread(candor.store.ping)
        pending = await asyncio.to_thread(candor.store.outbox.pending_count) if database else None
        body: dict[str, object] = {
            "ok": database,
            "database": "ok" if database else "unavailable",
            "index": "degraded" if candor.indexer.last_error else "ok",
            "outbox_pending": pending,
            "scheduler": "off" if leadership is None else _role(leadership),
        }
        if not background.works:
            body.update(index="worker", scheduler="worker")
        if queued:
            depth = candor.store.request_queue.depth
            body["requests_queued"] = await asyncio.to_thread(depth) if database else None
        return web.json_response(body, status=200 if database else 503)

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
    if queued:
        metrics.gauge(
            "candor_requests_queued",
            "Slack requests acked and waiting for (or being handled by) a worker",
            candor.store.request_queue.depth,
        )
    if leadership is not None:
        metrics.gauge(
            "candor_scheduler_leader",
            "1 if this replica runs the scheduler",
            lambda: 1.0 if leadership.leading else 0.0,
        )
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_endpoint)


def _role(leadership: SchedulerLeadership) -> str:
    return "leader" if leadership.leading else "standby"
