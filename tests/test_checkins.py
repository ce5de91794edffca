"""/checkin through the real Bolt app: answering and editing, blockers to the manager, mood
consent, personal settings, and team plans."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from handlers.checkins import effective_plan, mood_trend
from store.models import Checkin
from tests.conftest import BOT_TOKEN, SlackHarness

ANSWERS = {"progress": "Shipped the refund API", "highlights": "Pairing with Sam"}
BLOCKER = "Waiting on staging DB credentials from Platform"


async def open_form(slack: SlackHarness, words: str = "", *, user: str = "U0LI") -> dict[str, Any]:
    """Run `/checkin words` and return the modal it opened."""
    before = len(slack.forms())
    await slack.kudos(words, command="/checkin", user=user)
    forms = slack.forms()
    assert len(forms) == before + 1, replies(slack)
    return forms[-1]


async def dms(slack: SlackHarness, user: str) -> list[dict[str, Any]]:
    """Every DM that reached `user`: the `chat.postMessage` arguments, oldest first."""
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.standin.base_url)
    channel = (await client.conversations_open(users=user))["channel"]["id"]
    posts = slack.standin.calls_to("chat.postMessage")
    return [c.args for c in posts if c.ok and c.args.get("channel") == channel]


def shown(message: dict[str, Any]) -> str:
    """A posted message as one string: its notification text and its blocks."""
    return json.dumps([message.get("text"), message.get("blocks")], ensure_ascii=False)


def replies(slack: SlackHarness) -> str:
    calls = slack.standin.calls_to("response_url") + slack.standin.calls_to("chat.postEphemeral")
    return json.dumps([c.args.get("blocks") for c in calls], ensure_ascii=False)


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The modal's input blocks by block id."""
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def initial(block: dict[str, Any]) -> str | None:
    element = block["element"]
    option = element.get("initial_option")
    return option["value"] if option else element.get("initial_value", element.get("initial_date"))


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]]


def person_id(slack: SlackHarness, user: str) -> int:
    person = slack.candor.store.people.by_platform_id("slack", user)
    assert person is not None and person.id is not None
    return person.id


def stored(slack: SlackHarness, user: str, period: str) -> Checkin | None:
    return slack.candor.store.checkins.get(person_id(slack, user), period)


async def answer(
    slack: SlackHarness, values: dict[str, str], *, user: str = "U0LI"
) -> dict[str, Any]:
    view = await open_form(slack, user=user)
    return await slack.submit(view, values, user=user)


async def test_checkin_opens_the_default_questions_and_stores_the_answers(
    slack: SlackHarness,
) -> None:
    view = await open_form(slack)

    period = "2026-W45"  # Monday 2 Nov 2026 in Berlin
    assert view["callback_id"] == "checkin.answer" and view["private_metadata"] == period
    fields = inputs(view)
    assert list(fields) == ["progress", "highlights", "blockers", "mood"]
    assert [fields[f]["optional"] for f in fields] == [False, False, True, True]
    options = fields["mood"]["element"]["options"]
    assert [o["value"] for o in options] == ["1", "2", "3", "4", "5"]
    assert options[0]["text"]["text"] == "1 – rough" and options[4]["text"]["text"] == "5 – great"

    ack = await slack.submit(view, {**ANSWERS, "mood": "4"}, user="U0LI")

    assert ack == {}
    row = stored(slack, "U0LI", period)
    assert row is not None and row.submitted_at is not None
    assert row.answers == ANSWERS and row.mood == 4 and row.blocker == ""
    (confirmation,) = await dms(slack, "U0LI")
    first = json.dumps(confirmation["blocks"][0])
    assert "Your mood" in first and "4" in first and "Streak" in first
    assert [(b["action_id"], b["value"]) for b in buttons(confirmation)] == [
        ("checkin.open", period)
    ]
    assert await dms(slack, "U0ANA") == []  # no blocker, nothing for the manager


async def test_editing_reopens_prefilled_and_updates_the_one_checkin(slack: SlackHarness) -> None:
    await answer(slack, {**ANSWERS, "mood": "3"})
    (confirmation,) = await dms(slack, "U0LI")
    (edit,) = buttons(confirmation)

    await slack.click(edit["action_id"], edit["value"], user="U0LI")

    view = slack.forms()[-1]
    assert {k: initial(b) for k, b in inputs(view).items()} == {
        **ANSWERS,
        "blockers": None,
        "mood": "3",
    }
    changed = {**ANSWERS, "highlights": "Demoed refunds to support", "mood": "5"}
    assert await slack.submit(view, changed, user="U0LI") == {}
    assert await slack.submit(view, changed, user="U0LI", view_id="VSAME") == {}
    assert await slack.submit(view, changed, user="U0LI", view_id="VSAME") == {}

    history = slack.candor.store.checkins.history(person_id(slack, "U0LI"))
    assert len(history) == 1
    assert history[0].answers["highlights"] == "Demoed refunds to support"
    assert history[0].mood == 5
    assert "updated" in shown((await dms(slack, "U0LI"))[-1])


async def test_a_bad_or_missing_answer_is_a_field_error_and_nothing_is_stored(
    slack: SlackHarness,
) -> None:
    view = await open_form(slack)

    bad_mood = await slack.submit(view, {**ANSWERS, "mood": "7"}, user="U0LI")
    missing = await slack.submit(view, {"progress": "  ", "mood": "2"}, user="U0LI")

    assert bad_mood["response_action"] == "errors" and list(bad_mood["errors"]) == ["mood"]
    assert missing["response_action"] == "errors"
    assert set(missing["errors"]) == {"progress", "highlights"}
    assert stored(slack, "U0LI", "2026-W45") is None
    assert await dms(slack, "U0LI") == []


async def test_a_blocker_reaches_the_manager_once_and_never_the_mood(slack: SlackHarness) -> None:
    await answer(slack, {**ANSWERS, "blockers": BLOCKER, "mood": "2"})
    await answer(slack, {**ANSWERS, "highlights": "Less", "blockers": BLOCKER, "mood": "1"})

    (flag,) = await dms(slack, "U0ANA")
    assert "Li Wei flagged a blocker in their check-in" in flag["text"]
    assert BLOCKER in shown(flag) and "2026-W45" in shown(flag)
    assert "<@U0LI>" in shown(flag)

    await answer(slack, {**ANSWERS, "blockers": "Now blocked on code review", "mood": "1"})

    received = await dms(slack, "U0ANA")
    assert len(received) == 2 and "Now blocked on code review" in shown(received[1])
    for message in received:
        assert "mood" not in shown(message).lower()
        assert "/5" not in shown(message)
    assert await dms(slack, "U0MAYA") == []  # only the direct manager


async def test_mood_reaches_the_manager_only_with_consent(slack: SlackHarness) -> None:
    view = await open_form(slack, "settings")
    assert initial(inputs(view)["share_mood"]) == "no"

    assert await slack.submit(view, {"share_mood": "yes"}, user="U0LI") == {}

    li = person_id(slack, "U0LI")
    assert slack.candor.store.settings.get(li).share_mood is True
    (confirmation,) = await dms(slack, "U0LI")
    assert "can see:" in shown(confirmation) and "your mood (1–5)" in shown(confirmation)
    assert "HR never sees your check-in answers" in shown(confirmation)

    await answer(slack, {**ANSWERS, "blockers": BLOCKER, "mood": "2"})

    (flag,) = await dms(slack, "U0ANA")
    assert "Mood: 2/5" in shown(flag) and BLOCKER in shown(flag)


async def test_settings_set_and_clear_time_away(slack: SlackHarness) -> None:
    li = person_id(slack, "U0LI")
    view = await open_form(slack, "settings")

    past = await slack.submit(view, {"share_mood": "no", "away_until": "2026-10-01"}, user="U0LI")
    assert list(past["errors"]) == ["away_until"]
    assert slack.candor.store.settings.get(li).away_until is None

    await slack.submit(view, {"share_mood": "no", "away_until": "2026-11-20"}, user="U0LI")
    assert slack.candor.store.settings.get(li).away_until == date(2026, 11, 20)
    saved = shown((await dms(slack, "U0LI"))[-1])
    assert "away until Fri 20 Nov 2026" in saved
    assert "Only you see:* your mood" in saved

    view = await open_form(slack, "settings")
    assert initial(inputs(view)["away_until"]) == "2026-11-20"
    await slack.submit(view, {"share_mood": "no"}, user="U0LI")
    assert slack.candor.store.settings.get(li).away_until is None


async def test_the_mood_trend_shows_the_last_moods_and_the_streak(slack: SlackHarness) -> None:
    for mood in ("3", "4", "2"):
        await answer(slack, {**ANSWERS, "mood": mood})
        slack.clock.advance(weeks=1)

    first = json.dumps((await dms(slack, "U0LI"))[-1]["blocks"][0], ensure_ascii=False)
    assert "3 → 4 → 2" in first and "3 check-ins in a row" in first

    # A check-in that went out and was left unanswered ends the streak.
    slack.candor.store.checkins.mark_sent(person_id(slack, "U0LI"), "2026-W48", slack.clock.now)
    slack.clock.advance(weeks=1)
    await answer(slack, {**ANSWERS})
    first = json.dumps((await dms(slack, "U0LI"))[-1]["blocks"][0], ensure_ascii=False)
    assert "3 → 4 → 2" in first and "Streak:* 1 check-in" in first


def test_the_trend_keeps_the_last_eight_moods() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    newest_first = [
        Checkin(
            person_id=1, period=f"2026-W{n:02d}", mood=n % 5 + 1, submitted_at=at, updated_at=at
        )
        for n in range(10, 0, -1)
    ]
    moods, streak = mood_trend(newest_first)
    assert moods == [n % 5 + 1 for n in range(3, 11)] and streak == 10


async def test_a_manager_sets_their_teams_plan(slack: SlackHarness) -> None:
    view = await open_form(slack, "setup", user="U0ANA")
    fields = inputs(view)
    assert initial(fields["cadence"]) == "every week on Fri at 09:00"
    assert initial(fields["questions"]) is not None and "mood:" in str(initial(fields["questions"]))

    bad = await slack.submit(view, {"cadence": "someday", "questions": "Hi?"}, user="U0ANA")
    weekend = await slack.submit(view, {"cadence": "sat 09:00", "questions": ""}, user="U0ANA")
    assert list(bad["errors"]) == ["cadence"] and "Couldn't understand" in bad["errors"]["cadence"]
    assert set(weekend["errors"]) == {"cadence", "questions"}
    assert slack.candor.store.checkins.plans() == []

    lines = "What did you ship?\nblockers: Anything in the way?\nmood"
    ack = await slack.submit(
        view, {"cadence": "every 2 weeks on Tue 10:30", "questions": lines}, user="U0ANA"
    )

    assert ack == {}
    plan = slack.candor.store.checkins.plan(person_id(slack, "U0ANA"))
    assert plan is not None and (plan.weekday, plan.hour, plan.minute, plan.every_weeks) == (
        1,
        10,
        30,
        2,
    )
    li = slack.candor.store.people.get(person_id(slack, "U0LI"))
    omar = slack.candor.store.people.get(person_id(slack, "U0OMAR"))
    assert li is not None and omar is not None
    questions, cadence = effective_plan(slack.candor.services, li)
    assert [(q["id"], q["kind"]) for q in questions] == [
        ("what-did-you-ship", "text"),
        ("blockers", "text"),
        ("mood", "mood"),
    ]
    assert cadence.weekday == 1 and cadence.every_weeks == 2
    assert effective_plan(slack.candor.services, omar)[1].weekday == 4  # Maya's team: default
    assert "every 2 weeks on Tue at 10:30" in shown((await dms(slack, "U0ANA"))[-1])
    assert list(inputs(await open_form(slack))) == ["what-did-you-ship", "blockers", "mood"]


async def test_a_plan_keeps_the_ids_of_questions_it_recognises(slack: SlackHarness) -> None:
    view = await open_form(slack, "setup", user="U0ANA")
    fields = inputs(view)
    lines = str(initial(fields["questions"])) + "\nWhat did you learn?"

    await slack.submit(view, {"cadence": "fri 9am", "questions": lines}, user="U0ANA")

    plan = slack.candor.store.checkins.plan(person_id(slack, "U0ANA"))
    assert plan is not None
    assert [q["id"] for q in plan.questions] == [
        "progress",
        "highlights",
        "blockers",
        "mood",
        "what-did-you-learn",
    ]


async def test_hr_sets_the_org_default_and_others_may_not(slack: SlackHarness) -> None:
    await slack.kudos("setup", command="/checkin", user="U0LI")
    await slack.kudos("setup org", command="/checkin", user="U0ANA")
    assert slack.forms() == []
    refusals = replies(slack)
    assert "Only managers, HR and admins can use /checkin setup." in refusals
    assert "Only HR and admins can set the organisation" in refusals

    view = await open_form(slack, "setup org", user="U0HANA")
    assert view["private_metadata"] == "org"
    await slack.submit(view, {"cadence": "mon 08:30", "questions": "Plans?\nmood"}, user="U0HANA")

    plan = slack.candor.store.checkins.plan(None)
    assert (
        plan is not None
        and plan.weekday == 0
        and [q["text"] for q in plan.questions]
        == [
            "Plans?",
            "How are you feeling? (mood pulse)",
        ]
    )
    omar = slack.candor.store.people.get(person_id(slack, "U0OMAR"))
    assert omar is not None
    assert effective_plan(slack.candor.services, omar)[1].weekday == 0
    # Hana manages nobody: plain `/checkin setup` is the org default for her too.
    assert (await open_form(slack, "setup", user="U0HANA"))["private_metadata"] == "org"


async def test_help_and_unknown_sub_commands(slack: SlackHarness) -> None:
    await slack.kudos("help", command="/checkin", user="U0LI")
    await slack.kudos("setings", command="/checkin", user="U0LI")

    answered = replies(slack)
    assert "/checkin settings" in answered and "Usage" in answered
    assert "Did you mean `/checkin settings`?" in answered
    assert slack.forms() == []


async def test_an_old_or_future_period_from_a_button(slack: SlackHarness) -> None:
    await slack.click("checkin.open", "2026-W44", user="U0LI")
    assert slack.forms()[-1]["private_metadata"] == "2026-W44"

    slack.clock.advance(days=-7 * 52)
    before = len(slack.forms())
    await slack.click("checkin.open", "2026-W45", user="U0LI")
    assert len(slack.forms()) == before and "hasn't started yet" in replies(slack)
