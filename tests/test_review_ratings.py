"""/review rate through the real Bolt app: a manager rates their own report on the cycle's
competencies in a modal; everything is checked before anything is stored."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from store.rating_models import Rating
from tests.conftest import SlackHarness
from tests.test_feedback import replies


def open_cycle(slack: SlackHarness) -> None:
    slack.candor.store.ratings.create_cycle(
        "2026-H2", scale=(1, 4), competencies=["Delivery", "Craft"], at=slack.clock()
    )


def ratings(slack: SlackHarness) -> list[Rating]:
    with Session(slack.candor.store.engine) as session:
        return list(session.exec(select(Rating)))


async def rate_form(slack: SlackHarness, target: str = "<@U0LI|li>") -> dict[str, Any]:
    before = len(slack.forms())
    await slack.kudos(f"rate {target}", command="/review", user="U0ANA")
    assert len(slack.forms()) == before + 1, replies(slack)
    return slack.forms()[-1]


async def test_a_manager_rates_a_report_and_a_second_save_updates_in_place(
    slack: SlackHarness,
) -> None:
    open_cycle(slack)
    view = await rate_form(slack)
    selects = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["label"]["text"] for b in selects] == ["Delivery", "Craft"]
    assert [o["value"] for o in selects[0]["element"]["options"]] == ["1", "2", "3", "4"]

    assert await slack.submit(view, {"c0": "3", "c1": "4"}, user="U0ANA") == {}
    assert await slack.submit(await rate_form(slack), {"c0": "2", "c1": "4"}, user="U0ANA") == {}

    stored = ratings(slack)
    assert sorted((r.competency, r.score, r.source) for r in stored) == [
        ("Craft", 4.0, "review"),
        ("Delivery", 2.0, "review"),
    ]
    li = slack.candor.store.people.by_email("li@example.com")
    ana = slack.candor.store.people.by_email("ana@example.com")
    assert li and ana and {(r.rater_id, r.ratee_id) for r in stored} == {(ana.id, li.id)}


async def test_a_missing_rating_is_shown_under_its_field_and_nothing_is_stored(
    slack: SlackHarness,
) -> None:
    open_cycle(slack)
    view = await rate_form(slack)

    ack = await slack.submit(view, {"c0": "3"}, user="U0ANA")

    assert ack["response_action"] == "errors" and "c1" in ack["errors"]
    assert ratings(slack) == []


async def test_only_the_reporting_line_may_be_rated(slack: SlackHarness) -> None:
    open_cycle(slack)
    await slack.kudos("rate <@U0OMAR|omar>", command="/review", user="U0ANA")

    assert "isn't in yours" in replies(slack)
    assert slack.forms() == []
    await slack.kudos("rate <@U0SAM|sam>", command="/review", user="U0LI")
    assert "Only" in replies(slack) and slack.forms() == []


async def test_without_a_cycle_the_manager_is_told_how_hr_opens_one(slack: SlackHarness) -> None:
    await slack.kudos("rate <@U0LI|li>", command="/review", user="U0ANA")

    assert "candor ratings cycle" in replies(slack)
