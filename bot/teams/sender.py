"""Delivers Candor's outgoing messages on Teams: replies, channel posts and proactive 1:1s.

Every send goes through the adapter's `continue_conversation` with a conversation reference
(the request's own, or one saved earlier), so it works the same during a request, after it,
and after a restart. Each conversation's rate limit is kept and a 429 is waited out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)

from bot.teams.parse import PLATFORM, base_conversation_id
from bot.teams.ratelimit import ConversationLimiter, Sleeper, with_429_retries
from bot.teams.references import Origin, reference_from_row, save_reference
from bot.teams.render_adaptive import render_activity, render_card
from handlers.messages import Form, Message, Outgoing, ToChannel, ToPerson, ToRequester
from store.repository import Store

log = logging.getLogger(__name__)

TEAMS_CHANNEL = "msteams"


@dataclass
class DeliveryReport:
    """How many messages went out and which purposes failed (for logs and tests)."""

    sent: int = 0
    failed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Route:
    """What starting a new 1:1 chat needs: the tenant, its service URL and the bot's account."""

    service_url: str
    tenant_id: str
    bot: ChannelAccount


class TeamsSender:
    """Renders messages to Adaptive Cards and sends them through the Bot Framework adapter."""

    def __init__(
        self,
        adapter: Any,
        store: Store,
        *,
        app_id: str,
        limiter: ConversationLimiter,
        sleep: Sleeper,
        clock: Callable[[], datetime],
    ) -> None:
        self._adapter = adapter
        self._store = store
        self._app_id = app_id
        self._limiter = limiter
        self._sleep = sleep
        self._clock = clock

    def card(self, message: Message | Form) -> dict[str, Any]:
        """A message as an Adaptive Card, people mentioned by their Teams ids (a card refresh)."""
        if isinstance(message, Form):
            message = message.as_message()
        people = self._store.people.many(message.mentions())
        return render_card(
            message, {pid: p.teams_user_id for pid, p in people.items() if p.teams_user_id}
        )

    async def deliver(self, outgoing: Sequence[Outgoing], origin: Origin | None) -> DeliveryReport:
        """Send every message; one failure is logged (ids only) and does not stop the others.

        Args:
            origin: the request being answered, or None for proactive messages (then only
                `ToPerson` and saved `ToChannel` conversations can be reached).
        """
        report = DeliveryReport()
        person_ids = {o.to.person_id for o in outgoing if isinstance(o.to, ToPerson)}
        for item in outgoing:
            person_ids |= item.message.mentions()
        people = self._store.people.many(person_ids)
        teams_ids = {pid: p.teams_user_id for pid, p in people.items() if p.teams_user_id}
        for item in outgoing:
            message = item.message
            if isinstance(message, Form):  # no modals in Teams: a card with inputs
                message = message.as_message()
            activity = render_activity(message, teams_ids)
            try:
                if isinstance(item.to, ToRequester):
                    delivered = await self._to_requester(activity, origin)
                elif isinstance(item.to, ToChannel):
                    delivered = await self._to_channel(item.to.channel_id, activity, origin)
                else:
                    user_id = teams_ids.get(item.to.person_id)
                    delivered = user_id is not None and await self._to_user(
                        user_id, activity, origin
                    )
                    if user_id is None:
                        log.warning("no Teams id for person %s", item.to.person_id)
            except Exception as error:
                log.warning("Teams refused %s: %s", item.purpose, type(error).__name__)
                delivered = False
            if delivered:
                report.sent += 1
            else:
                log.warning("%s not delivered (request from %s)", item.purpose, _who(origin))
                report.failed.append(item.purpose)
        return report

    async def post(self, reference: ConversationReference, message: Message) -> None:
        """Send one message to a conversation (a welcome, a digest) as a new message."""
        await self._send(reference, render_activity(message, {}), reply_to=None)

    async def _to_requester(self, activity: Activity, origin: Origin | None) -> bool:
        if origin is None:
            return False
        if origin.kind != "personal":
            # Privately if at all possible: their 1:1 chat with the bot, or a new one.
            try:
                if await self._to_user(origin.user_id, activity, origin):
                    return True
            except Exception as error:
                log.warning("private reply to %s failed: %s", origin.user_id, type(error).__name__)
        await self._send(origin.reference, activity, reply_to=origin.activity_id)
        return True

    async def _to_channel(self, channel: str, activity: Activity, origin: Origin | None) -> bool:
        if origin is not None and channel == origin.channel_id:
            await self._send(origin.reference, activity, reply_to=origin.activity_id)
            return True
        row = self._store.conversations.get(PLATFORM, channel)
        if row is None:
            log.warning("no saved Teams conversation %s", channel)
            return False
        await self._send(reference_from_row(row), activity, reply_to=None)
        return True

    async def _to_user(self, user_id: str, activity: Activity, origin: Origin | None) -> bool:
        row = self._store.conversations.personal_for(PLATFORM, user_id)
        if row is not None:
            await self._send(reference_from_row(row), activity, reply_to=None)
            return True
        route = self._route(origin)
        if route is None:
            log.warning("no conversation with Teams user %s and no tenant route", user_id)
            return False
        try:
            await self._create_and_send(user_id, route, activity)
        except Exception as error:
            log.warning("could not open a chat with %s: %s", user_id, type(error).__name__)
            return False
        return True

    def _route(self, origin: Origin | None) -> _Route | None:
        if origin is not None and origin.tenant_id and origin.service_url:
            bot = origin.reference.bot
            return _Route(origin.service_url, origin.tenant_id, ChannelAccount(id=bot.id))
        row = self._store.conversations.latest(PLATFORM)
        if row is None or not row.tenant_id:
            return None
        bot = reference_from_row(row).bot
        if bot is None or not bot.id:
            return None
        return _Route(row.service_url, row.tenant_id, ChannelAccount(id=bot.id))

    async def _create_and_send(self, user_id: str, route: _Route, activity: Activity) -> None:
        parameters = ConversationParameters(
            is_group=False,
            bot=route.bot,
            members=[ChannelAccount(id=user_id)],
            tenant_id=route.tenant_id,
            channel_data={"tenant": {"id": route.tenant_id}},
        )

        async def created(context: TurnContext) -> None:
            reference = TurnContext.get_conversation_reference(context.activity)
            reference.user = ChannelAccount(id=user_id)
            save_reference(
                self._store,
                reference,
                kind="personal",
                tenant=route.tenant_id,
                at=self._clock(),
                user_id=user_id,
            )
            await self._send_in(context, activity, reply_to=None)

        log.info("opening a 1:1 chat with Teams user %s", user_id)
        await self._adapter.create_conversation(
            self._app_id, created, parameters, TEAMS_CHANNEL, route.service_url
        )

    async def _send(
        self, reference: ConversationReference, activity: Activity, *, reply_to: str | None
    ) -> None:
        async def send(context: TurnContext) -> None:
            await self._send_in(context, activity, reply_to=reply_to)

        await self._adapter.continue_conversation(reference, send, self._app_id)

    async def _send_in(
        self, context: TurnContext, activity: Activity, *, reply_to: str | None
    ) -> None:
        # The turn's activity id becomes the reply-to id: None posts a new message.
        context.activity.id = reply_to
        conversation = base_conversation_id(str(context.activity.conversation.id))
        await self._limiter.acquire(conversation)
        await with_429_retries(
            lambda: context.send_activity(activity), self._sleep, what=conversation
        )


def _who(origin: Origin | None) -> str:
    return origin.user_id if origin is not None else "(proactive)"
