"""One message model, written by handlers and rendered by each adapter (Block Kit, Adaptive Cards).

Text is a tuple of spans: plain strings (light markdown: *bold*, _italic_) and `Mention`s of
people, which each adapter renders the way its platform links people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Mention:
    """A person named in a message; rendered as a platform mention where one is known."""

    person_id: int
    name: str


Span = str | Mention
Text = tuple[Span, ...]


def text(*spans: Span) -> Text:
    """Build rich text from strings and mentions."""
    return tuple(spans)


def plain(spans: Text) -> str:
    """Render rich text without platform markup (fallback text, notifications, logs of shape)."""
    return "".join(s if isinstance(s, str) else f"@{s.name}" for s in spans)


@dataclass(frozen=True)
class Citation:
    """A source record behind a sentence: its kind and id, and a short label to show."""

    kind: str
    record_id: int
    label: str


@dataclass(frozen=True)
class Section:
    """A paragraph of text, optionally with short label/value fields."""

    text: Text
    fields: tuple[tuple[str, Text], ...] = ()


@dataclass(frozen=True)
class Header:
    """A short heading."""

    text: str


@dataclass(frozen=True)
class Context:
    """Small print: hints, provenance, timestamps."""

    text: Text


@dataclass(frozen=True)
class Quote:
    """Quoted text (feedback in someone's words, or an AI sentence) with the records it rests on."""

    text: Text
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class Divider:
    """A visual break."""


@dataclass(frozen=True)
class Button:
    """An action; `action_id` routes the click back to a handler with `value`."""

    label: str
    action_id: str
    value: str = ""
    style: Literal["default", "primary", "danger"] = "default"


@dataclass(frozen=True)
class Actions:
    """A row of buttons."""

    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class Input:
    """A form field, shown in modals and cards."""

    label: str
    input_id: str
    multiline: bool = False
    placeholder: str = ""
    initial: str = ""
    optional: bool = False


Block = Section | Header | Context | Quote | Divider | Actions | Input


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message, such as a chart image."""

    filename: str
    data: bytes = field(repr=False)
    title: str
    alt_text: str
    mime_type: str = "image/png"


@dataclass(frozen=True)
class Message:
    """A complete message: blocks plus a one-line summary for notifications and fallbacks."""

    summary: str
    blocks: tuple[Block, ...] = ()
    attachments: tuple[Attachment, ...] = ()

    def mentions(self) -> set[int]:
        """Ids of every person mentioned anywhere in the message."""
        found: set[int] = set()
        for block in self.blocks:
            texts: list[Text] = []
            if isinstance(block, Section):
                texts = [block.text, *(v for _, v in block.fields)]
            elif isinstance(block, Context | Quote):
                texts = [block.text]
            for t in texts:
                found.update(s.person_id for s in t if isinstance(s, Mention))
        return found


@dataclass(frozen=True)
class ToChannel:
    """Post in a channel, visible to its members."""

    channel_id: str


@dataclass(frozen=True)
class ToPerson:
    """Send a direct message to a person."""

    person_id: int


@dataclass(frozen=True)
class ToRequester:
    """Reply privately to whoever sent the command, on the surface they used."""


Destination = ToChannel | ToPerson | ToRequester


@dataclass(frozen=True)
class Outgoing:
    """A message and where it goes. `purpose` says why (for logs and metrics; never content)."""

    to: Destination
    message: Message
    purpose: str = field(default="reply")
