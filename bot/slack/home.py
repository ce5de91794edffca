"""Slack's side of Home and onboarding: the App Home tab, the welcome DM and DMs to the bot.

Events are acknowledged by Bolt before these listeners run; their work is tracked in
`InFlight` so shutdown and tests can wait for it. Needs the bot events `app_home_opened`,
`team_join` and `message.im` (scope `im:history`) in the app manifest.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.inflight import InFlight
from bot.slack.directory import SlackDirectory
from bot.slack.render_blockkit import render_block
from bot.slack.sender import ReplyTarget, SlackSender
from handlers.home import home_view
from handlers.identity import resolve
from handlers.messages import Context, Message, Outgoing, Section, text
from handlers.router import Router
from handlers.services import Services
from handlers.welcome import answer_reply, maybe_welcome
from store.models import Person

log = logging.getLogger(__name__)

HOME_BLOCK_LIMIT = 100
Speaking = Callable[[AsyncWebClient], tuple[SlackSender, SlackDirectory]]

NOT_REGISTERED = Message(
    summary="You're not in Candor's directory yet",
    blocks=(
        Section(text(":wave: Hi! I'm Candor. You're not in the org directory yet.")),
        Context(text("Ask your HR team to add you; then this page shows your own picture.")),
    ),
)


def render_home(message: Message, slack_ids: Mapping[int, str]) -> dict[str, Any]:
    """A message as an App Home view for `views.publish`."""
    blocks = [b for block in message.blocks for b in render_block(block, slack_ids)]
    return {"type": "home", "blocks": blocks[:HOME_BLOCK_LIMIT]}


def _slack_ids(services: Services, message: Message) -> dict[int, str]:
    people = services.store.people.many(message.mentions())
    return {pid: p.slack_user_id for pid, p in people.items() if p.slack_user_id}


def register_home_listeners(
    app: AsyncApp,
    services: Services,
    router: Router,
    speaking: Speaking,
    inflight: InFlight,
) -> None:
    """Add the Home, welcome and DM listeners to a Bolt app (one built by `build_slack_app`).

    Args:
        speaking: the sender and directory for a request's client (its workspace's token).
        inflight: where listener work is counted after the ack.
    """

    async def person_of(user_id: str, directory: SlackDirectory) -> Person | None:
        return (await resolve(services, directory, user_id)).person

    async def send(via: SlackSender, outgoing: list[Outgoing], user_id: str, what: str) -> None:
        if outgoing:
            report = await via.deliver(outgoing, ReplyTarget(user_id))
            log.info("%s: %s sent, %s failed", what, report.sent, len(report.failed))

    async def publish(client: AsyncWebClient, user_id: str, person: Person | None) -> None:
        message = await home_view(services, person) if person is not None else NOT_REGISTERED
        view = render_home(message, _slack_ids(services, message))
        await client.views_publish(user_id=user_id, view=view)

    async def guarded(what: str, work: Callable[[], Awaitable[None]]) -> None:
        # Events have no surface to show an error on: log the type and stack, never content.
        async with inflight.track():
            try:
                await work()
            except SlackApiError as error:
                log.warning("%s: Slack refused: %s", what, error.response.get("error"))
            except Exception as error:
                log.error(
                    "%s failed: %s\n%s",
                    what,
                    type(error).__name__,
                    "".join(traceback.format_tb(error.__traceback__)),
                )

    async def on_home_opened(event: dict[str, Any], client: AsyncWebClient) -> None:
        user_id = str(event.get("user") or "")
        if not user_id:
            return

        async def work() -> None:
            via, directory = speaking(client)
            person = await person_of(user_id, directory)
            if event.get("tab", "home") == "home":
                await publish(client, user_id, person)
            if person is not None:
                await send(via, await maybe_welcome(services, person.id), user_id, "welcome")

        await guarded("app_home_opened", work)

    async def on_team_join(event: dict[str, Any], client: AsyncWebClient) -> None:
        user = event.get("user")
        user_id = str((user.get("id") if isinstance(user, dict) else user) or "")
        if not user_id:
            return

        async def work() -> None:
            via, directory = speaking(client)
            person = await person_of(user_id, directory)
            if person is not None:  # not in the directory yet: welcomed on first use instead
                await send(via, await maybe_welcome(services, person.id), user_id, "welcome")

        await guarded("team_join", work)

    async def on_message(event: dict[str, Any], client: AsyncWebClient) -> None:
        # Only a person's own new message in their DM with Candor: never bots (Candor's own
        # posts included), edits, deletions or joins, so Candor can't answer itself in a loop.
        if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
            return
        user_id = str(event.get("user") or "")
        if not user_id:
            return
        words = str(event.get("text") or "")

        async def work() -> None:
            via, directory = speaking(client)
            person = await person_of(user_id, directory)
            greeting = await maybe_welcome(services, person.id) if person is not None else []
            outgoing = greeting or answer_reply(router, person, words)
            await send(via, outgoing, user_id, "direct message")

        await guarded("message.im", work)

    app.event("app_home_opened")(on_home_opened)
    app.event("team_join")(on_team_join)
    # Every message event, subtypes included: Slack retries events nobody acknowledges.
    app.event("message")(on_message)
