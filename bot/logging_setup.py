"""Logging that carries ids and counts, never content.

Candor's own modules log ids only. The Slack SDKs log whole request and response bodies at
DEBUG (message text, names, emails), so their loggers never go below INFO here, whatever
`CANDOR_LOG_LEVEL` says.

Output is one JSON object per line. Every record written while an HTTP request or a scheduled
job runs carries its `request_id`: the web app sets it per request (`request_context`), and
asyncio copies it into the tasks started there, so listener work after Slack's ack logs the
same id as the request it came from.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Concatenate, ParamSpec, TypeVar

CHATTY_LIBRARIES = (
    "slack_sdk",
    "slack_bolt",
    "botbuilder",
    "botframework",
    "msrest",
    "msal",
    "chromadb",
    "httpx",
    "urllib3",
)
# Bolt also logs whole request bodies in some warnings (a bad signature, an unhandled request).
SDK_PREFIXES = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "msrest", "msal")
# "oauth": Bolt's install flow logs the redirect's query string, with its one-time code.
_CONTENT_MARKERS = ("body", "text", "payload", "blocks", "view", "user_name", "email", "oauth")


# The id of the request (or job run) being handled in this context, if any.
_request_id: ContextVar[str | None] = ContextVar("candor_request_id", default=None)
# An incoming X-Request-Id is reused only if it is short and can't smuggle anything into logs.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")


def current_request_id() -> str | None:
    """The id of the request or job run being handled here, or None outside of one."""
    return _request_id.get()


def request_id_from(header: str | None) -> str:
    """The id for an incoming request: its `X-Request-Id` if that is a short safe token (a
    proxy's), else a new random one."""
    if header and _SAFE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def job_run_id(name: str) -> str:
    """A new id for one run of the scheduled job `name`, e.g. `job-weekly-digest-1a2b3c4d`."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unnamed"
    return f"job-{slug}-{uuid.uuid4().hex[:8]}"


@contextmanager
def request_context(request_id: str) -> Iterator[str]:
    """Tag every record logged inside (and in tasks started inside) with `request_id`."""
    token = _request_id.set(request_id)
    try:
        yield request_id
    finally:
        _request_id.reset(token)


def scheduled_job_context(
    run: Callable[Concatenate[S, str, P], Awaitable[R]],
) -> Callable[Concatenate[S, str, P], Awaitable[R]]:
    """Decorate a method `run(self, name, ...)` so each call logs under a new job run id."""

    @functools.wraps(run)
    async def with_job_id(self: S, name: str, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with request_context(job_run_id(name)):
            return await run(self, name, *args, **kwargs)

    return with_job_id


def install_request_ids() -> None:
    """Stamp every new log record with the current `request_id` (None outside a request), for
    every handler, pytest's capture included."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "stamps_request_ids", False):
        return

    def stamped(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = _request_id.get()
        return record

    stamped.stamps_request_ids = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(stamped)


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class ContentRedactor(logging.Filter):
    """Withholds the detail of SDK log lines that may quote what people wrote."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(SDK_PREFIXES):
            message = record.getMessage()
            if any(marker in message.lower() for marker in _CONTENT_MARKERS):
                head = message.split("(", 1)[0].split(":", 1)[0].strip()[:80]
                record.msg = f"{head} [details withheld: may quote message content]"
                record.args = ()
        return True


def configure_logging(level: str) -> None:
    """Set up the root logger at `level`, writing JSON lines with request ids, and cap the SDKs
    that would log content."""
    numeric = getattr(logging, level.upper(), logging.INFO)
    install_request_ids()
    json_lines = logging.StreamHandler()
    json_lines.setFormatter(JsonLines())
    logging.basicConfig(level=numeric, handlers=[json_lines])  # no-op if already configured
    root = logging.getLogger()
    root.setLevel(numeric)
    for handler in root.handlers:
        if not any(isinstance(f, ContentRedactor) for f in handler.filters):
            handler.addFilter(ContentRedactor())
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(max(numeric, logging.INFO))
    # Alembic announces its plugins at INFO on every start; only its warnings matter here.
    logging.getLogger("alembic").setLevel(max(numeric, logging.WARNING))
