"""Messages no request carries (scheduled jobs) in several-workspace mode: each goes out with
the bot token of its workspace, looked up in the installation store and refreshed if it is
about to expire."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence

from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings
from bot.slack.oauth import ROTATION_MINUTES, SlackOAuth
from bot.slack.sender import DeliveryReport, ReplyTarget, SlackSender
from handlers.messages import Outgoing, ToPerson
from store.repository import Store

log = logging.getLogger(__name__)


def client_with_token(base: AsyncWebClient, token: str) -> AsyncWebClient:
    """A copy of `base` (address, timeout, retries) that speaks with `token`."""
    return AsyncWebClient(
        token=token,
        base_url=base.base_url,
        timeout=base.timeout,
        ssl=base.ssl,
        proxy=base.proxy,
        session=base.session,
        headers=dict(base.headers),
        retry_handlers=list(base.retry_handlers),
    )


class SlackWorkspaces:
    """Bot tokens by workspace, for deliveries outside a request."""

    def __init__(
        self, oauth: SlackOAuth, client: AsyncWebClient, store: Store, default_team: str | None
    ) -> None:
        self._oauth = oauth
        self._client = client
        self._store = store
        self._default_team = default_team

    async def default_team(self) -> str | None:
        """`CANDOR_SLACK_TEAM_ID`, else the only installed workspace, else None (logged)."""
        if self._default_team:
            return self._default_team
        teams = [team for _, team in await self._oauth.installations.async_workspaces() if team]
        if len(teams) == 1:
            return teams[0]
        log.warning(
            "%s Slack workspaces installed: set CANDOR_SLACK_TEAM_ID to choose one for channel "
            "posts",
            len(teams),
        )
        return None

    async def client_for(self, team_id: str) -> AsyncWebClient | None:
        """A client with the workspace's bot token (refreshed and saved when it is about to
        expire), or None when the workspace has no installation."""
        store = self._oauth.installations
        enterprises = {t: e for e, t in await store.async_workspaces()}
        if team_id not in enterprises:
            return None
        enterprise_id = enterprises[team_id]
        installation = await store.async_find_installation(
            enterprise_id=enterprise_id, team_id=team_id
        )
        token = installation.bot_token if installation is not None else None
        try:
            if installation is not None and installation.bot_refresh_token:
                refreshed = await self._oauth.rotator.perform_token_rotation(
                    installation=installation, minutes_before_expiration=ROTATION_MINUTES
                )
                if refreshed is not None:
                    await store.async_save(refreshed)
                    token = refreshed.bot_token
            elif token is None:
                bot = await store.async_find_bot(enterprise_id=enterprise_id, team_id=team_id)
                if bot is not None and bot.bot_refresh_token:
                    rotated = await self._oauth.rotator.perform_bot_token_rotation(
                        bot=bot, minutes_before_expiration=ROTATION_MINUTES
                    )
                    if rotated is not None:
                        await store.async_save_bot(rotated)
                        bot = rotated
                token = bot.bot_token if bot is not None else None
        except SlackTokenRotationError as error:
            log.warning(
                "token refresh for team %s failed: %s",
                team_id,
                error.api_error.response.get("error"),
            )
            return None
        return client_with_token(self._client, token) if token else None

    async def deliver(self, sender: SlackSender, outgoing: Sequence[Outgoing]) -> DeliveryReport:
        """Send each message with its workspace's token: a person's own workspace, else the
        default one (channel posts always use the default)."""
        person_ids = [o.to.person_id for o in outgoing if isinstance(o.to, ToPerson)]
        people = self._store.people.many(person_ids)
        default = await self.default_team()
        by_team: dict[str | None, list[Outgoing]] = defaultdict(list)
        for item in outgoing:
            team = None
            if isinstance(item.to, ToPerson):
                person = people.get(item.to.person_id)
                team = person.slack_team_id if person is not None else None
            by_team[team or default].append(item)
        report = DeliveryReport()
        for team, items in by_team.items():
            client = await self.client_for(team) if team else None
            if client is None:
                log.warning(
                    "no Slack installation for team %s: %s message(s) not sent",
                    team or "(none chosen)",
                    len(items),
                )
                report.failed.extend(item.purpose for item in items)
                continue
            sent = await sender.with_client(client).deliver(items, ReplyTarget(user_id=""))
            report.sent += sent.sent
            report.failed.extend(sent.failed)
        return report


async def default_workspace_client(
    settings: Settings, store: Store, client: AsyncWebClient
) -> tuple[str, AsyncWebClient] | None:
    """The default workspace (`CANDOR_SLACK_TEAM_ID`, else the only installation) and a client
    with its bot token, for work outside the server such as `candor org import`."""
    oauth = SlackOAuth.build(settings.slack_oauth, store.engine, client)
    workspaces = SlackWorkspaces(oauth, client, store, settings.slack_oauth.team_id)
    team = await workspaces.default_team()
    found = await workspaces.client_for(team) if team else None
    return (team, found) if team and found else None
