"""/oneonone through the real Bolt app: scheduling, the form, list, cancel and the shared agenda."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.slack.standin import SlackStandIn
from handlers.agenda import MAX_CHARS
from handlers.meetings import next_meeting
from tests.conftest import FakeClock, SlackHarness, running_candor
from tests.oneonone_helpers import (
    ANA,
    LI,
    MAYA,
    MENTION,
    OMAR,
    SAM,
    dms,
    oneonone,
    person_id,
    replies,
    reply_buttons,
    texts,
)


async def test_a_manager_schedules_a_1on1_and_sees_the_next_dates_in_their_time(
    slack: SlackHarness,
) -> None:
    # Mon 2 Nov 2026, 10:00 in Berlin (UTC+1), where Ana is.
    await oneonone(slack, f"{MENTION[LI]} every 2 weeks on Tue 10:00", user=ANA)

    said = replies(slack)
    assert "Li Wei" in said and "every 2 weeks on Tue at 10:00" in said
    assert "Tue 3 Nov, 10:00" in said and "Tue 17 Nov, 10:00" in said
    assert "Europe/Berlin" in said
    ana, li = person_id(slack, "ana@example.com"), person_id(slack, "li@example.com")
    meeting = slack.candor.store.oneonones.between(ana, li)
    assert meeting is not None and meeting.tz == "Europe/Berlin"
    assert next_meeting(meeting, slack.clock.now) == datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    told = texts(await dms(slack, LI))
    assert "Ana Silva set up a recurring 1:1 with you" in told and "Tue 3 Nov, 10:00" in told


async def test_today_counts_only_while_the_time_is_still_ahead(slack: SlackHarness) -> None:
    await oneonone(slack, f"{MENTION[LI]} weekly on Mon 11:00", user=ANA)  # in an hour
    await oneonone(slack, f"{MENTION[SAM]} weekly on Mon 09:00", user=ANA)  # an hour ago

    said = replies(slack)
    assert "Next: Mon 2 Nov, 11:00 and Mon 9 Nov, 11:00" in said
    assert "Next: Mon 9 Nov, 09:00 and Mon 16 Nov, 09:00" in said


async def test_scheduling_again_with_the_same_words_stores_and_tells_once(
    slack: SlackHarness,
) -> None:
    for _ in range(2):
        await oneonone(slack, f"{MENTION[LI]} every tue 10:00", user=ANA)

    assert "Already scheduled" in replies(slack)
    assert len(await dms(slack, LI)) == 1
    assert len(slack.candor.store.oneonones.active()) == 1


@pytest.mark.parametrize(
    ("user", "words", "expected"),
    [
        (ANA, "<@U0GUEST|guest> every tue 10:00", "not in Candor's org directory"),
        (ANA, "<@U0DEPLOYBOT|deploybot> every tue 10:00", "is a bot"),
        (ANA, f"{MENTION[OMAR]} every tue 10:00", "Omar Haddad doesn't report to you"),
        (ANA, f"{MENTION[ANA]} every tue 10:00", "needs two people"),
        (ANA, f"{MENTION[LI]} every 9 weeks on Tue 10:00", "every 1 to 8 weeks"),
        (ANA, f"{MENTION[LI]} on Funday 10:00", "'funday' is not a weekday"),
        (ANA, f"{MENTION[LI]}", "Say when you meet"),
        (ANA, "li every tue 10:00", "I don't know `/oneonone li`"),
        (LI, f"{MENTION[SAM]} every tue 10:00", "Only managers, HR and admins"),
    ],
)
async def test_bad_schedules_get_a_reason_and_store_nothing(
    slack: SlackHarness, user: str, words: str, expected: str
) -> None:
    await oneonone(slack, words, user=user)

    assert expected in replies(slack)
    assert slack.candor.store.oneonones.active() == []


async def test_skip_level_decides_whether_a_managers_line_counts(
    tmp_path: Path, database_url: str, standin: SlackStandIn, clock: FakeClock
) -> None:
    words = f"{MENTION[LI]} every tue 10:00"
    async with running_candor(tmp_path, database_url, standin, clock) as slack:
        await oneonone(slack, words, user=MAYA)  # Li reports to Ana, who reports to Maya
        assert "Scheduled: 1:1 with Li Wei" in replies(slack)
    standin.clear()
    async with running_candor(
        tmp_path / "direct", database_url, standin, clock, CANDOR_SKIP_LEVEL="off"
    ) as slack:
        await oneonone(slack, f"{MENTION[SAM]} every tue 10:00", user=MAYA)
        assert "Sam Rivera doesn't report to you" in replies(slack)


async def test_the_form_offers_the_managers_reports_and_checks_the_fields(
    slack: SlackHarness,
) -> None:
    await oneonone(slack, "", user=ANA)
    (form,) = slack.forms()
    select = next(b for b in form["blocks"] if b.get("block_id") == "report")
    offered = {o["text"]["text"] for o in select["element"]["options"]}
    assert offered == {"Li Wei", "Sam Rivera"}
    li = next(o["value"] for o in select["element"]["options"] if o["text"]["text"] == "Li Wei")
    omar = str(person_id(slack, "omar@example.com"))

    ack = await slack.submit(form, {"report": omar, "recurrence": "every 9 weeks"}, user=ANA)
    assert ack["response_action"] == "errors"
    assert "doesn't report to you" in ack["errors"]["report"]
    assert ack["errors"]["recurrence"]
    assert slack.candor.store.oneonones.active() == []

    ack = await slack.submit(form, {"report": li, "recurrence": "biweekly on Tue 10:00"}, user=ANA)
    assert ack == {}
    confirm = texts(await dms(slack, ANA))
    assert "Scheduled: 1:1 with Li Wei" in confirm and "Tue 3 Nov, 10:00" in confirm


async def test_list_shows_each_side_the_next_date_and_open_items(slack: SlackHarness) -> None:
    await oneonone(slack, f"{MENTION[LI]} every tue 10:00", user=ANA)
    await oneonone(slack, f"agenda {MENTION[ANA]} add the on-call rota", user=LI)
    slack.standin.clear()

    await oneonone(slack, "list", user=ANA)
    mine = replies(slack)
    assert "Li Wei" in mine and "your report" in mine
    assert "Tue 3 Nov, 10:00" in mine and "1 open agenda item" in mine
    slack.standin.clear()
    await oneonone(slack, "list", user=LI)
    assert "Ana Silva" in replies(slack) and "your manager" in replies(slack)
    slack.standin.clear()
    await oneonone(slack, "list", user=OMAR)
    assert "You have no 1:1s scheduled" in replies(slack)


async def test_a_manager_cancels_and_the_report_is_told(slack: SlackHarness) -> None:
    await oneonone(slack, f"{MENTION[LI]} every tue 10:00", user=ANA)
    await oneonone(slack, f"cancel {MENTION[ANA]}", user=LI)
    assert "Only managers" in replies(slack)
    await oneonone(slack, f"cancel {MENTION[SAM]}", user=ANA)
    assert "You have no 1:1 with Sam Rivera to cancel" in replies(slack)

    await oneonone(slack, f"cancel {MENTION[LI]}", user=ANA)

    assert "Cancelled your recurring 1:1 with Li Wei" in replies(slack)
    assert slack.candor.store.oneonones.active() == []
    assert "Ana Silva cancelled your recurring 1:1" in texts(await dms(slack, LI))


# --- the shared agenda ------------------------------------------------------------------------


async def test_both_sides_add_to_the_agenda_and_a_third_person_cannot(
    slack: SlackHarness,
) -> None:
    await oneonone(slack, f"{MENTION[LI]} every tue 10:00", user=ANA)
    await oneonone(slack, f"agenda {MENTION[LI]} add promotion timeline", user=ANA)
    await oneonone(slack, f"agenda {MENTION[ANA]} add conference budget", user=LI)
    await oneonone(slack, f"agenda {MENTION[ANA]} add conference   budget", user=LI)  # a retry
    await oneonone(slack, f"agenda {MENTION[LI]} add gossip", user=SAM)
    await oneonone(slack, f"agenda {MENTION[LI]} add {'x' * (MAX_CHARS + 1)}", user=ANA)

    said = replies(slack)
    assert "Added to your agenda with Li Wei: “promotion timeline”" in said
    assert "Already on your agenda with Ana Silva" in said
    assert "You don't have a 1:1 with Li Wei" in said
    assert f"under {MAX_CHARS} characters" in said
    meeting = slack.candor.store.oneonones.active()[0]
    assert meeting.id is not None
    items = slack.candor.store.oneonones.open_items(meeting.id)
    assert [i.text for i in items] == ["promotion timeline", "conference budget"]


async def test_the_agenda_shows_open_items_and_only_participants_close_them(
    slack: SlackHarness,
) -> None:
    await oneonone(slack, f"{MENTION[LI]} every tue 10:00", user=ANA)
    await oneonone(slack, f"agenda {MENTION[LI]} add promotion timeline", user=ANA)
    slack.standin.clear()

    await oneonone(slack, f"agenda {MENTION[ANA]}", user=LI)
    shown = replies(slack)
    assert "promotion timeline" in shown and "Added by Ana Silva" in shown
    (done,) = reply_buttons(slack, "agenda.done")

    await slack.click(done["action_id"], done["value"], user=SAM)
    assert "Only the two people in this 1:1" in replies(slack)
    meeting = slack.candor.store.oneonones.active()[0]
    assert meeting.id is not None
    assert len(slack.candor.store.oneonones.open_items(meeting.id)) == 1

    await slack.click(done["action_id"], done["value"], user=LI)
    assert "Marked done: “promotion timeline”" in replies(slack)
    assert slack.candor.store.oneonones.open_items(meeting.id) == []
    slack.standin.clear()
    await oneonone(slack, f"agenda {MENTION[LI]}", user=ANA)
    assert "Nothing on the agenda yet" in replies(slack)


async def test_the_add_a_topic_button_opens_a_form_for_either_side(slack: SlackHarness) -> None:
    await oneonone(slack, f"{MENTION[LI]} every tue 10:00", user=ANA)
    await oneonone(slack, f"agenda {MENTION[ANA]}", user=LI)
    (add,) = reply_buttons(slack, "agenda.new")

    await slack.click(add["action_id"], add["value"], user=SAM)
    assert slack.forms() == [] and "Only the two people" in replies(slack)
    await slack.click(add["action_id"], add["value"], user=LI)
    (form,) = slack.forms()

    ack = await slack.submit(form, {"topic": " "}, user=LI)
    assert ack["response_action"] == "errors" and "topic" in ack["errors"]
    assert await slack.submit(form, {"topic": "team offsite ideas"}, user=LI) == {}

    meeting = slack.candor.store.oneonones.active()[0]
    assert meeting.id is not None
    assert [i.text for i in slack.candor.store.oneonones.open_items(meeting.id)] == [
        "team offsite ideas"
    ]
