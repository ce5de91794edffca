"""The message model renders to valid, safe Block Kit."""

from __future__ import annotations

from bot.slack.render_blockkit import render
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


def test_mentions_render_as_slack_mentions_when_the_id_is_known() -> None:
    message = Message("hi", (Section(text(Mention(1, "Ana"), " thanked ", Mention(2, "Li"))),))

    [block] = render(message, {1: "U1"})["blocks"]

    assert block["text"]["text"] == "<@U1> thanked *Li*"


def test_user_text_cannot_ping_channels_or_inject_links() -> None:
    message = Message("<!channel>", (Quote(text("<!channel> <https://evil|click> & co")),))

    rendered = render(message, {})

    assert "<!channel>" not in str(rendered)
    assert (
        rendered["blocks"][0]["text"]["text"]
        == "> &lt;!channel&gt; &lt;https://evil|click&gt; &amp; co"
    )
    assert rendered["text"] == "&lt;!channel&gt;"


def test_quote_lists_its_citations_numbered() -> None:
    cites = (Citation("kudos", 3, "kudos #3"), Citation("checkin", 9, "check-in 2 Nov"))
    blocks = render(Message("q", (Quote(text("line one\nline two"), cites),)), {})["blocks"]

    assert blocks[0]["text"]["text"] == "> line one\n> line two"
    assert blocks[1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "Sources: [1] kudos #3  [2] check-in 2 Nov"}],
    }


def test_every_block_kind_renders() -> None:
    message = Message(
        "all",
        (
            Header("Weekly digest"),
            Section(text("Body"), fields=(("Team", text("Payments")),)),
            Context(text("small")),
            Divider(),
            Actions(
                (Button("Approve", "draft.approve", "7", "primary"), Button("Edit", "draft.edit"))
            ),
            Input("What went well?", "highlights", multiline=True, placeholder="A sentence"),
        ),
    )
    blocks = render(message, {})["blocks"]

    assert [b["type"] for b in blocks] == [
        "header",
        "section",
        "context",
        "divider",
        "actions",
        "input",
    ]
    assert blocks[1]["fields"] == [{"type": "mrkdwn", "text": "*Team*\nPayments"}]
    assert blocks[4]["elements"][0]["style"] == "primary"
    assert "style" not in blocks[4]["elements"][1]
    assert blocks[5]["element"]["multiline"] is True
    assert blocks[5]["block_id"] == "highlights"


def test_long_text_is_cut_to_slack_limits() -> None:
    blocks = render(Message("x", (Section(text("a" * 5000)), Header("h" * 300))), {})["blocks"]

    assert len(blocks[0]["text"]["text"]) == 3000
    assert len(blocks[1]["text"]["text"]) == 150


def test_a_form_becomes_a_modal_whose_submission_comes_back_to_its_action() -> None:
    from bot.slack.render_blockkit import render_view
    from handlers.messages import Choice, Form

    form = Form(
        "A check-in for week 48 of 2026",  # longer than Slack's 24-character modal title
        "checkin.submit",
        (
            Input("Highlights", "highlights", multiline=True, initial="Shipped <it>"),
            Input("Mood", "mood", kind="select", choices=(Choice("1", "1"), Choice("5", "5"))),
            Input("Due", "due", kind="date", initial="2026-12-01", optional=True),
            Input("Progress", "progress", kind="number", initial="30"),
        ),
        value="2026-W48",
    )

    view = render_view(form, {})

    assert view["type"] == "modal"
    assert (view["callback_id"], view["private_metadata"]) == ("checkin.submit", "2026-W48")
    assert len(view["title"]["text"]) <= 24
    elements = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert elements["highlights"]["type"] == "plain_text_input"
    assert elements["highlights"]["initial_value"] == "Shipped <it>"  # plain text, not mrkdwn
    assert elements["mood"]["type"] == "static_select"
    assert [o["value"] for o in elements["mood"]["options"]] == ["1", "5"]
    assert elements["due"] == {
        "action_id": "due",
        "type": "datepicker",
        "initial_date": "2026-12-01",
    }
    assert elements["progress"]["type"] == "number_input"
    assert all(b["block_id"] == b["element"]["action_id"] for b in view["blocks"])
