"""Delivers Candor's outgoing messages on Slack: channel posts, DMs and private replies."""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack.render_blockkit import render, render_view
from handlers.messages import Form, Message, Outgoing, ToChannel, ToPerson, ToRequester
from store.repository import Store

log = logging.getLogger(__name__)

# Errors that mean "the bot can't post here" (a private channel or a DM it isn't in).
_NOT_A_MEMBER = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}


@dataclass(frozen=True)
class ReplyTarget:
    """Where the request came from, for replies to the requester."""

    user_id: str
    channel_id: str | None = None
    response_url: str | None = None
    # Lets a reply open a modal (valid for three seconds after the click or command).
    trigger_id: str | None = None


@dataclass
class DeliveryReport:
    """How many messages went out and which purposes failed (for logs and tests)."""

    sent: int = 0
    failed: list[str] = field(default_factory=list)


class SlackSender:
    """Renders messages to Block Kit and sends them with the Web API."""

    def __init__(self, client: AsyncWebClient, store: Store) -> None:
        self._client = client
        self._store = store

    @property
    def client(self) -> AsyncWebClient:
        """The Web API client this sender speaks with."""
        return self._client

    def with_client(self, client: AsyncWebClient) -> SlackSender:
        """This sender speaking with another client: one workspace's token (OAuth installs)."""
        bound = copy.copy(self)
        bound._client = client
        return bound

    async def deliver(self, outgoing: Sequence[Outgoing], target: ReplyTarget) -> DeliveryReport:
        """Send every message; one failure is logged and does not stop the others."""
        report = DeliveryReport()
        person_ids = {o.to.person_id for o in outgoing if isinstance(o.to, ToPerson)}
        for item in outgoing:
            person_ids |= item.message.mentions()
        people = self._store.people.many(person_ids)
        slack_ids = {pid: p.slack_user_id for pid, p in people.items() if p.slack_user_id}
        for item in outgoing:
            if isinstance(item.message, Form):
                if await self._open_form(item, target, slack_ids):
                    report.sent += 1
                else:
                    report.failed.append(item.purpose)
                continue
            payload = render(item.message, slack_ids)
            try:
                if isinstance(item.to, ToChannel):
                    await self._post_channel(item.to.channel_id, payload, target)
                    await self._upload(item.to.channel_id, item.message)
                elif isinstance(item.to, ToPerson):
                    user_id = slack_ids.get(item.to.person_id)
                    if user_id is None:
                        log.warning(
                            "no Slack id for person %s; %s not sent",
                            item.to.person_id,
                            item.purpose,
                        )
                        report.failed.append(item.purpose)
                        continue
                    dm = await self._direct_message(user_id, payload)
                    await self._upload(dm, item.message)
                elif isinstance(item.to, ToRequester):
                    await self._reply(payload, target)
                report.sent += 1
            except SlackApiError as error:
                log.warning("Slack refused %s: %s", item.purpose, error.response.get("error"))
                report.failed.append(item.purpose)
        return report

    async def _open_form(
        self, item: Outgoing, target: ReplyTarget, slack_ids: dict[int, str]
    ) -> bool:
        # Slack opens modals only for the person who just clicked or typed a command.
        assert isinstance(item.message, Form)
        if not isinstance(item.to, ToRequester) or not target.trigger_id:
            log.warning("%s is a form but there is no click to open it from", item.purpose)
            return False
        try:
            await self._client.views_open(
                trigger_id=target.trigger_id, view=render_view(item.message, slack_ids)
            )
        except SlackApiError as error:
            log.warning("Slack refused %s: %s", item.purpose, error.response.get("error"))
            return False
        return True

    async def reply(self, message: Message, target: ReplyTarget) -> None:
        """Reply privately to the requester (errors, help, confirmations)."""
        await self._reply(render(message, {}), target)

    async def _post_channel(
        self, channel: str, payload: dict[str, Any], target: ReplyTarget
    ) -> None:
        try:
            await self._client.chat_postMessage(channel=channel, **payload)
        except SlackApiError as error:
            # In a private channel or DM the bot isn't in, answer through the command's
            # response_url, which Slack lets any command use in its own channel.
            in_place = channel == target.channel_id and target.response_url
            if error.response.get("error") not in _NOT_A_MEMBER or not in_place:
                raise
            assert target.response_url is not None
            await AsyncWebhookClient(target.response_url).send(
                response_type="in_channel", **payload
            )

    async def _upload(self, channel: str, message: Message) -> None:
        # Files follow their message in the same channel or DM (files.getUploadURLExternal flow).
        for attachment in message.attachments:
            await self._client.files_upload_v2(
                channel=channel,
                file=attachment.data,
                filename=attachment.filename,
                title=attachment.title,
                alt_txt=attachment.alt_text,
            )

    async def _direct_message(self, user_id: str, payload: dict[str, Any]) -> str:
        opened = await self._client.conversations_open(users=user_id)
        channel = str((opened.get("channel") or {}).get("id", ""))
        await self._client.chat_postMessage(channel=channel, **payload)
        return channel

    async def _reply(self, payload: dict[str, Any], target: ReplyTarget) -> None:
        if target.response_url:
            response = await AsyncWebhookClient(target.response_url).send(
                response_type="ephemeral", replace_original=False, **payload
            )
            if response.status_code < 400:
                return
            log.warning(
                "response_url answered %s; falling back to chat.postEphemeral", response.status_code
            )
        if target.channel_id:
            await self._client.chat_postEphemeral(
                channel=target.channel_id, user=target.user_id, **payload
            )
        else:
            await self._direct_message(target.user_id, payload)
