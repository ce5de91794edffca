"""Candor's message model rendered as an Adaptive Card 1.5 for Microsoft Teams.

Strings in the model are light markdown (`*bold*`, `_italic_`, `` `code` ``, `:emoji:`); everything
else in them is escaped, so text a user typed can't turn into links, lists or fake `<at>` mentions.
People with a Teams id become real mentions: `<at>Name</at>` plus an `msteams.entities` entry.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any

from botbuilder.schema import Activity, ActivityTypes, Attachment

from handlers.messages import (
    Actions,
    Block,
    Button,
    Context,
    Divider,
    Header,
    Input,
    Message,
    Quote,
    Section,
    Text,
)

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
TEXT_LIMIT = 4000
MAX_ELEMENTS = 50
MAX_FACTS = 20
MAX_BUTTONS = 6

# The shortcodes handlers write; Teams shows shortcodes as text, so they become emoji here.
EMOJI = {
    "tada": "🎉",
    "large_green_circle": "🟢",
    "large_orange_circle": "🟠",
    "sparkles": "✨",
    "raised_hands": "🙌",
    "warning": "⚠️",
    "face_with_head_bandage": "🤕",
    "white_check_mark": "✅",
    "wave": "👋",
    "bulb": "💡",
    "memo": "📝",
    "calendar": "📅",
}
_SHORTCODE = re.compile(r":([a-z0-9_+-]+):")
_LIGHT = re.compile(
    r"(?<![\w*])\*(?=\S)(?P<bold>[^*\n]+?)(?<=\S)\*(?![\w*])"
    r"|(?<![\w_])_(?=\S)(?P<italic>[^_\n]+?)(?<=\S)_(?![\w_])"
    r"|`(?P<code>[^`\n]+)`"
)
_SPECIAL = re.compile(r"([\\`*_~\[\]<>{}])")
_LIST_MARK = re.compile(r"^(\s*)([-+#])", re.MULTILINE)
_NUMBERED = re.compile(r"^(\s*\d+)\.", re.MULTILINE)
_BUTTON_STYLES = {"primary": "positive", "danger": "destructive"}


def escape(value: str) -> str:
    """Backslash-escape what Adaptive Card markdown (and Teams' `<at>`) would treat as markup."""
    escaped = _SPECIAL.sub(r"\\\1", value)
    escaped = _LIST_MARK.sub(r"\1\\\2", escaped)
    return _NUMBERED.sub(r"\1\\.", escaped)


def _emoji(value: str) -> str:
    return _SHORTCODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), value)


def _light_markdown(value: str) -> str:
    parts: list[str] = []
    position = 0
    value = _emoji(value)
    for match in _LIGHT.finditer(value):
        parts.append(escape(value[position : match.start()]))
        position = match.end()
        if match.group("bold") is not None:
            parts.append(f"**{escape(match.group('bold'))}**")
        elif match.group("italic") is not None:
            parts.append(f"_{escape(match.group('italic'))}_")
        else:
            parts.append(escape(match.group("code")))
    parts.append(escape(value[position:]))
    return "".join(parts)


def _cut(value: str, limit: int = TEXT_LIMIT) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


class _Renderer:
    """Renders one message, collecting the mention entities its text needs."""

    def __init__(self, teams_ids: Mapping[int, str]) -> None:
        self._teams_ids = teams_ids
        self.entities: dict[str, dict[str, Any]] = {}

    def markdown(self, spans: Text) -> str:
        parts: list[str] = []
        for span in spans:
            if isinstance(span, str):
                parts.append(_light_markdown(span))
                continue
            user_id = self._teams_ids.get(span.person_id)
            name = " ".join(span.name.replace("<", " ").replace(">", " ").split()) or "someone"
            if user_id is None:
                parts.append(f"**{escape(name)}**")
                continue
            tag = f"<at>{name}</at>"
            self.entities.setdefault(
                f"{user_id}|{tag}",
                {"type": "mention", "text": tag, "mentioned": {"id": user_id, "name": name}},
            )
            parts.append(tag)
        # Adaptive Card markdown needs a blank line for a line break.
        return _cut("\n\n".join("".join(parts).split("\n")))

    def block(self, block: Block) -> list[dict[str, Any]]:
        if isinstance(block, Header):
            return [
                _text_block(escape(_emoji(block.text)), weight="Bolder", size="Medium")
                | {"style": "heading"}
            ]
        if isinstance(block, Section):
            out = [_text_block(self.markdown(block.text))] if block.text else []
            if block.fields:
                facts = [
                    {"title": _cut(escape(label), 200), "value": self.markdown(value)}
                    for label, value in block.fields[:MAX_FACTS]
                ]
                out.append({"type": "FactSet", "facts": facts})
            return out
        if isinstance(block, Context):
            return [_text_block(self.markdown(block.text), size="Small", isSubtle=True)]
        if isinstance(block, Quote):
            return self._quote(block)
        if isinstance(block, Divider):
            return []  # rendered as a separator on the next element
        if isinstance(block, Actions):
            return [{"type": "ActionSet", "actions": [_execute(b) for b in block.buttons]}]
        if isinstance(block, Input):
            return [_input(block)]
        raise TypeError(f"cannot render {type(block).__name__}")

    def _quote(self, block: Quote) -> list[dict[str, Any]]:
        marks = "".join(f"\\[{i}\\]" for i in range(1, len(block.citations) + 1))
        body = self.markdown(block.text) + (f" {marks}" if marks else "")
        items: list[dict[str, Any]] = [_text_block(body)]
        if block.citations:
            sources = "  ".join(
                f"\\[{i}\\] {escape(c.label)}" for i, c in enumerate(block.citations, start=1)
            )
            items.append(_text_block(f"Sources: {sources}", size="Small", isSubtle=True))
        return [{"type": "Container", "style": "emphasis", "items": items}]


def _text_block(value: str, **extra: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": value, "wrap": True, **extra}


def _execute(button: Button) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": "Action.Execute",
        "title": _cut(button.label, 80),
        "verb": button.action_id,
        "data": {"value": button.value},
    }
    if button.style in _BUTTON_STYLES:
        action["style"] = _BUTTON_STYLES[button.style]
    return action


_INPUT_TYPES = {
    "text": "Input.Text",
    "number": "Input.Number",
    "date": "Input.Date",
    "select": "Input.ChoiceSet",
}


def _input(block: Input) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": _INPUT_TYPES[block.kind],
        "id": block.input_id,
        "label": block.label,
        "isRequired": not block.optional,
    }
    if block.kind == "text":
        element["isMultiline"] = block.multiline
    if block.kind == "select":
        element["style"] = "compact"
        element["choices"] = [{"title": c.label, "value": c.value} for c in block.choices]
    if block.placeholder:
        element["placeholder"] = block.placeholder
    if block.initial:
        element["value"] = block.initial
    if not block.optional:
        element["errorMessage"] = f"{block.label} is required."
    return element


def render_card(message: Message, teams_ids: Mapping[int, str]) -> dict[str, Any]:
    """A message as an Adaptive Card; `teams_ids` maps person ids to Teams user ids."""
    renderer = _Renderer(teams_ids)
    body: list[dict[str, Any]] = []
    separate = False
    for block in message.blocks:
        if isinstance(block, Divider):
            separate = True
            continue
        if isinstance(block, Actions):
            block = Actions(block.buttons[:MAX_BUTTONS])
        rendered = renderer.block(block)
        if rendered and separate:
            rendered[0]["separator"] = True
            separate = False
        body.extend(rendered)
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "fallbackText": _cut(message.summary, 300),
        "body": body[:MAX_ELEMENTS],
        "msteams": {"width": "Full"},
    }
    if renderer.entities:
        card["msteams"]["entities"] = list(renderer.entities.values())
    return card


def render_activity(message: Message, teams_ids: Mapping[int, str]) -> Activity:
    """A message activity carrying the card; `summary` is what notifications show."""
    card = render_card(message, teams_ids)
    attachments = [Attachment(content_type=CARD_CONTENT_TYPE, content=card)]
    attachments.extend(_files(message))
    return Activity(
        type=ActivityTypes.message,
        summary=_cut(message.summary, 300),
        attachments=attachments,
    )


def _files(message: Message) -> list[Attachment]:
    # Files (charts) travel beside the card as inline data: a card's 28 KB limit can't hold them.
    files = []
    for item in getattr(message, "attachments", ()) or ():
        mime = str(getattr(item, "mime_type", "") or "application/octet-stream")
        data = base64.b64encode(bytes(getattr(item, "data", b""))).decode("ascii")
        files.append(
            Attachment(
                content_type=mime,
                content_url=f"data:{mime};base64,{data}",
                name=str(getattr(item, "title", "") or getattr(item, "filename", "") or "file"),
            )
        )
    return files
