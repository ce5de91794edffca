"""The demo's loop week, piece by piece: its scenario, the checks on each step, and how modals
and the week's views appear in the transcript (the end-to-end run is in `test_demo.py`)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.demo import loop_scenario, scenario
from bot.demo.loop_check import check_step
from bot.demo.loop_replay import LoopOutcome, LoopResult
from bot.demo.loop_report import filled_view, loop_conversations, loop_totals
from bot.demo.loop_scenario import SCHEDULER, STEPS, Kind, LoopStep
from bot.demo.replay import Seen
from bot.demo.transcript import blocks_to_plain, view_html

NAMES = scenario.slack_names()


def _step(kind: Kind, job: str = "") -> LoopStep:
    return next(s for s in STEPS if s.kind is kind and (not job or s.job == job))


def _section(words: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": words}}


def _dm(handle: str, *blocks: Mapping[str, Any]) -> Seen:
    return Seen("dm", scenario.slack_id(handle), tuple(blocks), "")


def _view_button(kind: str) -> dict[str, Any]:
    button = {"type": "button", "text": {"type": "plain_text", "text": "View [1]"}}
    return {
        "type": "actions",
        "elements": [button | {"action_id": "evidence.show.1.1", "value": f"{kind}:7"}],
    }


# The scenario


def test_steps_run_in_time_order_after_the_teams_day() -> None:
    moments = [s.at for s in STEPS]
    assert moments == sorted(moments)
    assert moments[0] > scenario.START + timedelta(weeks=4, hours=12)  # after the Teams day


def test_check_in_rounds_run_at_nine_in_each_zone_on_friday() -> None:
    rounds = [s for s in STEPS if s.job == "checkin"]
    zones = {s.zone for s in rounds}
    assert zones == {m.tz for m in scenario.ORG} and len(zones) == 4
    for step in rounds:
        local = step.at.astimezone(ZoneInfo(step.zone))
        assert (local.strftime("%a"), local.hour, local.minute) == ("Fri", 9, 0)
    # Each person's check-in is expected exactly once over the rounds.
    told = sorted(dm.to for s in rounds for dm in s.dms if dm.kind == "checkin")
    assert told == sorted(m.handle for m in scenario.ORG)


def test_every_submit_follows_a_step_of_the_same_person_that_opens_a_modal() -> None:
    for before, step in itertools.pairwise(STEPS):
        if step.kind is Kind.SUBMIT:
            assert before.actor == step.actor and before.modal, step.note
    assert all(s.button for s in STEPS if s.kind is Kind.CLICK)
    assert all(s.actor == SCHEDULER for s in STEPS if s.kind is Kind.SCHEDULED)


def test_the_scenario_keeps_mateos_mood_out_of_what_priya_sees() -> None:
    submit = next(s for s in STEPS if s.inputs.get("blockers") == loop_scenario.MATEO_BLOCKER)
    assert submit.inputs["mood"] == "2"
    [blocker] = [dm for dm in submit.dms if dm.to == "priya"]
    [nudge] = [dm for s in STEPS for dm in s.dms if dm.kind == "nudge"]
    assert "mood" in blocker.never and "mood" in nudge.never and nudge.evidence == "checkin"
    assert "mood" in next(s for s in STEPS if s.button.startswith("View")).never
    assert loop_scenario.MATEO_BLOCKER in loop_scenario.private_texts()


# Checking a step


def test_a_step_as_expected_has_no_problems() -> None:
    step = _step(Kind.SUBMIT)  # Mateo's check-in: his confirmation and Priya's blocker DM
    result = LoopResult(8, step, statuses=[200], acks_ms=[12.0])
    result.seen = [
        _dm("mateo", _section("Thanks! Your manager was told. Your mood stays with you.")),
        _dm("priya", _section(f"<@{scenario.slack_id('mateo')}> flagged a blocker: keys")),
    ]
    check_step(result, NAMES)
    assert result.problems == []
    assert [sent.kind for sent, _ in result.matched] == ["confirm", "blocker"]


def test_check_flags_mood_in_a_blocker_dm_and_a_dm_nobody_expected() -> None:
    result = LoopResult(8, _step(Kind.SUBMIT), statuses=[200], acks_ms=[12.0])
    result.seen = [
        _dm("mateo", _section("Your mood stays with you.")),
        _dm("priya", _section("Mateo flagged a blocker"), _section("Mood: 2/5 (low)")),
        _dm("kenji", _section("Psst")),
    ]
    check_step(result, NAMES)
    assert result.problems == [
        "the blocker DM to Priya Raman says “mood”, which it must not",
        "the blocker DM to Priya Raman says “2/5”, which it must not",
        "a DM nobody expected, to Kenji Watanabe: Psst",
    ]


def test_check_flags_a_nudge_without_evidence_and_one_sent_twice() -> None:
    prep = _step(Kind.SCHEDULED, "prep")
    nudge = _section("1. Mateo flagged a blocker")
    result = LoopResult(15, prep)
    result.seen = [_dm("priya", nudge), _dm("mateo", _section("Your 1:1 with Priya Raman"))]
    check_step(result, NAMES)
    assert result.problems == ["the nudge DM to Priya Raman has no link to its checkin"]

    twice = LoopResult(15, prep)
    twice.seen = [_dm("priya", nudge, _view_button("checkin"))] * 2
    twice.seen.append(_dm("mateo", _section("Your 1:1 with Priya Raman")))
    check_step(twice, NAMES)
    assert twice.problems == [
        "expected one nudge DM to Priya Raman, got 2",
        "a DM nobody expected, to Priya Raman: 1. Mateo flagged a blocker",
        "a DM nobody expected, to Priya Raman: 1. Mateo flagged a blocker",
    ]


def test_check_flags_a_missing_modal_and_a_public_post() -> None:
    click = _step(Kind.CLICK)  # Mateo's "Answer check-in"
    result = LoopResult(7, click, statuses=[200], acks_ms=[4000.0])
    result.seen = [Seen("channel", scenario.CHANNEL_ID, (_section("hello all"),), "")]
    check_step(result, NAMES)
    assert result.problems == [
        "ack took 4000 ms; Slack gives up after 3 s",
        "1 message(s) posted in a channel; all should be private",
        "expected the modal “Check-in 2026-W49”, got []",
    ]


# Modals and the week's views in the transcript


VIEW: dict[str, Any] = {
    "type": "modal",
    "title": {"type": "plain_text", "text": "Check-in <W49>"},
    "submit": {"type": "plain_text", "text": "Submit"},
    "blocks": [
        {
            "type": "input",
            "block_id": "blockers",
            "label": {"type": "plain_text", "text": "Is anything blocking you?"},
            "element": {"type": "plain_text_input", "action_id": "blockers"},
        },
        {
            "type": "input",
            "block_id": "mood",
            "label": {"type": "plain_text", "text": "Mood"},
            "element": {
                "type": "static_select",
                "action_id": "mood",
                "options": [{"text": {"type": "plain_text", "text": "2 – low"}, "value": "2"}],
            },
        },
    ],
}


def test_a_submitted_modal_shows_what_was_written_escaped() -> None:
    filled = filled_view(VIEW, {"blockers": "<script>alert(1)</script>\nsecond line", "mood": "2"})
    out = view_html(filled, NAMES)
    assert "<script" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;<br>second line" in out
    assert '<div class="modal-title">Check-in &lt;W49&gt;</div>' in out
    assert '<label>Mood</label><div class="box">2 – low</div>' in out
    assert '<span class="button primary">Submit</span>' in out
    assert blocks_to_plain(filled["blocks"], "", NAMES)[1] == "Mood: 2 – low"
    assert blocks_to_plain(VIEW["blocks"], "", NAMES)[1] == "Mood: ______"  # not filled in


def test_the_week_views_show_each_persons_local_time_and_modals() -> None:
    at = next(i for i, s in enumerate(STEPS) if s.kind is Kind.SUBMIT)
    click, submit = STEPS[at - 1], STEPS[at]
    assert (click.kind, click.actor, submit.actor) == (Kind.CLICK, "mateo", "mateo")
    mateo = scenario.slack_id("mateo")
    opened = LoopResult(7, click, statuses=[200], acks_ms=[10.0])
    opened.seen = [Seen("modal", mateo, tuple(VIEW["blocks"]), "Check-in <W49>", view=VIEW)]
    sent = LoopResult(8, submit, statuses=[200], acks_ms=[10.0])
    sent.seen = [_dm("priya", _section("flagged a blocker"))]
    tokyo = next(s for s in STEPS if s.zone == loop_scenario.TOKYO)
    kenji = LoopResult(4, tokyo, seen=[_dm("kenji", _section("Time for your check-in"))])
    outcome = LoopOutcome([kenji, opened, sent])
    views = {c.id: c for c in loop_conversations(outcome)}
    assert sorted(views) == ["week-kenji", "week-mateo", "week-priya"]
    assert views["week-kenji"].title == "Kenji Watanabe · Tokyo"
    assert views["week-kenji"].messages[0].at.hour == 9  # Friday 09:00 in Tokyo
    clicked, modal = views["week-mateo"].messages
    assert clicked.kind == "event" and "clicked “Answer check-in”" in clicked.text
    assert modal.view is not None and modal.visible_to == mateo
    shown = blocks_to_plain(modal.view["blocks"], "", NAMES)
    assert shown[0] == f"Is anything blocking you?: {loop_scenario.MATEO_BLOCKER}"
    assert loop_totals(outcome).modals_opened == 1
