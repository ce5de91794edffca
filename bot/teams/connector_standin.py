"""A local stand-in for the Bot Framework connector (the Teams service URL) that Candor calls.

It answers botbuilder's connector client the way Teams does — sending and replying to
activities, opening 1:1 chats, member lookups — records every call, and can inject HTTP
faults (429 with Retry-After). Tests use it as the activities' `serviceUrl`; so can a demo.
Activity content is recorded for assertions, never logged.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

TENANT_ID = "00000000-0000-4000-8000-00000000c0de"
Json = dict[str, Any]


@dataclass
class TeamsUser:
    """A tenant member as the stand-in reports it (a `TeamsChannelAccount`)."""

    id: str
    name: str
    email: str | None
    aad_object_id: str = ""
    role: str = "user"

    def account(self, tenant_id: str) -> Json:
        """The member lookup's answer."""
        given, _, surname = self.name.partition(" ")
        return {
            "id": self.id,
            "name": self.name,
            "givenName": given,
            "surname": surname,
            "email": self.email,
            "userPrincipalName": self.email,
            "aadObjectId": self.aad_object_id or _stable("aad-", self.id),
            "tenantId": tenant_id,
            "userRole": self.role,
        }


@dataclass(frozen=True)
class RecordedCall:
    """One request: `op` is send, reply, update, delete, create, member or members."""

    op: str
    conversation_id: str
    body: Json
    at: float
    status: int = 200
    reply_to: str | None = None
    authorized: bool = False

    @property
    def ok(self) -> bool:
        """True when the connector accepted the call."""
        return self.status < 400

    @property
    def card(self) -> Json | None:
        """The Adaptive Card an activity carried, if any."""
        for attachment in self.body.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                content = attachment.get("content")
                return content if isinstance(content, dict) else None
        return None


@dataclass
class _Fault:
    status: int
    retry_after: float | None
    remaining: int


@dataclass
class _Conversation:
    kind: str
    members: list[str] = field(default_factory=list)


def _stable(prefix: str, *parts: str) -> str:
    # Derived from content, not a counter: the same user gets the same 1:1 chat in every run.
    return prefix + hashlib.sha1("|".join(parts).encode()).hexdigest()[:20]


class ConnectorStandIn:
    """An aiohttp server imitating the connector's `/v3/conversations` API."""

    def __init__(self, users: Sequence[TeamsUser] = (), tenant_id: str = TENANT_ID) -> None:
        self.tenant_id = tenant_id
        self.calls: list[RecordedCall] = []
        self._lock = threading.Lock()
        self._users: dict[str, TeamsUser] = {u.id: u for u in users}
        self._faults: dict[str, _Fault] = {}
        self._conversations: dict[str, _Conversation] = {}
        self._counter = 0
        self._runner: web.AppRunner | None = None
        self._root = ""

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on `host:port` (0 picks a free port); returns the service URL."""
        if self._runner is not None:
            raise RuntimeError("stand-in already started")
        app = web.Application()
        base = "/v3/conversations"
        app.router.add_post(base, self._create)
        app.router.add_post(base + "/{cid}/activities", self._send)
        app.router.add_post(base + "/{cid}/activities/{aid}", self._reply)
        app.router.add_put(base + "/{cid}/activities/{aid}", self._update)
        app.router.add_delete(base + "/{cid}/activities/{aid}", self._delete)
        app.router.add_get(base + "/{cid}/members", self._members)
        app.router.add_get(base + "/{cid}/pagedmembers", self._members)
        app.router.add_get(base + "/{cid}/members/{uid}", self._member)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self._root = f"http://{bound_host}:{bound_port}"
        log.info("teams connector stand-in listening on %s", self._root)
        return self.service_url

    async def stop(self) -> None:
        """Stop serving; recorded calls stay readable."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> ConnectorStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def service_url(self) -> str:
        """The `serviceUrl` to put in activities sent to the bot."""
        if not self._root:
            raise RuntimeError("stand-in not started")
        return self._root + "/"

    def add_user(self, user: TeamsUser) -> None:
        """Add (or replace) a tenant member."""
        with self._lock:
            self._users[user.id] = user

    def fail_next(
        self, op: str, *, status: int = 429, retry_after: float | None = 1, times: int = 1
    ) -> None:
        """Answer the next `times` calls of `op` (send, reply, create, member) with `status`."""
        with self._lock:
            self._faults[op] = _Fault(status, retry_after, times)

    def clear(self) -> None:
        """Forget recorded calls (users and conversations stay)."""
        with self._lock:
            self.calls.clear()

    def messages(self, conversation_id: str | None = None) -> list[RecordedCall]:
        """Activities that reached a conversation (or any), sends and replies, in order."""
        with self._lock:
            return [
                c
                for c in self.calls
                if c.op in ("send", "reply")
                and c.ok
                and (conversation_id is None or c.conversation_id == conversation_id)
            ]

    def personal_chat(self, user_id: str) -> str | None:
        """The id of the 1:1 chat the bot opened with a user, if it did."""
        for conversation_id, conversation in self._conversations.items():
            if conversation.kind == "personal" and conversation.members == [user_id]:
                return conversation_id
        return None

    def calls_to(self, op: str) -> list[RecordedCall]:
        """Every recorded call of one kind, failed attempts included."""
        with self._lock:
            return [c for c in self.calls if c.op == op]

    def _record(self, request: web.Request, op: str, body: Json, status: int = 200) -> None:
        call = RecordedCall(
            op=op,
            conversation_id=request.match_info.get("cid", ""),
            body=body,
            at=time.monotonic(),
            status=status,
            reply_to=request.match_info.get("aid"),
            authorized=bool(request.headers.get("Authorization")),
        )
        with self._lock:
            self.calls.append(call)
        log.debug("connector %s %s -> %s", op, call.conversation_id, status)

    def _fault(self, request: web.Request, op: str, body: Json) -> web.Response | None:
        with self._lock:
            fault = self._faults.get(op)
            if fault is None or fault.remaining <= 0:
                return None
            fault.remaining -= 1
        self._record(request, op, body, fault.status)
        headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
        error = {"error": {"code": "TooManyRequests" if fault.status == 429 else "ServiceError"}}
        return web.json_response(error, status=fault.status, headers=headers)

    def _next_id(self) -> str:
        self._counter += 1
        return f"{int(time.time() * 1000)}{self._counter:04d}"

    async def _body(self, request: web.Request) -> Json:
        body = await request.json() if request.can_read_body else {}
        return body if isinstance(body, dict) else {}

    async def _create(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if (refused := self._fault(request, "create", body)) is not None:
            return refused
        members = [str(m.get("id")) for m in body.get("members") or [] if m.get("id")]
        bot = str((body.get("bot") or {}).get("id") or "")
        if body.get("isGroup") or len(members) != 1:
            conversation_id = _stable("19:", bot, *members) + "@thread.v2"
            kind = "groupChat"
        else:
            tenant = str(body.get("tenantId") or body.get("tenantID") or self.tenant_id)
            conversation_id = "a:" + _stable("1", tenant, bot, members[0])
            kind = "personal"
        self._conversations.setdefault(conversation_id, _Conversation(kind, members))
        self._record(request, "create", body, 201)
        return web.json_response({"id": conversation_id}, status=201)

    async def _send(self, request: web.Request) -> web.Response:
        return await self._activity(request, "send")

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._activity(request, "reply")

    async def _update(self, request: web.Request) -> web.Response:
        return await self._activity(request, "update")

    async def _activity(self, request: web.Request, op: str) -> web.Response:
        body = await self._body(request)
        if (refused := self._fault(request, op, body)) is not None:
            return refused
        self._record(request, op, body, 201 if op != "update" else 200)
        activity_id = request.match_info.get("aid") if op == "update" else self._next_id()
        return web.json_response({"id": activity_id}, status=201 if op != "update" else 200)

    async def _delete(self, request: web.Request) -> web.Response:
        self._record(request, "delete", {})
        return web.Response(status=200)

    async def _members(self, request: web.Request) -> web.Response:
        self._record(request, "members", {})
        with self._lock:
            accounts = [u.account(self.tenant_id) for u in self._users.values()]
        if request.path.endswith("/pagedmembers"):
            return web.json_response({"members": accounts})
        return web.json_response(accounts)

    async def _member(self, request: web.Request) -> web.Response:
        if (refused := self._fault(request, "member", {})) is not None:
            return refused
        with self._lock:
            user = self._users.get(request.match_info["uid"])
        if user is None:
            self._record(request, "member", {}, 404)
            error = {"code": "MemberNotFoundInConversation", "message": "not a member"}
            return web.json_response({"error": error}, status=404)
        self._record(request, "member", {"user": user.id})
        return web.json_response(user.account(self.tenant_id))
