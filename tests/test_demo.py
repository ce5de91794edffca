"""`candor demo` end to end (the Slack month and the Teams day), and the pure pieces it is built
from (mrkdwn, Block Kit and Adaptive Cards → HTML)."""

from __future__ import annotations

import html
import json
import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from botbuilder.schema import Activity

from bot.demo import loop_scenario, scenario, teams_scenario
from bot.demo.adaptive import (
    card_to_html,
    card_to_plain,
    markdown_to_html,
    safe_image_src,
    teams_text_html,
)
from bot.demo.mrkdwn import mrkdwn_to_html, mrkdwn_to_plain
from bot.demo.replay import Seen, StepResult, check, classify
from bot.demo.run import MARKER, SandboxError, prepare_sandbox, run_demo
from bot.demo.teams_replay import TeamsStepResult
from bot.demo.teams_replay import check as check_teams
from bot.demo.teams_replay import classify as classify_teams
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
from bot.teams import connector_standin
from bot.teams.parse import command_from_activity
from bot.teams.render_adaptive import render_card
from handlers.messages import Actions, Button, Context, Mention, Message, Quote, Section, text
from handlers.types import MentionRef
from store.repository import Store
from store.vector.chroma import open_index
from store.vector.embedder import make_embedder

ERROR_STEPS = [s for s in scenario.STEPS if s.expect is scenario.Expect.ERROR]
ALL_KUDOS = scenario.expected_kudos() + teams_scenario.expected_kudos()


def _view_html(raw: str, view_id: str) -> str:
    """The HTML of one view of the transcript (a channel or a chat)."""
    match = re.search(rf'<section class="[^"]*" id="{view_id}">(.*?)</section>', raw, re.S)
    assert match, f"no view {view_id}"
    return match.group(1)


def _view(raw: str, view_id: str) -> str:
    """The text a reader sees in one view of the transcript."""
    return html.unescape(re.sub(r"<[^>]+>", "", _view_html(raw, view_id)))


def _messages(raw: str, view_id: str) -> list[str]:
    """The text of each message in one view of the transcript, in order."""
    parts = re.split(r'<div class="msg[ "]', _view_html(raw, view_id))[1:]
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", part)).split()) for part in parts]


def _sent(kind: str) -> int:
    """How many DMs of a kind the loop week's scenario expects."""
    return sum(1 for step in loop_scenario.STEPS for dm in step.dms if dm.kind == kind)


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
    assert summary["kudos_in_sql"] == ALL_KUDOS
    teams = summary["teams"]
    assert teams["kudos_stored"] == teams_scenario.expected_kudos() == 2
    assert teams["redeliveries_ignored"] == 1
    assert teams["members_linked"] == len(teams_scenario.HANDLES)
    assert (teams["help_shown"], teams["errors_shown"], teams["welcomes"]) == (1, 1, 2)
    assert teams["connector_calls_failed"] == 0
    # The loop week: everyone's check-in, two answers, one goal each, one 1:1 and its prep.
    loop = summary["loop"]
    assert loop["checkins_sent"] == len(scenario.ORG)  # everyone is active and on Slack
    assert loop["checkins_answered"] == 2
    assert loop["reminders"] == _sent("reminder") == len(scenario.ORG) - 2  # all who didn't answer
    assert (loop["blockers_flagged"], loop["moods_shared"]) == (2, 1)  # Aisha's, by consent
    assert (loop["goals_added"], loop["goal_updates"]) == (2, 1)
    assert loop["oneonones_scheduled"] == 1
    assert loop["nudges"] == loop["nudges_with_evidence"] == loop["report_preps"] == 1
    assert (loop["modals_opened"], loop["evidence_views"], loop["agenda_items"]) == (3, 1, 1)
    assert loop["ack_max_ms"] < 3000
    assert summary["home_tabs"] == 3  # an employee's, a manager's and HR's, each published once

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

    # The Teams day: a sidebar group, the team's channel and each person's chat with Candor.
    assert '<h2 class="teams">Microsoft Teams</h2>' in raw
    channel = _view(raw, "teams-general")
    assert "Amara Okonkwo added Candor to the Fernwood Labs team" in channel
    assert "Thanks for adding Candor here" in channel  # the welcome card
    assert "@Candor kudos @Mateo Fernández for pairing with the new SRE" in channel  # typed
    assert "@Priya Raman gave kudos to @Mateo Fernández" in channel  # the kudos card
    assert "Sources: [1] kudos #" in channel  # escaped brackets shown as typed
    assert "Candor stored it once and sent nothing" in channel  # the redelivery
    assert "Themes digest · 4 weeks" in channel and "Feedback by department" in channel
    digest = raw[raw.index('id="teams-general"') :]
    assert '<table class="facts"><tr><th>#customer</th>' in digest  # a FactSet
    assert '<img class="card-image" src="data:image/png;base64,iVBOR' in digest  # the chart
    assert "can't give kudos to yourself" not in channel  # mistakes are answered privately
    assert "You can't give kudos to yourself" in _view(raw, "teams-chat-wei")
    kenji = _view(raw, "teams-chat-kenji")
    assert "Hi, I'm Candor" in kenji and "What I can do" in kenji  # welcome, then help
    assert "@Fatima Al-Sayed gave you kudos" in kenji
    assert "Your report @Jonas Lindqvist got kudos from @Fatima Al-Sayed" in _view(
        raw, "teams-chat-amara"
    )

    # The loop week: a sidebar section with each person's DMs, at their local time.
    assert '<h2 class="group">A week of check-ins, goals and 1:1s</h2>' in raw
    for member in scenario.ORG:
        assert "Time for your check-in" in _view(raw, f"week-{member.handle}")
    assert '<time datetime="2026-12-04T09:00:00+09:00">09:00</time>' in _view_html(
        raw, "week-kenji"
    )  # Kenji's check-in came at 09:00 in Tokyo
    assert "Suggestions to make it SMART" in _view(raw, "week-kenji")
    mateo = _view(raw, "week-mateo")
    assert "Check-in 2026-W49" in mateo and "2 – low" in mateo  # the modal, as he filled it
    assert "Your mood stays with you" in mateo
    assert "Updated goal #" in mateo and "40%" in mateo
    priya = _messages(raw, "week-priya")
    [blocker] = [m for m in priya if "@Mateo Fernández flagged a blocker in their check-in" in m]
    assert "sandbox keys" in blocker and "mood" not in blocker.lower()
    [nudge] = [m for m in priya if "1:1 with Mateo Fernández — Tue 8 Dec, 10:00" in m]
    assert "Sources: [1] Check-in of 4 Dec" in nudge and "View [1]" in nudge
    assert "mood" not in nudge.lower() and "2/5" not in nudge
    [evidence] = [m for m in priya if "Check-in of Mateo Fernández" in m]
    assert "sandbox keys" in evidence and "mood" not in evidence.lower()
    assert any("Mood: 3/5 (okay), shared with their consent" in m for m in priya)  # Aisha's
    assert "Added to your agenda with Mateo Fernández" in " ".join(priya)

    # The App Home: a sidebar section with each role's Home tab as Candor published it.
    assert '<h2 class="group">App Home</h2>' in raw
    mateo_home = _view(raw, "home-mateo")
    assert "Hi Mateo!" in mateo_home and "Cut refund API p95" in mateo_home
    assert "Your mood trend: 2 — seen by only you" in mateo_home
    assert "Your team" not in mateo_home and "Weekly themes digest" not in mateo_home
    priya_home = _view(raw, "home-priya")
    assert "Your team" in priya_home and "@Mateo Fernández — Tue 8 Dec, 10:00" in priya_home
    assert "Review drafts waiting for your decision" in priya_home
    consent = priya_home[
        priya_home.index("Mood, shared with consent") : priya_home.index("You see a report's")
    ]
    assert "@Aisha Bello: 3" in consent and "@Mateo Fernández" not in consent
    hannah_home = _view(raw, "home-hannah")
    hr = hannah_home[hannah_home.index("Weekly themes digest") : hannah_home.index("Candor prep")]
    assert "Review cycle, last 90 days" in hr and "Your team" not in hannah_home
    assert not any(m.name in hr for m in scenario.ORG)  # the HR part names nobody
    assert loop_scenario.MATEO_BLOCKER not in hannah_home
    assert "Welcome to Candor" in hannah_home  # her first visit's welcome DM

    # Counted in SQL: each platform's kudos once (the redelivered activity stored once).
    with sqlite3.connect(out / "candor.db") as db:
        by_platform = dict(db.execute("SELECT platform, COUNT(*) FROM kudos GROUP BY platform"))
        linked = db.execute("SELECT COUNT(*) FROM people WHERE teams_user_id IS NOT NULL")
        assert linked.fetchone()[0] == len(teams_scenario.HANDLES)
    assert by_platform == {"slack": scenario.expected_kudos(), "teams": 2}
    with sqlite3.connect(out / "candor.db") as db:
        answered = db.execute("SELECT COUNT(*) FROM checkins WHERE submitted_at IS NOT NULL")
        assert answered.fetchone()[0] == 2
    store = Store.open(f"sqlite:///{out / 'candor.db'}")
    try:
        assert store.kudos.count() == ALL_KUDOS
        dates = [k.created_at for k in store.kudos.page(0, 1000)]
        assert min(dates) >= scenario.START
        assert max(dates) - min(dates) > timedelta(weeks=3)  # the demo clock moved
    finally:
        store.close()
    index = open_index(make_embedder("minilm", data / "models"), data_dir=out, chroma_url=None)
    try:
        assert index.count() == ALL_KUDOS + 2  # and the two answered check-ins of the loop week
    finally:
        index.close()
    assert list((data / "models").glob("*.onnx")), "the model was converted into the shared cache"

    assert "Transcript:" in printed and "Mateo Fernández" in printed
    teams_part = printed[printed.index("── Microsoft Teams") : printed.index("\nTotals")]
    assert "#General  🎉 @Priya Raman gave kudos to @Mateo Fernández" in teams_part
    assert "1:1       to Mateo Fernández: ✨ @Priya Raman gave you kudos" in teams_part
    assert "(same id): stored once, 0 sent" in teams_part
    assert "1:1 reply ⚠️ You can't give kudos to yourself" in teams_part
    assert "[image: Theme trends]" in teams_part
    assert "  Teams         8 activities to /api/messages: 2 kudos stored" in printed
    loop_part = printed[printed.index("── A week of check-ins") : printed.index("\nTotals")]
    assert "Fri 4 Dec 09:00 Tokyo  Candor (scheduled) sends Tokyo's check-ins" in loop_part
    assert "filled in What progress did you make on your goals?" in loop_part
    assert "  Loop week     12 check-ins sent at 09:00 local in 4 zones, 2 answered" in printed
    assert "Priya Raman (manager) opens Home" in printed
    assert (
        "  App Home      3 Home tabs (employee, manager, HR), 3 published exactly once" in printed
    )
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


# Adaptive Cards → HTML


def test_card_text_is_escaped_never_markup() -> None:
    card = {
        "type": "AdaptiveCard",
        "body": [
            {
                "type": "TextBlock",
                "text": '<script>alert("x")</script> <img src=x onerror=alert(1)>',
            },
            {"type": "TextBlock", "text": "<at><script>alert(1)</script>Ana</at> & co"},
            {"type": "FactSet", "facts": [{"title": "<b>t</b>", "value": "a &lt; b"}]},
            {"type": "ActionSet", "actions": [{"type": "Action.Execute", "title": "<i>Go</i>"}]},
        ],
    }
    out = card_to_html(card)
    assert "<script" not in out and "<img" not in out and "<b>" not in out and "<i>" not in out
    assert '&lt;script&gt;alert("x")&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;' in out
    assert '<span class="button">&lt;i&gt;Go&lt;/i&gt;</span>' in out
    assert '<span class="mention">@alert(1) Ana</span> &amp; co' in out
    assert "<th>&lt;b&gt;t&lt;/b&gt;</th><td>a &amp;lt; b</td>" in out
    assert teams_text_html("<at>Li</at> <script>x</script>") == (
        '<span class="mention">@Li</span> &lt;script&gt;x&lt;/script&gt;'
    )


def test_candor_cards_render_what_the_user_typed() -> None:
    typed = r"for the fix_it [docs](https://x.example) <at>Eve</at> 2*3*4 \o/ {#1} done"
    message = Message(
        summary="Kudos",
        blocks=(
            Section(text(":tada: ", Mention(1, "Priya"), " gave kudos to ", Mention(2, "Li"))),
            Quote(text(typed)),
            Section(text("*Top themes*"), (("Payments", text("12 kudos · 5 people")),)),
            Actions((Button("Details", "digest.theme", "t1", style="primary"),)),
        ),
    )
    card = render_card(message, {1: "29:1p", 2: "29:1l"})
    out = card_to_html(card)
    # Mentions from the card's `<at>` tags; user text is shown exactly as typed, inert.
    assert '🎉 <span class="mention">@Priya</span> gave kudos to' in out
    assert f'<div class="tb">{html.escape(typed, quote=False)}</div>' in out
    assert '<div class="container emphasis">' in out
    assert "<strong>Top themes</strong>" in out
    assert '<table class="facts"><tr><th>Payments</th><td>12 kudos · 5 people</td></tr>' in out
    assert '<span class="button primary">Details</span>' in out
    assert card_to_plain(card) == [
        "🎉 @Priya gave kudos to @Li",
        f"│ {typed}",
        "Top themes",
        "Payments: 12 kudos · 5 people",
        "[Details]",
    ]


def test_card_markdown_formatting_and_links() -> None:
    assert markdown_to_html("**bold** _it_ \\*not\\* a\n\nb") == (
        "<strong>bold</strong> <em>it</em> *not* a<br>b"
    )
    assert markdown_to_html("[docs](https://x.example/?a=1&b=2)") == (
        '<a href="https://x.example/?a=1&amp;b=2" rel="noopener noreferrer">docs</a>'
    )
    assert markdown_to_html("[click](javascript:alert(1))") == "[click](javascript:alert(1))"
    assert "href" not in markdown_to_html("[click](javascript:alert)")


def test_images_are_inline_data_only() -> None:
    png = "data:image/png;base64,iVBORw0KGgo="
    assert safe_image_src(png) == png
    for unsafe in (
        "https://example.com/chart.png",
        "data:image/svg+xml;base64,PHN2Zz4=",
        'data:image/png;base64,AAAA" onerror="alert(1)',
        "javascript:alert(1)",
    ):
        assert safe_image_src(unsafe) is None
    card = {
        "body": [
            {"type": "Image", "url": png, "altText": "<chart>"},
            {"type": "Image", "url": "https://example.com/x.png", "altText": "remote"},
            {"type": "Container", "items": [{"type": "Mystery"}]},
        ]
    }
    out = card_to_html(card)
    assert f'<img class="card-image" src="{png}" alt="&lt;chart&gt;">' in out
    assert "[image: remote]" in out and "example.com" not in out
    assert "[Mystery element]" in out


# The Teams day


def test_teams_activities_are_shaped_like_what_teams_sends() -> None:
    url = "http://127.0.0.1:1/"
    kudos = next(s for s in teams_scenario.STEPS if s.kind is teams_scenario.Kind.CHANNEL)
    body = teams_scenario.activity(kudos, url)
    assert body["text"].startswith("<at>Candor</at> kudos <at>Mateo Fernández</at> for")
    assert body["conversation"]["id"] == f"{teams_scenario.TEAM_ID};messageid={body['id']}"
    assert body["channelData"]["tenant"]["id"] == teams_scenario.TENANT_ID
    command = command_from_activity(Activity().deserialize(body))
    assert command.name == "kudos" and command.channel_id == teams_scenario.TEAM_ID
    assert command.args[0] == MentionRef(teams_scenario.teams_id("mateo"), "Mateo Fernández")
    [again] = [s for s in teams_scenario.STEPS if s.kind is teams_scenario.Kind.REDELIVERY]
    sent_again = teams_scenario.activity(teams_scenario.original(again), url)
    assert sent_again == teams_scenario.activity(teams_scenario.STEPS[again.again - 1], url)
    emails = {u.email for u in teams_scenario.teams_users()}
    assert emails <= {m.email for m in scenario.ORG}  # the same people as in Slack


def _teams_call(op: str, conversation: str, summary: str) -> connector_standin.RecordedCall:
    return connector_standin.RecordedCall(op, conversation, {"summary": summary}, 0.0, 201)


def test_teams_check_flags_a_redelivery_answered_twice_and_public_errors() -> None:
    steps = {s.expect: s for s in teams_scenario.STEPS}
    thread = f"{teams_scenario.TEAM_ID};messageid=1"
    wei, mateo = teams_scenario.teams_id("wei"), teams_scenario.teams_id("mateo")
    readers = {"a:wei": wei, "a:mateo": mateo}

    again = TeamsStepResult(5, steps[teams_scenario.Expect.NOTHING], {}, [201], [5.0])
    again.calls = [_teams_call("reply", thread, "Kudos")]
    classify_teams(again, readers)
    check_teams(again)
    assert again.problems == ["a redelivery sent 1 message(s) again"]

    error = TeamsStepResult(6, steps[teams_scenario.Expect.ERROR], {}, [201], [5.0])
    error.calls = [_teams_call("reply", thread, "oops"), _teams_call("send", "a:wei", "oops")]
    classify_teams(error, readers)
    assert [(s.kind, s.in_thread) for s in error.seen] == [("channel", True), ("private", False)]
    check_teams(error)
    assert error.problems == ["expected one private reply, got 1 post(s), 0 chat(s), 1 private"]

    kudos = TeamsStepResult(4, steps[teams_scenario.Expect.KUDOS], {}, [500], [5.0])
    kudos.calls = [_teams_call("reply", thread, "Kudos"), _teams_call("send", "a:mateo", "You")]
    classify_teams(kudos, readers)
    check_teams(kudos)
    assert kudos.seen[1].kind == "chat" and kudos.seen[1].where == mateo
    assert kudos.problems == ["Candor answered HTTP 500"]
