"""Teams activities in, Candor's normalized commands out. The only place Teams markup is parsed.

A command reaches the bot as a message: `kudos <at>Ana Silva</at> for …` in a personal chat, or
`<at>Candor</at> kudos …` in a channel (where the bot only hears messages that mention it).
Mentions are `<at>…</at>` tags whose ids come from the activity's mention entities, in order.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botbuilder.schema import Activity

from handlers.types import Command, Interaction, MentionRef, Token

PLATFORM = "teams"
_AT = re.compile(r"<at(?:\s[^>]*)?>(.*?)</at>", re.IGNORECASE | re.DOTALL)
# Formatting tags that rich-text clients wrap around messages; anything else is left as text.
_HTML_TAG = re.compile(
    r"</?(?:p|div|span|br|b|i|strong|em|u|s|a|ol|ul|li|blockquote|pre|code|h[1-6])\b[^>]*>",
    re.IGNORECASE,
)
_MESSAGE_ID = re.compile(r";messageid=.*$", re.IGNORECASE)


def as_dict(value: Any) -> dict[str, Any]:
    """A botbuilder model, or a plain dict, as a plain dict (unknown fields included)."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    serialized: dict[str, Any] = dict(value.serialize()) if hasattr(value, "serialize") else {}
    serialized.update(getattr(value, "additional_properties", None) or {})
    return serialized


def tenant_id(activity: Activity) -> str:
    """The tenant an activity comes from: `channelData.tenant.id`, else the conversation's."""
    tenant = as_dict(activity.channel_data).get("tenant") or {}
    conversation = activity.conversation
    found = (
        (tenant.get("id") if isinstance(tenant, Mapping) else None)
        or getattr(conversation, "tenant_id", None)
        or as_dict(conversation).get("tenantId")
    )
    return str(found or "")


def conversation_kind(activity: Activity) -> str:
    """`personal`, `channel` or `groupChat` (a conversation without a type is a 1:1 chat)."""
    kind = getattr(activity.conversation, "conversation_type", None)
    return str(kind) if kind in ("channel", "groupChat") else "personal"


def base_conversation_id(conversation_id: str) -> str:
    """A channel thread's id without `;messageid=…`: the channel itself."""
    return _MESSAGE_ID.sub("", conversation_id)


def channel_id(activity: Activity) -> str | None:
    """The id Candor uses for the conversation a command came from (a channel, not a thread)."""
    conversation_id = str(getattr(activity.conversation, "id", "") or "")
    if not conversation_id:
        return None
    if conversation_kind(activity) == "channel":
        return base_conversation_id(conversation_id)
    return conversation_id


def mention_entities(activity: Activity) -> list[dict[str, Any]]:
    """The activity's mention entities as dicts with `text` and `mentioned` (id, name, …)."""
    found = []
    for entity in activity.entities or []:
        data = as_dict(entity)
        mentioned = data.get("mentioned")
        if data.get("type") == "mention" and isinstance(mentioned, Mapping) and mentioned.get("id"):
            found.append({"text": str(data.get("text") or ""), "mentioned": dict(mentioned)})
    return found


@dataclass
class _Pending:
    text: str
    user_id: str
    used: bool = False


def tokenize(text: str, entities: list[dict[str, Any]], bot_id: str = "") -> tuple[Token, ...]:
    """Split Teams message text into words and `MentionRef`s.

    Each `<at>Name</at>` takes the next unused mention entity with the same text (Teams lists
    them in order); the bot's own mention is dropped; a name split into several adjacent tags
    for one person (`<at>Ana</at> <at>Silva</at>`) becomes one mention. Formatting tags and
    HTML entities become plain text, so nothing the user typed is echoed back as markup.
    """
    pending = [_Pending(e["text"], str(e["mentioned"]["id"])) for e in entities]
    tokens: list[Token] = []
    position = 0
    for match in _AT.finditer(text):
        tokens.extend(_words(text[position : match.start()]))
        position = match.end()
        label = " ".join(html.unescape(_HTML_TAG.sub(" ", match.group(1))).split())
        entity = next((p for p in pending if not p.used and p.text == match.group(0)), None)
        entity = entity or next((p for p in pending if not p.used), None)
        if entity is None:
            tokens.extend(label.split())  # a tag without an entity: keep it as words
            continue
        entity.used = True
        if bot_id and entity.user_id == bot_id:
            continue
        previous = tokens[-1] if tokens else None
        if isinstance(previous, MentionRef) and previous.platform_user_id == entity.user_id:
            tokens[-1] = MentionRef(entity.user_id, f"{previous.label} {label}".strip())
        else:
            tokens.append(MentionRef(entity.user_id, label))
    tokens.extend(_words(text[position:]))
    return tuple(tokens)


def _words(chunk: str) -> list[Token]:
    return list(html.unescape(_HTML_TAG.sub(" ", chunk)).split())


def request_key(activity: Activity) -> str:
    """`teams:{tenant}:{activity id}`: the same for a redelivered activity, even after a restart."""
    activity_id = str(activity.id or "")
    if not activity_id:
        basis = "|".join(
            (
                str(getattr(activity.conversation, "id", "")),
                str(getattr(activity.from_property, "id", "")),
                str(activity.timestamp),
                str(activity.text),
            )
        )
        activity_id = "sha256:" + hashlib.sha256(basis.encode()).hexdigest()
    return f"{PLATFORM}:{tenant_id(activity)}:{activity_id}"


def command_from_activity(activity: Activity) -> Command:
    """Build a `Command` from a message: the first word names it (`kudos`, `/kudos`, `help`).

    The name is '' when the message has no leading word (empty, or only mentions); the bot
    decides what to do with names the router does not know.
    """
    bot_id = str(getattr(activity.recipient, "id", "") or "")
    tokens = tokenize(str(activity.text or ""), mention_entities(activity), bot_id)
    name = ""
    if tokens and isinstance(tokens[0], str):
        name = tokens[0].lstrip("/").lower()
        tokens = tokens[1:]
    raw = " ".join(t if isinstance(t, str) else f"@{t.label}" for t in tokens)
    channel = as_dict(activity.channel_data).get("channel") or {}
    return Command(
        name=name,
        args=tokens,
        platform=PLATFORM,
        user_id=str(getattr(activity.from_property, "id", "") or ""),
        request_key=request_key(activity),
        workspace_id=tenant_id(activity),
        channel_id=channel_id(activity),
        channel_name=(str(channel.get("name")) if isinstance(channel, Mapping) else None) or None,
        raw_text=raw,
    )


def interaction_from_invoke(activity: Activity) -> Interaction | None:
    """Build an `Interaction` from an `adaptiveCard/action` invoke (an `Action.Execute` press).

    The button's `verb` is the action id and `data.value` its value; every other data field
    is a form input. Returns None for anything else.
    """
    if activity.name != "adaptiveCard/action":
        return None
    action = as_dict(as_dict(activity.value).get("action"))
    if action.get("type") != "Action.Execute" or not action.get("verb"):
        return None
    data = action.get("data") if isinstance(action.get("data"), Mapping) else {}
    assert isinstance(data, Mapping)
    return Interaction(
        action_id=str(action["verb"]),
        value=str(data.get("value") or ""),
        platform=PLATFORM,
        user_id=str(getattr(activity.from_property, "id", "") or ""),
        request_key=request_key(activity),
        workspace_id=tenant_id(activity),
        channel_id=channel_id(activity),
        inputs={str(k): str(v) for k, v in data.items() if k != "value" and v is not None},
    )
