"""/goal through the real Bolt app: SMART suggestions, progress, permissions, flags, team view."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlmodel import col, select

from bot.slack.signed_requests import signed_headers
from handlers.goal_state import goal_states
from store.db import session_scope
from store.models import Goal
from tests.conftest import SIGNING_SECRET, SlackHarness

SMART = "Cut review turnaround for the payments team from 3 days to 1"


async def _goal(slack: SlackHarness, words: str, user: str = "U0LI") -> str:
    """Run `/goal words` and return what Candor answered (replies and DMs), as JSON text."""
    slack.standin.clear()
    await slack.kudos(words, command="/goal", user=user)
    return _answers(slack)


def _answers(slack: SlackHarness) -> str:
    calls = slack.standin.calls_to("response_url") + slack.standin.calls_to("chat.postMessage")
    return json.dumps([c.args.get("blocks") for c in calls], ensure_ascii=False)


def _goals(slack: SlackHarness) -> list[Goal]:
    with session_scope(slack.candor.store.engine) as session:
        return list(session.exec(select(Goal).order_by(col(Goal.id))))


def _person(slack: SlackHarness, email: str) -> int:
    person = slack.candor.store.people.by_email(email)
    assert person is not None and person.id is not None
    return person.id


def _form(slack: SlackHarness, callback: str) -> dict[str, Any]:
    forms = [f for f in slack.forms() if f["callback_id"] == callback]
    assert forms, f"no {callback} form was opened"
    return forms[-1]


async def _add_form(slack: SlackHarness, user: str = "U0LI") -> dict[str, Any]:
    slack.standin.clear()
    await slack.kudos("add", command="/goal", user=user)
    return _form(slack, "goal.submit.add")


async def test_a_vague_goal_is_saved_with_a_concrete_measurable_suggestion(
    slack: SlackHarness,
) -> None:
    view = await _add_form(slack)
    slack.standin.clear()
    ack = await slack.submit(view, {"objective": "Improve communication"}, user="U0LI")

    assert ack == {}
    [goal] = _goals(slack)
    assert goal.objective == "Improve communication"
    answer = _answers(slack)
    suggestions = answer.split("Suggestions to make it SMART", 1)[1]
    measurable = re.search(r"\*Measurable\*[^•]*", suggestions)
    assert measurable is not None and re.search(r"\d", measurable.group(0))
    assert "suggestions, not blocks" in answer
    assert f"/goal edit {goal.id}" in answer  # how to link it to a team goal


async def test_quick_add_reads_the_due_date_and_a_smart_goal_gets_no_suggestions(
    slack: SlackHarness,
) -> None:
    answer = await _goal(slack, f"add {SMART} by 2027-01-29")

    [goal] = _goals(slack)
    assert (goal.objective, goal.due) == (SMART, date(2027, 1, 29))
    assert goal.owner_id == _person(slack, "li@example.com")
    assert goal.level == "personal"
    assert "Suggestions to make it SMART" not in answer
    assert "nothing to suggest" in answer


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("add Ship the export by 2026-10-01", "is in the past; pick a future date"),
        ("add Ship it by 2026-11-02", "is today; pick a future date"),
        ("add Ship the export by 31 Mar 2027", "YYYY-MM-DD"),
    ],
)
async def test_a_due_date_not_ahead_or_not_iso_is_refused_and_nothing_stored(
    slack: SlackHarness, words: str, expected: str
) -> None:
    answer = await _goal(slack, words)

    assert expected in answer
    assert _goals(slack) == []


async def test_form_errors_show_under_the_fields_and_store_nothing(slack: SlackHarness) -> None:
    view = await _add_form(slack)
    inputs = {"objective": "  ", "due": "2026-10-01", "level": "company", "parent": "999"}

    ack = await slack.submit(view, inputs, user="U0LI")

    assert ack["response_action"] == "errors"
    assert set(ack["errors"]) == {"objective", "due", "level", "parent"}
    assert "in the past" in ack["errors"]["due"]
    assert _goals(slack) == []


async def test_employees_are_offered_personal_goals_only(slack: SlackHarness) -> None:
    employee = await _add_form(slack, "U0LI")
    manager = await _add_form(slack, "U0ANA")

    def levels(view: dict[str, Any]) -> list[str]:
        [block] = [b for b in view["blocks"] if b.get("block_id") == "level"]
        return [o["value"] for o in block["element"]["options"]]

    assert levels(employee) == ["personal"]
    assert levels(manager) == ["personal", "team"]


async def test_a_personal_goal_links_to_a_team_goal_of_the_own_manager_chain(
    slack: SlackHarness,
) -> None:
    view = await _add_form(slack, "U0ANA")
    await slack.submit(view, {"objective": SMART, "level": "team"}, user="U0ANA")
    [team_goal] = _goals(slack)
    assert team_goal.level == "team"

    def parents(view: dict[str, Any]) -> list[str]:
        [block] = [b for b in view["blocks"] if b.get("block_id") == "parent"]
        return [o["value"] for o in block["element"]["options"]]

    assert str(team_goal.id) in parents(await _add_form(slack, "U0LI"))
    assert str(team_goal.id) not in parents(await _add_form(slack, "U0OMAR"))
    view = await _add_form(slack, "U0LI")
    ack = await slack.submit(
        view,
        {"objective": "Review every PR within 1 day", "parent": str(team_goal.id)},
        user="U0LI",
    )

    assert ack == {}
    assert _goals(slack)[-1].parent_id == team_goal.id
    assert "Not linked" not in _answers(slack)


async def test_edit_links_a_goal_to_the_managers_team_goal(slack: SlackHarness) -> None:
    view = await _add_form(slack, "U0ANA")
    await slack.submit(view, {"objective": SMART, "level": "team"}, user="U0ANA")
    await _goal(slack, "add Improve communication")
    team_goal, mine = _goals(slack)
    await slack.click(f"goal.edit:{mine.id}", str(mine.id), user="U0LI")
    view = _form(slack, "goal.submit.edit")
    slack.standin.clear()

    inputs = {
        "objective": "Write up every team decision within 1 day",
        "parent": str(team_goal.id),
        "due": "2027-01-29",
    }
    ack = await slack.submit(view, inputs, user="U0LI")

    assert ack == {}
    edited = _goals(slack)[1]
    assert (edited.parent_id, edited.due) == (team_goal.id, date(2027, 1, 29))
    assert edited.objective == inputs["objective"]
    answer = _answers(slack)
    assert f"Part of team goal #{team_goal.id}" in answer
    assert "Not linked" not in answer


async def test_a_team_goal_is_updated_by_its_manager_only(slack: SlackHarness) -> None:
    view = await _add_form(slack, "U0ANA")
    await slack.submit(view, {"objective": SMART, "level": "team"}, user="U0ANA")
    [team_goal] = _goals(slack)

    refused = await _goal(slack, f"update {team_goal.id} 50%", user="U0LI")
    await _goal(slack, f"update {team_goal.id} 50%", user="U0ANA")

    assert "Only Ana Silva, the manager who owns team goal" in refused
    assert _goals(slack)[0].progress == pytest.approx(0.5)


async def test_quick_update_records_progress_and_echoes_the_note(slack: SlackHarness) -> None:
    await _goal(slack, f"add {SMART} by 2027-01-29")
    [goal] = _goals(slack)

    answer = await _goal(slack, f"update {goal.id} 40% first draft reviewed")

    assert _goals(slack)[0].progress == pytest.approx(0.4)
    assert "▰▰▰▰▱▱▱▱▱▱ 40%" in answer
    assert "first draft reviewed" in answer


async def test_update_via_button_and_form(slack: SlackHarness) -> None:
    await _goal(slack, f"add {SMART} by 2027-01-29")
    [goal] = _goals(slack)
    await _goal(slack, "list")
    buttons = re.findall(r'"action_id": "(goal\.progress:\d+)", "value": "(\d+)"', _answers(slack))
    [(action_id, value)] = buttons
    assert action_id == f"goal.progress:{goal.id}"

    await slack.click(action_id, value, user="U0LI")
    view = _form(slack, "goal.submit.progress")
    slack.standin.clear()
    ack = await slack.submit(view, {"progress": "70", "status": "active"}, user="U0LI")

    assert ack == {}
    assert _goals(slack)[0].progress == pytest.approx(0.7)
    assert "70%" in _answers(slack)
    bad = await slack.submit(view, {"progress": "140", "status": "active"}, user="U0LI")
    assert set(bad["errors"]) == {"progress"}
    assert _goals(slack)[0].progress == pytest.approx(0.7)


async def test_done_closes_the_goal_and_it_leaves_the_list(slack: SlackHarness) -> None:
    await _goal(slack, f"add {SMART} by 2027-01-29")
    [goal] = _goals(slack)

    await _goal(slack, f"done {goal.id}")

    [closed] = _goals(slack)
    assert (closed.status, closed.progress) == ("done", 1.0)
    assert "You have no active goals" in await _goal(slack, "list")


async def test_someone_elses_goal_is_refused_naming_who_may(slack: SlackHarness) -> None:
    await _goal(slack, f"add {SMART} by 2027-01-29")
    [goal] = _goals(slack)

    answer = await _goal(slack, f"update {goal.id} 90%", user="U0SAM")
    await slack.click(f"goal.progress:{goal.id}", str(goal.id), user="U0SAM")

    assert "Only Li Wei" in answer
    assert slack.forms() == []
    assert _goals(slack)[0].progress == 0.0


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("update 999 40%", "no goal #999"),
        ("update {id} lots", "isn't a progress"),
        ("update {id} 120%", "isn't a progress"),
        ("update seven 40%", "goal's number"),
    ],
)
async def test_bad_updates_say_why_and_change_nothing(
    slack: SlackHarness, words: str, expected: str
) -> None:
    await _goal(slack, f"add {SMART} by 2027-01-29")
    [goal] = _goals(slack)

    answer = await _goal(slack, words.format(id=goal.id))

    assert expected in answer
    assert "/goal list" in answer or "/goal update" in answer
    assert _goals(slack)[0].progress == 0.0


async def test_list_flags_a_goal_without_updates_as_stale(slack: SlackHarness) -> None:
    await _goal(slack, f"add {SMART} by 2027-06-30")
    assert "no update in" not in await _goal(slack, "list")

    slack.clock.advance(weeks=3, days=1)

    assert "no update in 3 weeks" in await _goal(slack, "list")


async def test_list_flags_a_goal_behind_schedule(slack: SlackHarness) -> None:
    await _goal(slack, f"add {SMART} by 2026-12-28")  # eight weeks from the start
    [goal] = _goals(slack)
    slack.clock.advance(weeks=4)
    await _goal(slack, f"update {goal.id} 10%")

    answer = await _goal(slack, "list")

    assert "behind: 10% done, 50% of the time gone" in answer
    assert "no update in" not in answer


async def test_team_view_shows_only_the_managers_reports(slack: SlackHarness) -> None:
    for user, objective in (("U0LI", "Li ledger"), ("U0SAM", "Sam frontend"), ("U0OMAR", "Omar")):
        await _goal(slack, f"add {objective} halve the backlog by 2027-01-29", user=user)

    answer = await _goal(slack, "team", user="U0ANA")

    assert "Li ledger" in answer and "Sam frontend" in answer
    assert "Omar halve" not in answer
    assert "not linked to a team or company goal" in answer
    reads = slack.candor.store.audit.events(action="read.individual")
    read_people = {e.subject_id for e in reads if e.subject_kind == "goals"}
    assert read_people == {_person(slack, "li@example.com"), _person(slack, "sam@example.com")}


async def test_team_view_is_refused_for_employees(slack: SlackHarness) -> None:
    await _goal(slack, "add Li ledger halve the backlog by 2027-01-29")

    answer = await _goal(slack, "team", user="U0SAM")

    assert "Only managers" in answer
    assert "Li ledger" not in answer


async def test_a_double_submit_stores_once(slack: SlackHarness) -> None:
    view = await _add_form(slack)
    slack.standin.clear()
    # One view_submission posted twice, as a Slack retry would: same view id and hash.
    typed = {"objective": {"objective": {"type": "plain_text_input", "value": SMART}}}
    form = {"callback_id": view["callback_id"], "private_metadata": "", "type": "modal"}
    same_view = {"id": "V0TWICE", "hash": uuid.uuid4().hex, "state": {"values": typed}, **form}
    payload = {"type": "view_submission", "team": {"id": "T0CANDOR"}, "user": {"id": "U0LI"}}
    body = urlencode({"payload": json.dumps({**payload, "view": same_view})})
    for _ in range(2):
        headers = signed_headers(SIGNING_SECRET, body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        before = len(slack.standin.calls)
        async with slack.http.post(slack.url, data=body, headers=headers) as response:
            assert response.status == 200
        await slack.settle(before, answer=False)

    assert len(_goals(slack)) == 1
    assert len(slack.standin.calls_to("chat.postMessage")) == 1


async def test_goal_states_gives_each_active_goal_its_flags(slack: SlackHarness) -> None:
    await _goal(slack, f"add {SMART} by 2027-01-29")
    slack.clock.advance(weeks=4)

    [(goal, flags)] = goal_states(slack.candor.services, [_person(slack, "li@example.com")])

    assert goal.objective == SMART
    assert flags.stale and flags.unlinked
