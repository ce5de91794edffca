"""The demo's day on Microsoft Teams: part of Fernwood Labs, the Monday after the Slack month.

The people are the same as in the Slack month (same work emails, so Candor's org directory
matches them when the app joins their team). Activities are built the way Teams sends them
(compare `tests/fixtures/teams/`): channel messages mention the bot first, people are
`<at>Name</at>` tags with mention entities in order, a channel message's conversation id names
its thread (`;messageid=`), and the tenant is in `channelData`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.demo import scenario
from bot.teams.connector_standin import TeamsUser

TENANT_ID = "7d0f3c52-51a4-4c1e-9a3b-f3e5d1c0a9b8"
_NAMESPACE = uuid.UUID("8f0b6c1e-3d52-4f7a-9e21-5c4b3a291807")
BOT_ID = f"28:{uuid.uuid5(_NAMESPACE, 'candor-bot')}"
BOT_NAME = "Candor"
TEAM_ID = f"19:{hashlib.sha1(b'fernwood-team').hexdigest()[:32]}@thread.tacv2"
TEAM_NAME = scenario.COMPANY
CHANNEL_NAME = "General"  # a team's General channel has the team's id
DAY = scenario.START + timedelta(weeks=4)  # Monday after the Slack month
# Half the org uses Teams too (a hybrid company): these people are members of the team.
HANDLES = ("amara", "priya", "mateo", "kenji", "jonas", "fatima", "wei", "hannah")


def teams_id(handle: str) -> str:
    """A stable, Teams-shaped user id (`29:1…`) for a handle."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(handle.encode()).digest()).decode()
    return "29:1" + digest[:43].replace("-", "x").replace("_", "y")


def chat_id(handle: str) -> str:
    """The id of a person's 1:1 chat with Candor, as long and opaque as the real ones."""
    digest = hashlib.sha512(f"chat|{handle}".encode()).digest()
    return "a:1" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _member(handle: str) -> scenario.Member:
    found = scenario.member(handle)
    assert found is not None, handle
    return found


def teams_users() -> list[TeamsUser]:
    """The team's members as the connector reports them (with their work emails)."""
    return [
        TeamsUser(teams_id(h), _member(h).name, _member(h).email, str(uuid.uuid5(_NAMESPACE, h)))
        for h in HANDLES
    ]


def teams_names() -> dict[str, str]:
    """Teams id → name, Candor included."""
    return {BOT_ID: BOT_NAME, **{teams_id(h): _member(h).name for h in HANDLES}}


class Kind(StrEnum):
    """What kind of activity a step sends."""

    TEAM_INSTALL = "team install"  # conversationUpdate: the bot was added to a team
    CHAT_INSTALL = "chat install"  # installationUpdate: the app was added to a 1:1 chat
    CHANNEL = "channel"  # a message in the team's General channel, mentioning Candor
    CHAT = "chat"  # a message in the person's 1:1 chat with Candor
    REDELIVERY = "redelivery"  # Teams sends an earlier step's activity again (same id)


class Expect(StrEnum):
    """What a step should make Candor do; the replay checks it."""

    WELCOME = "welcome"  # a welcome where the app was added
    HELP = "help"  # the help card, privately
    KUDOS = "kudos"  # stored, a post in the channel's thread, 1:1 messages to people told
    ERROR = "error"  # a private reply that says what is wrong; nothing stored or posted
    DIGEST = "digest"  # HR's digest card posted in the channel
    NOTHING = "nothing"  # a redelivery: nothing stored, nothing sent


@dataclass(frozen=True)
class TeamsStep:
    """One thing that happens in Teams, at a moment of the demo's Teams day."""

    at: datetime
    actor: str
    kind: Kind
    text: str = ""
    expect: Expect = Expect.KUDOS
    note: str = ""
    again: int = 0  # for a redelivery: the step number (from 1) sent again


def _at(clock: str) -> datetime:
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=UTC)


def _t(
    clock: str, actor: str, kind: Kind, text: str, expect: Expect, note: str, again: int = 0
) -> TeamsStep:
    return TeamsStep(_at(clock), actor, kind, text, expect, note, again)


# fmt: off
STEPS: tuple[TeamsStep, ...] = (
    _t("09:00", "amara", Kind.TEAM_INSTALL, "", Expect.WELCOME,
       f"adds Candor to the {TEAM_NAME} team"),
    _t("09:05", "kenji", Kind.CHAT_INSTALL, "", Expect.WELCOME, "opens a chat with Candor"),
    _t("09:06", "kenji", Kind.CHAT, "help", Expect.HELP, "asks what Candor does"),
    _t("09:30", "priya", Kind.CHANNEL, "kudos @mateo for pairing with the new SRE on his first "
       "payments incident and writing up what he learned #learning", Expect.KUDOS,
       "gives kudos in the channel"),
    _t("09:31", "priya", Kind.REDELIVERY, "", Expect.NOTHING, "", again=4),
    _t("11:15", "wei", Kind.CHANNEL, "kudos @wei for surviving the quarter-end deploy freeze "
       "#courage", Expect.ERROR, "tries to thank himself"),
    _t("14:40", "fatima", Kind.CHANNEL, "kudos @kenji @jonas for running the cross-team game day "
       "that found two real failover gaps #teamwork", Expect.KUDOS, "thanks two teams at once"),
    _t("16:30", "hannah", Kind.CHANNEL, "digest 4", Expect.DIGEST, "posts the themes digest"),
)
# fmt: on


def expected_kudos() -> int:
    """How many kudos the Teams day should add to the store (a redelivery adds none)."""
    return sum(1 for step in STEPS if step.expect is Expect.KUDOS)


def compose(text: str, *, mention_bot: bool) -> tuple[str, list[dict[str, Any]]]:
    """`@handle` → `<at>Name</at>` and a mention entity, in order, as Teams sends them."""
    entities: list[dict[str, Any]] = []
    if mention_bot:
        text = f"@{BOT_NAME} {text}"

    def mention(match: re.Match[str]) -> str:
        handle = match.group(1)
        if handle == BOT_NAME:
            user_id, name = BOT_ID, BOT_NAME
        elif handle in HANDLES:
            user_id, name = teams_id(handle), _member(handle).name
        else:
            return match.group(0)
        tag = f"<at>{name}</at>"
        entities.append(
            {"type": "mention", "text": tag, "mentioned": {"id": user_id, "name": name}}
        )
        return tag

    return re.sub(r"(?<![\w<])@(Candor\b|[a-z][a-z0-9._-]*)", mention, text), entities


def typed_text(step: TeamsStep) -> str:
    """What the person typed, with `<at>` tags (for the transcript and the terminal)."""
    return compose(step.text, mention_bot=step.kind is Kind.CHANNEL)[0]


def _rich_html(text: str) -> str:
    """The `text/html` copy Teams attaches to a channel message, mentions as spans."""
    parts, position = [], 0
    for n, match in enumerate(re.finditer(r"<at>(.*?)</at>", text)):
        parts.append(html.escape(text[position : match.start()]))
        parts.append(
            '<span itemscope="" itemtype="http://schema.skype.com/Mention" '
            f'itemid="{n}">{html.escape(match.group(1))}</span>'
        )
        position = match.end()
    parts.append(html.escape(text[position:]))
    return "<div><div>" + "".join(parts) + "</div></div>"


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond:06d}0Z"


def activity(step: TeamsStep, service_url: str) -> dict[str, Any]:
    """The activity Teams would POST to `/api/messages` for a step (not for a redelivery)."""
    member = _member(step.actor)
    sender = {"id": teams_id(step.actor), "name": member.name}
    sender["aadObjectId"] = str(uuid.uuid5(_NAMESPACE, step.actor))
    tenant = {"id": TENANT_ID}
    in_team = step.kind in (Kind.TEAM_INSTALL, Kind.CHANNEL)
    conversation: dict[str, Any] = {
        "conversationType": "channel" if in_team else "personal",
        "tenantId": TENANT_ID,
        "id": TEAM_ID if in_team else chat_id(step.actor),
    }
    if in_team:
        conversation["isGroup"] = True
    base: dict[str, Any] = {
        "timestamp": _stamp(step.at),
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": sender,
        "conversation": conversation,
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "locale": "en-US",
    }
    team = {"id": TEAM_ID, "name": TEAM_NAME}
    if step.kind is Kind.TEAM_INSTALL:
        team["aadGroupId"] = str(uuid.uuid5(_NAMESPACE, "team"))
        return base | {
            "type": "conversationUpdate",
            "id": f"f:{uuid.uuid5(_NAMESPACE, f'{step.actor}|{step.at.isoformat()}')}",
            "membersAdded": [{"id": BOT_ID}],
            "channelData": {"team": team, "eventType": "teamMemberAdded", "tenant": tenant},
        }
    if step.kind is Kind.CHAT_INSTALL:
        return base | {
            "type": "installationUpdate",
            "action": "add",
            "id": f"f:{uuid.uuid5(_NAMESPACE, f'{step.actor}|{step.at.isoformat()}')}",
            "channelData": {"tenant": tenant, "source": {"name": "message"}},
        }
    text, mentions = compose(step.text, mention_bot=in_team)
    message_id = str(int(step.at.timestamp() * 1000) + 555)
    client = {"type": "clientInfo", "locale": "en-US", "country": "DE", "platform": "Web"}
    message = base | {
        "type": "message",
        "id": message_id,
        "text": text,
        "textFormat": "plain",
        "entities": [*mentions, client],
        "channelData": {"tenant": tenant},
    }
    if in_team:
        conversation["id"] = f"{TEAM_ID};messageid={message_id}"
        message["attachments"] = [{"contentType": "text/html", "content": _rich_html(text)}]
        message["channelData"] = {
            "teamsChannelId": TEAM_ID,
            "teamsTeamId": TEAM_ID,
            "channel": {"id": TEAM_ID, "name": CHANNEL_NAME},
            "team": {"id": TEAM_ID},
            "tenant": tenant,
        }
    return message


def original(step: TeamsStep) -> TeamsStep:
    """The step whose activity a step sends: itself, or for a redelivery the one sent again."""
    return STEPS[step.again - 1] if step.kind is Kind.REDELIVERY else step
