"""Block Kit as HTML or plain text, and the demo's chat-client transcript page. Pure functions.

The page is one self-contained HTML file (inline CSS, no scripts, no external assets). Views
switch with `:target`, so it works from a file:// URL with JavaScript off. Slack messages carry
Block Kit; Teams messages carry Adaptive Cards (`bot.demo.adaptive`).
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.demo.adaptive import card_to_html, image_html, teams_text_html
from bot.demo.mrkdwn import Names, emojize, mrkdwn_to_html, mrkdwn_to_plain
from bot.demo.style import CSS

Block = Mapping[str, Any]


def _text_html(obj: Any, names: Names) -> str:
    if not isinstance(obj, Mapping):
        return ""
    raw = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return mrkdwn_to_html(raw, names)
    return html.escape(emojize(raw)).replace("\n", "<br>")


def _text_plain(obj: Any, names: Names) -> str:
    if not isinstance(obj, Mapping):
        return ""
    raw = str(obj.get("text", ""))
    return mrkdwn_to_plain(raw, names) if obj.get("type") == "mrkdwn" else emojize(raw)


def block_to_html(block: Block, names: Names) -> str:
    """One Block Kit block as an HTML fragment."""
    kind = block.get("type")
    if kind == "section":
        out = f'<div class="section">{_text_html(block.get("text"), names)}</div>'
        fields = [f"<div>{_text_html(f, names)}</div>" for f in block.get("fields") or ()]
        return out + (f'<div class="fields">{"".join(fields)}</div>' if fields else "")
    if kind == "context":
        parts = [
            _text_html(e, names)
            if e.get("type") != "image"
            else html.escape(str(e.get("alt_text", "")))
            for e in block.get("elements") or ()
            if isinstance(e, Mapping)
        ]
        return f'<div class="context">{" ".join(parts)}</div>'
    if kind == "header":
        return f'<div class="header">{_text_html(block.get("text"), names)}</div>'
    if kind == "divider":
        return "<hr>"
    if kind == "actions":
        buttons = [
            f'<span class="button {html.escape(str(e.get("style", "")))}">'
            f"{_text_html(e.get('text'), names)}</span>"
            for e in block.get("elements") or ()
            if isinstance(e, Mapping)
        ]
        return f'<div class="actions">{"".join(buttons)}</div>'
    if kind == "input":
        label = _text_html(block.get("label"), names)
        value = html.escape(_input_value(block)).replace("\n", "<br>")
        return f'<div class="input"><label>{label}</label><div class="box">{value}</div></div>'
    if kind == "image":
        # No external assets: an image is shown as its description.
        return f'<div class="context">[image: {html.escape(str(block.get("alt_text", "")))}]</div>'
    return f'<div class="context">[{html.escape(str(kind))} block]</div>'


def _input_value(block: Block) -> str:
    """What an input block shows filled in: its text, date or chosen option's label."""
    element = block.get("element")
    if not isinstance(element, Mapping):
        return ""
    option = element.get("initial_option")
    if isinstance(option, Mapping):
        return str((option.get("text") or {}).get("text", ""))
    return str(element.get("initial_value") or element.get("initial_date") or "")


def view_html(view: Mapping[str, Any], names: Names) -> str:
    """A modal as HTML: its title, its blocks (inputs as filled in), Cancel and Submit."""
    title = _text_html(view.get("title"), names)
    submit = _text_html(view.get("submit"), names) or "Submit"
    blocks = [b for b in view.get("blocks") or () if isinstance(b, Mapping)]
    body = "".join(block_to_html(b, names) for b in blocks)
    foot = f'<span class="button">Cancel</span><span class="button primary">{submit}</span>'
    return (
        f'<div class="modal"><div class="modal-title">{title}</div>{body}'
        f'<div class="modal-foot">{foot}</div></div>'
    )


def home_html(view: Mapping[str, Any], names: Names) -> str:
    """An App Home tab (Slack's `views.publish` view of type "home") as HTML: its blocks."""
    blocks = [b for b in view.get("blocks") or () if isinstance(b, Mapping)]
    return f'<div class="home">{"".join(block_to_html(b, names) for b in blocks)}</div>'


def blocks_to_html(blocks: Sequence[Block], fallback: str, names: Names) -> str:
    """A message body as HTML: its blocks, or its fallback `text` when it has none."""
    if not blocks:
        return f'<div class="section">{mrkdwn_to_html(fallback, names)}</div>'
    return "".join(block_to_html(b, names) for b in blocks if isinstance(b, Mapping))


def block_to_plain(block: Block, names: Names) -> list[str]:
    """One Block Kit block as lines of terminal text."""
    kind = block.get("type")
    if kind in ("section", "header"):
        lines = _text_plain(block.get("text"), names).splitlines()
        for f in block.get("fields") or ():
            lines.extend(_text_plain(f, names).splitlines())
        return lines
    if kind == "context":
        parts = [_text_plain(e, names) for e in block.get("elements") or ()]
        return " ".join(parts).splitlines()
    if kind == "divider":
        return ["─" * 20]
    if kind == "actions":
        labels = [f"[{_text_plain(e.get('text'), names)}]" for e in block.get("elements") or ()]
        return [" ".join(labels)]
    if kind == "input":
        return [f"{_text_plain(block.get('label'), names)}: {_input_value(block) or '______'}"]
    return [f"[{kind} block]"]


def blocks_to_plain(blocks: Sequence[Block], fallback: str, names: Names) -> list[str]:
    """A message body as lines of terminal text."""
    if not blocks:
        return mrkdwn_to_plain(fallback, names).splitlines()
    return [line for b in blocks if isinstance(b, Mapping) for line in block_to_plain(b, names)]


@dataclass(frozen=True)
class ChatUser:
    """Someone shown in the transcript."""

    id: str
    name: str
    title: str = ""
    is_bot: bool = False


@dataclass(frozen=True)
class ChatMessage:
    """One line of a conversation: a bot message, a private reply, a typed slash command,
    a Teams message someone wrote (`said`), or an event such as an app being added."""

    at: datetime
    author: str
    blocks: tuple[Block, ...] = ()
    text: str = ""
    kind: Literal["message", "ephemeral", "command", "said", "event"] = "message"
    visible_to: str | None = None
    card: Mapping[str, Any] | None = None  # a Teams message's Adaptive Card
    images: tuple[tuple[str, str], ...] = ()  # (URL, name) of images sent with the card
    in_thread: bool = False  # a reply in the thread of the message before it
    # A modal Candor opened (Slack's `views.open` view), or a Home it published (`views.publish`).
    view: Mapping[str, Any] | None = None


@dataclass
class Conversation:
    """A channel, a DM (a 1:1 chat with Candor in Teams), or a person's App Home tab, with its
    messages in order."""

    id: str
    title: str
    kind: Literal["channel", "dm", "home"]
    messages: list[ChatMessage] = field(default_factory=list)
    platform: Literal["slack", "teams"] = "slack"
    group: str = ""  # a sidebar section of its own (after the platforms' sections), if any


def initials(name: str) -> str:
    """Two letters for an avatar: first and last word."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalpha()]
    if not words:
        return "?"
    return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()


def _avatar(user: ChatUser) -> str:
    hue = 360 if user.is_bot else int(hashlib.sha1(user.id.encode()).hexdigest()[:4], 16) % 360
    style = "background:#4a154b" if user.is_bot else f"background:hsl({hue} 45% 42%)"
    return f'<div class="avatar" style="{style}">{html.escape(initials(user.name))}</div>'


def _message_html(message: ChatMessage, users: Mapping[str, ChatUser], names: Names) -> str:
    if message.kind == "event":
        return f'<div class="event">{html.escape(message.text)}</div>'
    author = users.get(message.author) or ChatUser(message.author, message.author)
    who = html.escape(author.name) + (' <span class="app">APP</span>' if author.is_bot else "")
    when = f'<time datetime="{message.at.isoformat()}">{message.at:%H:%M}</time>'
    note = ""
    if message.kind == "command":
        body = f'<div class="typed">{html.escape(message.text)}</div>'
        note = '<div class="only">Slash command · not posted, only the sender sees it</div>'
    elif message.kind == "said":
        body = f'<div class="section">{teams_text_html(message.text)}</div>'
    elif message.view is not None and message.view.get("type") == "home":
        body = home_html(message.view, names)
        viewer = users.get(message.visible_to or "")
        shown = f" ({html.escape(viewer.name)})" if viewer else ""
        note = f'<div class="only">Candor\'s App Home tab · only visible to you{shown}</div>'
    elif message.view is not None:
        body = view_html(message.view, names)
        viewer = users.get(message.visible_to or "")
        shown = f" ({html.escape(viewer.name)})" if viewer else ""
        note = f'<div class="only">A form in a modal · only visible to you{shown}</div>'
    elif message.card is not None:
        body = card_to_html(message.card)
        body += "".join(image_html(url, name) for url, name in message.images)
    else:
        body = blocks_to_html(message.blocks, message.text, names)
        if message.kind == "ephemeral":
            viewer = users.get(message.visible_to or "")
            shown = f" ({html.escape(viewer.name)})" if viewer else ""
            note = f'<div class="only">👁 Only visible to you{shown}</div>'
    css = "msg " + message.kind + (" reply" if message.in_thread else "")
    return (
        f'<div class="{css}">{_avatar(author)}<div class="content">{note}'
        f'<div class="meta"><b>{who}</b> {when}</div>{body}</div></div>'
    )


def _conversation_html(
    conversation: Conversation, users: Mapping[str, ChatUser], names: Names
) -> str:
    rows: list[str] = []
    day = ""
    for message in conversation.messages:
        label = f"{message.at:%A}, {message.at.day} {message.at:%B}"
        if label != day:
            day = label
            rows.append(f'<div class="day"><span>{label}</span></div>')
        rows.append(_message_html(message, users, names))
    title = html.escape(conversation.title)
    teams = conversation.platform == "teams"
    if conversation.kind == "channel":
        heading = f"# {title} · Microsoft Teams" if teams else f"#{title}"
    elif conversation.kind == "home":
        heading = f"{title} · Candor's App Home (the Home tab)"
    else:
        heading = f"{title} · {'chat' if teams else 'direct messages'} with Candor"
    css = "view teams" if teams else "view"
    return (
        f'<section class="{css}" id="{html.escape(conversation.id)}">'
        f"<header>{heading}</header>"
        f'<div class="log">{"".join(rows) or "<p>No messages.</p>"}</div></section>'
    )


def render_page(
    title: str,
    conversations: Sequence[Conversation],
    users: Mapping[str, ChatUser],
    notes: Sequence[str] = (),
) -> str:
    """The transcript: a sidebar of channels and DMs, one view each; the first is the default.

    Args:
        title: the workspace name, shown at the top of the sidebar.
        conversations: channels first; the first one is shown when nothing is selected.
        users: everyone who may appear, by Slack id.
        notes: lines of plain text shown under the sidebar (totals, where the data came from).
    """
    names: dict[str, str] = {uid: u.name for uid, u in users.items()}
    names.update({c.id: c.title for c in conversations if c.kind == "channel"})

    def links(kind: str, prefix: str, platform: str = "slack", group: str = "") -> str:
        return "".join(
            f'<a href="#{html.escape(c.id)}">{prefix}{html.escape(c.title)}</a>'
            for c in conversations
            if c.kind == kind and c.platform == platform and c.group == group
        )

    nav = f"<h2>Channels</h2>{links('channel', '# ')}<h2>Direct messages</h2>{links('dm', '')}"
    if any(c.platform == "teams" for c in conversations):
        teams = links("channel", "# ", "teams") + links("dm", "", "teams")
        nav += f'<h2 class="teams">Microsoft Teams</h2>{teams}'
    for group in dict.fromkeys(c.group for c in conversations if c.group):
        grouped = "".join(
            links(kind, "# " if kind == "channel" else "", group=group)
            for kind in ("channel", "dm", "home")
        )
        nav += f'<h2 class="group">{html.escape(group)}</h2>{grouped}'
    # The default view comes last in the page so `.view:target ~ .default` can hide it.
    ordered = [*conversations[1:], conversations[0]] if conversations else []
    views = [_conversation_html(c, users, names) for c in ordered]
    if views:
        views[-1] = views[-1].replace('class="view', 'class="view default', 1)
    note_html = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · Candor demo</title><style>{CSS}</style></head><body>"
        f'<nav><div class="team">{html.escape(title)}</div>{nav}'
        f'<ul class="notes">{note_html}</ul></nav><main>{"".join(views)}</main>'
        "</body></html>\n"
    )
