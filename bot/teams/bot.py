"""The Teams bot: every message becomes a command for the router; installs get a welcome.

A turn does only the quick part (parse the message, save where it came from) and leaves the
rest (identity lookups, the handler, replies and DMs) to a background task, so Teams gets its
answer at once, the way Slack gets its ack.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.schema import AdaptiveCardInvokeResponse, ChannelAccount
from msrest.serialization import Model

from bot.teams.background import Background
from bot.teams.directory import (
    MemberFetcher,
    ProfileCache,
    TeamsDirectory,
    activity_accounts,
    member_fetcher,
)
from bot.teams.parse import (
    PLATFORM,
    base_conversation_id,
    command_from_activity,
    interaction_from_invoke,
)
from bot.teams.references import Origin, origin_from_activity, save_origin, saved_reference
from bot.teams.replies import HELP, command_help, help_message, unknown_command, welcome_message
from bot.teams.roster import link_members, roster_pages, sync_roster
from bot.teams.sender import TeamsSender
from handlers.messages import Message, Outgoing, ToPerson, ToRequester
from handlers.outcome import outcome
from handlers.router import Router
from handlers.services import Services
from handlers.types import Command
from store.models import Person
from store.repository import Store

log = logging.getLogger(__name__)

# Teams waits a few seconds for an invoke's answer; leave room for the network.
INVOKE_BUDGET_S = 2.0

WELCOME_KIND = "teams.welcome"


def welcome_key(conversation_id: str) -> str:
    """The delivery key that makes a conversation's welcome go out once."""
    return f"welcome:{PLATFORM}:{base_conversation_id(conversation_id)}"


class CandorTeamsBot(ActivityHandler):
    """Turns Teams activities into router commands and delivers what the handlers return."""

    def __init__(
        self,
        services: Services,
        router: Router,
        sender: TeamsSender,
        cache: ProfileCache,
        background: Background,
    ) -> None:
        self._services = services
        self._router = router
        self._sender = sender
        self._cache = cache
        self._background = background

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """A message to the bot: a command, `help`, or something to answer helpfully."""
        origin = self._remember(turn_context)
        command = command_from_activity(turn_context.activity)
        directory = self._directory(turn_context)
        self._background.spawn(
            self._answer(
                command.name or "message",
                command.request_key,
                origin,
                lambda: self._run(command, directory),
            ),
            name=f"teams {command.request_key}",
        )

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        """An `Action.Execute` press: the router's action runs; its answer to the presser
        replaces the card when it is ready within `INVOKE_BUDGET_S`, else it comes after."""
        interaction = interaction_from_invoke(turn_context.activity)
        if interaction is None and turn_context.activity.name == "adaptiveCard/action":
            # Not an Action.Execute press Candor can read: botbuilder's own handling would
            # answer with a body its serializer cannot write (a 500), so refuse it here.
            return _invoke_error("That card action is incomplete. Type help.")
        if interaction is None:
            answer = await super().on_invoke_activity(turn_context)
            if answer is not None and answer.status == 501:
                # An invoke nobody handles is the sender's mistake, not a server error.
                return InvokeResponse(status=400)
            return answer
        origin = self._remember(turn_context)
        what = f"action {interaction.action_id.split(':', 1)[0]}"
        if not any(interaction.action_id.startswith(p) for p in self._router.actions):
            log.info("%s has no handler (request %s)", what, interaction.request_key)
            return _invoke_message("That button doesn't do anything any more. Type help.")
        directory = self._directory(turn_context)
        key = interaction.request_key
        work = asyncio.ensure_future(
            outcome(
                what,
                key,
                lambda: self._router.dispatch_action(interaction, self._services, directory),
            )
        )
        # Quick answers refresh the pressed card in place (Universal Actions); slow ones are
        # acknowledged now and arrive as messages. The work is never cancelled half-way.
        done, _ = await asyncio.wait({work}, timeout=INVOKE_BUDGET_S)
        if not done:
            self._background.spawn(self._send_when_done(what, key, origin, work), name=key)
            return _invoke_message("Got it.")
        outgoing = work.result()
        presser = self._services.store.people.by_platform_id(PLATFORM, interaction.user_id)
        refresh = next((o for o in outgoing if _refreshes_card(o, presser)), None)
        rest = [o for o in outgoing if o is not refresh]
        if rest:
            self._background.spawn(self._answer(what, key, origin, _ready(rest)), name=key)
        if refresh is None:
            failed = next((o for o in outgoing if o.purpose == "error"), None)
            note = failed.message.summary if failed is not None else "Got it."
            return _invoke_message(note)
        log.info("%s refreshed its card (request %s)", what, key)
        return InvokeResponse(status=200, body=InvokeCard(self._sender.card(refresh.message)))

    async def _send_when_done(
        self, what: str, key: str, origin: Origin, work: asyncio.Future[list[Outgoing]]
    ) -> None:
        outgoing = await work
        await self._answer(what, key, origin, _ready(outgoing))

    def _directory(self, turn_context: TurnContext) -> TeamsDirectory:
        return TeamsDirectory(
            self._cache, member_fetcher(turn_context), activity_accounts(turn_context)
        )

    async def _answer(
        self,
        what: str,
        key: str,
        origin: Origin,
        work: Callable[[], Awaitable[list[Outgoing]]],
    ) -> None:
        outgoing = await outcome(what, key, work)
        report = await self._sender.deliver(outgoing, origin)
        log.info(
            "%s delivered %s message(s), %s failed (request %s)",
            what,
            report.sent,
            len(report.failed),
            key,
        )

    async def _run(self, command: Command, directory: TeamsDirectory) -> list[Outgoing]:
        commands = self._router.commands
        if command.name in self._router.top_level:
            return await self._router.dispatch(command, self._services, directory)
        if command.name in (HELP, "?"):
            topic = command.first_word.lstrip("/")
            if topic in commands:
                return [_reply(command_help(commands[topic]), "help")]
            return [_reply(help_message(self._router), "help")]
        return [_reply(unknown_command(command.name, self._router), "unknown")]

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        """Members joined or left: save the conversation, welcome once if the bot was added."""
        activity = turn_context.activity
        bot_id = getattr(activity.recipient, "id", None)
        if any(_is(m, bot_id) for m in activity.members_removed or []):
            self._forget(turn_context)
            return
        origin = self._remember(turn_context)
        added = [m for m in activity.members_added or [] if getattr(m, "id", None)]
        if any(_is(m, bot_id) for m in added):
            self._welcome(turn_context)
        if added and origin.kind != "personal":
            self._link_members(turn_context, [m.id for m in added if not _is(m, bot_id)])

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        """The app was installed in a chat or team."""
        self._remember(turn_context)
        self._welcome(turn_context)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        """The app was removed: the conversation can't be reached any more."""
        self._forget(turn_context)

    def _remember(self, turn_context: TurnContext) -> Origin:
        origin = origin_from_activity(turn_context.activity)
        try:
            if save_origin(self._services.store, origin, self._services.clock()):
                log.info("saved Teams conversation %s (%s)", origin.conversation_id, origin.kind)
        except Exception as error:
            log.warning("could not save Teams conversation: %s", type(error).__name__)
        return origin

    def _forget(self, turn_context: TurnContext) -> None:
        conversation_id = base_conversation_id(str(turn_context.activity.conversation.id))
        if self._services.store.conversations.delete(PLATFORM, conversation_id):
            log.info("forgot Teams conversation %s (bot removed)", conversation_id)

    def _link_members(self, turn_context: TurnContext, user_ids: list[str]) -> None:
        """Link new members to the org directory: the whole roster when the bot itself joined."""
        store, now, cache = self._services.store, self._services.clock(), self._cache
        conversation_id = base_conversation_id(str(turn_context.activity.conversation.id))
        pages, fetch = roster_pages(turn_context), member_fetcher(turn_context)
        if not user_ids and pages is not None:
            work = sync_roster(store, pages, now, cache, conversation_id)
            self._background.spawn(work, name=f"roster {conversation_id}")
        elif user_ids and fetch is not None:
            self._background.spawn(
                _link_each(store, fetch, user_ids, now, cache), name=f"members {conversation_id}"
            )

    def _welcome(self, turn_context: TurnContext) -> None:
        origin = origin_from_activity(turn_context.activity)
        key = welcome_key(origin.conversation_id)
        deliveries = self._services.store.deliveries
        if not deliveries.claim(key, WELCOME_KIND, self._services.clock()):
            return
        message = welcome_message(origin.kind, self._router)
        self._background.spawn(self._send_welcome(origin, message, key), name=key)

    async def _send_welcome(self, origin: Origin, message: Message, key: str) -> None:
        reference = saved_reference(origin.reference, origin.kind, origin.tenant_id)
        try:
            await self._sender.post(reference, message)
        except Exception as error:
            log.warning("welcome %s not sent: %s", key, type(error).__name__)
            self._services.store.deliveries.release(key)  # try again next time
            return
        log.info("welcomed Teams conversation %s", origin.conversation_id)


async def _link_each(
    store: Store, fetch: MemberFetcher, user_ids: list[str], at: datetime, cache: ProfileCache
) -> None:
    members = [m for m in [await fetch(user_id) for user_id in user_ids] if m]
    link_members(store, members, at, cache)


class InvokeMessage(Model):
    """The Universal Actions answer "show this text". botbuilder's AdaptiveCardInvokeResponse
    only serializes object values, and `CloudAdapter` only serializes models, not dicts."""

    _attribute_map = {  # noqa: RUF012 - msrest reads it from the class
        "status_code": {"key": "statusCode", "type": "int"},
        "type": {"key": "type", "type": "str"},
        "value": {"key": "value", "type": "str"},
    }

    def __init__(self, value: str) -> None:
        super().__init__()
        self.status_code = 200
        self.type = "application/vnd.microsoft.activity.message"
        self.value = value


class InvokeCard(Model):
    """The Universal Actions answer "replace the card with this one"."""

    _attribute_map = {  # noqa: RUF012 - msrest reads it from the class
        "status_code": {"key": "statusCode", "type": "int"},
        "type": {"key": "type", "type": "str"},
        "value": {"key": "value", "type": "object"},
    }

    def __init__(self, card: dict[str, Any]) -> None:
        super().__init__()
        self.status_code = 200
        self.type = "application/vnd.microsoft.card.adaptive"
        self.value = card


def _refreshes_card(item: Outgoing, presser: Person | None) -> bool:
    # An answer for the person who pressed that supersedes the pressed card. A refusal or an
    # error never does (the card stays usable): it is shown as a message instead.
    if not item.in_place or item.purpose == "error":
        return False
    if isinstance(item.to, ToRequester):
        return True
    return isinstance(item.to, ToPerson) and presser is not None and item.to.person_id == presser.id


def _ready(outgoing: list[Outgoing]) -> Callable[[], Awaitable[list[Outgoing]]]:
    async def already() -> list[Outgoing]:
        return outgoing

    return already


def _invoke_message(note: str) -> InvokeResponse:
    return InvokeResponse(status=200, body=InvokeMessage(note))


def _invoke_error(note: str) -> InvokeResponse:
    # The Universal Actions error response: the card stays, Teams shows the message.
    error = {"code": "BadRequest", "message": note}
    body = AdaptiveCardInvokeResponse(
        status_code=400, type="application/vnd.microsoft.error", value=error
    )
    return InvokeResponse(status=400, body=body)


def _reply(message: Message, purpose: str) -> Outgoing:
    return Outgoing(ToRequester(), message, purpose)


def _is(member: ChannelAccount, user_id: str | None) -> bool:
    return bool(user_id) and getattr(member, "id", None) == user_id
