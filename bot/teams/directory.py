"""Teams' member directory behind Candor's `PlatformDirectory` port.

Teams ids (`29:…`) carry no email; a member lookup on the conversation the request came from
(`GET /v3/conversations/{id}/members/{userId}`) does. Accounts that already carry an email (in
mention entities or member lists) are used as they are, and every answer is cached.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from botbuilder.core import BotAdapter, TurnContext

from bot.teams.parse import as_dict, base_conversation_id
from handlers.types import PlatformUser

log = logging.getLogger(__name__)

MemberFetcher = Callable[[str], Awaitable[Mapping[str, Any] | None]]
_NOT_FOUND = {403, 404}


def is_bot_id(user_id: str) -> bool:
    """Teams gives bots `28:` ids."""
    return user_id.startswith("28:")


def profile_from_account(account: Mapping[str, Any]) -> PlatformUser | None:
    """A `PlatformUser` from a Teams account (`TeamsChannelAccount` fields, or `properties`)."""
    user_id = str(account.get("id") or "")
    if not user_id:
        return None
    extra = account.get("properties") if isinstance(account.get("properties"), Mapping) else {}
    assert isinstance(extra, Mapping)

    def field(*names: str) -> str:
        for name in names:
            value = account.get(name) or extra.get(name)
            if value:
                return str(value)
        return ""

    email = field("email", "mail")
    upn = field("userPrincipalName", "user_principal_name")
    if not email and "@" in upn:
        email = upn
    role = field("userRole", "user_role", "role").lower()
    return PlatformUser(
        user_id=user_id,
        name=field("name") or " ".join(p for p in (field("givenName"), field("surname")) if p),
        email=email.strip().lower() or None,
        is_bot=is_bot_id(user_id) or role == "bot",
        tz=field("timezone", "tz") or None,
    )


class ProfileCache:
    """Profiles by Teams user id, each kept for `ttl_s` seconds (unknown ids for less)."""

    def __init__(
        self,
        ttl_s: float = 3600.0,
        max_entries: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl_s = ttl_s
        self._max = max_entries
        self._now = monotonic
        self._entries: OrderedDict[str, tuple[float, PlatformUser | None]] = OrderedDict()

    def get(self, user_id: str) -> tuple[bool, PlatformUser | None]:
        """(found, profile): a cached None means the platform said it does not know the id."""
        entry = self._entries.get(user_id)
        if entry is None or entry[0] < self._now():
            self._entries.pop(user_id, None)
            return False, None
        self._entries.move_to_end(user_id)
        return True, entry[1]

    def put(self, user_id: str, profile: PlatformUser | None) -> None:
        """Remember a profile (or that there is none, for a tenth of the time)."""
        ttl = self._ttl_s if profile is not None else self._ttl_s / 10
        self._entries[user_id] = (self._now() + ttl, profile)
        self._entries.move_to_end(user_id)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def find_email(self, email: str) -> str | None:
        """A cached user id with this email, or None."""
        wanted = email.strip().lower()
        for user_id, (_expires, profile) in self._entries.items():
            if profile is not None and profile.email == wanted:
                return user_id
        return None


class TeamsDirectory:
    """One request's view of Teams' directory: the shared cache, then a member lookup."""

    platform = "teams"

    def __init__(
        self,
        cache: ProfileCache,
        fetch: MemberFetcher | None = None,
        accounts: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        self._cache = cache
        self._fetch = fetch
        for account in accounts:
            profile = profile_from_account(account)
            # Only complete profiles are trusted from a payload; the rest are looked up.
            if profile is not None and (profile.email or profile.is_bot):
                cache.put(profile.user_id, profile)

    async def user(self, user_id: str) -> PlatformUser | None:
        """The Teams profile of a user id, or None if Teams does not know it here."""
        found, profile = self._cache.get(user_id)
        if found:
            return profile
        if is_bot_id(user_id):
            profile = PlatformUser(user_id=user_id, name="", email=None, is_bot=True)
            self._cache.put(user_id, profile)
            return profile
        if self._fetch is None:
            return None
        try:
            account = await self._fetch(user_id)
        except Exception as error:
            log.warning("Teams member lookup failed for %s: %s", user_id, type(error).__name__)
            return None  # not cached: the next request tries again
        profile = profile_from_account(account) if account else None
        self._cache.put(user_id, profile)
        return profile

    async def lookup_by_email(self, email: str) -> str | None:
        """A Teams user id for an email, if Candor has seen that user (Teams has no lookup)."""
        return self._cache.find_email(email)


def member_fetcher(context: TurnContext) -> MemberFetcher | None:
    """Member lookups on the conversation (or team) a turn came from, via its connector."""
    connector = context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
    if connector is None:
        return None  # TestAdapter: no connector, payload accounts only
    team = as_dict(context.activity.channel_data).get("team") or {}
    conversation_id = (team.get("id") if isinstance(team, Mapping) else None) or (
        base_conversation_id(str(context.activity.conversation.id))
    )

    async def fetch(user_id: str) -> Mapping[str, Any] | None:
        try:
            member = await connector.conversations.get_conversation_member(conversation_id, user_id)
        except Exception as error:
            status = getattr(getattr(error, "response", None), "status_code", None)
            if status in _NOT_FOUND:
                return None
            raise
        return as_dict(member)

    return fetch


def activity_accounts(context: TurnContext) -> list[dict[str, Any]]:
    """Accounts named in a turn's activity: the sender, mentioned people, added members."""
    activity = context.activity
    accounts = [as_dict(activity.from_property)]
    for entity in activity.entities or []:
        data = as_dict(entity)
        if data.get("type") == "mention" and isinstance(data.get("mentioned"), Mapping):
            accounts.append(dict(data["mentioned"]))
    accounts.extend(as_dict(member) for member in activity.members_added or [])
    return [a for a in accounts if a.get("id")]
