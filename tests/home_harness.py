"""Helpers for the Home, welcome and settings tests: a running Candor with Home wired in, signed
Events API posts, and readers for the published Home and the DMs."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from store.models import Person
from tests.conftest import BOT_TOKEN, SlackHarness

LI, ANA, SAM, OMAR, MAYA, HANA, GUEST = (
    "U0LI",
    "U0ANA",
    "U0SAM",
    "U0OMAR",
    "U0MAYA",
    "U0HANA",
    "U0GUEST",
)


async def send_event(h: SlackHarness, event: dict[str, Any], *, expect: str | None = None) -> None:
    """Post a signed Events API callback, as Slack does, and wait until Candor is done with it.

    With `expect`, wait first for a call to that Web API method."""
    body = json.dumps(
        {
            "token": "deprecated",
            "type": "event_callback",
            "team_id": "T0CANDOR",
            "api_app_id": "A0CANDOR",
            "event": {"event_ts": f"{time.time():.6f}", **event},
            "event_id": "Ev" + uuid.uuid4().hex[:10].upper(),
            "event_time": int(time.time()),
        }
    )
    before = len(h.standin.calls)
    status = await h.post(body, extra={"Content-Type": "application/json"})
    assert status == 200
    if expect:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while loop.time() < deadline:
            if any(c.method == expect for c in h.standin.calls[before:]):
                break
            await asyncio.sleep(0.02)
    await h.settle(before, answer=False)


async def open_home(h: SlackHarness, user: str, tab: str = "home") -> None:
    """The person opens Candor's App Home (its Home or Messages tab)."""
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": tab}
    await send_event(h, event, expect="views.publish" if tab == "home" else None)


async def dm_bot(h: SlackHarness, user: str, words: str, **extra: Any) -> None:
    """The person (or, with `bot_id`/`subtype`, something else) writes in the DM with Candor."""
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "D0" + user[2:],
        "user": user,
        "text": words,
        "ts": f"{time.time():.6f}",
        **extra,
    }
    await send_event(h, event)


def texts(node: Any) -> str:
    """Every text string in some blocks (or a view, or call args), joined by newlines."""
    found: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(node)
    return "\n".join(found)


def published(h: SlackHarness, user: str) -> dict[str, Any]:
    """The latest Home view published for a user."""
    views = [
        c.args["view"] for c in h.standin.calls_to("views.publish") if c.args["user_id"] == user
    ]
    assert views, f"no Home published for {user}"
    return views[-1]


def buttons(view: dict[str, Any]) -> dict[str, str]:
    """The buttons of a view or a message's blocks: action id → value."""
    blocks = view["blocks"] if isinstance(view, dict) else view
    return {
        e["action_id"]: e.get("value", "")
        for b in blocks
        if b.get("type") == "actions"
        for e in b["elements"]
    }


async def dms(h: SlackHarness, user: str) -> list[list[dict[str, Any]]]:
    """The blocks of each DM Candor posted to a user, oldest first."""
    client = AsyncWebClient(token=BOT_TOKEN, base_url=h.standin.base_url)
    channel = str((await client.conversations_open(users=user))["channel"]["id"])
    posts = h.standin.calls_to("chat.postMessage")
    return [c.args.get("blocks") or [] for c in posts if c.args["channel"] == channel]


def replies(h: SlackHarness) -> str:
    """The text of every private reply (response_url) so far."""
    return texts([c.args.get("blocks") for c in h.standin.calls_to("response_url")])


def person(h: SlackHarness, email_name: str) -> Person:
    """A person of the sample org by the first part of their email (`li`, `ana`, …)."""
    found = h.candor.store.people.by_email(f"{email_name}@example.com")
    assert found is not None and found.id is not None
    return found
