"""Slack payloads in, Candor's normalized commands out. The only place Slack markup is parsed."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping
from typing import Any

from handlers.types import Command, Interaction, MentionRef, Token

# Slack wraps mentions, channels, links and special mentions in <...> and escapes &, < and >.
_MARKUP = re.compile(r"<([^<>]*)>")


def tokenize(text: str) -> tuple[Token, ...]:
    """Split Slack message text into words and `MentionRef`s.

    `<@U123|ana>` and `<@U123>` become mentions; `<#C1|general>` becomes `#general`;
    `<https://x|label>` becomes `label (https://x)`; `<!here>` and user groups become plain
    text so they never ping anyone when echoed back.
    """
    tokens: list[Token] = []
    position = 0
    for match in _MARKUP.finditer(text):
        tokens.extend(_words(text[position : match.start()]))
        tokens.extend(_markup(match.group(1)))
        position = match.end()
    tokens.extend(_words(text[position:]))
    return tuple(tokens)


def _words(chunk: str) -> list[Token]:
    return [html.unescape(w) for w in chunk.split()]


def _markup(inner: str) -> list[Token]:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return [MentionRef(target[1:], html.unescape(label).lstrip("@"))]
    if target.startswith("#"):
        return [f"#{label}" if label else target]
    if target.startswith("!subteam^"):
        return [html.unescape(label) or "@group"]
    if target.startswith("!"):
        return ["@" + (label or target[1:].split("^")[0])]
    url = html.unescape(target)
    return _words(f"{label} ({url})" if label else url)


def command_from_payload(body: Mapping[str, Any]) -> Command:
    """Build a `Command` from a slash-command payload (the form fields Slack posts)."""
    name = str(body.get("command", "")).lstrip("/")
    team = str(body.get("team_id") or body.get("enterprise_id") or "")
    raw_text = str(body.get("text") or "")
    trigger = str(body.get("trigger_id") or "")
    if not trigger:
        # Slack always sends trigger_id for commands; without one, fall back to the content.
        basis = "|".join(
            (team, str(body.get("user_id")), name, raw_text, str(body.get("response_url")))
        )
        trigger = "sha256:" + hashlib.sha256(basis.encode()).hexdigest()
    return Command(
        name=name,
        args=tokenize(raw_text),
        platform="slack",
        user_id=str(body.get("user_id", "")),
        request_key=f"slack:{team}:{trigger}",
        workspace_id=team,
        channel_id=str(body.get("channel_id") or "") or None,
        channel_name=str(body.get("channel_name") or "") or None,
        raw_text=raw_text,
    )


def interaction_from_payload(body: Mapping[str, Any]) -> Interaction:
    """Build an `Interaction` from a block_actions payload (a button press)."""
    action = (body.get("actions") or [{}])[0]
    team = str((body.get("team") or {}).get("id") or "")
    stamp = str(action.get("action_ts") or body.get("trigger_id") or "")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return Interaction(
        action_id=str(action.get("action_id", "")),
        value=str(action.get("value") or ""),
        platform="slack",
        user_id=str((body.get("user") or {}).get("id", "")),
        request_key=f"slack:{team}:action:{stamp}",
        workspace_id=team,
        channel_id=str(channel) if channel else None,
    )


def interaction_from_view(body: Mapping[str, Any]) -> Interaction:
    """Build an `Interaction` from a `view_submission` payload (a modal's Submit).

    The view's `callback_id` is the action id, its `private_metadata` the value, and each
    input block's value (text, number, date or chosen option) lands in `inputs` by block id.
    A retried submission of the same view has the same key.
    """
    view = body.get("view") or {}
    team = str((body.get("team") or {}).get("id") or view.get("team_id") or "")
    inputs: dict[str, str] = {}
    for block_id, elements in ((view.get("state") or {}).get("values") or {}).items():
        for element in (elements or {}).values():
            value = _element_value(element or {})
            if value is not None:
                inputs[str(block_id)] = value
    return Interaction(
        action_id=str(view.get("callback_id") or ""),
        value=str(view.get("private_metadata") or ""),
        platform="slack",
        user_id=str((body.get("user") or {}).get("id", "")),
        request_key=f"slack:{team}:view:{view.get('id', '')}:{view.get('hash', '')}",
        workspace_id=team,
        inputs=inputs,
    )


def _element_value(element: Mapping[str, Any]) -> str | None:
    kind = element.get("type")
    if kind == "datepicker":
        return element.get("selected_date")
    if kind in ("static_select", "radio_buttons"):
        option = element.get("selected_option") or {}
        return option.get("value")
    value = element.get("value")
    return None if value is None else str(value)
