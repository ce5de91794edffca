"""/digest through Teams: the same handler as Slack, a card with a chart and Details buttons,
and a Details press (an `Action.Execute`) answered privately."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.teams.connector_standin import ConnectorStandIn, TeamsUser
from tests.conftest import FakeClock
from tests.teams_fixtures import (
    CHANNEL,
    TENANT,
    TeamsHarness,
    channel_message,
    load,
    running_teams,
)

DEPARTMENTS = {"Payments": 8, "Platform": 7, "Design": 4}
REASONS = (
    "for handling the production outage calmly and restoring service for customers",
    "for mentoring new engineers patiently during onboarding week",
)
HANA = TeamsUser("29:1hana-hr", "Hana Kim", "hr@x.io")


def _org() -> tuple[str, list[TeamsUser]]:
    rows = ["email,name,manager_email,department,title,role", "hr@x.io,Hana Kim,,People,HR,hr"]
    rows.append("vp@x.io,Val Price,,Leadership,VP,")
    users = [HANA]
    for dept, size in DEPARTMENTS.items():
        for i in range(size):
            email = f"{dept.lower()}{i}@x.io"
            manager = "vp@x.io" if i == 0 else f"{dept.lower()}0@x.io"
            rows.append(f"{email},{dept} Person{i},{manager},{dept},Engineer,")
            users.append(TeamsUser(f"29:1{dept.lower()}{i}", f"{dept} Person{i}", email))
    return "\n".join(rows) + "\n", users


@pytest.fixture
async def teams(database_url: str, clock: FakeClock) -> AsyncIterator[TeamsHarness]:
    csv_text, users = _org()
    async with (
        ConnectorStandIn(users=users, tenant_id=TENANT) as standin,
        running_teams(
            database_url, clock, standin=standin, org_csv=csv_text, with_index=True
        ) as harness,
    ):
        store, now, n = harness.store, clock(), 0
        people = [p for p in store.people.all() if p.department in DEPARTMENTS]
        for reason in REASONS:
            for i, giver in enumerate(people):
                receiver = people[(i + 1) % len(people)]
                assert giver.id and receiver.id
                n += 1
                store.kudos.create(
                    giver_id=giver.id,
                    recipient_ids=[receiver.id],
                    text=f"{reason} {['today', 'again', 'this sprint'][i % 3]}",
                    company_values=["craft"],
                    platform="teams",
                    channel_id=None,
                    request_key=f"seed-{n}",
                    at=now - timedelta(days=1, minutes=i),
                )
        yield harness


def _actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for b in card["body"] if b["type"] == "ActionSet" for a in b["actions"]]


async def test_digest_in_a_channel_then_details_in_private(teams: TeamsHarness) -> None:
    command = channel_message("digest", user=HANA)
    await teams.send(command)

    [post] = teams.standin.messages(f"{CHANNEL};messageid={command['id']}")
    assert post.card is not None
    assert "Top themes" in json.dumps(post.card)
    buttons = _actions(post.card)
    assert buttons and {b["verb"] for b in buttons} == {"digest.theme"}
    chart = [a for a in post.body["attachments"] if a["contentType"] == "image/png"]
    assert chart and chart[0]["contentUrl"].startswith("data:image/png;base64,iVBOR")

    press = load("invoke_action_execute")
    press["from"] = {"id": HANA.id, "name": HANA.name}
    press["conversation"] = post.body["conversation"]
    press["channelData"] = command["channelData"]
    press["value"]["action"] = {"type": "Action.Execute", "verb": "digest.theme"}
    press["value"]["action"]["data"] = buttons[0]["data"]
    press["serviceUrl"] = teams.standin.service_url
    async with teams.http.post(teams.url, json=press) as response:
        answer = await response.json()
        assert response.status == 200
    await teams.runtime.drain(timeout=10)

    assert answer == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": "Got it.",
    }
    chat = teams.standin.personal_chat(HANA.id)
    assert chat is not None
    [details] = teams.standin.messages(chat)
    assert details.body["summary"].startswith("Theme ")


async def test_digest_is_for_hr_only(teams: TeamsHarness) -> None:
    someone = TeamsUser("29:1payments3", "Payments Person3", "payments3@x.io")

    await teams.send(channel_message("digest", user=someone))

    chat = teams.standin.personal_chat(someone.id)
    assert chat is not None
    [refusal] = teams.standin.messages(chat)
    assert "Only HR" in json.dumps(refusal.card)
