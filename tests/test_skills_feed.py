"""The top skill gap feeding the pre-1:1 topics and the review draft's next-quarter focus
(handlers/skills_feed.py, through handlers/prep.py and handlers/review_engine.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.teams.render_adaptive import render_card
from handlers.competency_files import parse_catalogue, parse_framework
from handlers.home import home_view
from handlers.skills_feed import prep_signal
from store.competencies import NewExpectation
from store.repository import Store
from store.skill_evidence import NewLink
from tests import test_prep_nudge, test_reviews
from tests.conftest import SlackHarness
from tests.home_harness import person
from tests.oneonone_helpers import ANA, dms, texts
from tests.test_skills import AT, CATALOGUE, YAML

GAP = "Development: Communication — evidence shows level 1, the role expects 2"


def add_framework(store: Store) -> int:
    """The sample framework, with Li's title expected at Communication level 2; returns the
    competency's id."""
    framework = parse_framework(YAML, "framework.yaml")
    expectations = [*framework.expectations, NewExpectation("Backend Engineer", "Communication", 2)]
    store.competencies.import_framework(framework.competencies, expectations, at=AT)
    store.competencies.import_catalogue(parse_catalogue(CATALOGUE, {"communication"}), at=AT)
    communication = store.competencies.framework().by_name("Communication")
    assert communication is not None and communication.id is not None
    return communication.id


def link(store: Store, person_id: int, competency_id: int, sources: list[str]) -> None:
    """Link records to a competency at level 1, as a linking run would."""
    links = [
        NewLink(
            s,
            person_id,
            competency_id,
            0.4,
            1,
            "strength",
            datetime(2026, 10, 20 + i, 9, tzinfo=UTC),
        )
        for i, s in enumerate(sources)
    ]
    store.skill_evidence.replace_links(sources, links, at=AT)


async def test_the_prep_nudge_raises_the_top_gap_with_its_suggestion_and_records(
    slack: SlackHarness,
) -> None:
    ids = await test_prep_nudge._seed(slack)
    store = slack.candor.store
    [kudos] = store.kudos.received_since(ids["li"], datetime(2026, 1, 1, tzinfo=UTC))
    link(
        store,
        ids["li"],
        add_framework(store),
        [f"kudos:{kudos.id}", f"checkin:{ids['checkin']}", "feedback:7"],
    )

    await test_prep_nudge._run(slack, test_prep_nudge.NUDGE_TIME)

    blocks: list[dict[str, Any]] = await test_prep_nudge._nudge(slack)
    shown = texts(blocks)
    assert f"{GAP}; suggested: Writing for busy readers" in shown
    values = [e.get("value") for b in blocks for e in b.get("elements", []) if "value" in e]
    assert {f"kudos:{kudos.id}", f"checkin:{ids['checkin']}"} <= set(values)  # can be opened
    assert "feedback:7" not in values  # a feedback has no viewer: no button that fails


async def test_a_thin_profile_or_a_manager_outside_the_line_gets_no_development_topic(
    slack: SlackHarness,
) -> None:
    ids = await test_prep_nudge._seed(slack)
    store, services = slack.candor.store, slack.candor.services
    competency = add_framework(store)
    li = store.people.get(ids["li"])
    omar = store.people.by_email("omar@example.com")
    ana = store.people.by_email("ana@example.com")
    assert li is not None and omar is not None and omar.id and ana is not None and ana.id

    link(store, ids["li"], competency, ["kudos:1", "kudos:2"])  # below the minimum of 3
    thin = prep_signal(services, ana.id, li)
    link(store, ids["li"], competency, ["kudos:1", "kudos:2", "kudos:3"])
    enough = prep_signal(services, ana.id, li)

    assert thin is None
    assert enough is not None and enough.competency == "Communication"
    assert [r[:2] for r in enough.records] == [("kudos", 3), ("kudos", 2), ("kudos", 1)]
    assert prep_signal(services, omar.id, li) is None  # not Li's manager


async def test_the_review_draft_focus_leads_with_the_gap_citing_only_permitted_records(
    slack: SlackHarness,
) -> None:
    store = slack.candor.store
    p = test_reviews.seed(store, slack.clock.now)
    competency = add_framework(store)
    kudos = sorted(
        k.id for k in store.kudos.received_since(p["li"], datetime(2000, 1, 1, tzinfo=UTC))
    )
    hidden = [
        f.id
        for f in store.feedback.about(p["li"], datetime(2000, 1, 1, tzinfo=UTC))
        if f.kind == "manager_note" and f.author_id == p["sam"]
    ]
    assert len(kudos) == 3 and len(hidden) == 1
    sources = [f"kudos:{i}" for i in kudos] + [f"feedback:{hidden[0]}"]
    link(store, p["li"], competency, sources)
    slack.standin.clear()

    await test_reviews.review(slack, f"draft {test_reviews.LI_AT}")

    [row] = test_reviews.drafts(slack)
    focus = next(s for s in row.content["sections"] if s["name"] == "focus")
    first = focus["sentences"][0]
    assert first["text"] == (
        "Next quarter, Li could develop Communication (evidence shows level 1, the role "
        "expects 2), for example with “Writing for busy readers”."
    )
    assert sorted(first["citations"]) == sorted(f"kudos:{i}" for i in kudos)
    assert f"feedback:{hidden[0]}" not in first["citations"]  # Sam's note isn't Ana's to see
    assert "could develop Communication" in texts((await dms(slack, ANA))[-1])


async def shown_home(h: SlackHarness, who: str) -> str:
    """Someone's Home as rendered (the Teams card: the same message Slack renders)."""
    view = await home_view(h.candor.services, person(h, who))
    return json.dumps(render_card(view, {}), ensure_ascii=False)


async def test_home_shows_the_person_their_own_skills_line_only(home: SlackHarness) -> None:
    store = home.candor.store
    li = person(home, "li")
    assert li.id is not None
    before = await shown_home(home, "li")
    link(store, li.id, add_framework(store), ["kudos:1", "kudos:2", "kudos:3"])

    mine, manager, peer = [await shown_home(home, who) for who in ("li", "ana", "sam")]

    assert "Skills:" not in before  # no framework, no line
    line = "Skills:** 1 of 5 competencies with enough evidence, top gap Communication"
    assert line in mine and "/candor skills" in mine
    assert "top gap Communication" not in manager  # the manager asks `/candor skills @li`
    assert "Skills:** 0 of 5 competencies with enough evidence ·" in peer
