"""/candor skills and /candor mentor through the real Bolt app; linking and erasure."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from handlers.competency_files import parse_catalogue, parse_framework
from handlers.skills_data import link_all
from store.competencies import NewExpectation
from store.erasure import erase_person, preview_erasure
from store.repository import Store
from store.skill_evidence import NewLink
from store.vector.embedder import HashingEmbedder
from tests.conftest import SlackHarness

AT = datetime(2026, 3, 2, tzinfo=UTC)
YAML = (Path(__file__).parent / "fixtures" / "skills_framework.yaml").read_text()
CATALOGUE = """title,url,competency,level,format,duration
Writing for busy readers,https://learn.example/writing,Communication,2,course,2h
"""


def _id(store: Store, email: str) -> int:
    person = store.people.by_email(email)
    assert person is not None and person.id is not None
    return person.id


def seed(store: Store) -> dict[str, int]:
    framework = parse_framework(YAML, "framework.yaml")
    expectations = [*framework.expectations, NewExpectation("Backend Engineer", "Communication", 2)]
    store.competencies.import_framework(framework.competencies, expectations, at=AT)
    store.competencies.import_catalogue(
        parse_catalogue(CATALOGUE, {"communication", "delivery"}), at=AT
    )
    ids = {n: _id(store, f"{n}@example.com") for n in ("li", "sam", "ana")}
    communication = store.competencies.framework().by_name("Communication")
    assert communication is not None and communication.id is not None
    links = [
        NewLink(f"kudos:{i}", ids["li"], communication.id, 0.4, 1, "strength", AT + timedelta(i))
        for i in (1, 2, 3)
    ] + [
        NewLink(f"kudos:{i}", ids["sam"], communication.id, 0.4, 3, "strength", AT)
        for i in (11, 12, 13)
    ]
    store.skill_evidence.replace_links([link.source for link in links], links, at=AT)
    return ids


def reply(slack: SlackHarness) -> str:
    calls = slack.standin.calls_to("response_url") + slack.standin.calls_to("chat.postEphemeral")
    return json.dumps([c.args.get("blocks") for c in calls], ensure_ascii=False)


async def test_the_person_sees_their_profile_gap_and_cited_suggestions(
    slack: SlackHarness,
) -> None:
    seed(slack.candor.store)
    await slack.kudos("mentor on Communication", command="/candor", user="U0SAM")

    await slack.kudos("skills", command="/candor", user="U0LI")

    shown = reply(slack)
    assert "Your skill profile" in shown
    assert "*Communication* — below expected" in shown
    assert "`kudos:3`, `kudos:2`, `kudos:1`" in shown
    assert "Writing for busy readers https://learn.example/writing" in shown
    assert "U0SAM" in shown  # opted in and strong in it
    assert "*Delivery* — not enough evidence" in shown
    assert "kudos:11" not in shown  # the mentor's own records stay theirs


async def test_without_an_opt_in_no_colleague_is_suggested(slack: SlackHarness) -> None:
    seed(slack.candor.store)

    await slack.kudos("skills", command="/candor", user="U0LI")

    assert "U0SAM" not in reply(slack)


async def test_managers_up_the_line_see_a_report_profile(slack: SlackHarness) -> None:
    seed(slack.candor.store)

    for manager in ("U0ANA", "U0MAYA"):
        await slack.kudos("skills <@U0LI|li>", command="/candor", user=manager)

    assert reply(slack).count("Li Wei's skill profile") == 2


async def test_a_peer_and_hr_do_not_see_a_profile(slack: SlackHarness) -> None:
    seed(slack.candor.store)

    for other in ("U0SAM", "U0HANA"):
        await slack.kudos("skills <@U0LI|li>", command="/candor", user=other)

    shown = reply(slack)
    assert "Li Wei's skill profile" not in shown
    assert shown.count("Only the person and their manager can see a skill profile") == 2


async def test_team_summaries_hide_small_teams(slack: SlackHarness) -> None:
    seed(slack.candor.store)

    await slack.kudos("skills team", command="/candor", user="U0ANA")
    await slack.kudos("skills team", command="/candor", user="U0LI")

    shown = reply(slack)
    assert "your team has fewer than 5 people" in shown
    assert "Li Wei" not in shown
    assert "Team summaries are for managers" in shown


async def test_linking_is_idempotent_and_erasure_removes_links(slack: SlackHarness) -> None:
    store = slack.candor.store
    ids = seed(store)
    await slack.kudos("<@U0LI|li> explained the API clearly to the sales team", user="U0SAM")
    await slack.kudos("mentor on", command="/candor", user="U0LI")

    first = link_all(store, HashingEmbedder())
    again = link_all(store, HashingEmbedder())
    assert first == again
    assert {link.source for link in store.skill_evidence.all_links()} <= {
        link.source for link in store.skill_evidence.for_people(list(ids.values()))
    }  # seeded links of missing records were dropped; what remains is about our people

    store.skill_evidence.replace_links(
        ["kudos:99"], [NewLink("kudos:99", ids["li"], 1, 0.5, 1, "strength")], at=AT
    )
    preview = preview_erasure(store, ids["li"])
    report = erase_person(store, ids["li"], AT)
    assert report is not None
    assert report.evidence_links_deleted >= 1 and report.mentoring_optins_deleted == 1
    assert preview.mentoring_optins_deleted == 1
    assert store.skill_evidence.for_people([ids["li"]]) == []
    assert store.skill_evidence.mentoring() == []


async def test_a_kudos_given_in_slack_is_linked_when_indexed_and_shows_in_the_profile(
    slack: SlackHarness,
) -> None:
    store = slack.candor.store
    framework = parse_framework(YAML, "framework.yaml")
    store.competencies.import_framework(framework.competencies, framework.expectations, at=AT)
    # The harness embeds by words, so a kudos in a level-2 descriptor's words must link there.
    words = "explains complex ideas simply to different audiences, in docs and presentations"
    await slack.kudos(f"<@U0LI|li> {words}", user="U0SAM")
    await slack.kudos("<@U0LI|li> zebra giraffe okapi", user="U0SAM")

    await slack.candor.indexer.current()  # the background indexer has drained everything
    await slack.kudos("skills", command="/candor", user="U0LI")

    li = _id(store, "li@example.com")
    [linked, unlinked] = sorted(k.id for k in store.kudos.received_since(li, AT))
    links = store.skill_evidence.for_people([li])
    assert [(x.source, x.level, x.polarity) for x in links] == [(f"kudos:{linked}", 2, "strength")]
    assert "*Communication* — not enough evidence" in reply(slack)
    assert f"records: `kudos:{linked}`" in reply(slack)
    assert f"kudos:{unlinked}" not in reply(slack)
