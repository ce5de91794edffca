"""`candor demo` end to end, and the pure pieces it is built from (mrkdwn and Block Kit → HTML)."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.demo import scenario
from bot.demo.mrkdwn import mrkdwn_to_html, mrkdwn_to_plain
from bot.demo.replay import Seen, StepResult, check, classify
from bot.demo.run import MARKER, SandboxError, prepare_sandbox, run_demo
from bot.demo.transcript import (
    ChatMessage,
    ChatUser,
    Conversation,
    blocks_to_html,
    blocks_to_plain,
    initials,
    render_page,
)
from bot.settings import Settings
from bot.slack.render_blockkit import render
from bot.slack.standin import RecordedCall
from handlers.messages import Context, Mention, Message, Quote, Section, text
from store.repository import Store
from store.vector.embedder import make_embedder
from store.vector.index import open_index

ERROR_STEPS = [s for s in scenario.STEPS if s.expect is scenario.Expect.ERROR]


def test_demo_runs_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    (data / "models").mkdir(parents=True)  # the shared model cache, reused when present
    settings = Settings.from_env({"CANDOR_DATA_DIR": str(data)}, dotenv_path=None)
    out = tmp_path / "demo"

    code = run_demo(settings, out)

    printed = capsys.readouterr().out
    assert code == 0, printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["problems"] == []
    assert summary["slack_calls_failed"] == 0
    assert summary["kudos_stored"] == scenario.expected_kudos()
    assert summary["duplicates_prevented"] == 1
    assert summary["errors_shown"] == len(ERROR_STEPS)
    assert summary["help_shown"] == 1
    assert summary["ack_max_ms"] < 3000

    raw = (out / "transcript.html").read_text(encoding="utf-8")
    assert "<script" not in raw and 'src="http' not in raw
    page = html.unescape(re.sub(r"<[^>]+>", "", raw))  # the text a reader sees
    assert "🎉 @Priya Raman gave kudos to @Mateo Fernández" in page
    assert "🙌 Your reports @Fatima Al-Sayed and @Wei Zhang got kudos from @Mateo Fernández" in (
        page
    )
    assert f'id="dm-{scenario.slack_id("mateo")}"' in raw  # Mateo's DMs with Candor
    assert "Only visible to you" in page
    assert "You can't give kudos to yourself" in page
    assert "@deploybot is a bot" in page
    assert "I don't know @riley yet" in page
    assert "Say what they did" in page
    assert "#synergy isn't one of the company values" in page
    assert "You're not in Candor's org directory yet" in page
    assert page.count("gave kudos to @Aisha Bello") == 3  # the double submit posted once

    store = Store.open(f"sqlite:///{out / 'candor.db'}")
    try:
        assert store.kudos.count() == scenario.expected_kudos()
        dates = [k.created_at for k in store.kudos.page(0, 1000)]
        assert min(dates) >= scenario.START
        assert max(dates) - min(dates) > timedelta(weeks=3)  # the demo clock moved
    finally:
        store.close()
    index = open_index(make_embedder("minilm", data / "models"), data_dir=out, chroma_url=None)
    try:
        assert index.count() == scenario.expected_kudos()
    finally:
        index.close()
    assert list((data / "models").glob("*.onnx")), "the model was converted into the shared cache"

    assert "Transcript:" in printed and "Mateo Fernández" in printed
    for secretless in (printed, raw, (out / "demo.log").read_text()):
        assert "xoxb-" not in secretless  # the per-run token is never shown


def test_sandbox_is_wiped_only_if_the_demo_made_it(tmp_path: Path) -> None:
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(SandboxError):
        prepare_sandbox(foreign)
    assert (foreign / "notes.txt").exists()

    demo = tmp_path / "demo"
    prepare_sandbox(demo)
    (demo / "old.html").write_text("from the last run")
    prepare_sandbox(demo)
    assert sorted(p.name for p in demo.iterdir()) == [MARKER]


def test_wire_text_uses_slack_mention_format() -> None:
    wire = scenario.wire_text("@kwame @mei for the prototype, cc @nobody")
    assert wire == (
        f"<@{scenario.slack_id('kwame')}|kwame> <@{scenario.slack_id('mei')}|mei> "
        "for the prototype, cc @nobody"
    )


def test_scenario_counts_a_double_submit_once() -> None:
    sent_twice = [s for s in scenario.STEPS if s.sends == 2]
    assert len(sent_twice) == 1 and sent_twice[0].expect is scenario.Expect.KUDOS
    assert scenario.expected_kudos() == sum(
        1 for s in scenario.STEPS if s.expect is scenario.Expect.KUDOS
    )


# mrkdwn → HTML


def test_user_text_is_escaped_never_markup() -> None:
    # Slack-escaped user text, as Candor sends it.
    assert mrkdwn_to_html("&lt;script&gt;alert(1)&lt;/script&gt;") == (
        "&lt;script&gt;alert(1)&lt;/script&gt;"
    )
    # Even unescaped angle brackets and quotes come out inert.
    out = mrkdwn_to_html('<script>alert("x")</script> <img src=x onerror=alert(1)>')
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;" in out


def test_mentions_become_names_and_names_are_escaped() -> None:
    names = {"U1": "Ana <b>Silva</b>"}
    out = mrkdwn_to_html("thanks <@U1> and <@U2|bob>", names)
    assert out == (
        'thanks <span class="mention">@Ana &lt;b&gt;Silva&lt;/b&gt;</span> and '
        '<span class="mention">@bob</span>'
    )
    assert mrkdwn_to_plain("thanks <@U1>", names) == "thanks @Ana <b>Silva</b>"


def test_bold_italic_code_and_emoji() -> None:
    out = mrkdwn_to_html(":tada: *Give kudos* _now_ ~old~ `*not bold*` snake_case 2*3*4")
    assert out == (
        "🎉 <strong>Give kudos</strong> <em>now</em> <del>old</del> "
        "<code>*not bold*</code> snake_case 2*3*4"
    )
    assert mrkdwn_to_html(":unknown_code: :warning:") == ":unknown_code: ⚠️"


def test_quotes_group_consecutive_lines() -> None:
    out = mrkdwn_to_html("lead\n> first *line*\n&gt; second\nafter")
    assert out == ("lead<blockquote>first <strong>line</strong><br>second</blockquote>after")
    assert mrkdwn_to_plain("> quoted\nplain") == "│ quoted\nplain"


def test_links_only_for_safe_schemes() -> None:
    assert mrkdwn_to_html("<https://example.com/?a=1&amp;b=2|docs>") == (
        '<a href="https://example.com/?a=1&amp;b=2" rel="noopener noreferrer">docs</a>'
    )
    assert "href" not in mrkdwn_to_html("<javascript:alert(1)|click>")


def test_candor_messages_render_from_their_block_kit() -> None:
    message = Message(
        summary="Kudos",
        blocks=(
            Section(text(":tada: ", Mention(1, "Priya"), " gave kudos to ", Mention(2, "Li"))),
            Quote(text("for the <fast> & careful review")),
            Context(text("Values: #craft")),
        ),
    )
    payload = render(message, {1: "U1", 2: "U2"})
    names = {"U1": "Priya Raman", "U2": "Li Wei"}
    out = blocks_to_html(payload["blocks"], payload["text"], names)
    assert '🎉 <span class="mention">@Priya Raman</span> gave kudos to' in out
    assert "<blockquote>for the &lt;fast&gt; &amp; careful review</blockquote>" in out
    assert '<div class="context">Values: #craft</div>' in out
    lines = blocks_to_plain(payload["blocks"], payload["text"], names)
    assert lines == [
        "🎉 @Priya Raman gave kudos to @Li Wei",
        "│ for the <fast> & careful review",
        "Values: #craft",
    ]
    assert blocks_to_plain([], "only &lt;text&gt;", names) == ["only <text>"]


def test_page_is_self_contained_and_defaults_to_the_channel() -> None:
    at = scenario.START
    users = {"UB": ChatUser("UB", "Candor", is_bot=True), "U1": ChatUser("U1", "Mei Lin")}
    general = Conversation("C1", "general", "channel")
    general.messages.append(ChatMessage(at, "U1", text="/kudos help", kind="command"))
    general.messages.append(
        ChatMessage(at, "UB", text="*hi* <@U1>", kind="ephemeral", visible_to="U1")
    )
    dm = Conversation("dm-U1", "Mei Lin", "dm", [ChatMessage(at, "UB", text="psst")])
    page = render_page("Acme <Corp>", [general, dm], users)
    assert page.startswith("<!doctype html>") and "<style>" in page
    assert "<script" not in page and "http" not in page.split("</style>")[1]
    assert "Acme &lt;Corp&gt;" in page
    assert page.index('id="dm-U1"') < page.index('class="view default" id="C1"')
    assert "Only visible to you (Mei Lin)" in page
    assert initials("Fatima Al-Sayed") == "FS" and initials("mei") == "M"


# Checking a step


def _call(method: str, **args: object) -> RecordedCall:
    return RecordedCall(method, dict(args), at=0.0)


def test_check_flags_a_step_without_any_reply() -> None:
    result = StepResult(1, scenario.STEPS[1], "", statuses=[200], acks_ms=[5.0])
    classify(result, {})
    check(result)
    assert result.problems == ["no reply at all: nothing was posted, sent or shown"]


def test_classify_sorts_posts_dms_and_private_replies() -> None:
    step = scenario.STEPS[1]
    result = StepResult(2, step, "", statuses=[200], acks_ms=[5.0])
    result.calls = [
        _call("chat.postMessage", channel=scenario.CHANNEL_ID, text="post"),
        _call("conversations.open", users="U9"),
        _call("chat.postMessage", channel="D1", text="dm"),
        _call("chat.postMessage", channel=scenario.CHANNEL_ID, text="again"),
        _call("response_url", response_type="ephemeral", text="psst", response_url="/step-02-a"),
        _call("response_url", response_type="ephemeral", text="late", response_url="/step-01-b"),
    ]
    classify(result, {"D1": "U9"})
    assert [(s.kind, s.where) for s in result.seen] == [
        ("channel", scenario.CHANNEL_ID),
        ("dm", "U9"),
        ("channel", scenario.CHANNEL_ID),
        ("ephemeral", scenario.slack_id(step.actor)),
        ("ephemeral", scenario.slack_id(step.actor)),
    ]
    check(result)
    assert result.problems == [
        "a reply to another step arrived during this one",
        "expected one channel post, got 2",
    ]


def test_check_flags_refused_calls_and_replies_in_public_for_errors() -> None:
    step = ERROR_STEPS[0]
    result = StepResult(3, step, "", statuses=[200], acks_ms=[4000.0])
    result.calls = [RecordedCall("chat.postEphemeral", {}, 0.0, error="channel_not_found")]
    result.seen = [Seen("channel", scenario.CHANNEL_ID, (), "oops")]
    check(result)
    assert result.problems == [
        "ack took 4000 ms; Slack gives up after 3 s",
        "Slack refused chat.postEphemeral: channel_not_found",
        "expected only a private reply, got 1 post(s), 0 DM(s), 0 private",
    ]
