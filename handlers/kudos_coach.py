"""The writing coach on /kudos: a private tip with the post, or a question before it.

In "confirm" mode nothing is stored until the giver presses *Post anyway*. The button carries
the kudos itself (recipients, words, values and the command's request key), so no table holds
pending kudos: the click runs every /kudos check again, as whoever clicked (they could have
typed the same command), and the request key makes a double click post once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from handlers.coach_hints import coach_reply
from handlers.errors import UsageError
from handlers.messages import Actions, Button, Context, Message, Quote, Section, text
from handlers.types import MentionRef
from insights.coach import CoachHint

POST_ACTION = "kudos.coach.post"
EDIT_ACTION = "kudos.coach.edit"
# Slack refuses a button whose value is longer; such a kudos is posted with a tip instead.
MAX_VALUE_CHARS = 2000
MAX_KEY_CHARS = 200
_EXPIRED = "That button no longer works. Run `/kudos` again."


@dataclass(frozen=True)
class HeldKudos:
    """A kudos waiting for its giver's confirmation, as carried by the buttons."""

    mentions: tuple[MentionRef, ...]
    reason: str
    tags: tuple[str, ...]
    request_key: str

    def encode(self) -> str | None:
        """The button value, or None when it would be too long for a button."""
        value = json.dumps(
            {
                "k": self.request_key,
                "m": [[m.platform_user_id, m.label] for m in self.mentions],
                "r": self.reason,
                "t": list(self.tags),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return value if len(value) <= MAX_VALUE_CHARS else None

    @classmethod
    def decode(cls, value: str) -> HeldKudos:
        """Read a button value back.

        Raises:
            UsageError: the value is not one Candor wrote.
        """
        try:
            data = json.loads(value)
            mentions = tuple(MentionRef(str(uid), str(label)) for uid, label in data["m"])
            reason, key, tags = data["r"], data["k"], data["t"]
        except (ValueError, TypeError, KeyError):
            raise UsageError(_EXPIRED) from None
        if not (isinstance(reason, str) and isinstance(key, str) and mentions):
            raise UsageError(_EXPIRED)
        if not 0 < len(key) <= MAX_KEY_CHARS:  # request keys are stored, 255 characters at most
            raise UsageError(_EXPIRED)
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise UsageError(_EXPIRED)
        return cls(mentions, reason, tuple(tags), key)

    def as_command(self) -> str:
        """The /kudos command that would give this kudos, for the giver to copy and edit."""
        leading = [f"@{m.label}" for m in self.mentions if f"@{m.label}" not in self.reason]
        return " ".join(["/kudos", *leading, self.reason, *(f"#{t}" for t in self.tags)])


def confirm_prompt(held: HeldKudos, value: str, hints: Sequence[CoachHint]) -> Message:
    """The private question before posting: the hint, the words, *Post anyway* and *Edit*."""
    blocks = coach_reply(hints, lead="Before I post your kudos")
    return Message(
        summary="Before I post your kudos",
        blocks=(
            blocks[0],
            Quote(text(held.reason)),
            *blocks[1:],
            Actions(
                (
                    Button("Post anyway", POST_ACTION, value, "primary"),
                    Button("Edit", EDIT_ACTION, value),
                )
            ),
        ),
    )


def tip_message(hints: Sequence[CoachHint], confirmation: Message | None) -> Message:
    """The giver's private reply once the kudos is out: the confirmation, if any, and a tip."""
    if confirmation is None:
        return Message(summary="A tip for your next kudos", blocks=tuple(coach_reply(hints)))
    return Message(summary=confirmation.summary, blocks=(*confirmation.blocks, *coach_reply(hints)))


def edit_message(held: HeldKudos) -> Message:
    """Nothing was posted: how to send it again, reworded."""
    return Message(
        summary="Your kudos was not posted",
        blocks=(
            Section(
                text(
                    "Nothing was posted. Run `/kudos` again with your new wording — "
                    "here is what you wrote, to copy:"
                )
            ),
            Quote(text(held.as_command())),
        ),
    )


def posted_message(names: str) -> Message:
    """The confirmation after *Post anyway*."""
    return Message(
        summary="Kudos sent",
        blocks=(Section(text(f"Posted. Your kudos to {names} is out.")),),
    )


def already_posted() -> Message:
    """A second click on *Post anyway*: it went out once."""
    return Message(
        summary="Already posted",
        blocks=(Context(text("That kudos is already posted — it went out once.")),),
    )
