"""Personal and HR settings: forms through the real Bolt app, checked, stored once, audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.effective_settings import (
    digest_schedule,
    effective_core_config,
    in_quiet_hours,
    personal_cadence,
)
from insights.schedule import Cadence, checkin_due
from tests.conftest import SlackHarness
from tests.home_harness import (
    ANA,
    HANA,
    LI,
    buttons,
    open_home,
    person,
    published,
    replies,
    texts,
)


async def _form(h: SlackHarness, user: str, words: str = "") -> dict[str, object]:
    h.standin.clear()
    await h.kudos(words, command="/candor", user=user)
    [form] = h.forms()
    return form


def _fields(form: dict[str, object]) -> list[str]:
    blocks = form["blocks"]
    assert isinstance(blocks, list)
    return [b["block_id"] for b in blocks if b.get("type") == "input"]


PERSONAL = {"checkin_time": "mon 10:30", "share_mood": "no", "quiet_hours": "18-08"}


async def test_a_new_check_in_time_moves_the_next_check_in(home: SlackHarness) -> None:
    form = await _form(home, LI, "settings")
    assert _fields(form) == ["checkin_time", "share_mood", "quiet_hours"]  # no nudge lead

    ack = await home.submit(form, PERSONAL, user=LI)

    assert ack == {}
    li = person(home, "li")
    assert li.id is not None
    row = home.candor.store.settings.get(li.id)
    cadence = personal_cadence(row)
    assert cadence == Cadence(weekday=0, hour=10, minute=30)
    # Li is in Berlin (UTC+1 in November): Monday 10:30 local is 09:30 UTC; Friday 09:00 no more.
    monday = datetime(2026, 11, 9, 9, 30, tzinfo=UTC)
    friday = datetime(2026, 11, 6, 8, 0, tzinfo=UTC)
    assert checkin_due(monday, "Europe/Berlin", cadence) is not None
    assert checkin_due(friday, "Europe/Berlin", cadence) is None
    assert checkin_due(friday, "Europe/Berlin", Cadence()) is not None  # the team default
    assert in_quiet_hours(row, 23) and in_quiet_hours(row, 7) and not in_quiet_hours(row, 12)
    assert "Check-ins come at your own time, mon 10:30" in texts(
        home.standin.posted_messages()[-1].args["blocks"]
    )


async def test_settings_changes_are_audited_by_name_and_stored_once(home: SlackHarness) -> None:
    form = await _form(home, LI, "settings")

    await home.submit(form, PERSONAL, user=LI)
    await home.submit(form, PERSONAL, user=LI)  # a double submit

    events = home.candor.store.audit.events(action="settings.personal_changed")
    assert len(events) == 1
    assert events[0].actor_id == person(home, "li").id
    assert events[0].detail == {
        "fields": ["checkin_weekday", "checkin_hour", "checkin_minute", "quiet_start", "quiet_end"]
    }


async def test_emptying_the_check_in_time_returns_to_the_team_default(home: SlackHarness) -> None:
    form = await _form(home, LI, "settings")
    await home.submit(form, PERSONAL, user=LI)

    await home.submit(form, {"checkin_time": "", "share_mood": "yes"}, user=LI)

    row = home.candor.store.settings.get(person(home, "li").id or 0)
    assert personal_cadence(row) is None and row.share_mood and row.quiet_start is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("checkin_time", "someday"),
        ("checkin_time", "sat 10:00"),
        ("checkin_time", "every 2 weeks on tue 10:00"),
        ("quiet_hours", "18-18"),
        ("quiet_hours", "25-08"),
    ],
)
async def test_bad_personal_settings_are_shown_under_their_field(
    home: SlackHarness, field: str, value: str
) -> None:
    form = await _form(home, LI, "settings")

    ack = await home.submit(form, {**PERSONAL, field: value}, user=LI)

    assert ack["response_action"] == "errors" and set(ack["errors"]) == {field}
    assert home.candor.store.audit.events(action="settings.personal_changed") == []


async def test_managers_set_their_own_nudge_lead_time(home: SlackHarness) -> None:
    form = await _form(home, ANA, "settings")
    assert "prep_lead_hours" in _fields(form)

    assert (await home.submit(form, {**PERSONAL, "prep_lead_hours": "0"}, user=ANA))["errors"]
    await home.submit(form, {**PERSONAL, "prep_lead_hours": "4"}, user=ANA)

    assert home.candor.store.settings.get(person(home, "ana").id or 0).prep_lead_hours == 4


async def test_the_home_settings_button_opens_the_same_form(home: SlackHarness) -> None:
    await open_home(home, LI)
    assert "home.settings" in buttons(published(home, LI))

    await home.click("home.settings", "", user=LI)

    assert _fields(home.forms()[-1]) == ["checkin_time", "share_mood", "quiet_hours"]


ORG = {
    "values": "Ownership, #craft, care",
    "min_group": "4",
    "hr_channel": "C0HR",
    "digest_time": "tue 08:30",
}


async def test_hr_changes_org_settings_and_they_take_effect(home: SlackHarness) -> None:
    form = await _form(home, HANA, "settings org")
    assert _fields(form) == ["values", "min_group", "hr_channel", "digest_time"]

    ack = await home.submit(form, ORG, user=HANA)

    assert ack == {}
    config = effective_core_config(home.candor.services)
    assert config.values == ("ownership", "craft", "care")
    assert config.min_group == 4 and config.hr_channel == "C0HR"
    assert digest_schedule(home.candor.services) == Cadence(weekday=1, hour=8, minute=30)
    [event] = home.candor.store.audit.events(action="settings.org_changed")
    assert event.actor_id == person(home, "hana").id
    assert event.detail == {"keys": ["digest_schedule", "hr_channel", "min_group", "values"]}
    await open_home(home, HANA)
    assert "goes to `C0HR` every Tue 08:30" in texts(published(home, HANA))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("min_group", "2"),
        ("min_group", "many"),
        ("values", ""),
        ("values", "ownership, two words"),
        ("hr_channel", "#people-team"),
        ("digest_time", "monday"),
    ],
)
async def test_bad_org_settings_are_shown_under_their_field(
    home: SlackHarness, field: str, value: str
) -> None:
    form = await _form(home, HANA, "settings org")

    ack = await home.submit(form, {**ORG, field: value}, user=HANA)

    assert ack["response_action"] == "errors" and set(ack["errors"]) == {field}
    assert effective_core_config(home.candor.services) == home.candor.services.config


async def test_only_hr_opens_or_submits_the_org_form(home: SlackHarness) -> None:
    await home.kudos("settings org", command="/candor", user=LI)
    assert "Only HR and admins" in replies(home) and not home.forms()

    hr_form = await _form(home, HANA, "settings org")
    home.standin.clear()
    await home.submit(hr_form, {**ORG, "min_group": "3"}, user=LI)
    await home.click("home.org_settings", "", user=ANA)

    assert effective_core_config(home.candor.services).min_group == 5
    assert not home.forms()
