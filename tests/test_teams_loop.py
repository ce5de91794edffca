"""Check-ins and goals in Teams: the same handlers, with forms as cards and Action.Execute."""

from __future__ import annotations

import json
import uuid
from typing import Any

from botbuilder.schema import Activity

from tests.teams_fixtures import LI, load, personal_chat_id
from tests.test_teams_bot import Offline, message

pytest_plugins = ["tests.test_teams_bot"]


def _card(activity: Activity) -> dict[str, Any]:
    content = activity.attachments[0].content
    assert isinstance(content, dict)
    return content


def _submit(verb: str, data: dict[str, str]) -> dict[str, Any]:
    """Li presses a card's submit button: an `adaptiveCard/action` invoke with the inputs."""
    activity = load("invoke_action_execute")
    activity["id"] = uuid.uuid4().hex
    activity["from"] = {"id": LI.id, "name": LI.name, "properties": {"email": LI.email}}
    activity["conversation"]["id"] = personal_chat_id(LI)
    activity["value"]["action"] = {"type": "Action.Execute", "verb": verb, "data": data}
    return activity


async def test_a_check_in_is_a_card_with_inputs_and_its_submit_is_stored(offline: Offline) -> None:
    [reply] = await offline.say(message("checkin"))

    card = _card(reply)
    inputs = {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}
    assert {"progress", "highlights", "blockers", "mood"} <= set(inputs)
    assert inputs["mood"]["type"] == "Input.ChoiceSet"
    [submit] = [a for e in card["body"] if e["type"] == "ActionSet" for a in e["actions"]]
    assert submit["type"] == "Action.Execute"
    period = submit["data"]["value"]

    answers = {"progress": "API done", "highlights": "demo went well", "blockers": "", "mood": "4"}
    sent = await offline.say(_submit(submit["verb"], {"value": period, **answers}))

    li = offline.services.store.people.by_email(LI.email)
    assert li is not None and li.id is not None
    stored = offline.services.store.checkins.get(li.id, period)
    assert stored is not None and stored.submitted_at is not None
    assert stored.mood == 4 and stored.answers["highlights"] == "demo went well"
    assert any("Thanks" in json.dumps(_card(a)) for a in sent if a.attachments)


async def test_a_bad_check_in_submission_says_what_to_fix_and_stores_nothing(
    offline: Offline,
) -> None:
    [reply] = await offline.say(message("checkin"))
    [submit] = [a for e in _card(reply)["body"] if e["type"] == "ActionSet" for a in e["actions"]]

    sent = await offline.say(_submit(submit["verb"], {"value": submit["data"]["value"]}))

    li = offline.services.store.people.by_email(LI.email)
    assert li is not None and li.id is not None
    assert offline.services.store.checkins.get(li.id, submit["data"]["value"]) is None
    [answer] = [a for a in sent if a.attachments]
    assert answer.summary and "progress" in json.dumps(_card(answer)).lower()


async def test_a_goal_added_in_teams_gets_the_smart_check(offline: Offline) -> None:
    sent = await offline.say(message("goal add Improve communication"))

    li = offline.services.store.people.by_email(LI.email)
    assert li is not None and li.id is not None
    [goal] = offline.services.store.goals.for_owners([li.id])
    assert goal.objective == "Improve communication"
    shown = json.dumps([_card(a) for a in sent if a.attachments])
    assert any(ch.isdigit() for ch in shown.split("measur", 1)[-1][:400])  # a concrete target


async def test_approving_a_review_draft_refreshes_the_card_in_place(offline: Offline) -> None:
    from datetime import timedelta

    from tests.teams_fixtures import ANA

    store, now = offline.services.store, offline.services.clock()
    people = {p.email: p.id for p in store.people.all()}
    li = people["li@example.com"]
    texts = (
        ("sam@example.com", "for untangling the flaky settlement tests with a clear write-up"),
        ("omar@example.com", "for the calm incident review of the payout outage"),
        ("sam@example.com", "for pairing on the ledger migration until it shipped"),
        ("maya@example.com", "for mentoring the new hire through the first on-call week"),
        ("omar@example.com", "for documenting the refund runbook so support could use it"),
    )
    for n, (giver, words) in enumerate(texts):
        store.kudos.create(
            giver_id=people[giver] or 0,
            recipient_ids=[li or 0],
            text=words,
            company_values=["craft"],
            platform="teams",
            channel_id=None,
            request_key=f"seed-{n}",
            at=now - timedelta(days=10 + n),
        )

    sent = await offline.say(message("review draft", LI, user=ANA))
    drafts = [a for a in sent if a.attachments and "Approve" in json.dumps(_card(a))]
    assert drafts, "the draft arrives as a card with its buttons"
    [approve] = [
        a
        for e in _card(drafts[0])["body"]
        if e["type"] == "ActionSet"
        for a in e["actions"]
        if a["title"] == "Approve"
    ]
    press = _submit(approve["verb"], approve["data"])
    press["from"] = {"id": ANA.id, "name": ANA.name, "properties": {"email": ANA.email}}
    press["conversation"]["id"] = drafts[0].conversation.id

    answered = await offline.say(press)

    [invoke] = [a for a in answered if a.type == "invokeResponse"]
    body = invoke.value.body.serialize()
    assert body["type"] == "application/vnd.microsoft.card.adaptive"  # the card is replaced
    assert "Approved version 1" in json.dumps(body["value"])
    assert "Approve" not in [
        a.get("title")
        for e in body["value"]["body"]
        if e["type"] == "ActionSet"
        for a in e["actions"]
    ]
