"""The Teams bot offline, through botbuilder's `TestAdapter` and `TestFlow`: dispatch and replies.

Accounts in these activities carry their email (as member lists and mention entities can), so
no member lookup is needed; proactive 1:1 chats are opened by the test adapter.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ConversationAccount, ConversationParameters

from bot.teams.app import TeamsRuntime, build_teams
from bot.teams.ratelimit import ConversationLimiter
from bot.teams.settings import TeamsSettings
from handlers.catalog import build_router
from handlers.messages import Message, Outgoing, Section, ToRequester, text
from handlers.org_import import import_directory
from handlers.router import Router
from handlers.services import RequestContext, Services
from handlers.types import Interaction
from tests.conftest import ORG_CSV, FakeClock
from tests.teams_fixtures import (
    ANA,
    DEPLOYBOT,
    GIA,
    LI,
    SAM,
    TENANT,
    FakeTimer,
    TeamsUser,
    compose,
    load,
    open_services,
    personal_chat_id,
)


class TeamsTestAdapter(TestAdapter):  # type: ignore[misc]
    """`TestAdapter` plus `CloudAdapter.create_conversation`, opening 1:1 chats in memory."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    async def create_conversation(
        self,
        bot_app_id: str,
        callback: Callable[[TurnContext], Awaitable[None]],
        conversation_parameters: ConversationParameters,
        channel_id: str,
        service_url: str,
        audience: str | None = None,
    ) -> None:
        member = conversation_parameters.members[0].id
        self.opened.append(member)
        created = Activity(
            type="event",
            name="CreateConversation",
            id=str(uuid.uuid4()),
            channel_id=channel_id,
            service_url=service_url,
            recipient=conversation_parameters.bot,
            conversation=ConversationAccount(id=f"a:new-chat-{member}", tenant_id=TENANT),
        )
        await self.run_pipeline(TurnContext(self, created), callback)


@dataclass
class Offline:
    adapter: TeamsTestAdapter
    runtime: TeamsRuntime
    services: Services

    async def say(self, activity: dict[str, Any]) -> list[Activity]:
        """Send an activity and return everything the bot sent because of it."""
        self.adapter.activity_buffer.clear()
        await self.adapter.receive_activity(Activity().deserialize(activity))
        assert await self.runtime.drain(timeout=5)
        return list(self.adapter.activity_buffer)


def _account(user: TeamsUser) -> dict[str, Any]:
    return {"id": user.id, "name": user.name, "properties": {"email": user.email}}


def message(*parts: str | TeamsUser, user: TeamsUser = LI, activity_id: str = "") -> dict[str, Any]:
    """A personal-chat message whose accounts carry their emails."""
    data = load("personal_message")
    text, entities = compose(*parts)
    for entity in entities:
        known = {u.id: u for u in (ANA, SAM, LI, GIA, DEPLOYBOT)}.get(entity["mentioned"]["id"])
        if known is not None and known.email:
            entity["mentioned"]["properties"] = {"email": known.email}
    data.update(text=text, id=activity_id or uuid.uuid4().hex, serviceUrl="https://teams.test/")
    data["entities"] = entities
    data["from"] = _account(user)
    data["conversation"]["id"] = personal_chat_id(user)
    return data


def _card_text(activity: Activity) -> str:
    return json.dumps(activity.attachments[0].content, ensure_ascii=False)


@asynccontextmanager
async def offline_bot(
    database_url: str, clock: FakeClock, router: Router | None = None
) -> AsyncIterator[Offline]:
    services = open_services(database_url, clock)
    await import_directory(services.store, ORG_CSV, clock())
    timer = FakeTimer()
    adapter = TeamsTestAdapter()
    runtime = build_teams(
        TeamsSettings(auth_disabled=True),
        services,
        router or build_router(),
        adapter=adapter,
        limiter=ConversationLimiter(monotonic=timer.monotonic, sleep=timer.sleep),
        sleep=timer.sleep,
    )
    adapter.logic = runtime.bot.on_turn
    try:
        yield Offline(adapter, runtime, services)
    finally:
        await runtime.close()
        services.store.close()


@pytest.fixture
async def offline(database_url: str, clock: FakeClock) -> AsyncIterator[Offline]:
    async with offline_bot(database_url, clock) as bot:
        yield bot


async def test_kudos_in_a_personal_chat_is_stored_posted_and_sent(offline: Offline) -> None:
    store = offline.services.store
    ana = store.people.by_email("ana@example.com")
    assert ana and ana.id
    store.people.link_platform_id("teams", ana.id, ANA.id, offline.services.clock())

    sent = await offline.say(message("kudos", SAM, "for fixing the flaky checkout tests #craft"))

    [kudos] = store.kudos.page(0, 10)
    assert kudos.text == "for fixing the flaky checkout tests"
    assert kudos.platform == "teams"
    by_conversation = {a.conversation.id: a for a in sent}
    post = by_conversation[personal_chat_id(LI)]
    assert "<at>Sam Rivera</at>" in _card_text(post)
    assert offline.adapter.opened == [SAM.id, ANA.id]  # new 1:1 chats for the DMs
    assert by_conversation[f"a:new-chat-{SAM.id}"].summary == "You received kudos"
    assert "Your team got kudos" in by_conversation[f"a:new-chat-{ANA.id}"].summary
    # The people behind the Teams ids are linked for next time.
    sam = store.people.by_platform_id("teams", SAM.id)
    assert sam is not None and sam.email == "sam@example.com"


async def test_help_lists_every_router_command(offline: Offline) -> None:
    router = build_router()

    def lists_commands(reply: Activity, description: str = "") -> None:
        card = _card_text(reply)
        for name, spec in router.commands.items():
            assert f"**{name}**" in card, name
            assert spec.summary in card

    flow = await offline.adapter.send(Activity().deserialize(message("help")))
    await flow.assert_reply(lists_commands)


async def test_help_for_one_command_shows_its_usage(offline: Offline) -> None:
    [reply] = await offline.say(message("help", "kudos"))

    assert reply.summary == "How to use kudos"
    assert "kudos @person" in _card_text(reply)


async def test_a_near_miss_suggests_the_closest_command(offline: Offline) -> None:
    [reply] = await offline.say(message("kudo", SAM, "for the docs"))

    assert reply.summary == "Did you mean kudos?"
    assert offline.services.store.kudos.count() == 0


async def test_chit_chat_in_a_personal_chat_gets_a_helpful_reply(offline: Offline) -> None:
    [reply] = await offline.say(message("thanks, that was great"))

    assert reply.summary == "Here's what I can do"
    assert "**kudos**" in _card_text(reply)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("kudos", LI, "for being great"), "can't give kudos to yourself"),
        (("kudos", GIA, "for the contract review"), "not in Candor's org directory"),
        (("kudos", DEPLOYBOT, "for deploying"), "is a bot"),
        (("kudos", SAM), "Say what they did"),
    ],
)
async def test_bad_kudos_get_a_reason_and_store_nothing(
    offline: Offline, parts: tuple[str | TeamsUser, ...], expected: str
) -> None:
    [reply] = await offline.say(message(*parts))

    assert reply.conversation.id == personal_chat_id(LI)
    assert expected in _card_text(reply)
    assert offline.services.store.kudos.count() == 0


async def test_unknown_sender_is_told_to_ask_hr(offline: Offline) -> None:
    [reply] = await offline.say(message("kudos", SAM, "for the docs", user=GIA))

    assert "not in Candor's org directory yet" in _card_text(reply)


async def test_the_same_activity_twice_is_stored_and_answered_once(offline: Offline) -> None:
    activity = message("kudos", SAM, "for the on-call handover notes", activity_id="dup-1")

    first = await offline.say(activity)
    again = await offline.say(activity)

    assert offline.services.store.kudos.count() == 1
    assert first and again == []


async def test_install_welcomes_once_and_saves_the_chat(offline: Offline) -> None:
    install = load("installation_update_personal")
    install["serviceUrl"] = "https://teams.test/"

    [welcome] = await offline.say(install)
    assert await offline.say(install) == []

    assert welcome.summary == "Hi, I'm Candor"
    assert welcome.conversation.id == install["conversation"]["id"]
    saved = offline.services.store.conversations.personal_for("teams", install["from"]["id"])
    assert saved is not None and saved.conversation_id == install["conversation"]["id"]


async def test_uninstall_forgets_the_chat(offline: Offline) -> None:
    install = load("installation_update_personal")
    await offline.say(install)
    install["action"] = "remove"

    await offline.say(install)

    assert offline.services.store.conversations.all("teams") == []


async def test_card_actions_without_a_handler_say_so(offline: Offline) -> None:
    sent = await offline.say(load("invoke_action_execute"))

    [response] = [a for a in sent if a.type == "invokeResponse"]
    assert response.value.status == 200
    body = response.value.body.serialize()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "doesn't do anything" in body["value"]


async def test_card_actions_go_to_the_router_with_identity(
    database_url: str, clock: FakeClock
) -> None:
    router = build_router()
    pressed: list[tuple[str, str, str]] = []

    @router.action("review.")
    async def on_review(interaction: Interaction, ctx: RequestContext) -> list[Outgoing]:
        pressed.append((interaction.action_id, interaction.value, ctx.actor.email))
        note = Message("Approved", (Section(text("Approved.")),))
        return [Outgoing(ToRequester(), note, "review.done")]

    activity = load("invoke_action_execute")
    activity["from"]["properties"] = {"email": "ana@example.com"}
    async with offline_bot(database_url, clock, router) as bot:
        sent = await bot.say(activity)

    assert pressed == [("review.approve", "draft:42", "ana@example.com")]
    invoke, reply = sent
    assert invoke.type == "invokeResponse" and invoke.value.body.value == "Got it."
    assert reply.summary == "Approved"
    assert reply.conversation.id == activity["conversation"]["id"]
