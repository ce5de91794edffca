"""Onboarding and help everywhere: one welcome DM per person, and no DM answered with silence."""

from __future__ import annotations

import pytest

from handlers.types import Role
from handlers.welcome import maybe_welcome
from tests.conftest import SlackHarness
from tests.home_harness import (
    ANA,
    GUEST,
    HANA,
    LI,
    SAM,
    buttons,
    dm_bot,
    dms,
    open_home,
    person,
    replies,
    send_event,
    texts,
)


async def _welcomes(h: SlackHarness, user: str) -> list[list[dict[str, object]]]:
    return [blocks for blocks in await dms(h, user) if "Welcome to Candor" in texts(blocks)]


async def _team_join(h: SlackHarness, user: str) -> None:
    await send_event(h, {"type": "team_join", "user": {"id": user, "name": user.lower()}})


async def test_the_welcome_is_sent_once_across_home_opens_and_a_team_join(
    home: SlackHarness,
) -> None:
    await open_home(home, LI)
    await open_home(home, LI)
    await _team_join(home, LI)

    assert len(await _welcomes(home, LI)) == 1


async def test_joining_the_workspace_welcomes_and_a_later_home_open_does_not_again(
    home: SlackHarness,
) -> None:
    await _team_join(home, SAM)
    assert len(await _welcomes(home, SAM)) == 1

    await open_home(home, SAM, tab="messages")

    assert len(await _welcomes(home, SAM)) == 1


async def test_the_welcome_says_what_candor_never_does_and_how_ai_is_used(
    home: SlackHarness,
) -> None:
    await open_home(home, LI)

    [welcome] = await _welcomes(home, LI)
    shown = texts(welcome)
    assert "decide ratings" in shown
    assert "fewer than 5 people" in shown
    assert "private notes" in shown
    assert "offline engine" in shown and "cites the records" in shown and "approves" in shown
    assert shown.count("• `/") == 3  # three example commands …
    actions = buttons(welcome)
    assert set(actions) == {"home.help:kudos", "checkin.open", "home.settings"}  # … a button each
    assert actions["checkin.open"] == "2026-W45"


async def test_each_welcome_button_does_something(home: SlackHarness) -> None:
    await home.click("home.help:kudos", "kudos", user=LI)
    assert "/kudos @person" in replies(home)

    home.standin.clear()
    await home.click("checkin.open", "2026-W45", user=LI)
    await home.click("home.settings", "", user=LI)

    titles = [texts(form["title"]) for form in home.forms()]
    assert titles == ["Check-in 2026-W45", "Your Candor settings"]


async def test_people_outside_the_directory_are_not_welcomed(home: SlackHarness) -> None:
    await _team_join(home, GUEST)
    await open_home(home, GUEST)

    assert not await _welcomes(home, GUEST)
    assert await maybe_welcome(home.candor.services, None) == []
    assert await maybe_welcome(home.candor.services, 999_999) == []


async def test_maybe_welcome_is_the_hook_for_a_first_command(home: SlackHarness) -> None:
    services, ana = home.candor.services, person(home, "ana")

    first = await maybe_welcome(services, ana.id)
    again = await maybe_welcome(services, ana.id)

    assert [o.purpose for o in first] == ["welcome"] and again == []


@pytest.mark.parametrize(("user", "role"), [(LI, Role.EMPLOYEE), (HANA, Role.HR)])
async def test_candor_help_covers_every_registered_command(
    home: SlackHarness, user: str, role: Role
) -> None:
    await home.kudos("help", command="/candor", user=user)

    shown = replies(home)
    for name, spec in home.candor.router.commands.items():
        if name == "candor":
            continue
        assert (f"*/{name}*" in shown) is (role in spec.roles), name
        if role in spec.roles and spec.examples:
            assert spec.examples[0] in shown, name
    assert "*/candor home*" in shown and "*/candor settings*" in shown


async def test_a_dm_to_the_bot_never_meets_silence(home: SlackHarness) -> None:
    await dm_bot(home, LI, "hello?")
    await dm_bot(home, LI, "are you there?")

    first, second = await dms(home, LI)
    assert "Welcome to Candor" in texts(first)
    shown = texts(second)
    assert "I answer commands" in shown and "/kudos @teammate" in shown and "`/checkin`" in shown
    assert "`/digest`" not in shown  # only commands the person may use
    assert "are you there" not in shown


async def test_help_in_a_dm_lists_every_command(home: SlackHarness) -> None:
    await open_home(home, ANA)  # welcomed already
    await dm_bot(home, ANA, "help")

    shown = texts((await dms(home, ANA))[-1])
    assert "What Candor can do for you" in shown and "*/oneonone*" in shown


async def test_bot_messages_and_edits_get_no_reply(home: SlackHarness) -> None:
    await dm_bot(home, LI, "Deploy finished", bot_id="B0DEPLOY")
    await dm_bot(home, LI, "hello (edited)", subtype="message_changed")
    await dm_bot(home, LI, "hi", channel_type="channel")

    assert not home.standin.calls_to("chat.postMessage")


async def test_a_dm_from_someone_outside_the_directory_is_answered(home: SlackHarness) -> None:
    await dm_bot(home, GUEST, "hi")

    [reply] = await dms(home, GUEST)
    assert "not in Candor's org directory" in texts(reply)
