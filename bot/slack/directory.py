"""Slack's user directory behind Candor's `PlatformDirectory` port."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.types import PlatformUser

log = logging.getLogger(__name__)


class SlackDirectory:
    """Looks users up with `users.info` and `users.lookupByEmail`, caching profiles."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._cache: dict[str, PlatformUser | None] = {}

    async def user(self, user_id: str) -> PlatformUser | None:
        """The Slack profile of a user id, or None if Slack does not know it."""
        if user_id in self._cache:
            return self._cache[user_id]
        try:
            response = await self._client.users_info(user=user_id)
        except SlackApiError as error:
            if error.response.get("error") in ("user_not_found", "user_not_visible"):
                self._cache[user_id] = None
                return None
            raise
        user = _platform_user(user_id, response.get("user") or {})
        self._cache[user_id] = user
        return user

    async def lookup_by_email(self, email: str) -> str | None:
        """The Slack user id for an email, or None if no Slack user has it."""
        try:
            response = await self._client.users_lookupByEmail(email=email)
        except SlackApiError as error:
            if error.response.get("error") == "users_not_found":
                return None
            raise
        raw = response.get("user") or {}
        user_id = raw.get("id")
        if not user_id:
            return None
        # The answer is a full profile: keep it, so a following `user()` costs no call.
        self._cache[str(user_id)] = _platform_user(str(user_id), raw)
        return str(user_id)


def _platform_user(user_id: str, raw: dict[str, Any]) -> PlatformUser:
    profile = raw.get("profile") or {}
    return PlatformUser(
        user_id=user_id,
        name=str(raw.get("real_name") or profile.get("real_name") or raw.get("name") or ""),
        email=(profile.get("email") or None),
        is_bot=bool(raw.get("is_bot")) or user_id == "USLACKBOT",
        deleted=bool(raw.get("deleted")),
        tz=raw.get("tz"),
    )
