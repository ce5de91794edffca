"""Candor's message model rendered as Slack Block Kit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers.messages import (
    Actions,
    Block,
    Context,
    Divider,
    Form,
    Header,
    Input,
    Message,
    Quote,
    Section,
    Text,
)

SECTION_LIMIT = 3000
HEADER_LIMIT = 150
FIELD_LIMIT = 2000


def escape(value: str) -> str:
    """Escape the three characters Slack treats as markup, so user text can't ping or link."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(spans: Text, slack_ids: Mapping[int, str]) -> str:
    """Rich text as Slack mrkdwn; people with a known Slack id become real mentions."""
    parts: list[str] = []
    for span in spans:
        if isinstance(span, str):
            parts.append(escape(span))
        elif span.person_id in slack_ids:
            parts.append(f"<@{slack_ids[span.person_id]}>")
        else:
            parts.append(f"*{escape(span.name)}*")
    return "".join(parts)


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _plain(value: str, limit: int = HEADER_LIMIT) -> dict[str, Any]:
    return {"type": "plain_text", "text": _cut(value, limit), "emoji": True}


def _md(value: str, limit: int = SECTION_LIMIT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": _cut(value, limit)}


def render_block(block: Block, slack_ids: Mapping[int, str]) -> list[dict[str, Any]]:
    """One block of the model as one or more Block Kit blocks."""
    if isinstance(block, Header):
        return [{"type": "header", "text": _plain(block.text)}]
    if isinstance(block, Section):
        rendered: dict[str, Any] = {"type": "section", "text": _md(mrkdwn(block.text, slack_ids))}
        if block.fields:
            rendered["fields"] = [
                _md(f"*{escape(label)}*\n{mrkdwn(value, slack_ids)}", FIELD_LIMIT)
                for label, value in block.fields[:10]
            ]
        return [rendered]
    if isinstance(block, Context):
        return [{"type": "context", "elements": [_md(mrkdwn(block.text, slack_ids))]}]
    if isinstance(block, Quote):
        body = "\n".join(f"> {line}" for line in mrkdwn(block.text, slack_ids).splitlines())
        out: list[dict[str, Any]] = [{"type": "section", "text": _md(body or ">")}]
        if block.citations:
            sources = "  ".join(
                f"[{i}] {escape(c.label)}" for i, c in enumerate(block.citations, start=1)
            )
            out.append({"type": "context", "elements": [_md(f"Sources: {sources}")]})
        return out
    if isinstance(block, Divider):
        return [{"type": "divider"}]
    if isinstance(block, Actions):
        elements = []
        for button in block.buttons[:25]:
            element: dict[str, Any] = {
                "type": "button",
                "text": _plain(button.label, 75),
                "action_id": button.action_id,
                "value": button.value,
            }
            if button.style != "default":
                element["style"] = button.style
            elements.append(element)
        return [{"type": "actions", "elements": elements}]
    if isinstance(block, Input):
        return [
            {
                "type": "input",
                "block_id": block.input_id,
                "label": _plain(block.label, 2000),
                "element": _input_element(block),
                "optional": block.optional,
            }
        ]
    raise TypeError(f"cannot render {type(block).__name__}")


def _input_element(block: Input) -> dict[str, Any]:
    # The element's action_id repeats the block_id: a submission is read back by either.
    element: dict[str, Any] = {"action_id": block.input_id}
    if block.kind == "select":
        options = [{"text": _plain(c.label, 75), "value": c.value} for c in block.choices[:100]]
        element.update(type="static_select", options=options)
        chosen = [o for o in options if o["value"] == block.initial]
        if chosen:
            element["initial_option"] = chosen[0]
    elif block.kind == "date":
        element["type"] = "datepicker"
        if block.initial:
            element["initial_date"] = block.initial
    elif block.kind == "number":
        element.update(type="number_input", is_decimal_allowed=False)
        if block.initial:
            element["initial_value"] = block.initial
    else:
        element.update(type="plain_text_input", multiline=block.multiline)
        if block.initial:
            element["initial_value"] = block.initial
    if block.placeholder and block.kind != "date":
        element["placeholder"] = _plain(block.placeholder)
    return element


def render(message: Message, slack_ids: Mapping[int, str]) -> dict[str, Any]:
    """A message as `chat.postMessage` arguments: notification `text` plus `blocks`."""
    blocks = [b for block in message.blocks for b in render_block(block, slack_ids)]
    return {"text": _cut(escape(message.summary), SECTION_LIMIT), "blocks": blocks[:50]}


MODAL_TITLE_LIMIT = 24


def render_view(form: Form, slack_ids: Mapping[int, str]) -> dict[str, Any]:
    """A form as a modal view for `views.open`; submitting it sends a `view_submission` whose
    `callback_id` is the form's submit action and `private_metadata` its value."""
    blocks = [b for block in form.blocks for b in render_block(block, slack_ids)]
    return {
        "type": "modal",
        "callback_id": form.submit_action,
        "private_metadata": form.value,
        "title": _plain(form.title, MODAL_TITLE_LIMIT),
        "submit": _plain(form.submit_label, MODAL_TITLE_LIMIT),
        "close": _plain("Cancel", MODAL_TITLE_LIMIT),
        "blocks": blocks[:100],
    }
