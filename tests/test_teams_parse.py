"""Teams activities in, normalized commands out: mentions, the bot's own mention, ids and keys."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.schema import Activity

from bot.teams.parse import (
    base_conversation_id,
    command_from_activity,
    conversation_kind,
    interaction_from_invoke,
    request_key,
    tenant_id,
    tokenize,
)
from handlers import kudos
from handlers.types import MentionRef
from tests.teams_fixtures import ANA, BOT_ID, CHANNEL, SAM, TENANT, load


def _activity(data: dict[str, Any]) -> Activity:
    return Activity().deserialize(data)


def test_personal_message_becomes_a_kudos_command() -> None:
    data = load("personal_message")

    command = command_from_activity(_activity(data))

    assert command.name == "kudos"
    assert command.platform == "teams"
    assert command.user_id == "29:1li-wei-8c1f"
    assert command.args[0] == MentionRef(SAM.id, "Sam Rivera")
    assert command.words == ["for", "fixing", "the", "flaky", "checkout", "tests", "#craft"]
    assert command.request_key == f"teams:{TENANT}:{data['id']}"
    assert command.workspace_id == TENANT
    assert command.channel_id == data["conversation"]["id"]
    draft = kudos.parse(command)
    assert draft.mentions == (MentionRef(SAM.id, "Sam Rivera"),)
    assert draft.reason == "for fixing the flaky checkout tests"
    assert draft.tags == ("craft",)


def test_channel_message_drops_the_bot_mention_and_joins_a_split_name() -> None:
    # New Teams clients tag first and last name separately, both with the same id.
    command = command_from_activity(_activity(load("channel_message")))

    assert command.name == "kudos"
    assert command.args[0] == MentionRef(SAM.id, "Sam Rivera")
    assert BOT_ID not in {a.platform_user_id for a in command.args if isinstance(a, MentionRef)}
    assert command.channel_id == CHANNEL  # the channel, not the thread
    assert command.channel_name == "payments"


@pytest.mark.parametrize(
    ("text", "name", "first"),
    [
        ("/kudos <at>Ana Silva</at> for the docs", "kudos", MentionRef(ANA.id, "Ana Silva")),
        ("Kudos <at>Ana Silva</at> for the docs", "kudos", MentionRef(ANA.id, "Ana Silva")),
        ("HELP kudos", "help", "kudos"),
        ("<at>Ana Silva</at> is great", "", MentionRef(ANA.id, "Ana Silva")),
        ("", "", None),
    ],
)
def test_first_word_names_the_command(text: str, name: str, first: object) -> None:
    data = load("personal_message")
    data["text"] = text
    data["entities"] = [
        {"type": "mention", "text": "<at>Ana Silva</at>", "mentioned": {"id": ANA.id}}
    ]

    command = command_from_activity(_activity(data))

    assert command.name == name
    assert (command.args[0] if command.args else None) == first


def test_rich_text_markup_and_entities_become_plain_words() -> None:
    text = "<p><at>Candor</at>&nbsp;kudos <at>Ana</at> for &lt;b&gt;bold&lt;/b&gt; &amp; more</p>"
    entities = [
        {"type": "mention", "text": "<at>Candor</at>", "mentioned": {"id": BOT_ID}},
        {"type": "mention", "text": "<at>Ana</at>", "mentioned": {"id": ANA.id}},
    ]

    tokens = tokenize(text, entities, BOT_ID)

    assert tokens == ("kudos", MentionRef(ANA.id, "Ana"), "for", "<b>bold</b>", "&", "more")


def test_mentions_take_entities_in_order_and_tags_without_one_stay_words() -> None:
    entities = [
        {"type": "mention", "text": "<at>Alex</at>", "mentioned": {"id": "29:alex-1"}},
        {"type": "mention", "text": "<at>Alex</at>", "mentioned": {"id": "29:alex-2"}},
    ]

    tokens = tokenize("<at>Alex</at> and <at>Alex</at> and <at>Nobody Here</at>", entities)

    assert tokens == (
        MentionRef("29:alex-1", "Alex"),
        "and",
        MentionRef("29:alex-2", "Alex"),
        "and",
        "Nobody",
        "Here",
    )


def test_tenant_comes_from_channel_data_first() -> None:
    data = load("channel_message")
    data["channelData"]["tenant"]["id"] = "tenant-from-channel-data"

    activity = _activity(data)

    assert tenant_id(activity) == "tenant-from-channel-data"
    del data["channelData"]["tenant"]
    assert tenant_id(_activity(data)) == TENANT  # conversation.tenantId as a fallback


def test_request_key_is_stable_for_a_redelivery_and_scoped_by_tenant() -> None:
    first, again = _activity(load("channel_message")), _activity(load("channel_message"))
    other = load("channel_message")
    other["channelData"]["tenant"]["id"] = "another-tenant"

    assert request_key(first) == request_key(again)
    assert request_key(first) != request_key(_activity(other))


def test_conversation_kinds_and_thread_ids() -> None:
    assert conversation_kind(_activity(load("personal_message"))) == "personal"
    assert conversation_kind(_activity(load("channel_message"))) == "channel"
    assert base_conversation_id(f"{CHANNEL};messageid=1762074300555") == CHANNEL


def test_action_execute_becomes_an_interaction() -> None:
    interaction = interaction_from_invoke(_activity(load("invoke_action_execute")))

    assert interaction is not None
    assert interaction.action_id == "review.approve"
    assert interaction.value == "draft:42"
    assert interaction.inputs == {"note": "Looks right to me"}
    assert interaction.user_id == ANA.id
    assert interaction.request_key.startswith(f"teams:{TENANT}:")


def test_other_invokes_are_not_interactions() -> None:
    data = load("invoke_action_execute")
    data["name"] = "composeExtension/query"

    assert interaction_from_invoke(_activity(data)) is None
