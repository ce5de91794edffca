"""/digest, /themes, theme details and the weekly HR digest, through the real Bolt app."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from tests.conftest import FakeClock, SlackHarness
from tests.digest_org import DEPARTMENTS, ThemeLabeller, posted, running_digest_org


@pytest.fixture
async def org(tmp_path: Path, database_url: str, clock: FakeClock) -> AsyncIterator[SlackHarness]:
    async with running_digest_org(
        tmp_path, database_url, clock, CANDOR_HR_CHANNEL="C0HR"
    ) as harness:
        yield harness


def _text(calls: list[Any]) -> str:
    return json.dumps([c.args.get("blocks") for c in calls])


async def test_hr_digest_isposted_in_the_channel_with_a_chart(org: SlackHarness) -> None:
    await org.post(org.command_body("", command="/digest", user="U0HR", channel="C0PEOPLE"))
    await org.settle(len(org.standin.calls), quiet=0.5)

    [post] = posted(org, "C0PEOPLE")
    rendered = _text([post])
    assert "Themes digest" in rendered
    assert "outage" in rendered and "mentoring" in rendered
    assert "people" in rendered
    # The chart follows the post in the same channel.
    [upload] = org.standin.calls_to("files.completeUploadExternal")
    assert upload.args["channel_id"] == "C0PEOPLE"
    assert next(iter(org.standin.uploaded_files.values())).startswith(b"\x89PNG")
    # Every call made is allowed by the manifest's scopes and matches Slack's spec.
    from tests.slack_contract import assert_calls_match_spec
    from tests.test_manifest import declared_scopes, scopes_needed_for

    assert scopes_needed_for({c.method for c in org.standin.calls}) <= declared_scopes()
    assert_calls_match_spec(org.standin.calls)


async def test_no_rendered_theme_stands_for_fewer_than_the_minimum(org: SlackHarness) -> None:
    await org.post(org.command_body("", command="/digest", user="U0HR", channel="C0PEOPLE"))
    await org.settle(len(org.standin.calls), quiet=0.5)

    rendered = _text(posted(org, "C0PEOPLE"))
    import re

    counts = [int(n) for n in re.findall(r"(\d+) people", rendered)]
    assert counts and min(counts) >= 5
    # Design's topic involves only 4 people: it must not appear as a theme.
    assert "critique" not in rendered


async def test_digest_is_for_hr_only_and_says_who_may(org: SlackHarness) -> None:
    await org.kudos("", command="/digest", user="UPA1")

    assert posted(org, "C0GENERAL") == []
    reply = _text(org.standin.calls_to("response_url"))
    assert "Only HR and admins" in reply and "Hana Kim" in reply


async def test_digest_for_an_unknown_department_lists_the_real_ones(org: SlackHarness) -> None:
    await org.kudos("Marketing", command="/digest", user="U0HR")

    reply = _text(org.standin.calls_to("response_url"))
    assert "no department called" in reply and "Payments" in reply


async def test_a_small_department_shows_nothing(org: SlackHarness) -> None:
    await org.kudos("Design", command="/digest", user="U0HR", channel="C0PEOPLE")

    rendered = _text(posted(org, "C0PEOPLE"))
    assert "Fewer than 5 people" in rendered
    assert "critique" not in rendered


async def test_manager_themes_cover_their_own_reports_only(org: SlackHarness) -> None:
    await org.kudos("", command="/themes", user="UPA0")  # Payments lead

    [reply] = org.standin.calls_to("response_url")
    assert reply.args["response_type"] == "ephemeral"
    rendered = _text([reply])
    assert "your team" in rendered
    assert "critique" not in rendered


async def test_employees_cannot_ask_for_team_themes(org: SlackHarness) -> None:
    await org.kudos("", command="/themes", user="UPA3")

    assert "Only managers, HR and admins" in _text(org.standin.calls_to("response_url"))


async def test_theme_details_for_hr(org: SlackHarness) -> None:
    await org.post(org.command_body("", command="/digest", user="U0HR", channel="C0PEOPLE"))
    await org.settle(len(org.standin.calls), quiet=0.5)
    [post] = posted(org, "C0PEOPLE")
    buttons = [
        e
        for b in post.args["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "digest.theme"
    ]
    assert buttons

    await org.click("digest.theme", buttons[0]["value"], user="U0HR")
    details = _text(org.standin.calls_to("response_url"))
    assert "Theme:" in details and "Key phrases" in details

    org.standin.clear()
    await org.click("digest.theme", buttons[0]["value"], user="UPA3")
    assert "Only HR and admins" in _text(org.standin.calls_to("response_url"))


async def test_weekly_digest_goes_to_the_hr_channel_once_per_week(org: SlackHarness) -> None:
    from handlers.digest import weekly_digest

    await org.candor.run_scheduled("weekly digest", weekly_digest)
    await org.candor.run_scheduled("weekly digest", weekly_digest)  # a restart or a replica

    assert len(posted(org, "C0HR")) == 1
    org.clock.advance(days=7)
    await org.candor.run_scheduled("weekly digest", weekly_digest)
    assert len(posted(org, "C0HR")) == 2


async def test_the_weekly_digest_goes_out_monday_9_org_time_or_when_hr_chose(
    tmp_path: Path, database_url: str, clock: FakeClock
) -> None:
    from datetime import UTC, datetime

    from handlers.digest import weekly_digest

    clock.now = datetime(2026, 11, 9, 13, 55, tzinfo=UTC)  # Monday 08:55 in New York
    async with running_digest_org(
        tmp_path,
        database_url,
        clock,
        CANDOR_HR_CHANNEL="C0HR",
        CANDOR_TIMEZONE="America/New_York",
    ) as org:
        await org.candor.run_scheduled("weekly digest", weekly_digest)
        assert posted(org, "C0HR") == []
        org.clock.advance(minutes=5)  # 09:00 in New York
        await org.candor.run_scheduled("weekly digest", weekly_digest)
        assert len(posted(org, "C0HR")) == 1

        # HR moves it to Wednesday 14:00 in chat: Monday passes, Wednesday 14:00 sends.
        schedule = {"weekday": 2, "hour": 14, "minute": 0}
        org.candor.store.org_settings.save(
            {"digest_schedule": schedule}, at=org.clock.now, actor_id=None
        )
        org.clock.now = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)  # the next Monday, 09:00
        await org.candor.run_scheduled("weekly digest", weekly_digest)
        assert len(posted(org, "C0HR")) == 1
        org.clock.now = datetime(2026, 11, 18, 19, 0, tzinfo=UTC)  # Wednesday 14:00
        await org.candor.run_scheduled("weekly digest", weekly_digest)
        assert len(posted(org, "C0HR")) == 2


@pytest.fixture
async def org_with_llm(
    tmp_path: Path, database_url: str, clock: FakeClock
) -> AsyncIterator[SlackHarness]:
    async with running_digest_org(
        tmp_path, database_url, clock, llm=ThemeLabeller(responses=["unused"])
    ) as harness:
        yield harness


async def test_with_an_llm_labels_and_summaries_cite_their_themes(
    org_with_llm: SlackHarness,
) -> None:
    org = org_with_llm
    await org.post(org.command_body("", command="/digest", user="U0HR", channel="C0PEOPLE"))
    await org.settle(len(org.standin.calls), quiet=0.5)

    rendered = _text(posted(org, "C0PEOPLE"))
    assert "AI label t1" in rendered
    assert "A recurring topic in recent praise" in rendered
    assert "Sources: [1] theme t1" in rendered
    assert "Labels and summaries by" in rendered
    [output] = org.candor.store.ai_outputs.recent("theme_summaries")
    assert output.prompt == "theme_summaries" and output.prompt_version == "1"
    assert output.input_ids and all(i.startswith("kudos:") for i in output.input_ids)


async def test_an_llm_that_answers_nonsense_leaves_the_offline_labels(
    tmp_path: Path, database_url: str, clock: FakeClock
) -> None:
    async with running_digest_org(
        tmp_path, database_url, clock, llm=FakeListChatModel(responses=["I'd rather not."] * 4)
    ) as org:
        await org.post(org.command_body("", command="/digest", user="U0HR", channel="C0PEOPLE"))
        await org.settle(len(org.standin.calls), quiet=0.5)

        rendered = _text(posted(org, "C0PEOPLE"))
        assert "outage" in rendered
        assert "offline engine" in rendered
        assert org.candor.store.ai_outputs.recent() == []


# A check-in topic and a peer-feedback topic, in words no kudos uses.
PIPELINE = "the flaky deploy pipeline blocked our releases"
REVIEWS = "clear and kind code review comments on every pull request"


def seed_loop(org: SlackHarness) -> dict[str, list[int]]:
    """Every engineer was sent this week's check-in; all of Payments and most of Platform
    answered (about the pipeline), one in Design did. Peer feedback about reviews went round
    all of them, and a manager kept a private note. Returns the people by department."""
    store, now = org.candor.store, org.clock()
    team: dict[str, list[int]] = {d: [] for d in DEPARTMENTS}
    for person in store.people.all():
        if person.department in team and person.id is not None:
            team[person.department].append(person.id)
    answering = team["Payments"] + team["Platform"][:5] + team["Design"][:1]
    for ids in team.values():
        for n, person_id in enumerate(ids):
            store.checkins.mark_sent(person_id, "2026-W45", now - timedelta(days=2))
            if person_id in answering:
                store.checkins.submit(
                    person_id,
                    "2026-W45",
                    answers={"progress": f"{PIPELINE} {['today', 'again'][n % 2]}"},
                    mood=1,
                    blocker="",
                    at=now - timedelta(days=1),
                )
    reviewers = [p for ids in team.values() for p in ids]
    for n, author in enumerate(reviewers):
        store.feedback.add_once(
            f"peer-{n}",
            author_id=author,
            subject_id=reviewers[(n + 1) % len(reviewers)],
            kind="peer",
            text=f"{REVIEWS} {['this week', 'lately'][n % 2]}",
            at=now - timedelta(days=1),
        )
    store.feedback.add_once(
        "note",
        author_id=team["Payments"][0],
        subject_id=team["Payments"][1],
        kind="manager_note",
        text="a private salary negotiation note",
        at=now - timedelta(days=1),
    )
    return team


async def _digest(org: SlackHarness, text: str = "") -> list[Any]:
    await org.post(org.command_body(text, command="/digest", user="U0HR", channel="C0PEOPLE"))
    await org.settle(len(org.standin.calls), quiet=0.5)
    [post] = posted(org, "C0PEOPLE")
    return list(post.args["blocks"])


async def test_themes_cover_checkins_and_peer_feedback_but_never_notes(org: SlackHarness) -> None:
    seed_loop(org)

    blocks = await _digest(org)
    rendered = json.dumps(blocks, ensure_ascii=False)

    themes = " ".join(b["text"]["text"] for b in blocks if "mentions (" in str(b.get("text")))
    assert "pipeline" in themes and "review" in themes  # both found as themes
    assert "outage" in rendered  # kudos still are
    assert "salary" not in rendered
    # The sources are counted by kind; 14 people answered about the pipeline: it is quoted.
    assert re.search(
        r"From \d+ kudos, 14 check-ins and 19 feedback answers about \d+ people", rendered
    )
    assert PIPELINE in rendered


async def test_checkin_completion_shows_big_departments_only(org: SlackHarness) -> None:
    team = seed_loop(org)

    blocks = await _digest(org)

    [section] = [b for b in blocks if "Check-in completion" in b.get("text", {}).get("text", "")]
    sent = sum(len(ids) for ids in team.values())
    assert f"74% answered · 14 of {sent} check-ins · {sent} people" in section["text"]["text"]
    fields = {f["text"].split("\n")[0]: f["text"].split("\n")[1] for f in section["fields"]}
    assert fields["*Payments*"] == "100% answered · 8 of 8 check-ins · 8 people"
    # Design (4 people) is too small; Platform would give Design away by subtraction.
    assert set(fields) == {"*Payments*"}


async def test_no_completion_is_shown_for_a_team_below_the_minimum(org: SlackHarness) -> None:
    seed_loop(org)

    blocks = await _digest(org, "Payments")

    rendered = json.dumps(blocks, ensure_ascii=False)
    assert "100% answered · 8 of 8 check-ins" in rendered
    org.standin.clear()
    design = json.dumps(await _digest(org, "Design"), ensure_ascii=False)
    assert "Check-in completion" not in design and "Fewer than 5 people" in design
