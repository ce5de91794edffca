"""Candor's normalized input: commands and interactions, the same for every chat platform."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """What a person may see and do. Managers are also inferred from reporting lines."""

    EMPLOYEE = "employee"
    MANAGER = "manager"
    HR = "hr"
    ADMIN = "admin"


@dataclass(frozen=True)
class MentionRef:
    """A person mentioned in a command, as the platform named them."""

    platform_user_id: str
    label: str = ""


Token = str | MentionRef


@dataclass(frozen=True)
class Command:
    """A slash command (Slack) or a command message (Teams), normalized.

    `args` is the text split into words, with mentions already turned into `MentionRef`s and
    channel/link markup turned into plain text, so a handler never parses platform syntax.
    """

    name: str
    args: tuple[Token, ...]
    platform: str
    user_id: str
    request_key: str
    workspace_id: str = ""
    channel_id: str | None = None
    channel_name: str | None = None
    raw_text: str = field(default="", repr=False)

    @property
    def words(self) -> list[str]:
        """The plain words of the command (mentions left out)."""
        return [a for a in self.args if isinstance(a, str)]

    @property
    def first_word(self) -> str:
        """The first plain word, lower-cased: a sub-command such as `help`, or ''."""
        first = self.args[0] if self.args else ""
        return first.lower() if isinstance(first, str) else ""


@dataclass(frozen=True)
class Interaction:
    """A button press or form submission, normalized."""

    action_id: str
    value: str
    platform: str
    user_id: str
    request_key: str
    workspace_id: str = ""
    channel_id: str | None = None
    inputs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PlatformUser:
    """What a chat platform says about one of its users."""

    user_id: str
    name: str
    email: str | None
    is_bot: bool = False
    deleted: bool = False
    tz: str | None = None
