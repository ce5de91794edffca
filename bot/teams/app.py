"""Teams wiring: `build_teams(...)` gives the `POST /api/messages` handler and proactive sends."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jwt
import requests
from aiohttp import web
from msrest.exceptions import DeserializationError

from bot.teams.adapter import make_adapter
from bot.teams.background import Background
from bot.teams.bot import CandorTeamsBot
from bot.teams.directory import ProfileCache
from bot.teams.ratelimit import ConversationLimiter, Sleeper
from bot.teams.sender import DeliveryReport, TeamsSender
from bot.teams.settings import TeamsSettings
from handlers.messages import Outgoing
from handlers.router import Router
from handlers.services import Services

log = logging.getLogger(__name__)


@dataclass
class TeamsRuntime:
    """The Teams side of a running Candor."""

    settings: TeamsSettings
    adapter: Any
    bot: CandorTeamsBot
    sender: TeamsSender
    background: Background

    async def handle(self, request: web.Request) -> web.Response:
        """`POST /api/messages`: authenticate the activity, run the turn, answer Teams.

        Anything without a valid Bot Framework token is refused with 401 (unless
        authentication is explicitly disabled for tests).
        """
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            response = await self.adapter.process(request, self.bot)
        except web.HTTPException as refusal:
            if refusal.status == 401:
                log.info("Teams request refused: not authenticated")
            return web.Response(status=refusal.status)
        except (PermissionError, jwt.PyJWTError, LookupError) as error:
            # botbuilder raises these for a missing, malformed, forged or unknown-key token.
            log.info("Teams request refused: not authenticated (%s)", type(error).__name__)
            return web.Response(status=401)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.json_response({"error": "malformed JSON"}, status=400)
        except DeserializationError:
            # A field of the wrong type (e.g. `from` as a string): not an activity Teams sends.
            log.info("Teams request refused: not a valid activity")
            return web.json_response({"error": "not a valid activity"}, status=400)
        except requests.RequestException as error:
            # The signing keys could not be fetched: the request can't be verified right now.
            log.warning("Teams request not verified: %s", type(error).__name__)
            return web.Response(status=503)
        if response is None:
            return web.Response(status=201)
        assert isinstance(response, web.Response)
        return response

    async def send(self, outgoing: Sequence[Outgoing]) -> DeliveryReport:
        """Send messages outside any request (scheduled jobs, notifications) via saved chats."""
        return await self.sender.deliver(outgoing, None)

    async def drain(self, timeout: float | None = None) -> bool:
        """Wait for replies and DMs still being sent; False if `timeout` passed first."""
        return await self.background.drain(timeout)

    async def close(self) -> None:
        """Let in-flight deliveries finish (briefly), then stop."""
        await self.background.close()


def build_teams(
    settings: TeamsSettings,
    services: Services,
    router: Router,
    *,
    adapter: Any = None,
    limiter: ConversationLimiter | None = None,
    sleep: Sleeper = asyncio.sleep,
    cache: ProfileCache | None = None,
) -> TeamsRuntime:
    """Build the Teams bot on the shared services and router.

    Args:
        adapter: a Bot Framework adapter (tests pass a `TestAdapter`); by default a
            `CloudAdapter` authenticated from `settings`.
        limiter, sleep: the per-conversation rate limiter and how to wait out a 429.

    Raises:
        SettingsError: when authentication is on and a required setting is missing.
    """
    adapter = adapter if adapter is not None else make_adapter(settings)
    background = Background()
    sender = TeamsSender(
        adapter,
        services.store,
        app_id=settings.app_id if not settings.auth_disabled else "",
        limiter=limiter or ConversationLimiter(sleep=sleep),
        sleep=sleep,
        clock=services.clock,
    )
    bot = CandorTeamsBot(services, router, sender, cache or ProfileCache(), background)
    return TeamsRuntime(settings, adapter, bot, sender, background)
