"""The pre-1:1 nudge (handlers/prep.py) through the real Bolt app and scheduled runs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from handlers.oneonones import prep_round
from store.models import OneOnOne
from tests.conftest import SlackHarness, running_candor
from tests.oneonone_helpers import (
    ANA,
    LI,
    MENTION,
    OMAR,
    SAM,
    buttons,
    dms,
    oneonone,
    person_id,
    replies,
    texts,
)

BLOCKER = "waiting on the payments API keys"
GOAL = "Cut refund handling time from 3 days to 1"
# Ana meets Li weekly on Thursdays at 10:00 Berlin time: Thu 5 Nov 2026 is 09:00 UTC.
NUDGE_TIME = datetime(2026, 11, 4, 9, 30, tzinfo=UTC)  # 23.5 hours before
TOO_EARLY = datetime(2026, 11, 4, 3, 0, tzinfo=UTC)  # 30 hours before
HEADER = "1:1 with Li Wei — Thu 5 Nov, 10:00"


async def _meeting(slack: SlackHarness) -> OneOnOne:
    await oneonone(slack, f"{MENTION[LI]} weekly on Thu 10:00", user=ANA)
    (meeting,) = slack.candor.store.oneonones.active()
    return meeting


async def _seed(slack: SlackHarness) -> dict[str, int]:
    """A 1:1 with a blocker, kudos, a goal at risk and an agenda item to talk about."""
    store, now = slack.candor.store, slack.clock.now
    meeting = await _meeting(slack)
    li = person_id(slack, "li@example.com")
    checkin, _ = store.checkins.submit(
        li,
        "2026-W45",
        answers={"progress": "shipped refunds v2", "blockers": BLOCKER},
        mood=2,
        blocker=BLOCKER,
        at=now,
    )
    await slack.kudos(f"{MENTION[LI]} for untangling the refund queue #ownership", user=SAM)
    goal = store.goals.add(
        li,
        objective=GOAL,
        key_results=[],
        due=date(2026, 11, 30),
        at=datetime(2026, 9, 1, tzinfo=UTC),
    )
    assert goal.id is not None
    store.goals.set_progress(goal.id, 0.1, at=datetime(2026, 10, 1, tzinfo=UTC), actor_id=li)
    await oneonone(slack, f"agenda {MENTION[ANA]} add conference budget", user=LI)
    slack.standin.clear()
    assert meeting.id is not None and checkin.id is not None
    return {"meeting": meeting.id, "li": li, "checkin": checkin.id, "goal": goal.id}


async def _run(slack: SlackHarness, when: datetime | None = None) -> None:
    if when is not None:
        slack.clock.now = when
    await slack.candor.run_scheduled("prep", prep_round)


async def _nudges(slack: SlackHarness, header: str = HEADER) -> list[list[dict[str, Any]]]:
    return [blocks for blocks in await dms(slack, ANA) if header in texts(blocks)]


async def _nudge(slack: SlackHarness) -> list[dict[str, Any]]:
    (blocks,) = await _nudges(slack)
    return blocks


async def test_the_nudge_goes_out_a_day_before_and_only_once_across_restarts(
    slack: SlackHarness, tmp_path: Path, database_url: str
) -> None:
    await _meeting(slack)
    await _run(slack, TOO_EARLY)
    assert await _nudges(slack) == []

    await _run(slack, NUDGE_TIME)
    await _run(slack)
    async with running_candor(tmp_path, database_url, slack.standin, slack.clock) as again:
        await again.candor.run_scheduled("prep", prep_round)

    assert len(await _nudges(slack)) == 1
    for_li = [b for b in await dms(slack, LI) if "Your 1:1 with Ana Silva" in texts(b)]
    assert len(for_li) == 1
    assert "Thu 5 Nov, 10:00" in texts(for_li[0])


async def test_the_nudge_lists_topics_with_evidence_only_the_right_people_can_open(
    slack: SlackHarness,
) -> None:
    await _seed(slack)
    await _run(slack, NUDGE_TIME)

    nudge = await _nudge(slack)
    shown = texts(nudge)
    assert f"Li Wei flagged a blocker: {BLOCKER}" in shown
    assert "Recognize: 1 kudos in the last 30 days" in shown and "ownership" in shown
    assert f"Goal at risk: {GOAL}" in shown
    assert "Agenda (Li Wei): conference budget" in shown
    expected = {
        "checkin": BLOCKER,
        "kudos": "untangling the refund queue",
        "goal": "10%",
        "agenda": "conference budget",
    }
    views = {b["value"].split(":")[0]: b for b in buttons(nudge, "evidence.show")}
    assert set(views) == set(expected)
    for kind, words in expected.items():
        view = views[kind]
        slack.standin.clear()
        await slack.click(view["action_id"], view["value"], user=ANA)
        assert words in replies(slack), kind
        slack.standin.clear()
        await slack.click(view["action_id"], view["value"], user=OMAR)
        assert "Only the" in replies(slack) and words not in replies(slack), kind


async def test_mood_never_reaches_the_manager_without_consent(slack: SlackHarness) -> None:
    ids = await _seed(slack)
    await _run(slack, NUDGE_TIME)
    shown = texts(await _nudge(slack))
    assert "Mood" not in shown and "2/5" not in shown

    await slack.click("evidence.show", f"checkin:{ids['checkin']}", user=ANA)
    assert BLOCKER in replies(slack) and "2/5" not in replies(slack)
    slack.standin.clear()
    await slack.click("evidence.show", f"checkin:{ids['checkin']}", user=LI)
    assert "2/5" in replies(slack)  # her own mood


async def test_mood_is_a_topic_when_the_report_shares_it(slack: SlackHarness) -> None:
    ids = await _seed(slack)
    slack.candor.store.settings.set_share_mood(ids["li"], True, slack.clock.now)
    await _run(slack, NUDGE_TIME)

    assert "Mood is low: 2/5" in texts(await _nudge(slack))
    await slack.click("evidence.show", f"checkin:{ids['checkin']}", user=ANA)
    assert "2/5" in replies(slack)


async def test_add_to_agenda_puts_the_topic_on_the_shared_agenda_once(
    slack: SlackHarness,
) -> None:
    ids = await _seed(slack)
    await _run(slack, NUDGE_TIME)
    adds = buttons(await _nudge(slack), "prep.add")
    (blocker,) = [b for b in adds if ":blocker:" in b["value"]]

    await slack.click(blocker["action_id"], blocker["value"], user=LI)
    assert "Only managers" in replies(slack)
    await slack.click(blocker["action_id"], blocker["value"], user=ANA)
    await slack.click(blocker["action_id"], blocker["value"], user=ANA)

    said = replies(slack)
    assert f"Added to your agenda with Li Wei: “Li Wei flagged a blocker: {BLOCKER}”" in said
    assert "Already on your agenda" in said
    items = slack.candor.store.oneonones.open_items(ids["meeting"])
    added = [i for i in items if i.source_kind == "checkin"]
    assert len(added) == 1 and added[0].source_id == ids["checkin"]


async def test_snooze_holds_this_meetings_prep_and_the_next_one_comes(
    slack: SlackHarness,
) -> None:
    ids = await _seed(slack)
    await _run(slack, NUDGE_TIME)
    (snooze,) = buttons(await _nudge(slack), "prep.snooze")

    await slack.click(snooze["action_id"], snooze["value"], user=ANA)

    assert "Snoozed: no more prep for your 1:1 with Li Wei on Thu 5 Nov, 10:00" in replies(slack)
    meeting = slack.candor.store.oneonones.get(ids["meeting"])
    assert meeting is not None
    assert meeting.snoozed_until == datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
    for key in ("prep", "prep-report"):  # as if the sends had failed and been given back
        slack.candor.store.deliveries.release(f"{key}:{ids['meeting']}:20261105T0900Z")
    await _run(slack)
    assert len(await _nudges(slack)) == 1
    await _run(slack, datetime(2026, 11, 11, 9, 30, tzinfo=UTC))
    assert len(await _nudges(slack, "1:1 with Li Wei — Thu 12 Nov, 10:00")) == 1


async def test_share_sends_the_report_the_current_agenda(slack: SlackHarness) -> None:
    await _seed(slack)
    await _run(slack, NUDGE_TIME)
    (share,) = buttons(await _nudge(slack), "prep.share")
    before = len(await dms(slack, LI))

    await slack.click(share["action_id"], share["value"], user=ANA)

    assert "Sent Li Wei the agenda (1 open item)" in replies(slack)
    sent = (await dms(slack, LI))[before:]
    assert len(sent) == 1 and "conference budget" in texts(sent[0])


async def test_open_items_carry_over_and_done_items_do_not(slack: SlackHarness) -> None:
    ids = await _seed(slack)
    await oneonone(slack, f"agenda {MENTION[LI]} add promotion timeline", user=ANA)
    store = slack.candor.store
    (done,) = [
        i for i in store.oneonones.open_items(ids["meeting"]) if i.text == "promotion timeline"
    ]
    assert done.id is not None
    store.oneonones.mark_done(done.id, at=slack.clock.now, actor_id=ids["li"])

    await _run(slack, NUDGE_TIME)
    await _run(slack, datetime(2026, 11, 11, 9, 30, tzinfo=UTC))

    first = texts(await _nudge(slack))
    (second,) = await _nudges(slack, "1:1 with Li Wei — Thu 12 Nov, 10:00")
    for shown in (first, texts(second)):
        assert "conference budget" in shown and "promotion timeline" not in shown


async def test_no_nudge_while_either_side_is_away(slack: SlackHarness) -> None:
    ids = await _seed(slack)
    slack.candor.store.settings.set_away(ids["li"], date(2026, 11, 5), slack.clock.now)

    await _run(slack, NUDGE_TIME)
    assert await _nudges(slack) == []
    await _run(slack, datetime(2026, 11, 11, 9, 30, tzinfo=UTC))
    assert len(await _nudges(slack, "1:1 with Li Wei — Thu 12 Nov, 10:00")) == 1


async def test_a_quiet_week_still_gets_a_nudge_with_nothing_made_up(slack: SlackHarness) -> None:
    await _meeting(slack)
    await _run(slack, NUDGE_TIME)

    shown = texts(await _nudge(slack))
    assert "Nothing stands out" in shown
    assert buttons(await _nudge(slack), "prep.add") == []


async def test_the_first_nudge_says_why_it_arrived_and_later_ones_do_not(
    slack: SlackHarness,
) -> None:
    await _seed(slack)
    await _run(slack, NUDGE_TIME)
    await _run(slack, datetime(2026, 11, 11, 9, 30, tzinfo=UTC))

    first = texts(await _nudge(slack))
    [later] = await _nudges(slack, "1:1 with Li Wei — Thu 12 Nov, 10:00")
    assert "Why you're getting this" in first
    assert "Why you're getting this" not in texts(later)


async def test_a_manager_can_ask_for_the_nudge_earlier(slack: SlackHarness) -> None:
    await _seed(slack)
    ana = person_id(slack, "ana@example.com")
    slack.candor.store.settings.save_personal(ana, {"prep_lead_hours": 48}, slack.clock.now)

    await _run(slack, TOO_EARLY)  # 30 hours before: too early by default, within 48 hours

    assert len(await _nudges(slack)) == 1
