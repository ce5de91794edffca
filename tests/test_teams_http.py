"""The Teams adapter end to end: activities POSTed to `/api/messages` through botbuilder's
`CloudAdapter`, the bot's calls answered by a local Bot Framework connector stand-in."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest

from bot.settings import SettingsError
from bot.teams.app import build_teams
from bot.teams.connector_standin import RecordedCall
from bot.teams.settings import TeamsSettings
from handlers.catalog import build_router
from handlers.messages import Message, Outgoing, Section, ToChannel, ToPerson, text
from tests.conftest import FakeClock
from tests.teams_fixtures import (
    ANA,
    CHANNEL,
    LI,
    SAM,
    TeamsHarness,
    TeamsUser,
    channel_message,
    load,
    open_services,
    personal_chat_id,
    personal_message,
    running_teams,
)

AUTH_ON = {
    "MICROSOFT_APP_ID": "11111111-2222-3333-4444-555555555555",
    "MICROSOFT_APP_PASSWORD": "not-a-real-secret",
}


@pytest.fixture
async def teams(database_url: str, clock: FakeClock) -> AsyncIterator[TeamsHarness]:
    async with running_teams(database_url, clock) as harness:
        yield harness


def _texts(calls: list[RecordedCall]) -> str:
    return json.dumps([c.card for c in calls], ensure_ascii=False)


def _dm(teams: TeamsHarness, user: TeamsUser) -> list[RecordedCall]:
    chat = teams.standin.personal_chat(user.id)
    return teams.standin.messages(chat) if chat else []


async def _install_in_team(teams: TeamsHarness) -> None:
    # Teams sends this when someone adds the app to a team: the bot joins the General channel.
    install = load("conversation_update_team")
    assert await teams.send(install) in (200, 201)


async def test_kudos_in_a_personal_chat(teams: TeamsHarness) -> None:
    await _install_in_team(teams)  # links the team's members, so Sam's manager can be told
    teams.standin.clear()

    status = await teams.send(personal_message("kudos", SAM, "for fixing the flaky tests #craft"))

    assert status == 201
    [kudos] = teams.store.kudos.page(0, 10)
    assert kudos.text == "for fixing the flaky tests" and kudos.company_values == ("craft",)
    [post] = teams.standin.messages(personal_chat_id(LI))
    assert post.op == "reply" and "<at>Sam Rivera</at>" in _texts([post])
    assert post.card is not None
    mentioned = {e["mentioned"]["id"] for e in post.card["msteams"]["entities"]}
    assert mentioned == {LI.id, SAM.id}
    [to_sam] = _dm(teams, SAM)
    assert to_sam.body["summary"] == "You received kudos"
    [to_ana] = _dm(teams, ANA)
    assert to_ana.body["summary"] == "Your team got kudos from Li Wei"


async def test_kudos_in_a_channel(teams: TeamsHarness) -> None:
    await _install_in_team(teams)
    teams.standin.clear()

    activity = channel_message("kudos", SAM, "for the accessibility audit", split_names=True)
    await teams.send(activity)

    assert teams.store.kudos.count() == 1
    thread = f"{CHANNEL};messageid={activity['id']}"
    [post] = teams.standin.messages(thread)
    assert post.op == "reply" and post.reply_to == activity["id"]  # in the command's thread
    assert "<at>Sam Rivera</at>" in _texts([post]) and "<at>Li Wei</at>" in _texts([post])
    assert len(_dm(teams, SAM)) == 1 and len(_dm(teams, ANA)) == 1
    assert _dm(teams, LI) == []  # nothing private for the giver


async def test_errors_in_a_channel_are_shown_privately(teams: TeamsHarness) -> None:
    activity = channel_message("kudos", LI, "for being great")

    await teams.send(activity)

    assert teams.store.kudos.count() == 0
    assert teams.standin.messages(f"{CHANNEL};messageid={activity['id']}") == []
    [reply] = _dm(teams, LI)
    assert "can't give kudos to yourself" in _texts([reply])


async def test_a_redelivered_activity_is_stored_once(teams: TeamsHarness) -> None:
    activity = personal_message("kudos", SAM, "for the on-call notes", activity_id="17620001")

    await teams.send(activity)
    before = len(teams.standin.calls)
    await teams.send(dict(activity))

    assert teams.store.kudos.count() == 1
    assert [c.op for c in teams.standin.calls[before:]] == []  # the repeat sends nothing


async def test_an_unknown_teams_user_is_not_in_the_directory(teams: TeamsHarness) -> None:
    stranger = TeamsUser("29:1not-a-member", "Stranger", None)

    await teams.send(personal_message("kudos", stranger, "for the review"))

    [reply] = teams.standin.messages(personal_chat_id(LI))
    assert "not in Candor's org directory" in _texts([reply])


async def test_help_lists_every_router_command(teams: TeamsHarness) -> None:
    await teams.send(personal_message("help"))

    [reply] = teams.standin.messages(personal_chat_id(LI))
    card = _texts([reply])
    for name, spec in build_router().commands.items():
        assert f"**{name}**" in card and spec.summary in card


async def test_welcome_once_per_conversation(teams: TeamsHarness) -> None:
    install = load("installation_update_personal")
    added = load("installation_update_personal")
    added.update(type="conversationUpdate", membersAdded=[{"id": install["recipient"]["id"]}])

    for activity in (install, added, install):
        await teams.send(dict(activity))
    await _install_in_team(teams)
    await _install_in_team(teams)

    chat = install["conversation"]["id"]
    assert [c.body["summary"] for c in teams.standin.messages(chat)] == ["Hi, I'm Candor"]
    [team_welcome] = teams.standin.messages(load("conversation_update_team")["conversation"]["id"])
    assert team_welcome.op == "send"  # a new post in the General channel, not a reply


async def test_proactive_messages_after_a_restart(
    database_url: str, clock: FakeClock, teams: TeamsHarness
) -> None:
    await teams.send(personal_message("hello", user=SAM))  # Sam's chat is saved
    await _install_in_team(teams)  # so is the team's channel
    sam = teams.store.people.by_email("sam@example.com")
    assert sam and sam.id
    await teams.runtime.close()
    teams.standin.clear()

    # A new process on the same database: nothing in memory, references from SQL.
    async with running_teams(database_url, clock, standin=teams.standin, import_org=False) as new:
        note = Message("A note", (Section(text("Your 1:1 with Ana is tomorrow.")),))
        team = load("conversation_update_team")["conversation"]["id"]
        report = await new.runtime.send(
            [Outgoing(ToPerson(sam.id), note, "nudge"), Outgoing(ToChannel(team), note, "digest")]
        )

    assert report.sent == 2 and report.failed == []
    assert [c.op for c in new.standin.calls] == ["send", "send"]  # no new chat was opened
    assert new.standin.messages(personal_chat_id(SAM))[0].body["summary"] == "A note"
    assert new.standin.messages(team)[0].body["summary"] == "A note"


async def test_proactive_message_without_any_route_fails_and_says_so(
    teams: TeamsHarness,
) -> None:
    sam = teams.store.people.by_email("sam@example.com")
    assert sam and sam.id
    note = Message("A note", (Section(text("hi")),))

    report = await teams.runtime.send(
        [Outgoing(ToPerson(sam.id), note, "nudge"), Outgoing(ToChannel("19:x"), note, "post")]
    )

    assert report.sent == 0 and report.failed == ["nudge", "post"]
    assert teams.standin.calls == []


async def test_a_429_is_waited_out_as_retry_after_asks(teams: TeamsHarness) -> None:
    teams.standin.fail_next("reply", status=429, retry_after=2)

    await teams.send(personal_message("help"))

    attempts = teams.standin.calls_to("reply")
    assert [c.status for c in attempts] == [429, 201]
    assert 2.0 in teams.timer.sleeps


async def test_many_messages_to_one_chat_keep_the_rate_limit(teams: TeamsHarness) -> None:
    for n in range(9):
        await teams.post(personal_message("help", activity_id=f"burst-{n}") | _url(teams))
    await teams.runtime.drain(timeout=10)

    assert len(teams.standin.messages(personal_chat_id(LI))) == 9
    assert teams.timer.sleeps, "the limiter should have waited instead of sending 9 in a second"


def _url(teams: TeamsHarness) -> dict[str, Any]:
    return {"serviceUrl": teams.standin.service_url}


FORGED = jwt.encode({"iss": "https://issuer.example", "aud": AUTH_ON["MICROSOFT_APP_ID"]}, "k" * 32)


@pytest.mark.parametrize(
    "header", [None, "Bearer not-a-token", f"Bearer {FORGED}", "Basic dXNlcjpwYXNz"]
)
async def test_requests_without_a_valid_token_are_refused(
    database_url: str, clock: FakeClock, header: str | None
) -> None:
    async with running_teams(database_url, clock, env=AUTH_ON) as secured:
        activity = personal_message("kudos", SAM, "for the docs") | _url(secured)
        status = await secured.post(activity, {"Authorization": header} if header else None)
        await secured.runtime.drain(timeout=5)

        assert status == 401
        assert secured.store.kudos.count() == 0
        assert secured.standin.calls == []
        assert secured.store.conversations.all("teams") == []


async def test_not_json_is_refused(teams: TeamsHarness) -> None:
    async with teams.http.post(
        teams.url, data=b"kudos", headers={"Content-Type": "text/plain"}
    ) as r:
        assert r.status == 415


def test_authentication_needs_its_settings(database_url: str, clock: FakeClock) -> None:
    services = open_services(database_url, clock)
    try:
        with pytest.raises(SettingsError, match="MICROSOFT_APP_PASSWORD"):
            build_teams(
                TeamsSettings.from_env({"MICROSOFT_APP_ID": AUTH_ON["MICROSOFT_APP_ID"]}),
                services,
                build_router(),
            )
    finally:
        services.store.close()


async def test_an_activity_with_fields_of_the_wrong_type_is_refused(teams: TeamsHarness) -> None:
    # Found by tests/test_http_fuzz.py: botbuilder's deserializer raised and the server gave a 500.
    activity = personal_message("kudos", SAM, "for the docs") | _url(teams)
    activity["from"] = "x"

    assert await teams.post(activity) == 400
    assert teams.store.kudos.count() == 0


async def test_a_card_action_without_an_action_gets_a_teams_error_not_a_500(
    teams: TeamsHarness,
) -> None:
    # Found by tests/test_http_fuzz.py: botbuilder's own answer to it failed to serialize.
    activity = personal_message("", SAM, "") | _url(teams)
    activity.update(type="invoke", name="adaptiveCard/action", value=None)

    assert await teams.post(activity) == 400


async def test_an_invoke_nobody_handles_is_a_400_not_a_501(teams: TeamsHarness) -> None:
    # Found by tests/test_http_fuzz.py: botbuilder answers unknown invokes with 501.
    activity = personal_message("", SAM, "") | _url(teams)
    activity.update(type="invoke", name="odd", value=None)

    assert await teams.post(activity) == 400
