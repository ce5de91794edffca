"""/calibration through the real Bolt app: HR only, flags with their statistics, a manager's
pre-calibration view with a chart, and never a group under the minimum or a person's
protected attribute."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from handlers.calibration import OPEN
from store.ratings import NewRating
from tests.conftest import FakeClock, SlackHarness
from tests.digest_org import running_digest_org

COMPETENCIES = ("Delivery", "Collaboration", "Craft")
RATED_AT = datetime(2026, 6, 30, tzinfo=UTC)


def seed_ratings(harness: SlackHarness) -> None:
    """Each lead rates their team; leads also rate two people in another team (360)."""
    store = harness.candor.store
    people = store.people.all()
    by_email = {p.email: p for p in people}
    rng = random.Random(7)
    rows: list[NewRating] = []
    leads = {"payments": 7, "platform": 6, "design": 3}
    for dept, size in leads.items():
        lead = by_email[f"{dept}0@x.io"]
        assert lead.id is not None
        for i in range(1, size + 1):
            ratee = by_email[f"{dept}{i}@x.io"]
            assert ratee.id is not None
            for competency in COMPETENCIES:
                score = min(5, max(1, round(3 + rng.gauss(0, 0.8) - (dept == "payments"))))
                rows.append(NewRating("2026-H1", lead.id, ratee.id, competency, score, RATED_AT))
    for dept, other in (("payments", "platform"), ("platform", "payments")):
        lead = by_email[f"{dept}0@x.io"]
        assert lead.id is not None
        for i in (1, 2):
            ratee = by_email[f"{other}{i}@x.io"]
            assert ratee.id is not None
            for competency in COMPETENCIES:
                rows.append(NewRating("2026-H1", lead.id, ratee.id, competency, 3, RATED_AT))
    store.ratings.import_ratings(rows, scale=(1, 5), at=harness.clock())
    genders = {}
    for p in people:
        if p.department == "Design":
            genders[p.id] = "nonbinary"  # 4 people: never shown, never recoverable
        elif p.id is not None:
            genders[p.id] = "woman" if p.id % 2 else "man"
    store.attributes.replace_all(
        [(pid, "gender", value) for pid, value in genders.items() if pid is not None],
        at=harness.clock(),
    )


@pytest.fixture
async def org(tmp_path: Path, database_url: str, clock: FakeClock) -> AsyncIterator[SlackHarness]:
    async with running_digest_org(
        tmp_path, database_url, clock, CANDOR_HR_CHANNEL="C0HR"
    ) as harness:
        seed_ratings(harness)
        yield harness


def _answers(org: SlackHarness, since: int = 0) -> str:
    calls = [c for c in org.standin.posted_messages()][since:]
    return json.dumps(
        [c.args.get("blocks") or c.args.get("text") for c in calls], ensure_ascii=False
    )


async def _run(
    org: SlackHarness, text: str, *, user: str = "U0HR", channel: str = "C0PEOPLE"
) -> str:
    before = len(org.standin.posted_messages())
    await org.post(org.command_body(text, command="/calibration", user=user, channel=channel))
    await org.settle(len(org.standin.calls), quiet=0.3)
    return _answers(org, before)


async def test_hr_gets_every_signal_with_its_statistics_privately(org: SlackHarness) -> None:
    rendered = await _run(org, "")

    assert "Calibration · 2026-H1" in rendered
    for section in (
        "Rater severity / leniency",
        "Manager distributions",
        "Halo / horn",
        "360 outlier raters",
        "Group gaps and the four-fifths rule",
    ):
        assert section in rendered
    assert "Nothing below describes fewer than 5 people" in rendered
    assert "not verdicts" in rendered
    # Run outside the HR channel: nothing was posted in the channel it was typed in.
    assert not [
        c for c in org.standin.calls_to("chat.postMessage") if c.args["channel"] == "C0PEOPLE"
    ]


async def test_in_the_hr_channel_it_is_posted_there(org: SlackHarness) -> None:
    await _run(org, "2026-h1", channel="C0HR")

    posted = [c for c in org.standin.calls_to("chat.postMessage") if c.args["channel"] == "C0HR"]
    assert posted and "Calibration · 2026-H1" in json.dumps(
        posted[0].args["blocks"], ensure_ascii=False
    )


async def test_a_small_group_is_never_shown_nor_a_persons_attribute(org: SlackHarness) -> None:
    rendered = await _run(org, "")

    assert "nonbinary" not in rendered
    assert "group(s) hidden" in rendered
    # Group rows carry counts, never the people in them.
    for line in rendered.split("\\n"):
        if "gender =" in line:
            assert "Person" not in line and "@x.io" not in line


async def test_employees_and_managers_are_refused(org: SlackHarness) -> None:
    for user in ("UPA1", "UPA0"):
        rendered = await _run(org, "", user=user)
        assert "Only HR and admins" in rendered
        assert "Calibration ·" not in rendered


async def test_an_unknown_cycle_lists_the_real_ones(org: SlackHarness) -> None:
    rendered = await _run(org, "2025-H2")

    assert "no cycle called '2025-H2'" in rendered and "2026-H1" in rendered


async def test_a_managers_view_shows_their_team_against_the_org_with_a_chart(
    org: SlackHarness,
) -> None:
    rendered = await _run(org, "manager <@UPA0|payments0>")

    assert "Pre-calibration · Payments Person0's team · 2026-H1" in rendered
    assert "Ratings per score (team / organisation)" in rendered
    [upload] = org.standin.calls_to("files.completeUploadExternal")
    assert upload.args["channel_id"] == "UPA0" or upload.args["channel_id"]
    assert any(data.startswith(b"\x89PNG") for data in org.standin.uploaded_files.values())


async def test_a_team_under_the_minimum_is_not_shown(org: SlackHarness) -> None:
    rendered = await _run(org, "manager <@UDE0|design0>")

    assert "fewer than 5 people rated" in rendered
    assert not org.standin.calls_to("files.completeUploadExternal")


async def test_hrs_home_links_the_calibration_view(org: SlackHarness) -> None:
    from handlers.home import home_view
    from handlers.messages import Actions

    hr = org.candor.store.people.by_email("hr@x.io")
    assert hr is not None
    home = await home_view(org.candor.services, hr)
    pressable = [
        b.action_id for block in home.blocks if isinstance(block, Actions) for b in block.buttons
    ]
    assert OPEN in pressable
    assert "cycle 2026-H1" in json.dumps([str(b) for b in home.blocks])

    before = len(org.standin.posted_messages())
    await org.click(OPEN, "", user="U0HR")
    await org.settle(len(org.standin.calls), quiet=0.3)

    assert "Calibration · 2026-H1" in _answers(org, before)
