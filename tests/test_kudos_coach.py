"""The writing coach on /kudos, through the real Bolt app: a tip, a question, or silence."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError
from bot.slack.standin import RecordedCall, SlackStandIn
from handlers.errors import UsageError
from handlers.kudos_coach import EDIT_ACTION, MAX_VALUE_CHARS, POST_ACTION, HeldKudos
from handlers.types import MentionRef
from tests.conftest import FakeClock, SlackHarness, running_candor

VAGUE = "<@U0SAM|sam> great job!"
SPECIFIC = "<@U0SAM|sam> for fixing the flaky checkout tests #craft"
TIP = "Say what they did and what it changed"


def _texts(calls: list[RecordedCall]) -> str:
    return json.dumps([c.args.get("blocks") or c.args.get("text") for c in calls])


def _posts(slack: SlackHarness, channel: str = "C0GENERAL") -> list[RecordedCall]:
    return [c for c in slack.standin.calls_to("chat.postMessage") if c.args["channel"] == channel]


def _replies(slack: SlackHarness) -> list[RecordedCall]:
    return slack.standin.calls_to("response_url")


def _buttons(slack: SlackHarness) -> dict[str, str]:
    return {
        element["action_id"]: element["value"]
        for call in _replies(slack)
        for block in call.args.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
    }


@pytest.fixture
async def confirming(
    tmp_path: Path, database_url: str, standin: SlackStandIn, clock: FakeClock
) -> AsyncIterator[SlackHarness]:
    async with running_candor(tmp_path, database_url, standin, clock, CANDOR_COACH="confirm") as h:
        yield h


async def test_hint_mode_posts_a_vague_kudos_and_tells_only_the_giver(slack: SlackHarness) -> None:
    await slack.kudos(VAGUE)

    assert slack.candor.store.kudos.count() == 1
    assert len(_posts(slack)) == 1
    [tip] = _replies(slack)
    assert tip.args["response_type"] == "ephemeral"
    assert TIP in _texts([tip])
    assert TIP not in _texts(slack.standin.calls_to("chat.postMessage"))  # not in post or DMs


async def test_specific_kudos_get_no_tip(slack: SlackHarness) -> None:
    await slack.kudos(SPECIFIC)

    assert len(_posts(slack)) == 1
    assert _replies(slack) == []


async def test_the_tip_joins_the_kudos_channel_confirmation(
    tmp_path: Path, database_url: str, standin: SlackStandIn, clock: FakeClock
) -> None:
    async with running_candor(
        tmp_path, database_url, standin, clock, CANDOR_KUDOS_CHANNEL="C0KUDOS"
    ) as harness:
        await harness.kudos("<@U0SAM|sam> you're a rockstar", channel="C0RANDOM")

    [reply] = _replies(harness)  # one private message: the confirmation and one suggestion
    assert "kudos channel" in _texts([reply])
    assert "behaviour and its effect on the work" in _texts([reply])
    assert len(_posts(harness, "C0KUDOS")) == 1


async def test_confirm_mode_holds_a_vague_kudos_until_post_anyway(
    confirming: SlackHarness,
) -> None:
    slack = confirming
    await slack.kudos(VAGUE)

    assert slack.candor.store.kudos.count() == 0
    assert slack.standin.calls_to("chat.postMessage") == []  # no post, no DMs
    assert TIP in _texts(_replies(slack))
    buttons = _buttons(slack)
    assert set(buttons) == {POST_ACTION, EDIT_ACTION}

    await slack.click(POST_ACTION, buttons[POST_ACTION], user="U0LI")

    [kudos] = slack.candor.store.kudos.page(0, 10)
    assert kudos.text == "great job!"
    assert len(_posts(slack)) == 1
    assert "Posted" in _texts(_replies(slack)[-1:])


async def test_a_double_click_posts_once(confirming: SlackHarness) -> None:
    slack = confirming
    await slack.kudos(VAGUE)
    value = _buttons(slack)[POST_ACTION]

    await slack.click(POST_ACTION, value, user="U0LI")
    await slack.click(POST_ACTION, value, user="U0LI")

    assert slack.candor.store.kudos.count() == 1
    assert len(_posts(slack)) == 1
    assert "already posted" in _texts(_replies(slack)[-1:])


async def test_edit_posts_nothing_and_hands_back_the_words(confirming: SlackHarness) -> None:
    slack = confirming
    await slack.kudos("<@U0SAM|sam> great job! #craft")

    await slack.click(EDIT_ACTION, _buttons(slack)[EDIT_ACTION], user="U0LI")

    assert slack.candor.store.kudos.count() == 0
    assert slack.standin.calls_to("chat.postMessage") == []
    answer = _texts(_replies(slack)[-1:])
    assert "Nothing was posted" in answer and "/kudos @sam great job! #craft" in answer


async def test_confirm_mode_posts_specific_kudos_at_once(confirming: SlackHarness) -> None:
    await confirming.kudos(SPECIFIC)

    assert confirming.candor.store.kudos.count() == 1
    assert _buttons(confirming) == {}


async def test_post_anyway_checks_the_kudos_again(confirming: SlackHarness) -> None:
    slack = confirming
    await slack.kudos(VAGUE)
    value = _buttons(slack)[POST_ACTION]

    await slack.click(POST_ACTION, value, user="U0SAM")  # Sam can't thank himself
    await slack.click(POST_ACTION, "not a kudos", user="U0LI")

    assert slack.candor.store.kudos.count() == 0
    answers = _texts(_replies(slack)[-2:])
    assert "can't give kudos to yourself" in answers and "no longer works" in answers


async def test_off_mode_says_nothing(
    tmp_path: Path, database_url: str, standin: SlackStandIn, clock: FakeClock
) -> None:
    async with running_candor(
        tmp_path, database_url, standin, clock, CANDOR_COACH="off"
    ) as harness:
        await harness.kudos(VAGUE)

    assert harness.candor.store.kudos.count() == 1
    assert len(_posts(harness)) == 1
    assert _replies(harness) == []


def test_a_kudos_too_long_for_a_button_is_not_held() -> None:
    held = HeldKudos((MentionRef("U0SAM", "sam"),), "x" * MAX_VALUE_CHARS, (), "slack:T:1")
    short = HeldKudos((MentionRef("U0SAM", "sam"),), "great job!", ("craft",), "slack:T:1")

    assert held.encode() is None
    assert HeldKudos.decode(short.encode() or "") == short
    forged = (short.encode() or "").replace("slack:T:1", "k" * 300)
    with pytest.raises(UsageError, match="no longer works"):
        HeldKudos.decode(forged)


@pytest.mark.parametrize(
    ("raw", "expected"), [("", "hint"), ("confirm", "confirm"), (" OFF ", "off")]
)
def test_coach_mode_setting(raw: str, expected: str) -> None:
    settings = Settings.from_env({"CANDOR_COACH": raw}, dotenv_path=None)

    assert settings.core.coach_mode == expected


def test_a_bad_coach_mode_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="CANDOR_COACH must be hint, confirm or off"):
        Settings.from_env({"CANDOR_COACH": "loud"}, dotenv_path=None)
