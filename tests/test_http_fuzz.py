"""Bad input over HTTP: the real web app (`candor serve`'s) fed malformed, odd and hostile requests.

Slack requests are correctly signed, so they pass verification and reach Candor's listeners;
Teams activities go to `/api/messages` with authentication off (as in tests/test_teams_http.py,
whose refusals of bad tokens cover the authenticated side). Whatever comes in, the answer is a
4xx or a polite reply, never a 5xx, an error log or a traceback; nothing is stored half-way; and
the server still answers the next valid request.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as tally
from hypothesis import strategies as st
from sqlalchemy import text as sql

from bot.slack.signed_requests import signed_headers
from bot.slack.standin import SlackStandIn
from bot.teams.connector_standin import ConnectorStandIn
from tests.conftest import ANSWERS, SIGNING_SECRET, FakeClock, SlackHarness, running_candor
from tests.http_fuzz_strategies import (
    ROUTER,
    SLACK_USER_IDS,
    activities,
    events,
    interactions,
    texts,
    words,
)
from tests.teams_fixtures import TEAMS_USERS, TENANT

# Bounded and reproducible: the same examples on every run, no example database.
FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Tables a rejected request must leave alone.
CONTENT_TABLES = ("kudos", "kudos_recipients", "feedback", "feedback_requests", "goals", "checkins")


def _counts(harness: SlackHarness) -> dict[str, int]:
    with harness.candor.store.engine.connect() as connection:
        return {
            t: connection.execute(sql(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in CONTENT_TABLES
        }


def _errors_replied(harness: SlackHarness) -> float:
    replies = harness.candor.metrics.replies
    return sum(
        replies.value(platform="slack", kind=kind, outcome="error")
        for kind in ("command", "action", "form")
    )


@pytest.fixture
async def served(
    tmp_path: Path, standin: SlackStandIn, clock: FakeClock
) -> AsyncIterator[tuple[SlackHarness, ConnectorStandIn]]:
    """The full web app (Slack and Teams) on SQLite, with both platform stand-ins."""
    async with (
        ConnectorStandIn(users=TEAMS_USERS, tenant_id=TENANT) as connector,
        running_candor(
            tmp_path,
            f"sqlite:///{tmp_path / 'fuzz.db'}",
            standin,
            clock,
            CANDOR_TEAMS_AUTH_DISABLED="1",
        ) as harness,
    ):
        yield harness, connector


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """What the test logs: an ERROR record anywhere means something crashed."""
    caplog.set_level(logging.INFO)
    return caplog


async def _post_signed(harness: SlackHarness, body: str, content_type: str | None = None) -> int:
    headers = signed_headers(SIGNING_SECRET, body)
    if content_type is not None:
        headers["Content-Type"] = content_type
    async with harness.http.post(harness.url, data=body.encode(), headers=headers) as response:
        await response.read()
        return response.status


async def _answers(harness: SlackHarness, before: int) -> str:
    """Wait for the listener to finish; what Candor said since call number `before`."""
    await harness.settle(before, answer=False)
    said = [c.args for c in harness.standin.calls[before:] if c.method != "users.info"]
    return json.dumps(said, ensure_ascii=False)


def _assert_polite(said: str) -> None:
    assert "Traceback" not in said and "Error:" not in said
    assert "Something went wrong on our side" not in said, "a bug surfaced as an apology"


async def _still_serves(harness: SlackHarness) -> None:
    before = len(harness.standin.calls)
    assert await harness.post(harness.command_body("help", command="/candor")) == 200
    await harness.settle(before)
    answers = [c for c in harness.standin.calls[before:] if c.method in ANSWERS]
    assert answers, "the next valid request went unanswered"
    async with harness.http.get(harness.server.make_url("/healthz")) as health:
        assert health.status == 200


def _no_errors(logged: pytest.LogCaptureFixture) -> None:
    records = logged.get_records("call")
    errors = [f"{r.name}: {r.getMessage()[:200]}" for r in records if r.levelno >= logging.ERROR]
    assert errors == []


@FUZZ
@given(
    command=st.sampled_from([f"/{n}" for n in ROUTER.top_level] + ["/nope", "/", "/KUDOS"]),
    text=texts,
    user=st.sampled_from(SLACK_USER_IDS),
    trigger=st.sampled_from(["", "t"]) | st.just(None),
)
async def test_slash_commands_with_any_text(
    served: tuple[SlackHarness, ConnectorStandIn],
    logged: pytest.LogCaptureFixture,
    command: str,
    text: str,
    user: str,
    trigger: str | None,
) -> None:
    harness, _ = served
    counts, refused = _counts(harness), _errors_replied(harness)
    before = len(harness.standin.calls)
    body = harness.command_body(text, command=command, user=user, trigger=trigger)

    status = await _post_signed(harness, body)

    tally(f"status {status}")
    assert status in (200, 404, 413), status
    said = await _answers(harness, before)
    _assert_polite(said)
    if status != 200 or _errors_replied(harness) > refused:
        assert _counts(harness) == counts  # refused: nothing stored half-way
    _no_errors(logged)
    await _still_serves(harness)


@settings(FUZZ, max_examples=40)
@given(payload=interactions)
async def test_interactions_with_unknown_ids_missing_and_mistyped_fields(
    served: tuple[SlackHarness, ConnectorStandIn],
    logged: pytest.LogCaptureFixture,
    payload: dict[str, Any],
) -> None:
    harness, _ = served
    if payload.get("response_url") == "RESPONSE_URL":
        payload["response_url"] = harness.standin.response_url_base + uuid.uuid4().hex
    counts, refused = _counts(harness), _errors_replied(harness)
    before = len(harness.standin.calls)

    status = await _post_signed(harness, urlencode({"payload": json.dumps(payload)}))

    tally(f"status {status}")
    assert status in (200, 400, 404), status
    _assert_polite(await _answers(harness, before))
    if status != 200 or _errors_replied(harness) > refused:
        assert _counts(harness) == counts
    _no_errors(logged)
    await _still_serves(harness)


@FUZZ
@given(event=events)
async def test_events_of_unknown_types_and_shapes(
    served: tuple[SlackHarness, ConnectorStandIn],
    logged: pytest.LogCaptureFixture,
    event: Any,
) -> None:
    harness, _ = served
    counts = _counts(harness)
    before = len(harness.standin.calls)

    status = await _post_signed(harness, json.dumps(event), "application/json")

    tally(f"status {status}")
    assert status in (200, 400, 404), status
    _assert_polite(await _answers(harness, before))
    assert _counts(harness) == counts  # no event stores feedback
    _no_errors(logged)
    await _still_serves(harness)


@FUZZ
@given(
    body=st.binary(max_size=300) | words.map(str.encode),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/json",
            "text/plain",
            "",
            "multipart/form-data",
        ]
    ),
    signed=st.booleans(),
)
async def test_garbage_bodies_signed_or_not(
    served: tuple[SlackHarness, ConnectorStandIn],
    logged: pytest.LogCaptureFixture,
    body: bytes,
    content_type: str,
    signed: bool,
) -> None:
    harness, _ = served
    counts = _counts(harness)
    text = body.decode("utf-8", "replace")
    headers = signed_headers(SIGNING_SECRET, text) if signed else {}
    headers["Content-Type"] = content_type

    async with harness.http.post(harness.url, data=text.encode(), headers=headers) as response:
        status = response.status

    assert status in ((200, 400, 404, 415) if signed else (401,)), status
    assert _counts(harness) == counts
    _no_errors(logged)
    await _still_serves(harness)


def _refusals(logged: pytest.LogCaptureFixture) -> int:
    records = logged.get_records("call")
    return sum(r.name == "handlers.outcome" and " refused: " in r.getMessage() for r in records)


@FUZZ
@given(activity=activities())
async def test_teams_activities_malformed_or_unknown(
    served: tuple[SlackHarness, ConnectorStandIn],
    logged: pytest.LogCaptureFixture,
    activity: dict[str, Any],
) -> None:
    harness, connector = served
    teams = harness.candor.teams
    assert teams is not None
    activity["serviceUrl"] = connector.service_url
    url = harness.server.make_url("/api/messages")
    counts, refused, before = _counts(harness), _refusals(logged), len(connector.calls)

    async with harness.http.post(url, json=activity) as response:
        status = response.status
        answer = await response.text()
    assert await teams.drain(timeout=10)

    tally(f"status {status}")
    assert status in (200, 201, 400), (status, answer)
    said = answer + json.dumps([c.body for c in connector.calls[before:]], ensure_ascii=False)
    _assert_polite(said)
    if status == 400 or _refusals(logged) > refused:
        assert _counts(harness) == counts
    _no_errors(logged)
    await _still_serves(harness)
