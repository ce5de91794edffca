"""One error hierarchy. Each error carries a message written for the person who caused it.

Adapters render these on the surface the user is on (an ephemeral reply in Slack, a card in
Teams). Anything that is not a `CandorError` is a bug: users get a short apology with a
reference, never exception text.
"""

from __future__ import annotations

from handlers.messages import Block, Context, Message, Section, text


class CandorError(Exception):
    """Base class: `user_message` is safe to show; `usage` is optional help to show with it."""

    def __init__(self, user_message: str, *, usage: str | None = None) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.usage = usage


class UsageError(CandorError):
    """The input is malformed or breaks a rule; the message says what is wrong and what to do."""


class InvalidInput(UsageError):
    """A form was filled in wrongly: `fields` maps each bad field's `input_id` to what to fix.

    Slack shows these under the fields of the still-open modal; elsewhere they are listed in a
    reply."""

    def __init__(self, fields: dict[str, str]) -> None:
        # Where there is no modal to show them under (Teams cards), each names its field.
        listed = " ".join(f"{_field_name(k)}: {v}" for k, v in fields.items())
        super().__init__(listed or "Please check the form.")
        self.fields = fields


def _field_name(input_id: str) -> str:
    return input_id.replace("_", " ").strip().capitalize()


class PermissionDenied(CandorError):
    """The person may not do this; the message says who may."""


class NotFound(CandorError):
    """Something the request names does not exist (a person, a record)."""


class RateLimited(CandorError):
    """The person hit a product limit (not a platform one), e.g. the daily kudos limit."""


class NotRegistered(CandorError):
    """The platform user is not in Candor's org directory yet."""


def error_message(error: CandorError) -> Message:
    """The reply that tells a person what went wrong and, where useful, how to do it right."""
    blocks: list[Block] = [Section(text(f":warning: {error.user_message}"))]
    if error.usage:
        blocks.append(Context(text(error.usage)))
    return Message(summary=error.user_message, blocks=tuple(blocks))


def internal_error_message(reference: str) -> Message:
    """The reply for a bug: an apology and a reference for the logs, never exception text."""
    note = (
        f":face_with_head_bandage: Something went wrong on our side (reference `{reference}`). "
        "Nothing was stored half-way; please try again in a minute."
    )
    return Message(summary="Something went wrong on our side", blocks=(Section(text(note)),))
