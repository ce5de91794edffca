"""Linking a team's members to the org directory by email, when Candor joins a team.

Teams has no lookup by email for a bot, but a team's member list carries each member's email
(or UPN). Reading it once at install links everyone Candor may have to message (a manager who
has never talked to the bot still gets the DM about their report's kudos).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from botbuilder.core import BotAdapter, TurnContext

from bot.teams.directory import ProfileCache, profile_from_account
from bot.teams.parse import PLATFORM, as_dict, base_conversation_id
from store.repository import Store

log = logging.getLogger(__name__)

Page = tuple[list[dict[str, Any]], str | None]
PageFetcher = Callable[[str | None], Awaitable[Page]]
MAX_PAGES = 100


def roster_pages(context: TurnContext) -> PageFetcher | None:
    """Pages of the team's (or chat's) members, via the turn's connector; None offline."""
    connector = context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
    if connector is None:
        return None
    team = as_dict(context.activity.channel_data).get("team") or {}
    conversation_id = (team.get("id") if isinstance(team, Mapping) else None) or (
        base_conversation_id(str(context.activity.conversation.id))
    )

    async def page(token: str | None) -> Page:
        result = await connector.conversations.get_teams_conversation_paged_members(
            conversation_id, 500, token
        )
        members = [as_dict(m) for m in getattr(result, "members", None) or []]
        return members, getattr(result, "continuation_token", None) or None

    return page


def link_members(
    store: Store, members: Iterable[Mapping[str, Any]], at: datetime, cache: ProfileCache
) -> int:
    """Link members to people with the same email; returns how many links were made."""
    people = {p.email: p for p in store.people.all()}
    linked = 0
    for member in members:
        profile = profile_from_account(member)
        if profile is None or profile.is_bot or not profile.email:
            continue
        cache.put(profile.user_id, profile)
        person = people.get(profile.email)
        if person is None or person.id is None or person.teams_user_id == profile.user_id:
            continue
        store.people.link_platform_id(PLATFORM, person.id, profile.user_id, at)
        linked += 1
    return linked


async def sync_roster(
    store: Store, pages: PageFetcher, at: datetime, cache: ProfileCache, conversation_id: str
) -> int:
    """Read every page of members and link them; returns how many links were made."""
    linked = seen = 0
    token: str | None = None
    for _page in range(MAX_PAGES):
        members, token = await pages(token)
        seen += len(members)
        linked += link_members(store, members, at, cache)
        if not token:
            break
    log.info("Teams roster of %s: %s member(s), %s newly linked", conversation_id, seen, linked)
    return linked
