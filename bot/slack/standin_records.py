"""What the Slack stand-in knows and records: its users and every call it received."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Args = dict[str, Any]


@dataclass
class SlackUser:
    """A workspace member as the stand-in reports it."""

    id: str
    name: str
    real_name: str
    email: str | None
    is_bot: bool = False
    tz: str = "Europe/Berlin"
    deleted: bool = False


@dataclass(frozen=True)
class RecordedCall:
    """One request the stand-in received; ``error`` is the Slack error code it answered, if any."""

    method: str
    args: Args
    at: float
    status: int = 200
    error: str | None = None
    # The token the call carried (several workspaces: whose token answered); never printed.
    token: str | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """True when Slack would have accepted the call."""
        return self.status == 200 and self.error is None


CallPredicate = Callable[[list[RecordedCall]], bool]


@dataclass
class _Fault:
    status: int
    retry_after: int | None
    remaining: int


class SlackError(Exception):
    """Raised by a method handler to answer ``{"ok": false, "error": str(exc)}``."""


def _stable_id(prefix: str, *parts: str) -> str:
    # Derived from content, not a counter, so the same users get the same DM in every run.
    return prefix + hashlib.sha1("|".join(parts).encode()).hexdigest()[:10].upper()


def _summary(call: RecordedCall) -> str:
    # Keys and ids only: a TimeoutError's text ends up in logs, and message text must not.
    where = call.args.get("channel") or call.args.get("user") or ""
    outcome = "ok" if call.ok else (call.error or f"HTTP {call.status}")
    return f"{call.method}[{where}] keys={sorted(call.args)} -> {outcome}"
