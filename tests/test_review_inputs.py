"""/review self and /review note through the real Bolt app: one self-assessment per cycle,
edited in place, and private manager notes about one's own reporting line only."""

from __future__ import annotations

import json
from typing import Any

from handlers.coach_hints import TIP_LEAD
from handlers.review_inputs import SELF_QUESTIONS, format_self, parse_self
from tests.conftest import SlackHarness
from tests.test_feedback import dms, person_id, replies, shown, stored, submit_twice

SELF = {
    "went_well": "Shipped the refunds API two weeks early.",
    "improve": "Write design docs before coding, not after.",
    "next": "Own the payouts reconciliation.",
}
NOTE = "Led the incident review calmly and wrote every follow-up ticket the same day."


async def review(slack: SlackHarness, words: str, user: str) -> None:
    await slack.kudos(words, command="/review", user=user)


async def self_form(slack: SlackHarness, user: str = "U0LI") -> dict[str, Any]:
    before = len(slack.forms())
    await review(slack, "self", user)
    assert len(slack.forms()) == before + 1, replies(slack)
    return slack.forms()[-1]


def initial_values(view: dict[str, Any]) -> dict[str, str | None]:
    return {
        b["block_id"]: b["element"].get("initial_value")
        for b in view["blocks"]
        if b["type"] == "input"
    }


def test_a_self_assessment_reads_back_as_it_was_written() -> None:
    assert parse_self(format_self(SELF)) == SELF
    assert [key for key, _ in SELF_QUESTIONS] == list(SELF)


async def test_self_assessment_is_saved_then_edited_in_place(slack: SlackHarness) -> None:
    view = await self_form(slack)
    assert initial_values(view) == {key: None for key in SELF}
    assert await slack.submit(view, SELF, user="U0LI") == {}
    assert "Saved your self-assessment" in shown(await dms(slack, "U0LI"))

    slack.clock.advance(days=30)
    again = await self_form(slack)
    assert initial_values(again) == SELF  # the form opens filled in
    changed = {**SELF, "next": "Mentor the new backend hire."}
    slack.standin.clear()
    assert await slack.submit(again, changed, user="U0LI") == {}

    [assessment] = stored(slack)[0]
    li = person_id(slack, "li@example.com")
    assert (assessment.kind, assessment.author_id, assessment.subject_id) == ("self", li, li)
    assert parse_self(assessment.text) == changed
    assert assessment.updated_at > assessment.created_at
    assert "Updated your self-assessment" in shown(await dms(slack, "U0LI"))
    assert await dms(slack, "U0ANA") == []  # read when the review is prepared, not pushed


async def test_a_new_cycle_starts_a_new_self_assessment(slack: SlackHarness) -> None:
    await slack.submit(await self_form(slack), SELF, user="U0LI")
    slack.clock.advance(days=91)

    fresh = await self_form(slack)
    assert initial_values(fresh) == {key: None for key in SELF}
    await slack.submit(fresh, {**SELF, "went_well": "Ran the payouts migration."}, user="U0LI")

    first, second = stored(slack)[0]
    assert parse_self(first.text) == SELF  # last cycle's stays as written
    assert parse_self(second.text)["went_well"] == "Ran the payouts migration."


async def test_every_part_of_the_self_assessment_is_needed(slack: SlackHarness) -> None:
    view = await self_form(slack)

    ack = await slack.submit(view, {**SELF, "improve": " "}, user="U0LI")

    assert set(ack["errors"]) == {"improve"}
    assert stored(slack)[0] == []


async def test_a_manager_keeps_a_private_note_about_a_report(slack: SlackHarness) -> None:
    await review(slack, f"note <@U0LI|li> {NOTE}", "U0ANA")

    [note] = stored(slack)[0]
    assert (note.kind, note.text, note.shareable) == ("manager_note", NOTE, False)
    assert note.author_id == person_id(slack, "ana@example.com")
    assert note.subject_id == person_id(slack, "li@example.com")
    assert "private note about Li Wei" in replies(slack)
    assert await dms(slack, "U0LI") == []


async def test_a_note_without_text_opens_a_form_and_is_stored_once(slack: SlackHarness) -> None:
    await review(slack, "note <@U0SAM|sam>", "U0ANA")
    [view] = slack.forms()
    assert "never sees it" in json.dumps(view)

    await submit_twice(slack, view, "great job!", "U0ANA")

    [note] = stored(slack)[0]
    assert note.kind == "manager_note" and note.text == "great job!"
    [confirmation] = await dms(slack, "U0ANA")
    assert TIP_LEAD in shown([confirmation])  # the coach reads notes too


async def test_a_note_is_refused_outside_the_managers_line(slack: SlackHarness) -> None:
    await review(slack, f"note <@U0OMAR|omar> {NOTE}", "U0ANA")  # Omar reports to Maya

    assert "isn't in yours" in replies(slack)
    assert stored(slack)[0] == []
    slack.standin.clear()
    await review(slack, f"note <@U0LI|li> {NOTE}", "U0MAYA")  # Maya's line, through Ana
    assert len(stored(slack)[0]) == 1


async def test_employees_may_not_keep_notes(slack: SlackHarness) -> None:
    await review(slack, f"note <@U0SAM|sam> {NOTE}", "U0LI")

    assert "Only managers" in replies(slack)
    assert stored(slack)[0] == []


async def test_a_note_needs_a_person(slack: SlackHarness) -> None:
    await review(slack, "note a thought", "U0ANA")

    assert "Mention who the note is about" in replies(slack) and "Usage" in replies(slack)
    assert stored(slack)[0] == []
