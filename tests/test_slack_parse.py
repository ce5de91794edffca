"""Slack markup in command text becomes plain words and mentions."""

from __future__ import annotations

from bot.slack.parse import command_from_payload, tokenize
from handlers.types import MentionRef


def test_mentions_with_and_without_labels() -> None:
    assert tokenize("<@U123|ana> <@U456> for shipping") == (
        MentionRef("U123", "ana"),
        MentionRef("U456", ""),
        "for",
        "shipping",
    )


def test_mentions_glued_to_punctuation_are_still_mentions() -> None:
    tokens = tokenize("thanks <@U1|ana>, <@U2|li>!")
    assert MentionRef("U1", "ana") in tokens and MentionRef("U2", "li") in tokens


def test_channels_links_and_special_mentions_become_harmless_text() -> None:
    tokens = tokenize("in <#C1|general> see <https://x.io/a|the doc> <!here> <!subteam^S1|@devs>")
    assert tokens == ("in", "#general", "see", "the", "doc", "(https://x.io/a)", "@here", "@devs")


def test_escaped_characters_are_unescaped() -> None:
    assert tokenize("R&amp;D &lt;3 &gt;") == ("R&D", "<3", ">")


def test_command_payload_is_normalized_with_a_stable_request_key() -> None:
    body = {
        "command": "/kudos",
        "text": "<@U2|li> for the demo #craft",
        "user_id": "U1",
        "team_id": "T1",
        "channel_id": "C1",
        "channel_name": "general",
        "trigger_id": "123.456.abc",
        "response_url": "https://hooks.slack.com/commands/x",
    }
    command = command_from_payload(body)

    assert command.name == "kudos"
    assert command.platform == "slack"
    assert command.request_key == "slack:T1:123.456.abc"
    assert command.args[0] == MentionRef("U2", "li")
    assert command.channel_id == "C1"
    assert command_from_payload(body).request_key == command.request_key


def test_missing_trigger_id_falls_back_to_a_content_key() -> None:
    body = {"command": "/kudos", "text": "hi", "user_id": "U1", "team_id": "T1"}
    first = command_from_payload(body).request_key
    assert first.startswith("slack:T1:sha256:")
    assert command_from_payload({**body, "text": "other"}).request_key != first


def test_a_view_submission_becomes_an_interaction_with_every_kind_of_input() -> None:
    from bot.slack.parse import interaction_from_view

    body = {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "view": {
            "id": "V1",
            "hash": "h1",
            "callback_id": "goal.save",
            "private_metadata": "7",
            "state": {
                "values": {
                    "objective": {"objective": {"type": "plain_text_input", "value": "Ship"}},
                    "due": {"due": {"type": "datepicker", "selected_date": "2027-01-31"}},
                    "level": {
                        "level": {"type": "static_select", "selected_option": {"value": "team"}}
                    },
                    "none": {"none": {"type": "static_select", "selected_option": None}},
                    "progress": {"progress": {"type": "number_input", "value": "40"}},
                }
            },
        },
    }

    interaction = interaction_from_view(body)

    assert (interaction.action_id, interaction.value, interaction.user_id) == (
        "goal.save",
        "7",
        "U1",
    )
    assert interaction.inputs == {
        "objective": "Ship",
        "due": "2027-01-31",
        "level": "team",
        "progress": "40",
    }
    assert interaction.request_key == "slack:T1:view:V1:h1"  # a retried submit has the same key
