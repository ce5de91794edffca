"""The Bot Framework adapter: `CloudAdapter` with authentication configured from settings."""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botframework.connector.auth import ServiceClientCredentialsFactory

from bot.teams.settings import TeamsSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _AuthConfiguration:
    """The attribute names botbuilder's configuration classes read."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str


def auth_configuration(settings: TeamsSettings) -> _AuthConfiguration:
    """What `ConfigurationBotFrameworkAuthentication` reads.

    botbuilder skips JWT validation exactly when the app id and password are empty, so those
    are emptied only under the explicit test switch; otherwise the settings must be complete.

    Raises:
        SettingsError: when authentication is on and a required setting is missing.
    """
    if settings.auth_disabled:
        return _AuthConfiguration("", "", "MultiTenant", "")
    settings.check()
    return _AuthConfiguration(
        settings.app_id, settings.app_password.get(), settings.app_type, settings.tenant_id
    )


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    # Type and stack only: an exception's message may quote what the user wrote.
    log.error(
        "Teams turn failed for activity %s: %s\n%s",
        getattr(context.activity, "id", None),
        type(error).__name__,
        "".join(traceback.format_tb(error.__traceback__)),
    )


class CachedCredentialsFactory(ServiceClientCredentialsFactory):
    """Reuses app credentials, so their token cache outlives one outgoing call.

    botbuilder builds new `MicrosoftAppCredentials` (and a new MSAL client with an empty token
    cache) for every connector client, i.e. for every reply and proactive message, and fetches
    the token synchronously on the event loop. Reusing them fetches it about once an hour.
    """

    def __init__(self, inner: ServiceClientCredentialsFactory) -> None:
        self._inner = inner
        self._credentials: dict[tuple[str, str, str, bool], Any] = {}

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(await self._inner.is_valid_app_id(app_id))

    async def is_authentication_disabled(self) -> bool:
        return bool(await self._inner.is_authentication_disabled())

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Any:
        key = (app_id or "", oauth_scope or "", login_endpoint or "", bool(validate_authority))
        if key not in self._credentials:
            self._credentials[key] = await self._inner.create_credentials(
                app_id, oauth_scope, login_endpoint, validate_authority
            )
        return self._credentials[key]


def make_adapter(settings: TeamsSettings) -> CloudAdapter:
    """A `CloudAdapter` that authenticates every incoming request (unless explicitly disabled).

    Raises:
        SettingsError: when authentication is on and a required setting is missing.
    """
    config = auth_configuration(settings)
    if settings.auth_disabled:
        log.warning("Teams request authentication is DISABLED (CANDOR_TEAMS_AUTH_DISABLED)")
    credentials = CachedCredentialsFactory(ConfigurationServiceClientCredentialFactory(config))
    adapter = CloudAdapter(
        ConfigurationBotFrameworkAuthentication(config, credentials_factory=credentials)
    )
    adapter.on_turn_error = _on_turn_error
    return adapter
