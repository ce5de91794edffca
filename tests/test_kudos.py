"""Parsing /kudos into recipients, reason and values (the rules live in test_slack_app)."""

from __future__ import annotations

from handlers.kudos import parse
from handlers.types import Command, MentionRef, Token


def _command(*args: Token) -> Command:
    return Command(name="kudos", args=args, platform="slack", user_id="U1", request_key="k")


def test_leading_mentions_are_recipients_and_tags_are_values() -> None:
    draft = parse(
        _command(
            MentionRef("U2", "ana"), MentionRef("U3", "li"), "for", "the", "launch", "#Ownership"
        )
    )

    assert draft.mentions == (MentionRef("U2", "ana"), MentionRef("U3", "li"))
    assert draft.reason == "for the launch"
    assert draft.tags == ("ownership",)


def test_a_mention_inside_the_reason_reads_as_a_name_and_is_a_recipient() -> None:
    draft = parse(
        _command(MentionRef("U2", "ana"), "for", "helping", MentionRef("U3", "li"), "ship")
    )

    assert draft.reason == "for helping @li ship"
    assert [m.platform_user_id for m in draft.mentions] == ["U2", "U3"]


def test_repeated_mentions_and_tags_count_once() -> None:
    draft = parse(
        _command(MentionRef("U2", "ana"), MentionRef("U2", "ana"), "for", "x", "#craft", "#craft.")
    )

    assert draft.mentions == (MentionRef("U2", "ana"),)
    assert draft.tags == ("craft",)


def test_a_hash_inside_a_word_is_not_a_tag() -> None:
    draft = parse(_command(MentionRef("U2", "ana"), "for", "fixing", "issue#42", "in", "C#"))

    assert draft.tags == ()
    assert draft.reason == "for fixing issue#42 in C#"
