"""/feedback through the real Bolt app: requests and their forms, answers the requester's
manager reads, unsolicited feedback (private or shared), the writing coach, bad input, and the
one reminder."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, select

from bot.slack.signed_requests import signed_headers
from handlers.coach_hints import TIP_LEAD
from handlers.feedback_reminders import feedback_reminder_round
from insights.coach import coach
from store.db import session_scope
from store.models import Feedback, FeedbackRequest
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, SlackHarness

TOPIC = "the ledger rewrite"
ANSWER = "Li split the migration into reversible steps, so the cut-over took ten minutes."


async def feedback(slack: SlackHarness, words: str, user: str = "U0LI") -> None:
    await slack.kudos(words, command="/feedback", user=user)


async def dms(slack: SlackHarness, user: str) -> list[dict[str, Any]]:
    """Every DM that reached `user`, oldest first (`chat.postMessage` arguments)."""
    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.standin.base_url)
    channel = (await client.conversations_open(users=user))["channel"]["id"]
    posts = slack.standin.calls_to("chat.postMessage")
    return [c.args for c in posts if c.ok and c.args.get("channel") == channel]


def shown(messages: list[dict[str, Any]]) -> str:
    return json.dumps([[m.get("text"), m.get("blocks")] for m in messages], ensure_ascii=False)


def replies(slack: SlackHarness) -> str:
    calls = slack.standin.calls_to("response_url") + slack.standin.calls_to("chat.postEphemeral")
    return json.dumps([c.args.get("blocks") for c in calls], ensure_ascii=False)


def buttons(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        element
        for m in messages
        for block in m.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def stored(slack: SlackHarness) -> tuple[list[Feedback], list[FeedbackRequest]]:
    with session_scope(slack.candor.store.engine) as session:
        return (
            list(session.exec(select(Feedback).order_by(col(Feedback.id)))),
            list(session.exec(select(FeedbackRequest).order_by(col(FeedbackRequest.id)))),
        )


def person_id(slack: SlackHarness, email: str) -> int:
    person = slack.candor.store.people.by_email(email)
    assert person is not None and person.id is not None
    return person.id


async def open_answer_form(slack: SlackHarness, user: str) -> dict[str, Any]:
    """Press "Give feedback" in the request DM `user` got; the modal it opened."""
    [give, _decline] = buttons((await dms(slack, user))[-1:])
    assert give["text"]["text"] == "Give feedback"
    before = len(slack.forms())
    await slack.click(give["action_id"], give["value"], user=user)
    assert len(slack.forms()) == before + 1, replies(slack)
    return slack.forms()[-1]


async def submit_twice(slack: SlackHarness, view: dict[str, Any], value: str, user: str) -> None:
    """Post one view submission twice, as a Slack retry would: same view id and hash."""
    typed = {"text": {"text": {"type": "plain_text_input", "value": value}}}
    form = {"callback_id": view["callback_id"], "private_metadata": view["private_metadata"]}
    same = {"id": "V0TWICE", "hash": uuid.uuid4().hex, "type": "modal", "state": {"values": typed}}
    payload = {"type": "view_submission", "team": {"id": "T0CANDOR"}, "user": {"id": user}}
    body = urlencode({"payload": json.dumps({**payload, "view": {**same, **form}})})
    for _ in range(2):
        headers = signed_headers(SIGNING_SECRET, body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        before = len(slack.standin.calls)
        async with slack.http.post(slack.url, data=body, headers=headers) as response:
            assert response.status == 200
        await slack.settle(before, answer=False)


async def test_a_request_reaches_each_person_and_the_manager_reads_the_answer_once(
    slack: SlackHarness,
) -> None:
    await feedback(slack, f"request <@U0SAM|sam> <@U0OMAR|omar> about {TOPIC}")

    assert "Asked" in replies(slack) and "Ana Silva" in replies(slack)  # who reads answers
    for responder in ("U0SAM", "U0OMAR"):
        [dm] = await dms(slack, responder)
        assert TOPIC in shown([dm]) and "Li Wei" in shown([dm])
        assert [b["text"]["text"] for b in buttons([dm])] == ["Give feedback", "Decline"]
    view = await open_answer_form(slack, "U0SAM")
    assert TOPIC in json.dumps(view) and "Ana Silva" in json.dumps(view)
    assert view["blocks"][1]["element"]["multiline"] is True
    slack.standin.clear()

    await submit_twice(slack, view, ANSWER, "U0SAM")

    answers, requests = stored(slack)
    assert [(f.text, f.kind, f.topic) for f in answers] == [(ANSWER, "peer", TOPIC)]
    assert answers[0].author_id == person_id(slack, "sam@example.com")
    assert [r.status for r in requests] == ["answered", "pending"]
    [to_manager] = await dms(slack, "U0ANA")
    assert ANSWER in shown([to_manager]) and "Sam Rivera" in shown([to_manager])
    [progress] = await dms(slack, "U0LI")
    assert "1 of 2" in shown([progress]) and ANSWER not in shown([progress])
    assert "Sam" not in shown([progress])  # not who answered either
    assert "Thank you" in shown(await dms(slack, "U0SAM"))
    assert await dms(slack, "U0OMAR") == []

    # A second form for the same request is told it was answered; nothing more is stored.
    ack = await slack.submit(view, {"text": "Another go"}, user="U0SAM")
    assert "already answered" in ack["errors"]["text"]
    assert len(stored(slack)[0]) == 1


async def test_upward_feedback_goes_to_the_requesters_manager(slack: SlackHarness) -> None:
    await feedback(slack, "request <@U0LI|li> about running the team offsite", user="U0ANA")

    view = await open_answer_form(slack, "U0LI")
    assert "Ana Silva is your manager" in json.dumps(view)
    assert "Maya Okafor" in json.dumps(view)
    slack.standin.clear()
    assert await slack.submit(view, {"text": "Ana shields us from churn."}, user="U0LI") == {}

    [answer] = stored(slack)[0]
    assert answer.kind == "upward"
    assert "Ana shields us" in shown(await dms(slack, "U0MAYA"))
    assert "Ana shields us" not in shown(await dms(slack, "U0ANA"))


async def test_only_the_person_asked_may_answer_or_decline(slack: SlackHarness) -> None:
    await feedback(slack, f"request <@U0SAM|sam> about {TOPIC}")
    [give, decline] = buttons(await dms(slack, "U0SAM"))

    slack.standin.clear()
    await slack.click(give["action_id"], give["value"], user="U0OMAR")
    assert "sent to someone else" in replies(slack) and slack.forms() == []

    await slack.click(decline["action_id"], decline["value"], user="U0SAM")
    assert stored(slack)[1][0].status == "declined"
    assert "Declined" in replies(slack)
    slack.standin.clear()
    await slack.click(give["action_id"], give["value"], user="U0SAM")
    assert "already declined" in replies(slack) and slack.forms() == []


async def give_form(slack: SlackHarness, words: str, user: str = "U0SAM") -> dict[str, Any]:
    before = len(slack.forms())
    await feedback(slack, f"give {words}", user=user)
    assert len(slack.forms()) == before + 1, replies(slack)
    return slack.forms()[-1]


async def test_unsolicited_feedback_is_private_to_the_subjects_manager(
    slack: SlackHarness,
) -> None:
    view = await give_form(slack, "<@U0LI|li>")
    [share] = [b for b in view["blocks"] if b.get("block_id") == "share"]
    assert share["element"]["initial_option"]["value"] == "no"
    slack.standin.clear()

    words = "Your code review on the refunds PR caught the rounding bug before release."
    assert await slack.submit(view, {"text": words, "share": "no"}, user="U0SAM") == {}

    [given] = stored(slack)[0]
    assert (given.kind, given.shareable, given.text) == ("peer", False, words)
    assert words in shown(await dms(slack, "U0ANA")) and "Sam Rivera" in shown(
        await dms(slack, "U0ANA")
    )
    assert await dms(slack, "U0LI") == []
    assert "Ana Silva" in shown(await dms(slack, "U0SAM"))


async def test_shared_feedback_reaches_the_subject_too(slack: SlackHarness) -> None:
    view = await give_form(slack, "<@U0LI|li>")
    slack.standin.clear()
    words = "Your incident write-up made the follow-ups obvious to everyone."

    await slack.submit(view, {"text": words, "share": "yes"}, user="U0SAM")

    [given] = stored(slack)[0]
    assert given.shareable
    assert words in shown(await dms(slack, "U0LI")) and "Sam Rivera" in shown(
        await dms(slack, "U0LI")
    )
    assert words in shown(await dms(slack, "U0ANA"))


async def test_the_coach_suggests_something_concrete_and_the_feedback_is_kept(
    slack: SlackHarness,
) -> None:
    view = await give_form(slack, "<@U0LI|li>")
    slack.standin.clear()

    await slack.submit(view, {"text": "great job!", "share": "no"}, user="U0SAM")

    assert [f.text for f in stored(slack)[0]] == ["great job!"]
    confirmation = shown(await dms(slack, "U0SAM"))
    assert TIP_LEAD in confirmation and coach("great job!")[0].message in confirmation
    assert "great job!" in shown(await dms(slack, "U0ANA"))  # delivered as written


async def test_a_specific_text_gets_no_suggestion(slack: SlackHarness) -> None:
    view = await give_form(slack, "<@U0LI|li>")
    slack.standin.clear()

    await slack.submit(view, {"text": ANSWER, "share": "no"}, user="U0SAM")

    assert TIP_LEAD not in shown(await dms(slack, "U0SAM"))


@pytest.mark.parametrize(
    ("words", "user", "expected"),
    [
        (f"request <@U0GUEST|guest> about {TOPIC}", "U0LI", "not in Candor's org directory"),
        (f"request <@U0DEPLOYBOT|deploybot> about {TOPIC}", "U0LI", "is a bot"),
        (f"request <@U0LI|li> about {TOPIC}", "U0LI", "can't ask yourself"),
        (f"request <@U0ANA|ana> about {TOPIC}", "U0LI", "is your manager"),
        ("request <@U0SAM|sam>", "U0LI", "Say what you'd like feedback about"),
        ("request <@U0SAM|sam> about", "U0LI", "Say what you'd like feedback about"),
        (f"request about {TOPIC}", "U0LI", "Start with the people"),
        (
            " ".join(f"<@U0P{i}|p{i}>" for i in range(11)).join(("request ", f" about {TOPIC}")),
            "U0LI",
            "at most 10 people",
        ),
        (f"request <@U0SAM|sam> about {TOPIC}", "U0MAYA", "no manager"),
        ("give", "U0SAM", "Mention who the feedback is about"),
        ("give <@U0SAM|sam>", "U0SAM", "use `/review self`"),
        ("give <@U0LI|li>", "U0ANA", "/review note"),
        ("give <@U0GUEST|guest>", "U0SAM", "not in Candor's org directory"),
    ],
)
async def test_bad_input_gets_a_clear_reason_and_nothing_is_stored(
    slack: SlackHarness, words: str, user: str, expected: str
) -> None:
    await feedback(slack, words, user=user)

    assert expected in replies(slack)
    assert "Usage" in replies(slack) or "manager" in replies(slack)
    assert stored(slack) == ([], [])
    assert slack.forms() == []
    assert slack.standin.calls_to("chat.postMessage") == []


async def test_an_empty_answer_is_a_field_error(slack: SlackHarness) -> None:
    view = await give_form(slack, "<@U0LI|li>")

    ack = await slack.submit(view, {"text": "   ", "share": "no"}, user="U0SAM")

    assert set(ack["errors"]) == {"text"}
    assert stored(slack)[0] == []


async def test_usage_and_pending(slack: SlackHarness) -> None:
    for words in ("", "help"):
        slack.standin.clear()
        await feedback(slack, words)
        assert "/feedback request" in replies(slack) and "/feedback give" in replies(slack)
    await feedback(slack, f"request <@U0SAM|sam> about {TOPIC}")
    await feedback(slack, "request <@U0SAM|sam> about on-call", user="U0OMAR")
    slack.standin.clear()

    await feedback(slack, "pending", user="U0SAM")

    listed = replies(slack)
    assert TOPIC in listed and "on-call" in listed and listed.count("Give feedback") == 2
    slack.standin.clear()
    await feedback(slack, "pending", user="U0OMAR")
    assert "No feedback requests are waiting" in replies(slack)


async def test_one_reminder_three_days_later_only_while_unanswered(slack: SlackHarness) -> None:
    await feedback(slack, f"request <@U0SAM|sam> <@U0OMAR|omar> about {TOPIC}")
    view = await open_answer_form(slack, "U0OMAR")
    await slack.submit(view, {"text": ANSWER}, user="U0OMAR")
    slack.clock.advance(days=2, hours=23)
    slack.standin.clear()

    await slack.candor.run_scheduled("feedback_reminders", feedback_reminder_round)
    assert slack.standin.calls_to("chat.postMessage") == []

    slack.clock.advance(hours=1)
    await slack.candor.run_scheduled("feedback_reminders", feedback_reminder_round)
    await slack.candor.run_scheduled("feedback_reminders", feedback_reminder_round)
    slack.clock.advance(days=4)
    await slack.candor.run_scheduled("feedback_reminders", feedback_reminder_round)

    [reminder] = await dms(slack, "U0SAM")
    assert "reminder" in shown([reminder]).lower() and TOPIC in shown([reminder])
    assert [b["text"]["text"] for b in buttons([reminder])] == ["Give feedback", "Decline"]
    assert await dms(slack, "U0OMAR") == []  # answered: no reminder
    [request] = [r for r in stored(slack)[1] if r.status == "pending"]
    assert slack.candor.store.deliveries.claimed(f"feedback-reminder:{request.id}")
