"""Ports the core needs from a chat platform. Each adapter in `bot/` implements them."""

from __future__ import annotations

from typing import Protocol

from handlers.types import PlatformUser
from store.vector.index import VectorIndex


class PlatformDirectory(Protocol):
    """Looks people up on the chat platform a request came from."""

    platform: str

    async def user(self, user_id: str) -> PlatformUser | None:
        """The platform's profile of a user, or None if the platform does not know them."""
        ...

    async def lookup_by_email(self, email: str) -> str | None:
        """The platform user id for an email address, or None."""
        ...


class FeedbackIndex(Protocol):
    """The vector index of feedback, brought up to date with SQL before it is read."""

    async def current(self) -> VectorIndex:
        """Apply every pending change, then return the index.

        Raises:
            Exception: when the index is unavailable (callers say so to the user).
        """
        ...
