"""Signed Slack bodies of a shape Slack never sends are refused with a 400, not a 500."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.slack.payload_shape import payload_problem
from bot.slack.signed_requests import signed_headers
from tests.conftest import SIGNING_SECRET, SlackHarness

BUTTON = {"type": "block_actions", "user": {"id": "U0LI"}, "actions": [{"action_id": "home.help"}]}
MODAL = {
    "type": "view_submission",
    "user": {"id": "U0LI"},
    "view": {"callback_id": "x", "type": "modal"},
}


HOME_OPENED = {
    "type": "event_callback",
    "team_id": "T0CANDOR",
    "event": {"type": "app_home_opened", "user": "U0LI", "channel": "D0LI", "tab": "home"},
}
DM = {
    "type": "event_callback",
    "event": {"type": "message", "user": "U0LI", "channel": "D0LI", "text": "hi", "team": "T1"},
}
JOINED = {"type": "event_callback", "event": {"type": "team_join", "user": {"id": "U0NEW"}}}


@pytest.mark.parametrize(
    "body",
    [BUTTON, MODAL, {"type": "url_verification", "challenge": "c"}, {}, HOME_OPENED, DM, JOINED],
)
def test_what_slack_sends_passes(body: dict[str, Any]) -> None:
    assert payload_problem(body) is None


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ([1], "the body is not an object"),
        ({**BUTTON, "actions": []}, "actions is not a non-empty list"),  # found by the fuzz tests
        ({**BUTTON, "actions": [{"action_id": 7}]}, "an action has no string action_id"),
        ({**MODAL, "view": {"callback_id": "x"}}, "view has no string type"),  # found by fuzzing
        ({**MODAL, "view": {**MODAL["view"], "state": {"values": {"b": ["x"]}}}}, "view.state"),
        ({**BUTTON, "user": "U0LI"}, "user is not an object"),
        ({**BUTTON, "team": {"id": 5}}, "team.id is not a string"),
        ({**BUTTON, "authorizations": 3}, "authorizations is not a list of objects"),
        (
            {"type": "event_callback", "event": {"type": "message", "message": "hi"}},
            "event.message",
        ),
        ({**DM, "event": {**DM["event"], "user": 5}}, "event.user is neither"),
        ({**JOINED, "event": {"type": "team_join", "user": {"id": 5}}}, "event.user.id"),
    ],
)
def test_other_shapes_are_named(body: object, problem: str) -> None:
    found = payload_problem(body)
    assert found is not None and found.startswith(problem)


async def _post(slack: SlackHarness, body: str, *, signed: bool = True) -> tuple[int, str]:
    headers = signed_headers(SIGNING_SECRET if signed else "wrong", body)
    async with slack.http.post(slack.url, data=body.encode(), headers=headers) as response:
        return response.status, await response.text()


async def test_a_signed_malformed_payload_gets_a_400_and_reaches_no_listener(
    slack: SlackHarness,
) -> None:
    before = len(slack.standin.calls)
    for payload in (
        {**BUTTON, "actions": []},
        {**MODAL, "view": {"callback_id": "goal.submit.add"}},
    ):
        status, answer = await _post(slack, urlencode({"payload": json.dumps(payload)}))

        assert status == 400 and "Traceback" not in answer
    status, answer = await _post(slack, '{"type": "event_callback", "event": [')
    assert (status, json.loads(answer)) == (400, {"error": "the body is not valid JSON"})
    await slack.settle(before, answer=False)
    assert slack.standin.calls[before:] == []  # no listener ran: nothing looked up or sent
    assert slack.candor.inflight.running == 0


async def test_an_unsigned_malformed_payload_is_refused_before_it_is_read(
    slack: SlackHarness,
) -> None:
    status, _ = await _post(slack, '{"type": "block_actions", "actions": []}', signed=False)

    assert status == 401
