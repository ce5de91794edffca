"""The scheduled check-in round with a moving fake clock: local 09:00 in every time zone and
across DST, holidays and time away, send-once across runs and restarts, the one reminder, and
the catch-up after downtime."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.slack.standin import SlackStandIn
from handlers.checkins import checkin_round
from handlers.messages import Outgoing, ToPerson
from store.db import session_scope
from store.models import PersonSettings
from tests.conftest import FakeClock, SlackHarness, running_candor
from tests.test_checkins import ANSWERS, buttons, dms, person_id, shown

EVERYONE = ("U0MAYA", "U0ANA", "U0LI", "U0SAM", "U0OMAR", "U0HANA")
Sent = dict[str, list[tuple[int, datetime, str]]]  # purpose -> (person id, when, period)


async def sweep(slack: SlackHarness, until: datetime, step: timedelta = timedelta(hours=1)) -> Sent:
    """Call the round at every step up to `until` (the clock ends there); what it sent."""
    sent: Sent = defaultdict(list)
    while slack.clock.now < until:
        outgoing: list[Outgoing] = await checkin_round(slack.candor.services, slack.clock.now)
        for item in outgoing:
            assert isinstance(item.to, ToPerson) and item.delivery_key is not None
            period = item.delivery_key.rsplit(":", 1)[1]
            sent[item.purpose].append((item.to.person_id, slack.clock.now, period))
        slack.clock.advance(seconds=step.total_seconds())
    return sent


def ids(slack: SlackHarness, *users: str) -> set[int]:
    return {person_id(slack, u) for u in users}


async def test_checkins_go_out_at_nine_local_on_friday_in_every_zone_and_across_dst(
    slack: SlackHarness,
) -> None:
    zones = {"U0LI": "America/New_York", "U0SAM": "Asia/Tokyo", "U0OMAR": "Europe/Berlin"}
    for user, tz in zones.items():
        slack.candor.store.people.set_tz(person_id(slack, user), tz, slack.clock.now)
    slack.clock.now = datetime(2026, 10, 26, tzinfo=UTC)  # New York leaves DST on Sun 1 Nov

    sent = await sweep(slack, datetime(2026, 11, 9, tzinfo=UTC))

    by_person: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for pid, at, period in sent["checkin.prompt"]:
        by_person[pid].append((at, period))
    assert set(by_person) == ids(slack, *EVERYONE)
    for user in EVERYONE:
        zone = ZoneInfo(zones.get(user, "Europe/Berlin"))
        got = by_person[person_id(slack, user)]
        assert [p for _, p in got] == ["2026-W44", "2026-W45"], user
        for at, _ in got:
            local = at.astimezone(zone)
            assert (local.weekday(), local.hour, local.minute) == (4, 9, 0), (user, at)
    li = [at for at, _ in by_person[person_id(slack, "U0LI")]]
    assert li == [datetime(2026, 10, 30, 13, tzinfo=UTC), datetime(2026, 11, 6, 14, tzinfo=UTC)]
    sam = [at for at, _ in by_person[person_id(slack, "U0SAM")]]
    assert sam == [datetime(2026, 10, 30, 0, tzinfo=UTC), datetime(2026, 11, 6, 0, tzinfo=UTC)]

    # One reminder per unanswered check-in, six hours after it went out.
    prompts = {(pid, p): at for pid, at, p in sent["checkin.prompt"]}
    reminders = {(pid, p): at for pid, at, p in sent["checkin.reminder"]}
    assert len(sent["checkin.reminder"]) == len(reminders) == len(prompts)
    assert all(reminders[key] == at + timedelta(hours=6) for key, at in prompts.items())


async def test_a_teams_plan_sets_its_own_day_and_time(slack: SlackHarness) -> None:
    ana = person_id(slack, "U0ANA")
    slack.candor.store.checkins.save_plan(
        ana,
        questions=[{"id": "shipped", "text": "What did you ship?", "kind": "text"}],
        weekday=1,
        hour=10,
        minute=30,
        every_weeks=1,
        at=slack.clock.now,
    )
    slack.clock.now = datetime(2026, 11, 2, tzinfo=UTC)

    sent = await sweep(slack, datetime(2026, 11, 7, tzinfo=UTC), timedelta(minutes=30))

    when = {pid: at for pid, at, _ in sent["checkin.prompt"]}
    berlin = ZoneInfo("Europe/Berlin")
    for user in ("U0LI", "U0SAM"):  # Ana's reports
        local = when[person_id(slack, user)].astimezone(berlin)
        assert (local.weekday(), local.hour, local.minute) == (1, 10, 30)
    assert when[person_id(slack, "U0OMAR")].astimezone(berlin).weekday() == 4


@pytest.fixture
async def holiday_slack(
    tmp_path: Path, database_url: str, standin: SlackStandIn, clock: FakeClock
) -> AsyncIterator[SlackHarness]:
    async with running_candor(
        tmp_path, database_url, standin, clock, CANDOR_HOLIDAYS="2026-11-27"
    ) as harness:
        yield harness


async def test_nothing_goes_out_on_a_holiday(holiday_slack: SlackHarness) -> None:
    holiday_slack.clock.now = datetime(2026, 11, 26, tzinfo=UTC)

    sent = await sweep(holiday_slack, datetime(2026, 12, 5, tzinfo=UTC))

    days = {at.date() for _, at, _ in sent["checkin.prompt"] + sent["checkin.reminder"]}
    assert days == {date(2026, 12, 4)}
    assert len(sent["checkin.prompt"]) == len(EVERYONE)


async def test_nothing_goes_out_to_someone_away(slack: SlackHarness) -> None:
    li, sam = person_id(slack, "U0LI"), person_id(slack, "U0SAM")
    slack.candor.store.settings.set_away(li, date(2026, 11, 6), slack.clock.now)

    week = await sweep(slack, datetime(2026, 11, 7, tzinfo=UTC))

    assert li not in {pid for pid, _, _ in week["checkin.prompt"] + week["checkin.reminder"]}
    assert sam in {pid for pid, _, _ in week["checkin.prompt"]}

    # Back the next week; Sam leaves after this week's check-in went out: no reminder for him.
    slack.clock.now = datetime(2026, 11, 13, 8, tzinfo=UTC)
    sent = await sweep(slack, slack.clock.now + timedelta(hours=1))
    assert {li, sam} <= {pid for pid, _, _ in sent["checkin.prompt"]}
    slack.candor.store.settings.set_away(sam, date(2026, 11, 20), slack.clock.now)
    later = await sweep(slack, datetime(2026, 11, 14, tzinfo=UTC))
    reminded = {pid for pid, _, _ in later["checkin.reminder"]}
    assert li in reminded and sam not in reminded


def _prompts(slack: SlackHarness) -> list[str]:
    posts = slack.standin.calls_to("chat.postMessage")
    return [c.args["channel"] for c in posts if "Time for your check-in" in c.args["text"]]


async def test_a_second_run_and_a_restart_send_each_checkin_once(
    slack: SlackHarness, tmp_path: Path, database_url: str
) -> None:
    slack.clock.now = datetime(2026, 11, 6, 8, tzinfo=UTC)  # 09:00 in Berlin

    await slack.candor.run_scheduled("check-ins", checkin_round)
    await slack.candor.run_scheduled("check-ins", checkin_round)
    slack.clock.advance(minutes=5)
    async with running_candor(
        tmp_path / "again", database_url, slack.standin, slack.clock
    ) as second:
        await second.candor.run_scheduled("check-ins", checkin_round)

    assert len(_prompts(slack)) == len(set(_prompts(slack))) == len(EVERYONE)
    li = (await dms(slack, "U0LI"))[0]
    assert [(b["action_id"], b["value"]) for b in buttons(li)] == [("checkin.open", "2026-W45")]


async def test_one_reminder_and_none_for_who_answered(slack: SlackHarness) -> None:
    slack.clock.now = datetime(2026, 11, 6, 8, tzinfo=UTC)
    await slack.candor.run_scheduled("check-ins", checkin_round)
    (prompt,) = await dms(slack, "U0LI")
    (button,) = buttons(prompt)
    await slack.click(button["action_id"], button["value"], user="U0LI")
    view = slack.forms()[-1]
    assert view["private_metadata"] == "2026-W45"
    await slack.submit(view, ANSWERS, user="U0LI")

    for hours in (6, 0.5, 1, 3, 24):
        slack.clock.advance(hours=hours)
        await slack.candor.run_scheduled("check-ins", checkin_round)

    posts = slack.standin.calls_to("chat.postMessage")
    reminders = [c.args["channel"] for c in posts if "still open" in c.args["text"]]
    assert len(reminders) == len(set(reminders)) == len(EVERYONE) - 1
    assert not any("still open" in shown(m) for m in await dms(slack, "U0LI"))
    assert any("still open" in shown(m) for m in await dms(slack, "U0SAM"))


async def test_a_run_missed_during_downtime_is_caught_up_once_within_the_grace(
    slack: SlackHarness,
) -> None:
    slack.clock.now = datetime(2026, 11, 6, 13, tzinfo=UTC)  # five hours late

    late = await sweep(slack, slack.clock.now + timedelta(hours=1), timedelta(minutes=10))

    assert len(late["checkin.prompt"]) == len(EVERYONE)

    slack.clock.now = datetime(2026, 11, 13, 14, 30, tzinfo=UTC)  # six and a half hours late
    too_late = await sweep(slack, datetime(2026, 11, 14, tzinfo=UTC), timedelta(minutes=30))
    assert too_late == {}


async def test_a_persons_own_checkin_time_replaces_the_teams(slack: SlackHarness) -> None:
    li = person_id(slack, "U0LI")
    with session_scope(slack.candor.store.engine) as session:
        session.add(
            PersonSettings(
                person_id=li,
                checkin_weekday=0,
                checkin_hour=8,
                checkin_minute=15,
                updated_at=slack.clock.now,
            )
        )
    slack.clock.now = datetime(2026, 11, 9, tzinfo=UTC)

    sent = await sweep(slack, datetime(2026, 11, 14, tzinfo=UTC), timedelta(minutes=15))

    when = {pid: at for pid, at, _ in sent["checkin.prompt"]}
    assert when[li] == datetime(2026, 11, 9, 7, 15, tzinfo=UTC)  # Monday 08:15 in Berlin
    assert when[person_id(slack, "U0SAM")] == datetime(2026, 11, 13, 8, tzinfo=UTC)


async def test_quiet_hours_hold_the_check_in_until_they_end(slack: SlackHarness) -> None:
    li = person_id(slack, "U0LI")  # Europe/Berlin; the default check-in is Friday 09:00
    slack.candor.store.settings.save_personal(
        li, {"quiet_start": 7, "quiet_end": 11}, slack.clock.now
    )
    slack.clock.now = datetime(2026, 11, 6, 6, tzinfo=UTC)  # Friday 07:00 in Berlin

    sent = await sweep(slack, datetime(2026, 11, 6, 12, tzinfo=UTC))

    [(_, at, _)] = [s for s in sent["checkin.prompt"] if s[0] == li]
    assert at.astimezone(ZoneInfo("Europe/Berlin")).hour == 11  # the first hour after them
    others = [at for pid, at, _ in sent["checkin.prompt"] if pid != li]
    assert others and all(at.astimezone(ZoneInfo("Europe/Berlin")).hour == 9 for at in others)
