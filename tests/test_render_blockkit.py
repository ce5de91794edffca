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
