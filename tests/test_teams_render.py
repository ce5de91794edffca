"""Candor's message model as Adaptive Cards 1.5: every block kind, mentions, and escaping."""

from __future__ import annotations

import json
from typing import Any

from bot.teams.render_adaptive import (
    CARD_CONTENT_TYPE,
    escape,
    render_activity,
    render_card,
)
from handlers.errors import UsageError, error_message, internal_error_message
from handlers.kudos import help_message
from handlers.messages import (
    Actions,
    Button,
    Citation,
    Context,
    Divider,
    Header,
    Input,
    Mention,
    Message,
    Quote,
    Section,
    text,
)

ANA_ID = "29:1ana-silva-5b3e"


def _body(*blocks: Any, ids: dict[int, str] | None = None) -> list[dict[str, Any]]:
    card = render_card(Message("summary", tuple(blocks)), ids or {})
    body: list[dict[str, Any]] = card["body"]
    return body


def test_card_envelope_is_adaptive_card_1_5() -> None:
    activity = render_activity(Message("Kudos to Ana", (Section(text("hi")),)), {})

    [attachment] = activity.attachments
    assert activity.summary == "Kudos to Ana"
    assert attachment.content_type == CARD_CONTENT_TYPE
    card = attachment.content
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.5"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["fallbackText"] == "Kudos to Ana"


def test_header_section_and_fields() -> None:
    body = _body(
        Header("Weekly themes"),
        Section(text("*Top* themes"), (("Team", text("Payments")), ("Size", text("12")))),
    )

    header, paragraph, facts = body
    assert header["type"] == "TextBlock" and header["weight"] == "Bolder"
    assert header["style"] == "heading" and header["text"] == "Weekly themes"
    assert paragraph == {"type": "TextBlock", "text": "**Top** themes", "wrap": True}
    assert facts == {
        "type": "FactSet",
        "facts": [{"title": "Team", "value": "Payments"}, {"title": "Size", "value": "12"}],
    }


def test_context_is_small_subtle_text() -> None:
    [small] = _body(Context(text("Values: #craft")))

    assert small["size"] == "Small" and small["isSubtle"] is True
    assert small["text"] == "Values: #craft"


def test_quote_numbers_its_citations() -> None:
    quote = Quote(
        text("shipped the migration early"),
        (Citation("kudos", 7, "kudos #7"), Citation("checkin", 9, "check-in #9")),
    )

    [container] = _body(quote)

    assert container["type"] == "Container" and container["style"] == "emphasis"
    said, sources = container["items"]
    assert said["text"] == "shipped the migration early \\[1\\]\\[2\\]"
    assert sources["text"] == "Sources: \\[1\\] kudos #7  \\[2\\] check-in #9"
    assert sources["isSubtle"] is True


def test_divider_separates_the_next_element() -> None:
    body = _body(Section(text("one")), Divider(), Section(text("two")), Divider())

    assert [b.get("separator") for b in body] == [None, True]


def test_buttons_are_action_execute_with_verb_and_value() -> None:
    [action_set] = _body(
        Actions(
            (
                Button("Approve", "review.approve", "draft:42", style="primary"),
                Button("Discard", "review.discard", "draft:42", style="danger"),
                Button("Later", "review.later"),
            )
        )
    )

    assert action_set["type"] == "ActionSet"
    approve, discard, later = action_set["actions"]
    assert approve == {
        "type": "Action.Execute",
        "title": "Approve",
        "verb": "review.approve",
        "data": {"value": "draft:42"},
        "style": "positive",
    }
    assert discard["style"] == "destructive"
    assert "style" not in later and later["data"] == {"value": ""}


def test_inputs_are_input_text() -> None:
    required, optional = _body(
        Input("What went well?", "went_well", multiline=True, placeholder="A sentence or two"),
        Input("Anything else", "other", initial="no", optional=True),
    )

    assert required == {
        "type": "Input.Text",
        "id": "went_well",
        "label": "What went well?",
        "isMultiline": True,
        "isRequired": True,
        "placeholder": "A sentence or two",
        "errorMessage": "What went well? is required.",
    }
    assert optional["value"] == "no" and optional["isRequired"] is False
    assert "errorMessage" not in optional


def test_a_form_is_a_card_with_typed_inputs_and_a_submit_button() -> None:
    from handlers.messages import Choice, Form

    form = Form(
        "Update progress",
        "goal.progress",
        (
            Input("Progress (%)", "progress", kind="number", initial="40"),
            Input("Due", "due", kind="date", optional=True),
            Input("Status", "status", kind="select", choices=(Choice("Active", "active"),)),
        ),
        value="12",
    )

    card = render_card(form.as_message(), {})

    inputs = {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}
    assert inputs["progress"]["type"] == "Input.Number" and inputs["progress"]["value"] == "40"
    assert inputs["due"]["type"] == "Input.Date" and inputs["due"]["isRequired"] is False
    assert inputs["status"]["type"] == "Input.ChoiceSet"
    assert inputs["status"]["choices"] == [{"title": "Active", "value": "active"}]
    [submit] = [a for e in card["body"] if e["type"] == "ActionSet" for a in e["actions"]]
    assert (submit["verb"], submit["data"]) == ("goal.progress", {"value": "12"})


def test_people_with_a_teams_id_become_mentions() -> None:
    message = Message(
        "Kudos",
        (
            Section(text(":tada: ", Mention(1, "Ana Silva"), " thanked ", Mention(2, "Li Wei"))),
            Context(text("again: ", Mention(1, "Ana Silva"))),
        ),
    )

    card = render_card(message, {1: ANA_ID})

    assert card["body"][0]["text"] == "🎉 <at>Ana Silva</at> thanked **Li Wei**"
    assert card["msteams"]["entities"] == [
        {
            "type": "mention",
            "text": "<at>Ana Silva</at>",
            "mentioned": {"id": ANA_ID, "name": "Ana Silva"},
        }
    ]


def test_user_text_cannot_inject_markup_or_mentions() -> None:
    typed = (
        "[click](https://evil.example) <at>Ana Silva</at> `x` {{DATE(2026-01-01)}}\n1. one\n- two"
    )
    message = Message("Kudos", (Quote(text(typed)), Section(text(Mention(1, "Ana Silva")))))

    card = render_card(message, {1: ANA_ID})

    said = card["body"][0]["items"][0]["text"]
    assert "\\[click\\]" in said
    assert "\\<at\\>Ana Silva\\</at\\>" in said
    assert "<at>" not in said.replace("\\<at\\>", "")
    assert "\\{\\{DATE" in said
    assert "1\\. one" in said and "\\- two" in said
    assert len(card["msteams"]["entities"]) == 1  # only the real mention


def test_light_markdown_and_emoji_shortcodes() -> None:
    [block] = _body(Section(text(":sparkles: *bold* and _soft_ with `code` and :unknown:")))

    assert block["text"] == "✨ **bold** and _soft_ with code and :unknown:"


def test_lines_become_markdown_paragraphs() -> None:
    [block] = _body(Section(text("first\nsecond")))

    assert block["text"] == "first\n\nsecond"


def test_escape_leaves_plain_text_alone() -> None:
    assert escape("Thanks for the runbook, it helped a lot!") == (
        "Thanks for the runbook, it helped a lot!"
    )


def test_handler_messages_render() -> None:
    for message in (
        help_message(),
        error_message(UsageError("Say what they did.", usage="Usage: `/kudos @person`")),
        internal_error_message("abc123"),
    ):
        card = render_card(message, {})
        assert card["body"], message.summary
        json.dumps(card)  # plain JSON, nothing botbuilder-specific inside


def test_files_travel_beside_the_card() -> None:
    from handlers import messages

    file_type = getattr(messages, "Attachment", None)
    if file_type is None:
        return  # this message model has no files
    chart = file_type(filename="themes.png", data=b"\x89PNG", title="Themes", alt_text="a chart")
    message = Message("Themes", (Section(text("see chart")),), attachments=(chart,))

    card, image = render_activity(message, {}).attachments

    assert card.content_type == CARD_CONTENT_TYPE
    assert image.content_type == "image/png"
    assert image.content_url == "data:image/png;base64,iVBORw=="
    assert image.name == "Themes"
