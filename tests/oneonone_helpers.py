"""Helpers for the 1:1 tests: send /oneonone, read replies and DMs, find buttons."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from tests.conftest import BOT_TOKEN, SlackHarness

# Users of the sample org (tests/conftest.py): Ana manages Li and Sam; Maya manages Ana and Omar.
ANA, LI, SAM, MAYA, OMAR, HANA = "U0ANA", "U0LI", "U0SAM", "U0MAYA", "U0OMAR", "U0HANA"
MENTION = {
    ANA: "<@U0ANA|ana>",
    LI: "<@U0LI|li>",
    SAM: "<@U0SAM|sam>",
    MAYA: "<@U0MAYA|maya>",
    OMAR: "<@U0OMAR|omar>",
}


async def oneonone(slack: SlackHarness, words: str, *, user: str) -> None:
    """Send `/oneonone words` as `user` and wait for Candor's answer."""
    await slack.kudos(words, command="/oneonone", user=user)


def texts(blocks: Any) -> str:
    """Every text string in some blocks (or a call's args), joined by newlines."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return "\n".join(found)


def replies(slack: SlackHarness) -> str:
    """The text of every private reply (response_url) so far."""
    return texts([c.args.get("blocks") for c in slack.standin.calls_to("response_url")])


async def dm_channel(slack: SlackHarness, user: str) -> str:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.standin.base_url)
    opened = await client.conversations_open(users=user)
    return str(opened["channel"]["id"])


async def dms(slack: SlackHarness, user: str) -> list[list[dict[str, Any]]]:
    """The blocks of each DM Candor posted to `user`, oldest first."""
    channel = await dm_channel(slack, user)
    posts = slack.standin.calls_to("chat.postMessage")
    return [c.args.get("blocks") or [] for c in posts if c.args["channel"] == channel]


def buttons(blocks: Any, prefix: str) -> list[dict[str, Any]]:
    """The buttons in some blocks whose action id starts with `prefix`."""
    return [
        element
        for block in blocks
        if block.get("type") == "actions"
        for element in block["elements"]
        if element["action_id"].startswith(prefix)
    ]


def reply_buttons(slack: SlackHarness, prefix: str) -> list[dict[str, Any]]:
    """Buttons in the private replies so far."""
    blocks = [b for c in slack.standin.calls_to("response_url") for b in c.args.get("blocks") or []]
    return buttons(blocks, prefix)


def person_id(slack: SlackHarness, email: str) -> int:
    person = slack.candor.store.people.by_email(email)
    assert person is not None and person.id is not None
    return person.id
