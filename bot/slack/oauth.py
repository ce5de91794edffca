"""Slack OAuth for several workspaces: slack_sdk's installation and state stores on Candor's
database, Bolt's OAuth settings, and the `app_uninstalled` / `tokens_revoked` listeners.

Work that follows a successful install (the installer's welcome DM, `bot.slack.app`) is added
with `SlackOAuth.on_installed`; the installer still gets Bolt's own success page.

The tables (`slack_installations`, `slack_bots`, `slack_oauth_states`) come from migration 0006;
nothing here creates tables. slack_sdk's SQLAlchemy stores are synchronous, so each call runs
on a worker thread and the event loop never waits on the database. Logs carry ids, never tokens.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Engine

from bot.settings import SlackOAuthSettings

log = logging.getLogger(__name__)
# For Bolt's and slack_sdk's own messages, which may quote a request: logging_setup caps and
# redacts loggers under these names, never Candor's own.
_sdk_log = logging.getLogger("slack_bolt.oauth.candor")

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_EXPIRATION_S = 600
# Bolt refreshes a rotating token this long before it expires (Slack's tokens last 12 hours).
ROTATION_MINUTES = 120

Workspace = tuple[str | None, str | None]  # (enterprise id, team id)
# Called with each new installation once it is stored, before the success page goes back.
InstallHook = Callable[[Installation], Awaitable[None]]


class DatabaseInstallationStore(AsyncInstallationStore):
    """slack_sdk's `SQLAlchemyInstallationStore` on Candor's engine, for Bolt's `AsyncApp`."""

    def __init__(self, client_id: str, engine: Engine) -> None:
        self.sync = SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=_sdk_log)

    @property
    def logger(self) -> logging.Logger:
        return _sdk_log

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.sync.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.sync.save_bot, bot)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        return await asyncio.to_thread(
            lambda: self.sync.find_bot(
                enterprise_id=enterprise_id,
                team_id=team_id,
                is_enterprise_install=is_enterprise_install,
            )
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await asyncio.to_thread(
            lambda: self.sync.find_installation(
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                is_enterprise_install=is_enterprise_install,
            )
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(
            lambda: self.sync.delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        )

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await asyncio.to_thread(
            lambda: self.sync.delete_installation(
                enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
            )
        )

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(
            lambda: self.sync.delete_all(enterprise_id=enterprise_id, team_id=team_id)
        )

    async def async_workspaces(self) -> list[Workspace]:
        """Every (enterprise id, team id) that has a bot token, oldest install first."""
        bots = self.sync.bots
        query = (
            sa.select(bots.c.enterprise_id, bots.c.team_id)
            .where(bots.c.client_id == self.sync.client_id, bots.c.bot_token.is_not(None))
            .group_by(bots.c.enterprise_id, bots.c.team_id)
            .order_by(sa.func.min(bots.c.installed_at))
        )

        def read() -> list[Workspace]:
            with self.sync.engine.connect() as connection:
                return [(row[0], row[1]) for row in connection.execute(query)]

        return await asyncio.to_thread(read)


class DatabaseStateStore(AsyncOAuthStateStore):
    """slack_sdk's `SQLAlchemyOAuthStateStore` on Candor's engine: one-time install states."""

    def __init__(self, engine: Engine, expiration_seconds: int = STATE_EXPIRATION_S) -> None:
        self.sync = SQLAlchemyOAuthStateStore(
            expiration_seconds=expiration_seconds, engine=engine, logger=_sdk_log
        )

    @property
    def logger(self) -> logging.Logger:
        return _sdk_log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self.sync.issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.sync.consume, state)


def _callbacks(token_rotation: bool, hooks: list[InstallHook]) -> AsyncCallbackOptions:
    """Bolt's own success and failure pages, with a log line of ids (never the code or tokens)
    and a warning when Slack's token rotation and `SLACK_TOKEN_ROTATION` disagree. After a
    success each of `hooks` runs (read when the install happens, so hooks added later count);
    one that fails is logged and the installer still sees the success page."""

    async def installed(args: AsyncSuccessArgs) -> BoltResponse:
        installation = args.installation
        log.info(
            "Slack app installed in team %s (enterprise %s) by %s",
            installation.team_id,
            installation.enterprise_id,
            installation.user_id,
        )
        rotating = installation.bot_refresh_token is not None
        if rotating != token_rotation:
            log.warning(
                "team %s got %s tokens but SLACK_TOKEN_ROTATION is %s: match it to the Slack "
                "app's token rotation setting (expiring tokens are refreshed either way)",
                installation.team_id,
                "expiring" if rotating else "non-expiring",
                "on" if token_rotation else "off",
            )
        for hook in list(hooks):
            try:
                await hook(installation)
            except Exception as error:
                log.error(
                    "after-install work for team %s failed: %s",
                    installation.team_id,
                    type(error).__name__,
                )
        return await args.default.success(args)

    async def failed(args: AsyncFailureArgs) -> BoltResponse:
        log.warning("Slack install failed: %s", args.reason)
        return await args.default.failure(args)

    return AsyncCallbackOptions(success=installed, failure=failed)


@dataclass(frozen=True)
class SlackOAuth:
    """Everything OAuth mode needs, built once per app around one Web API client."""

    settings: AsyncOAuthSettings
    authorize: AsyncInstallationStoreAuthorize
    installations: DatabaseInstallationStore
    rotator: AsyncTokenRotator
    installed_hooks: list[InstallHook] = field(default_factory=list)

    def on_installed(self, hook: InstallHook) -> None:
        """Run `hook` with each installation completed through `/slack/install`, after it is
        stored and before the success page is sent: the installer's browser waits for it, so
        it should be short (a lookup and a message, not a fan-out)."""
        self.installed_hooks.append(hook)

    @classmethod
    def build(cls, oauth: SlackOAuthSettings, engine: Engine, client: AsyncWebClient) -> SlackOAuth:
        """Bolt's OAuth settings with the stores on `engine`.

        `client` (the app's, tokenless, pointed at `SLACK_API_URL`) makes the `oauth.v2.access`
        calls both for installs and for token rotation.
        """
        client_id, secret = oauth.client_id, oauth.client_secret.get()
        installations = DatabaseInstallationStore(client_id, engine)
        hooks: list[InstallHook] = []
        settings = AsyncOAuthSettings(
            client_id=client_id,
            client_secret=secret,
            scopes=list(oauth.scopes),
            user_scopes=[],
            redirect_uri=oauth.redirect_uri,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            callback_options=_callbacks(oauth.token_rotation, hooks),
            installation_store=installations,
            token_rotation_expiration_minutes=ROTATION_MINUTES,
            state_store=DatabaseStateStore(engine),
            state_expiration_seconds=STATE_EXPIRATION_S,
            logger=_sdk_log,
        )
        # Bolt's default authorize would rotate tokens with a client of its own (slack.com).
        settings.authorize = authorize = AsyncInstallationStoreAuthorize(
            logger=_sdk_log,
            installation_store=installations,
            client_id=client_id,
            client_secret=secret,
            token_rotation_expiration_minutes=ROTATION_MINUTES,
            client=client,
        )
        rotator = AsyncTokenRotator(client_id=client_id, client_secret=secret, client=client)
        return cls(settings, authorize, installations, rotator, hooks)


def register_revocation_listeners(app: AsyncApp, oauth: SlackOAuth | None) -> None:
    """`app_uninstalled` deletes every token of the workspace; `tokens_revoked` deletes the
    revoked ones. Both are idempotent, so Slack's retries are harmless. In single-workspace
    mode there is nothing stored to delete: the events are only logged."""
    store = oauth.installations if oauth is not None else None

    @app.event("app_uninstalled")
    async def on_uninstalled(context: AsyncBoltContext) -> None:
        if store is not None:
            await store.async_delete_all(
                enterprise_id=context.enterprise_id, team_id=context.team_id
            )
        log.info(
            "Slack app uninstalled from team %s (enterprise %s): %s",
            context.team_id,
            context.enterprise_id,
            "tokens deleted" if store is not None else "single-workspace mode, nothing stored",
        )

    @app.event("tokens_revoked")
    async def on_tokens_revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
        tokens = event.get("tokens") or {}
        user_ids = [str(u) for u in tokens.get("oauth") or []]
        bots = list(tokens.get("bot") or [])
        if store is not None:
            where = {"enterprise_id": context.enterprise_id, "team_id": context.team_id}
            if bots:
                # Installation rows carry the bot token too (Candor asks for no user scopes):
                # a revoked bot token leaves nothing worth keeping.
                await store.async_delete_all(**where)
            else:
                for user_id in user_ids:
                    await store.async_delete_installation(**where, user_id=user_id)
        log.info(
            "Slack tokens revoked in team %s: %s user token(s), %s bot token(s)",
            context.team_id,
            len(user_ids),
            len(bots),
        )
