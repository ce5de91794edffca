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
class Choice:
    """One option of a select field."""

    label: str
    value: str


@dataclass(frozen=True)
class Input:
    """A form field, shown in modals and cards. Its value comes back in `Interaction.inputs`
    under `input_id`: text as typed, a number or an ISO date as a string, a choice's value."""

    label: str
    input_id: str
    multiline: bool = False
    placeholder: str = ""
    initial: str = ""
    optional: bool = False
    kind: Literal["text", "number", "date", "select"] = "text"
    choices: tuple[Choice, ...] = ()


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
class Form:
    """A form for the requester to fill in: a modal on Slack (opened by the command or button
    that asked for it), a card with inputs on Teams. Submitting it is an interaction with
    `action_id == submit_action`, `value == value` and the fields in `inputs`."""

    title: str
    submit_action: str
    blocks: tuple[Block, ...]
    value: str = ""
    submit_label: str = "Save"
    attachments: tuple[Attachment, ...] = ()

    @property
    def summary(self) -> str:
        return self.title

    def mentions(self) -> set[int]:
        """Ids of every person mentioned in the form's text."""
        return Message(self.title, self.blocks).mentions()

    def as_message(self) -> Message:
        """The form as a message with a submit button (for surfaces without modals)."""
        submit = Button(self.submit_label, self.submit_action, self.value, "primary")
        return Message(self.title, (Header(self.title), *self.blocks, Actions((submit,))))


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
    message: Message | Form
    purpose: str = field(default="reply")
    # A scheduled message's claimed delivery key (`store.deliveries`): a failed send is counted
    # on it and the next run retries it, until it is dead-lettered and admins are alerted.
    delivery_key: str | None = None
    # The answer to a button press that supersedes the message holding the button (a draft
    # approved): where the platform can, it replaces that message (a Teams card refresh).
    in_place: bool = False
