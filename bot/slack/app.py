"""The Bolt app: every command the router knows becomes a Slack listener that acks first."""

from __future__ import annotations

import logging
import re
import traceback
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings
from bot.slack.directory import SlackDirectory
from bot.slack.parse import command_from_payload, interaction_from_payload
from bot.slack.sender import ReplyTarget, SlackSender
from handlers.errors import CandorError, error_message, internal_error_message
from handlers.messages import Outgoing
from handlers.router import Router
from handlers.services import Services

log = logging.getLogger(__name__)

# Events API subscriptions the app handles; the manifest must list exactly these.
SUBSCRIBED_EVENTS: tuple[str, ...] = ()


def make_client(settings: Settings) -> AsyncWebClient:
    """A Web API client for `SLACK_API_URL` that waits out 429s and retries 5xx and timeouts."""
    return AsyncWebClient(
        token=settings.slack_bot_token.get() or None,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=2),
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_slack_app(
    settings: Settings,
    services: Services,
    router: Router,
    *,
    client: AsyncWebClient | None = None,
    sender: SlackSender | None = None,
) -> AsyncApp:
    """Build the Bolt app. Signature verification is always on; it needs the signing secret.

    Raises:
        SettingsError: if the bot token or signing secret is missing.
    """
    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    client = client or make_client(settings)
    # The client carries the token; passing it twice makes Bolt warn on every start.
    app = AsyncApp(
        signing_secret=settings.slack_signing_secret.get(),
        client=client,
        name="candor",
    )
    directory = SlackDirectory(client)
    sender = sender or SlackSender(client, services.store)

    async def run(
        what: str, key: str, target: ReplyTarget, work: Callable[[], Awaitable[list[Outgoing]]]
    ) -> None:
        try:
            outgoing = await work()
        except CandorError as error:
            log.info("%s refused: %s (request %s)", what, type(error).__name__, key)
            await sender.reply(error_message(error), target)
            return
        except Exception as error:
            reference = uuid.uuid4().hex[:8]
            # Type and stack only: an exception's message may quote what the user wrote.
            log.error(
                "%s failed, reference %s: %s\n%s",
                what,
                reference,
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)),
            )
            await sender.reply(internal_error_message(reference), target)
            return
        report = await sender.deliver(outgoing, target)
        log.info(
            "%s delivered %s message(s), %s failed (request %s)",
            what,
            report.sent,
            len(report.failed),
            key,
        )

    async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        # Ack first: Slack gives us three seconds; lookups, storage and posts come after.
        await ack()
        command = command_from_payload(body)
        target = ReplyTarget(command.user_id, command.channel_id, body.get("response_url"))
        await run(
            f"/{command.name}",
            command.request_key,
            target,
            lambda: router.dispatch(command, services, directory),
        )

    async def on_action(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        interaction = interaction_from_payload(body)
        target = ReplyTarget(interaction.user_id, interaction.channel_id, body.get("response_url"))
        await run(
            f"action {interaction.action_id.split(':', 1)[0]}",
            interaction.request_key,
            target,
            lambda: router.dispatch_action(interaction, services, directory),
        )

    for name in router.top_level:
        app.command(f"/{name}")(on_command)
    for prefix in router.actions:
        app.action(re.compile("^" + re.escape(prefix)))(on_action)
    return app
