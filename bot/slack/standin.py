"""A local stand-in for the parts of Slack's Web API that Candor uses.

It answers slack_sdk clients (async and sync) the way Slack does, records every call, and can
inject HTTP faults. Candor's tests use it, and so does ``candor demo``, which is why it lives in
the package rather than under ``tests/``. Message text is recorded for assertions, never logged.
OAuth (installs into several workspaces, token rotation) lives in ``standin_oauth``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections.abc import Sequence

from aiohttp import web

from bot.slack.standin_methods import Args, WebApiMethods
from bot.slack.standin_oauth import OAuthError
from bot.slack.standin_records import (
    CallPredicate,
    RecordedCall,
    SlackError,
    SlackUser,
    _Fault,
    _summary,
)
from bot.slack.standin_thread import StandInThread

log = logging.getLogger(__name__)

# Fields Slack accepts as JSON strings inside form bodies; recorded decoded.
JSON_FIELDS = ("blocks", "attachments", "view", "files")
MESSAGE_METHODS = ("chat.postMessage", "chat.postEphemeral", "response_url")
_POLL_S = 0.005

__all__ = [
    "CallPredicate",
    "RecordedCall",
    "SlackError",
    "SlackStandIn",
    "SlackUser",
    "StandInThread",
]


class SlackStandIn(WebApiMethods):
    """An aiohttp server imitating Slack's Web API, ``response_url`` and file upload URLs.

    ``calls`` is the wire log (failed attempts included); ``posted_messages()`` is what landed.
    """

    def __init__(
        self,
        users: Sequence[SlackUser] = (),
        team_id: str = "T0CANDOR",
        bot_user_id: str = "U0CANDORBOT",
        token: str = "xoxb-test",
    ) -> None:
        self.team_id, self.bot_user_id, self.token = team_id, bot_user_id, token
        self.bot_id = "B" + bot_user_id.removeprefix("U")
        self.calls: list[RecordedCall] = []
        # Guards users, calls and faults: tests may touch them from another thread.
        self._lock = threading.Lock()
        self._users: dict[str, SlackUser] = {}
        self._faults: dict[str, _Fault] = {}
        # Server-side state, only touched on the server's loop.
        self._dms: dict[str, tuple[str, ...]] = {}
        self._views: dict[str, Args] = {}
        self._uploads: dict[str, bytes] = {}
        self._last_ts_us = 0
        self._counter = 0
        self._runner: web.AppRunner | None = None
        self._root = ""
        self._init_tokens(token)
        self.add_user(SlackUser(bot_user_id, "candor", "Candor", None, is_bot=True))
        for user in users:
            self.add_user(user)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on ``host:port`` (0 picks a free port); returns the Web API base URL."""
        if self._runner is not None:
            raise RuntimeError("stand-in already started")
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{tail:.*}", self._handle_response_url)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self._root = f"http://{bound_host}:{bound_port}"
        log.info("slack stand-in listening on %s", self._root)
        return self.base_url

    async def stop(self) -> None:
        """Stop serving; recorded calls stay readable."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """Base URL for ``WebClient(base_url=...)``; ends with ``/api/``."""
        if not self._root:
            raise RuntimeError("stand-in not started")
        return self._root + "/api/"

    @property
    def response_url_base(self) -> str:
        """Prefix for fake ``response_url`` values: append anything."""
        return self.base_url.removesuffix("/api/") + "/response/"

    @property
    def uploaded_files(self) -> dict[str, bytes]:
        """Bytes sent to upload URLs, by file id."""
        return dict(self._uploads)

    def add_user(self, user: SlackUser) -> None:
        """Add (or replace) a workspace member."""
        with self._lock:
            self._users[user.id] = user

    def fail_next(
        self, method: str, *, status: int = 429, retry_after: int | None = 1, times: int = 1
    ) -> None:
        """Answer the next ``times`` calls to ``method`` with HTTP ``status``."""
        with self._lock:
            self._faults[method] = _Fault(status, retry_after, times)

    def clear(self) -> None:
        """Forget recorded calls (users, channels and pending faults stay)."""
        with self._lock:
            self.calls.clear()

    def calls_to(self, method: str) -> list[RecordedCall]:
        """Every recorded call to ``method``, failed attempts included."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def posted_messages(self) -> list[RecordedCall]:
        """Messages that reached Slack: successful postMessage, postEphemeral and response_url."""
        with self._lock:
            return [c for c in self.calls if c.method in MESSAGE_METHODS and c.ok]

    def _check(
        self, want: CallPredicate | int, deadline: float, timeout: float
    ) -> list[RecordedCall] | None:
        # The calls when ``want`` holds, None while waiting, TimeoutError past the deadline.
        with self._lock:
            calls = list(self.calls)
        if len(calls) >= want if isinstance(want, int) else want(calls):
            return calls
        if time.monotonic() < deadline:
            return None
        wanted = f"{want} calls" if isinstance(want, int) else getattr(want, "__name__", want)
        lines = "\n  ".join(_summary(c) for c in calls) or "(none)"
        raise TimeoutError(f"waited {timeout}s for {wanted}; {len(calls)} recorded:\n  {lines}")

    async def wait_for(
        self, predicate_or_count: CallPredicate | int, timeout: float = 5.0
    ) -> list[RecordedCall]:
        """Poll until the recorded calls satisfy the predicate (or count); returns them."""
        deadline = time.monotonic() + timeout
        while (calls := self._check(predicate_or_count, deadline, timeout)) is None:
            await asyncio.sleep(_POLL_S)
        return calls

    def wait_for_sync(
        self, predicate_or_count: CallPredicate | int, timeout: float = 5.0
    ) -> list[RecordedCall]:
        """Blocking ``wait_for``, for sync tests (Bolt runs lazy listeners on threads)."""
        deadline = time.monotonic() + timeout
        while (calls := self._check(predicate_or_count, deadline, timeout)) is None:
            time.sleep(_POLL_S)
        return calls

    def _record(
        self, method: str, args: Args, status: int, error: str | None, token: str | None = None
    ) -> None:
        with self._lock:
            self.calls.append(RecordedCall(method, args, time.time(), status, error, token))
        log.debug("slack stand-in: %s -> %s", method, error or status)

    def _fault_response(self, method: str, args: Args) -> web.Response | None:
        with self._lock:
            fault = self._faults.get(method)
            if fault is None:
                return None
            fault.remaining -= 1
            if fault.remaining <= 0:
                del self._faults[method]
        error = "ratelimited" if fault.status == 429 else "internal_error"
        with_retry = fault.status == 429 and fault.retry_after is not None
        headers = {"Retry-After": str(fault.retry_after)} if with_retry else {}
        self._record(method, args, fault.status, error)
        body = {"ok": False, "error": error}
        return web.json_response(body, status=fault.status, headers=headers)

    @staticmethod
    async def _read_args(request: web.Request) -> Args:
        # slack_sdk sends query strings (GET, and async POSTs with params), forms, or JSON.
        args: Args = dict(request.query)
        if request.content_type == "application/json":
            with contextlib.suppress(ValueError):  # Slack says invalid_json; empty is close.
                body = await request.json()
                args.update(body if isinstance(body, dict) else {})
        elif request.can_read_body:
            form = await request.post()
            args.update({k: v if isinstance(v, str) else "<binary>" for k, v in form.items()})
        for key in JSON_FIELDS:
            if isinstance(args.get(key), str):
                with contextlib.suppress(ValueError):  # Kept as sent; the method objects.
                    args[key] = json.loads(args[key])
        return args

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._read_args(request)
        body_token = args.pop("token", None)
        header = request.headers.get("Authorization", "")
        basic = header.removeprefix("Basic ").strip() if header.startswith("Basic ") else ""
        token = header.removeprefix("Bearer ").strip() if header and not basic else body_token
        faulted = self._fault_response(method, args)
        if faulted is not None:
            return faulted
        # Real method names have no underscores; without this, /api/auth_test would answer.
        handler = None if "_" in method else getattr(self, "_m_" + method.replace(".", "_"), None)
        try:
            self._authenticate(method, token, args, basic)
            if handler is None:
                raise SlackError("unknown_method")
            payload = handler(args)
        except (SlackError, OAuthError) as exc:
            self._record(method, args, 200, str(exc), token)
            return web.json_response({"ok": False, "error": str(exc)})
        self._record(method, args, 200, None, token)
        return web.json_response({"ok": True, **payload})

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        body = None
        with contextlib.suppress(ValueError):
            body = await request.json()
        args = {**(body if isinstance(body, dict) else {}), "response_url": str(request.url)}
        faulted = self._fault_response("response_url", args)
        if faulted is not None:
            return faulted
        if not isinstance(body, dict):
            self._record("response_url", args, 400, "invalid_payload")
            return web.Response(status=400, text="invalid_payload")
        self._record("response_url", args, 200, None)
        return web.json_response({"ok": True})

    async def _handle_upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        self._uploads[request.match_info["file_id"]] = data
        return web.Response(text=f"OK - {len(data)}")
